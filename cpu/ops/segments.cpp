// MOV to/from segment registers, the far-pointer loads LDS/LES/LFS/LGS/LSS and the descriptor
// probes LAR, LSL, VERR, VERW, ARPL.
//
// Implementation choices (docs/undefined.md, "System instructions"):
//   MOV r32, Sreg zero-extends (the P6 behaviour the SDM names).
#include "cpu/descriptor.h"
#include "cpu/insn_aux.h"
#include "cpu/ops/operands.h"
#include "cpu/ops/system_parts.h"

namespace jitpc::cpu::ops {
namespace {

// MOV Sreg, r/m16 (r0 = segment register). MOV SS holds interrupts and debug traps off for
// one instruction, so that the MOV to ESP that follows runs first.
template <Loc L> void mov_to_sreg(Cpu& c, const Insn& i) {
    c.load_seg(i.r0, get<uint16_t, L>(c, i));
    if (i.r0 == SS) c.irq_shadow = SHADOW_SS;
}
// MOV r16/r32, Sreg (r0 = GPR, r1 = segment register).
template <typename T> void mov_sreg_to_reg(Cpu& c, const Insn& i) {
    c.set_reg<T>(i.r0, c.seg[i.r1].sel);
}
// MOV m16, Sreg (r0 = segment register): always a 16-bit store.
void mov_sreg_to_mem(Cpu& c, const Insn& i) { c.write<uint16_t>(i.seg, c.ea(i), c.seg[i.r0].sel); }

bool is_sreg(const DecodeCtx& ctx, unsigned n) {
    return ctx.is_reg(n) && ZydisRegisterGetClass(ctx.ops[n].reg.value) == ZYDIS_REGCLASS_SEGMENT;
}

Handler bind_mov_sreg(const DecodeCtx& ctx, Insn& i) {
    if (is_sreg(ctx, 0)) {
        if (i.r0 == CS) return nullptr;  // MOV CS, r/m is #UD
        if (i.r0 == SS) i.flags |= IF_END_BLOCK;
        return ctx.is_mem(1) ? mov_to_sreg<M> : mov_to_sreg<R1>;
    }
    if (is_sreg(ctx, 1)) {
        if (ctx.is_mem(0)) return mov_sreg_to_mem;
        i.aux = AUX_FROM_SREG;
        return ctx.size(0) == 4 ? mov_sreg_to_reg<uint32_t> : mov_sreg_to_reg<uint16_t>;
    }
    return nullptr;
}

// LDS/LES/LFS/LGS/LSS r, m16:16 or m16:32 (r0 = register, aux = segment register): the whole
// pointer is read and the segment loaded with every check of the mode before the register
// changes, so a fault leaves both as they were. LSS sets no interrupt shadow: it loads SS:ESP
// in one instruction, which is what it is for (the SDM gives the shadow to MOV SS and POP SS).
template <typename T> void load_far_pointer(Cpu& c, const Insn& i) {
    const FarPtr p = read_far_pointer(c, i);
    c.load_seg(i.aux, p.sel);
    c.set_reg<T>(i.r0, static_cast<T>(p.off));
}

template <SegReg S> Handler bind_load_far_pointer(const DecodeCtx& ctx, Insn& i) {
    if (!ctx.is_mem(1)) return nullptr;  // the register form (ModRM mod = 3) is #UD
    i.aux = S;
    return i.osize == 4 ? load_far_pointer<uint32_t> : load_far_pointer<uint16_t>;
}

void set_zf(Cpu& c, bool z) { c.flags.set_arith(EFLAGS_ZF, z ? EFLAGS_ZF : 0); }

// The descriptor a probe instruction may look at, or false (ZF = 0): null selectors, selectors
// beyond the table and descriptors more privileged than max(CPL, RPL) (unless conforming code).
bool probe(Cpu& c, uint16_t sel, Descriptor& d) {
    uint64_t lin;
    if ((sel & 0xFFFC) == 0 || !descriptor_address(c, sel, lin)) return false;
    d = Descriptor{c.sys_read<uint32_t>(lin), c.sys_read<uint32_t>(lin + 4)};
    if (d.conforming()) return true;
    return d.dpl() >= c.cpl && d.dpl() >= (sel & 3u);
}

// System descriptor types LAR (and, with the TSS/LDT ones only, LSL) accept. IA-32e mode
// (64-bit and compatibility code) has no 16-bit TSS, 16-bit call gate or task gate: there
// types 2 (LDT), 9 and 11 (64-bit TSS) and, for LAR, 12 (64-bit call gate) remain.
bool lar_type_ok(const Cpu& c, const Descriptor& d) {
    if (d.segment()) return true;
    switch (d.type()) {
    case 2: case 9: case 11: case 12: return true;
    case 1: case 3: case 4: case 5: return !(c.efer & efer::LMA);
    default: return false;
    }
}
bool lsl_type_ok(const Cpu& c, const Descriptor& d) {
    if (d.segment()) return true;
    switch (d.type()) {
    case 2: case 9: case 11: return true;
    case 1: case 3: return !(c.efer & efer::LMA);
    default: return false;
    }
}

// LAR/LSL r, r/m16: Lsl selects the instruction. The result is zero-extended to a 64-bit
// destination; a failed probe leaves the destination whole.
template <bool Lsl> struct LoadDesc {
    template <typename T, Loc D, Loc S> struct H {
        static void run(Cpu& c, const Insn& i) {
            if (!c.protected_mode()) raise_ud();
            Descriptor d;
            const bool ok = probe(c, get<uint16_t, S>(c, i), d) &&
                            (Lsl ? lsl_type_ok(c, d) : lar_type_ok(c, d));
            if (ok) c.set_reg<T>(i.r0, static_cast<T>(Lsl ? d.limit() : d.hi & 0x00FFFF00u));
            set_zf(c, ok);
        }
    };
};

// VERR/VERW r/m16: Write selects the instruction.
template <bool Write, Loc L> void verify(Cpu& c, const Insn& i) {
    if (!c.protected_mode()) raise_ud();
    Descriptor d;
    bool ok = probe(c, get<uint16_t, L>(c, i), d) && d.segment();
    if (ok) ok = Write ? d.writable_data() : d.readable();
    set_zf(c, ok);
}

// ARPL r/m16, r16: the destination is written only when its RPL is raised (the SDM's
// pseudo-code), so a memory operand in a read-only segment faults only then.
template <Loc L> void arpl(Cpu& c, const Insn& i) {
    if (!c.protected_mode()) raise_ud();
    const uint16_t v = get<uint16_t, L>(c, i);
    const unsigned want = c.reg16(L == M ? i.r0 : i.r1) & 3;
    const bool raise = (v & 3u) < want;
    if (raise) put<uint16_t, L>(c, i, static_cast<uint16_t>((v & ~3u) | want));
    set_zf(c, raise);
}

template <bool Lsl> Handler bind_load_desc(const DecodeCtx& ctx, Insn&) {
    const bool mem = ctx.is_mem(1);
    switch (ctx.size(0)) {
    case 2: return mem ? LoadDesc<Lsl>::template H<uint16_t, R0, M>::run
                       : LoadDesc<Lsl>::template H<uint16_t, R0, R1>::run;
    case 4: return mem ? LoadDesc<Lsl>::template H<uint32_t, R0, M>::run
                       : LoadDesc<Lsl>::template H<uint32_t, R0, R1>::run;
    case 8: return mem ? LoadDesc<Lsl>::template H<uint64_t, R0, M>::run
                       : LoadDesc<Lsl>::template H<uint64_t, R0, R1>::run;
    default: return nullptr;
    }
}
template <bool Write> Handler bind_verify(const DecodeCtx& ctx, Insn&) {
    return ctx.is_mem(0) ? verify<Write, M> : verify<Write, R0>;
}

}  // namespace
}  // namespace jitpc::cpu::ops

namespace jitpc::cpu {

void register_system_segments(Binder* t) {
    using namespace ops;
    chain_binder(t, ZYDIS_MNEMONIC_MOV, bind_mov_sreg);
    t[ZYDIS_MNEMONIC_LDS] = bind_load_far_pointer<DS>;
    t[ZYDIS_MNEMONIC_LES] = bind_load_far_pointer<ES>;
    t[ZYDIS_MNEMONIC_LFS] = bind_load_far_pointer<FS>;
    t[ZYDIS_MNEMONIC_LGS] = bind_load_far_pointer<GS>;
    t[ZYDIS_MNEMONIC_LSS] = bind_load_far_pointer<SS>;
    t[ZYDIS_MNEMONIC_LAR] = bind_load_desc<false>;
    t[ZYDIS_MNEMONIC_LSL] = bind_load_desc<true>;
    t[ZYDIS_MNEMONIC_VERR] = bind_verify<false>;
    t[ZYDIS_MNEMONIC_VERW] = bind_verify<true>;
    t[ZYDIS_MNEMONIC_ARPL] = [](const DecodeCtx& ctx, Insn&) -> Handler {
        return ctx.is_mem(0) ? arpl<M> : arpl<R0>;
    };
}

}  // namespace jitpc::cpu
