// PUSH POP PUSHA POPA PUSHF POPF ENTER LEAVE.
//
// Fixed choices where the SDM leaves a result open:
//   PUSH Sreg with a 32-bit operand size  pushes the selector zero-extended to 32 bits.
//   PUSHF (32-bit)                        stores VM and RF as 0, as the SDM specifies.
// Every form commits ESP (and any other register) only after all its accesses succeeded (POP
// to memory puts ESP back when its store faults), so a fault leaves the instruction
// restartable; at most stack bytes below ESP may have been written.
#include "cpu/ops/operands.h"

namespace jitpc::cpu::ops {
namespace {

// Moves RSP (ESP, or SP when `m` is 0xFFFF) by `delta` bytes.
void move_sp(Cpu& c, uint64_t delta, uint64_t m) { c.set_sp(c.gpr[ESP] + delta, m); }
void move_sp(Cpu& c, uint64_t delta) { move_sp(c, delta, c.sp_mask()); }

// PUSH ESP stores the value ESP had before the instruction: get() reads it before push().
template <typename T, Loc L> struct PushH {
    static void run(Cpu& c, const Insn& i) {
        T v;
        if (fetch<T, L>(c, i, v)) c.try_push<T>(v);
    }
};

template <typename T, Loc L> struct PopH {
    static void run(Cpu& c, const Insn& i) {
        if constexpr (L == M) {
            // The destination address is computed with the already incremented ESP; a faulting
            // store puts ESP back.
            const uint64_t old_esp = c.gpr[ESP];
            T v;
            if (!c.try_pop<T>(v)) return;
            if (!c.try_write<T>(i.seg, c.ea(i), v)) c.gpr[ESP] = old_esp;
        } else {
            // POP ESP: the popped value wins over the increment.
            T v;
            if (c.try_pop<T>(v)) c.set_reg<T>(i.r0, v);
        }
    }
};

template <typename T> struct PushSeg {
    static void run(Cpu& c, const Insn& i) { c.try_push<T>(c.seg[i.r0].sel); }
};
template <typename T> struct PopSeg {
    static void run(Cpu& c, const Insn& i) {
        // The stack size in effect before POP SS reloads SS decides how ESP moves.
        const uint64_t m = c.sp_mask();
        T v;
        if (!c.try_peek_stack<T>(0, v)) return;
        c.load_seg(i.r0, uint16_t(v));
        move_sp(c, sizeof(T), m);
        if (i.r0 == SS) {
            c.irq_shadow = SHADOW_SS;
            c.request_exit();
        }
    }
};

bool is_seg(const DecodeCtx& ctx) {
    return ctx.is_reg(0) && ZydisRegisterGetClass(ctx.ops[0].reg.value) == ZYDIS_REGCLASS_SEGMENT;
}

template <template <typename> class Fn> Handler by_osize(unsigned osize) {
    return osize == 2 ? &Fn<uint16_t>::run : osize == 8 ? &Fn<uint64_t>::run : &Fn<uint32_t>::run;
}
template <template <typename, Loc> class Fn, Loc L> Handler by_osize(unsigned osize) {
    return osize == 2 ? &Fn<uint16_t, L>::run : osize == 8 ? &Fn<uint64_t, L>::run : &Fn<uint32_t, L>::run;
}

Handler bind_push(const DecodeCtx& ctx, Insn& i) {
    if (is_seg(ctx)) return by_osize<PushSeg>(i.osize);
    if (ctx.is_imm(0)) return by_osize<PushH, I>(i.osize);
    if (ctx.is_mem(0)) return by_osize<PushH, M>(i.osize);
    return by_osize<PushH, R0>(i.osize);
}

Handler bind_pop(const DecodeCtx& ctx, Insn& i) {
    if (is_seg(ctx)) {
        if (i.r0 == CS) return nullptr;
        if (i.r0 == SS) i.flags |= IF_END_BLOCK;
        return by_osize<PopSeg>(i.osize);
    }
    if (ctx.is_mem(0)) return by_osize<PopH, M>(i.osize);
    return by_osize<PopH, R0>(i.osize);
}

// PUSHA stores EAX..EDI with the original ESP in ESP's slot; POPA skips that slot.
template <typename T> struct Pusha {
    static void run(Cpu& c, const Insn&) {
        const uint64_t m = c.sp_mask();
        for (unsigned r = EAX; r <= EDI; ++r)
            if (!c.try_write<T>(SS, (c.gpr[ESP] - (r + 1) * sizeof(T)) & m, c.reg<T>(r))) return;
        move_sp(c, uint64_t(-8 * int64_t(sizeof(T))));
    }
};
template <typename T> struct Popa {
    static void run(Cpu& c, const Insn&) {
        T v[8];
        for (unsigned r = EAX; r <= EDI; ++r)
            if (!c.try_peek_stack<T>((EDI - r) * sizeof(T), v[r])) return;
        move_sp(c, 8 * sizeof(T));
        for (unsigned r = EAX; r <= EDI; ++r)
            if (r != ESP) c.set_reg<T>(r, v[r]);
    }
};

bool v86_needs_iopl3(Cpu& c) {
    return c.vm86() && ((c.flags.bits & EFLAGS_IOPL) >> 12) < 3;
}

template <typename T> struct Pushf {
    static void run(Cpu& c, const Insn&) {
        if (v86_needs_iopl3(c)) raise_gp(0);
        c.try_push<T>(T(c.flags.get() & ~(EFLAGS_VM | EFLAGS_RF)));
    }
};

// Which EFLAGS bits POPF may load, by mode and privilege (SDM POPF operation). VM, VIF and VIP
// are never loaded; RF is loaded as 0 by the 32-bit form.
uint32_t popf_mask(const Cpu& c) {
    uint32_t m = EFLAGS_WRITABLE & ~(EFLAGS_VM | EFLAGS_VIF | EFLAGS_VIP);
    const unsigned iopl = (c.flags.bits & EFLAGS_IOPL) >> 12;
    if (c.protected_mode() && c.cpl > iopl) m &= ~EFLAGS_IF;
    if (c.vm86() || (c.protected_mode() && c.cpl > 0)) m &= ~EFLAGS_IOPL;
    return m;
}

template <typename T> struct Popf {
    static void run(Cpu& c, const Insn&) {
        if (v86_needs_iopl3(c)) raise_gp(0);
        T popped;
        if (!c.try_peek_stack<T>(0, popped)) return;
        const uint32_t v = popped & ~EFLAGS_RF;
        uint32_t m = popf_mask(c);
        if (sizeof(T) == 2) m &= 0xFFFF;
        move_sp(c, sizeof(T));
        c.flags.set(v, m);
        c.request_exit();
    }
};

// ENTER: push (E)BP, copy nesting-1 frame pointers from the enclosing frame, push the new frame
// pointer, then allocate. All of it runs on local copies of ESP/EBP, and a write at the final
// stack pointer is checked (#SS, #PF) before either is committed. The frame pointer is eSP
// after the first push, all 32 bits of it with a 32-bit operand size even on a 16-bit stack
// (the 386's frame-ptr := eSP); a 16-bit operand size keeps EBP's upper half.
template <typename T> struct Enter {
    static void run(Cpu& c, const Insn& i) {
        const uint64_t m = c.sp_mask();
        const unsigned level = i.imm2 & 31;
        uint64_t sp = c.gpr[ESP];
        uint64_t bp = c.gpr[EBP];
        auto push = [&](T v) {
            sp = (sp - sizeof(T)) & m;
            return c.try_write<T>(SS, sp, v);
        };
        if (!push(c.reg<T>(EBP))) return;
        const uint64_t frame = (c.gpr[ESP] & uint32_t(~m)) | sp;
        if (level > 0) {
            for (unsigned n = 1; n < level; ++n) {
                bp = (bp - sizeof(T)) & m;
                T v;
                if (!c.try_read<T>(SS, bp, v) || !push(v)) return;
            }
            if (!push(T(frame))) return;
        }
        const uint64_t final_sp = (sp - (i.imm & 0xFFFF)) & m;
        uint64_t lin;
        T unused;
        if (!c.try_read_for_write<T>(SS, final_sp, lin, unused)) return;
        c.set_sp(final_sp, m);
        c.set_reg<T>(EBP, T(frame));
    }
};

// LEAVE: (E)SP <- (E)BP, then pop (E)BP; the read happens before anything is committed.
template <typename T> struct Leave {
    static void run(Cpu& c, const Insn&) {
        const uint64_t m = c.sp_mask();
        const uint64_t sp = c.gpr[EBP] & m;
        T v;
        if (!c.try_read<T>(SS, sp, v)) return;
        c.set_sp(sp + sizeof(T), m);
        c.set_reg<T>(EBP, v);
    }
};

template <template <typename> class Fn> Handler bind_sized(const DecodeCtx&, Insn& i) {
    return by_osize<Fn>(i.osize);
}
Handler bind_popf(const DecodeCtx& ctx, Insn& i) {
    i.flags |= IF_END_BLOCK;
    return bind_sized<Popf>(ctx, i);
}

}  // namespace
}  // namespace jitpc::cpu::ops

