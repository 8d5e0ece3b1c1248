// MOV, MOVZX/MOVSX, XCHG, LEA, CBW/CWDE/CWD/CDQ, XLAT, CMOVcc, SETcc, CMPXCHG, XADD,
// CMPXCHG8B, BSWAP and NOP.
//
// Fixed choices where the SDM leaves a result open:
//   BSWAP r16        the low word of the register becomes 0 (what P6-class parts and Bochs do);
//                    the upper half is kept.
//   CMOVcc           a memory source is read (and may fault) even when the condition is false.
//   CMPXCHG/8B       a memory destination is always written: the old value when the compare
//                    fails. A register destination is then left alone (in 64-bit mode its upper
//                    half too, as the host oracle's CPU and QEMU do).
#include "cpu/ops/cond_family.h"
#include "cpu/ops/operands.h"

namespace jitpc::cpu::ops {
namespace {

template <typename T, Loc D, Loc S> struct MovH {
    static void run(Cpu& c, const Insn& i) {
        T v;
        if (fetch<T, S>(c, i, v)) store<T, D>(c, i, v);
    }
};

// MOV r64, imm64: the immediate's high half is in `disp` (insn.h).
void mov_imm64(Cpu& c, const Insn& i) { c.gpr[i.r0] = uint64_t(i.disp) << 32 | i.imm; }
// MOV between the accumulator and [moffs64]: the offset's high half is in `imm` (insn.h).
template <typename T, bool Load> void mov_moffs64(Cpu& c, const Insn& i) {
    const uint64_t off = uint64_t(i.imm) << 32 | i.disp;
    if constexpr (Load) {
        T v;
        if (c.try_read<T>(i.seg, off, v)) c.set_reg<T>(EAX, v);
    } else {
        c.try_write<T>(i.seg, off, c.reg<T>(EAX));
    }
}
template <bool Load> Handler moffs64_form(unsigned size) {
    switch (size) {
    case 1: return mov_moffs64<uint8_t, Load>;
    case 2: return mov_moffs64<uint16_t, Load>;
    case 4: return mov_moffs64<uint32_t, Load>;
    default: return mov_moffs64<uint64_t, Load>;
    }
}

Handler bind_mov(const DecodeCtx& ctx, Insn& i) {
    // MOV to/from segment, control and debug registers belongs to the system group.
    for (unsigned n = 0; n < ctx.nops; ++n)
        if (ctx.is_reg(n)) {
            const auto cls = ZydisRegisterGetClass(ctx.ops[n].reg.value);
            if (cls != ZYDIS_REGCLASS_GPR8 && cls != ZYDIS_REGCLASS_GPR16 &&
                cls != ZYDIS_REGCLASS_GPR32 && cls != ZYDIS_REGCLASS_GPR64)
                return nullptr;
        }
    // aux = 8 tells the JIT that the immediate or the moffs is 64 bits (insn.h).
    if (ctx.zi.raw.imm[0].size == 64 || ctx.zi.raw.disp.size == 64) i.aux = 8;
    if (ctx.zi.raw.imm[0].size == 64) return mov_imm64;
    if (ctx.zi.raw.disp.size == 64) return ctx.is_mem(1) ? moffs64_form<true>(ctx.size(0)) : moffs64_form<false>(ctx.size(1));
    return pick_dst_src<MovH>(ctx);
}

// Location of the register source when operand 0 is at L (r/m, reg forms).
template <Loc L> constexpr Loc reg_src = L == M ? R0 : R1;

template <typename T> T sign_extend_half(uint64_t v) {
    using H = uint_t<sizeof(T) / 2>;
    return T(sint_t<H>(H(v)));
}

// MOVZX/MOVSX: destination register of size D, source of size S in a register or memory.
template <bool Signed> struct Extend {
    template <typename D, typename S, Loc L> static void run(Cpu& c, const Insn& i) {
        S v;
        if (!fetch<S, L>(c, i, v)) return;
        c.set_reg<D>(i.r0, Signed ? D(sint_t<S>(v)) : D(v));
    }
    template <typename D, typename S> static Handler from(const DecodeCtx& ctx) {
        return ctx.is_mem(1) ? &run<D, S, M> : &run<D, S, R1>;
    }
    static Handler bind(const DecodeCtx& ctx, Insn& i) {
        const unsigned d = ctx.size(0), s = ctx.size(1);
        i.aux = uint8_t(s);  // the source size, for the JIT
        if (d == 2 && s == 1) return from<uint16_t, uint8_t>(ctx);
        if (d == 2 && s == 2) return from<uint16_t, uint16_t>(ctx);
        if (d == 4 && s == 1) return from<uint32_t, uint8_t>(ctx);
        if (d == 4 && s == 2) return from<uint32_t, uint16_t>(ctx);
        if (d == 4 && s == 4) return from<uint32_t, uint32_t>(ctx);  // MOVSXD without REX.W
        if (d == 2 && s == 4) {  // MOVSXD r16, m16 (the SDM's form; Zydis sizes the memory operand 32)
            i.aux = 2;
            return from<uint16_t, uint16_t>(ctx);
        }
        if (d == 8 && s == 1) return from<uint64_t, uint8_t>(ctx);
        if (d == 8 && s == 2) return from<uint64_t, uint16_t>(ctx);
        if (d == 8 && s == 4) return from<uint64_t, uint32_t>(ctx);  // MOVSXD
        return nullptr;
    }
};

// XCHG: operand A (register or memory) with register B. The memory form is a locked RMW.
template <typename T, Loc A, Loc B> struct XchgH {
    static void run(Cpu& c, const Insn& i) {
        Rmw<T, A> a;
        T x;
        if (!a.load(c, i, x)) return;
        const T y = get<T, B>(c, i);
        a.store(c, i, y);
        store<T, B>(c, i, x);
    }
};
template <typename T> Handler xchg_form(const DecodeCtx& ctx) {
    if (ctx.is_mem(0) || ctx.is_mem(1)) return &XchgH<T, M, R0>::run;
    return &XchgH<T, R0, R1>::run;
}
Handler bind_xchg(const DecodeCtx& ctx, Insn&) {
    switch (ctx.size(0)) {
    case 1: return xchg_form<uint8_t>(ctx);
    case 2: return xchg_form<uint16_t>(ctx);
    case 4: return xchg_form<uint32_t>(ctx);
    case 8: return xchg_form<uint64_t>(ctx);
    default: return nullptr;
    }
}

// LEA: the effective address (already wrapped to the address size), truncated to the operand
// size.
template <typename T> void lea(Cpu& c, const Insn& i) { c.set_reg<T>(i.r0, T(c.ea(i))); }
Handler bind_lea(const DecodeCtx& ctx, Insn& i) {
    if (!ctx.is_mem(1)) return nullptr;
    return i.osize == 2 ? lea<uint16_t> : i.osize == 8 ? lea<uint64_t> : lea<uint32_t>;
}

// CBW/CWDE: sign-extend the low half of the accumulator into all of it.
template <typename T> void widen_acc(Cpu& c, const Insn&) {
    c.set_reg<T>(EAX, sign_extend_half<T>(c.gpr[EAX]));
}
// CWD/CDQ/CQO: (E/R)DX becomes the sign of (E/R)AX.
template <typename T> void sign_to_dx(Cpu& c, const Insn&) {
    c.set_reg<T>(EDX, (c.reg<T>(EAX) & sign_bit<T>) ? T(~T(0)) : T(0));
}
template <Handler F16, Handler F32, Handler F64 = nullptr>
Handler bind_by_osize(const DecodeCtx&, Insn& i) {
    return i.osize == 2 ? F16 : i.osize == 8 ? F64 : F32;
}

void xlat(Cpu& c, const Insn& i) {
    const uint64_t off = c.gpr[EBX] + c.reg8(EAX);
    uint8_t v;
    if (c.try_read<uint8_t>(i.seg, off & size_mask(i.asize), v)) c.reg8(EAX) = v;
}

// A 32-bit CMOVcc writes its destination (so zero-extends it) whatever the condition.
template <typename T, Loc L> struct CmovH {
    static void run(Cpu& c, const Insn& i) {
        T v;
        if (!fetch<T, L>(c, i, v)) return;
        c.set_reg<T>(i.r0, c.flags.cond(i.aux) ? v : c.reg<T>(i.r0));
    }
};
Handler bind_cmov(const DecodeCtx& ctx, Insn& i) {
    i.aux = cond_of(CMOVCC, ctx.zi.mnemonic);
    const bool mem = ctx.is_mem(1);
    switch (ctx.size(0)) {
    case 2: return mem ? &CmovH<uint16_t, M>::run : &CmovH<uint16_t, R1>::run;
    case 4: return mem ? &CmovH<uint32_t, M>::run : &CmovH<uint32_t, R1>::run;
    case 8: return mem ? &CmovH<uint64_t, M>::run : &CmovH<uint64_t, R1>::run;
    default: return nullptr;
    }
}

template <typename T, Loc L> struct SetH {
    static void run(Cpu& c, const Insn& i) { store<T, L>(c, i, T(c.flags.cond(i.aux))); }
};
Handler bind_setcc(const DecodeCtx& ctx, Insn& i) {
    i.aux = cond_of(SETCC, ctx.zi.mnemonic);
    return pick_rm<SetH>(ctx);
}

// CMPXCHG compares the accumulator with the destination (flags as CMP acc, dest).
template <typename T, Loc L> struct CmpxchgH {
    static void run(Cpu& c, const Insn& i) {
        Rmw<T, L> d;
        T old;
        if (!d.load(c, i, old)) return;
        const T src = get<T, reg_src<L>>(c, i);
        const T acc = c.reg<T>(EAX);
        if (L == M || acc == old) d.store(c, i, acc == old ? src : old);
        if (acc != old) c.set_reg<T>(EAX, old);
        c.flags.set_lazy(FlagOp::Sub, sizeof(T), T(acc - old), acc, old);
    }
};

// XADD: dest <- dest + src, src <- old dest; with one register as both, the sum wins.
template <typename T, Loc L> struct XaddH {
    static void run(Cpu& c, const Insn& i) {
        Rmw<T, L> d;
        T a;
        if (!d.load(c, i, a)) return;
        const T b = get<T, reg_src<L>>(c, i);
        store<T, reg_src<L>>(c, i, a);
        d.store(c, i, T(a + b));
        c.flags.set_lazy(FlagOp::Add, sizeof(T), T(a + b), a, b);
    }
};

template <template <typename, Loc> class H> Handler bind_rm_reg(const DecodeCtx& ctx, Insn&) {
    return pick_rm<H>(ctx);
}

// CMPXCHG8B/CMPXCHG16B m (T: the half's type): EDX:EAX (RDX:RAX) against the operand,
// ECX:EBX (RCX:RBX) stored when equal, the operand loaded into EDX:EAX otherwise; the operand is
// written either way, so it is probed writable before anything changes. CMPXCHG16B wants a
// 16-byte aligned operand (#GP(0)).
template <typename T> void cmpxchg_pair(Cpu& c, const Insn& i) {
    const uint64_t lin = c.linear(i.seg, c.ea(i), 2 * sizeof(T), true);
    if (sizeof(T) == 8 && (lin & 15)) raise_gp(0);
    c.mmu.probe_write(lin, 2 * sizeof(T), c.user());
    auto load = [&](uint64_t at) {
        T v = c.mmu.read<uint32_t>(at, c.user());
        if constexpr (sizeof(T) == 8) v |= T(c.mmu.read<uint32_t>(at + 4, c.user())) << 32;
        return v;
    };
    auto store = [&](uint64_t at, T v) {
        c.write_linear<uint32_t>(at, uint32_t(v));
        if constexpr (sizeof(T) == 8) c.write_linear<uint32_t>(at + 4, uint32_t(v >> 32));
    };
    const T lo = load(lin), hi = load(lin + sizeof(T));
    const bool eq = lo == c.reg<T>(EAX) && hi == c.reg<T>(EDX);
    store(lin, eq ? c.reg<T>(EBX) : lo);
    store(lin + sizeof(T), eq ? c.reg<T>(ECX) : hi);
    if (!eq) {
        c.set_reg<T>(EAX, lo);
        c.set_reg<T>(EDX, hi);
    }
    c.flags.set_arith(EFLAGS_ZF, eq ? EFLAGS_ZF : 0);
}
Handler bind_cmpxchg8b(const DecodeCtx& ctx, Insn&) {
    return ctx.is_mem(0) ? cmpxchg_pair<uint32_t> : nullptr;
}
Handler bind_cmpxchg16b(const DecodeCtx& ctx, Insn&) {
    return ctx.is_mem(0) ? cmpxchg_pair<uint64_t> : nullptr;
}

void bswap32(Cpu& c, const Insn& i) { c.gpr[i.r0] = __builtin_bswap32(uint32_t(c.gpr[i.r0])); }
void bswap64(Cpu& c, const Insn& i) { c.gpr[i.r0] = __builtin_bswap64(c.gpr[i.r0]); }
void bswap16(Cpu& c, const Insn& i) { c.reg16(i.r0) = 0; }

// NOP, including the 0F 1F /0 and 0F 18-1F hint forms a P6 executes as no-ops.
void nop(Cpu&, const Insn&) {}

// PAUSE (F3 90, which every IA-32 processor runs as REP NOP; Linux spins on it) does nothing
// for PAUSE_TICKS ticks (cpu/state.h says why that many). Like a REP instruction it stops
// between ticks at the engine's limit and runs again for the ticks left, so events come at
// their tick and a stop that delivers none changes nothing; an event delivered there starts
// the PAUSE it returns to afresh (Cpu::deliver). Under single-step it takes all of them at
// once: one trap after the whole PAUSE, as on hardware. Ticks but the one of its retirement
// count in spin_ticks.
void pause(Cpu& c, const Insn&) {
    if (!c.pause_left) c.pause_left = PAUSE_TICKS;
    uint64_t take = c.pause_left;  // this execution's ticks; the run loop adds the last one
    if (!(c.flags.bits & EFLAGS_TF))
        take = std::min(take, c.exit_request || c.icount + 1 >= c.icount_limit ? 1 : c.icount_limit - c.icount);
    c.pause_left -= uint32_t(take);
    c.icount += take - 1;
    c.spin_ticks += c.pause_left ? take : take - 1;
    if (c.pause_left) c.next_rip = c.rip;
}

// PAUSE may run again, so it ends its block.
Handler bind_pause(const DecodeCtx&, Insn& i) {
    i.flags |= IF_END_BLOCK;
    return pause;
}

}  // namespace
}  // namespace jitpc::cpu::ops