namespace jitpc::cpu {

void register_stack(Binder* t) {
    using namespace ops;
    t[ZYDIS_MNEMONIC_PUSH] = bind_push;
    t[ZYDIS_MNEMONIC_POP] = bind_pop;
    t[ZYDIS_MNEMONIC_PUSHA] = bind_sized<Pusha>;
    t[ZYDIS_MNEMONIC_PUSHAD] = bind_sized<Pusha>;
    t[ZYDIS_MNEMONIC_POPA] = bind_sized<Popa>;
    t[ZYDIS_MNEMONIC_POPAD] = bind_sized<Popa>;
    t[ZYDIS_MNEMONIC_PUSHF] = bind_sized<Pushf>;
    t[ZYDIS_MNEMONIC_PUSHFD] = bind_sized<Pushf>;
    t[ZYDIS_MNEMONIC_PUSHFQ] = bind_sized<Pushf>;
    t[ZYDIS_MNEMONIC_POPF] = bind_popf;
    t[ZYDIS_MNEMONIC_POPFD] = bind_popf;
    t[ZYDIS_MNEMONIC_POPFQ] = bind_popf;
    t[ZYDIS_MNEMONIC_ENTER] = bind_sized<Enter>;
    t[ZYDIS_MNEMONIC_LEAVE] = bind_sized<Leave>;
}

}  // namespace jitpc::cpu