namespace jitpc::cpu {

void register_datamov(Binder* t) {
    using namespace ops;
    t[ZYDIS_MNEMONIC_MOV] = bind_mov;
    t[ZYDIS_MNEMONIC_NOP] = bind_fixed<nop>;
    t[ZYDIS_MNEMONIC_PAUSE] = bind_pause;
    t[ZYDIS_MNEMONIC_MOVZX] = Extend<false>::bind;
    t[ZYDIS_MNEMONIC_MOVSX] = Extend<true>::bind;
    t[ZYDIS_MNEMONIC_MOVSXD] = Extend<true>::bind;
    t[ZYDIS_MNEMONIC_XCHG] = bind_xchg;
    t[ZYDIS_MNEMONIC_LEA] = bind_lea;
    t[ZYDIS_MNEMONIC_CBW] = bind_by_osize<widen_acc<uint16_t>, widen_acc<uint32_t>>;
    t[ZYDIS_MNEMONIC_CWDE] = bind_by_osize<widen_acc<uint16_t>, widen_acc<uint32_t>>;
    t[ZYDIS_MNEMONIC_CDQE] = bind_by_osize<widen_acc<uint16_t>, widen_acc<uint32_t>, widen_acc<uint64_t>>;
    t[ZYDIS_MNEMONIC_CWD] = bind_by_osize<sign_to_dx<uint16_t>, sign_to_dx<uint32_t>>;
    t[ZYDIS_MNEMONIC_CDQ] = bind_by_osize<sign_to_dx<uint16_t>, sign_to_dx<uint32_t>>;
    t[ZYDIS_MNEMONIC_CQO] = bind_by_osize<sign_to_dx<uint16_t>, sign_to_dx<uint32_t>, sign_to_dx<uint64_t>>;
    t[ZYDIS_MNEMONIC_XLAT] = bind_fixed<xlat>;
    register_family(t, CMOVCC, bind_cmov);
    register_family(t, SETCC, bind_setcc);
    t[ZYDIS_MNEMONIC_CMPXCHG] = bind_rm_reg<CmpxchgH>;
    t[ZYDIS_MNEMONIC_XADD] = bind_rm_reg<XaddH>;
    t[ZYDIS_MNEMONIC_CMPXCHG8B] = bind_cmpxchg8b;
    t[ZYDIS_MNEMONIC_CMPXCHG16B] = bind_cmpxchg16b;
    t[ZYDIS_MNEMONIC_BSWAP] = bind_by_osize<bswap16, bswap32, bswap64>;
}

}  // namespace jitpc::cpu
