// x87 FPU instructions: control, loads and stores, arithmetic, compares.
// IEEE operations run on the host x87 (host_x87.h); this file does the stack, tags, exception
// masking, device-not-available checks and the instruction/data pointers (shared parts in
// fpu_common.h; memory images in fpu_env.cpp; FPREM/FSCALE/FXTRACT and transcendentals in
// fpu_math.cpp).
//
// Fixed choices where the SDM leaves C0..C3 undefined: they keep their previous value, except
// C1 after arithmetic, which is the host x87's round-up indication.
// Unmasked overflow/underflow with a register destination: FADD/FSUB/FMUL/FDIV and FSCALE give
// the exponent-biased result (fpu_common.h); the transcendentals keep the masked result.
#include <utility>

#include "cpu/fpu/fpu_common.h"

namespace jitpc::cpu::ops::fpu {
namespace {

// Source operand kinds of loads and arithmetic.
enum class Src : uint8_t { StI, F32, F64, F80, I16, I32, I64 };

// Reads and converts a memory source; false when an unmasked exception stops the instruction.
template <Src S> bool load_mem(Cpu& c, const Insn& i, Stack& s, Float80& out) {
    if constexpr (S == Src::F80) out = read80(c, i);
    else if constexpr (S == Src::I16) out = x87::from_int(int16_t(c.read<uint16_t>(i.seg, c.ea(i))));
    else if constexpr (S == Src::I32) out = x87::from_int(int32_t(c.read<uint32_t>(i.seg, c.ea(i))));
    else if constexpr (S == Src::I64) out = x87::from_int(int64_t(read64(c, i)));
    else {
        const x87::Result r = S == Src::F32 ? x87::from_f32(c.read<uint32_t>(i.seg, c.ea(i)), c.fpu.fcw)
                                            : x87::from_f64(read64(c, i), c.fpu.fcw);
        out = r.v;
        return s.signal(r.sw & sw::EXC);
    }
    return true;
}

// ---- control -----------------------------------------------------------------------------
void fnclex(Cpu& c, const Insn&) {
    c.fpu.fsw &= uint16_t(~(sw::EXC | sw::SF | sw::ES | sw::B));
    c.bus.ferr(false);
}
void fnstsw(Cpu& c, const Insn& i) {
    if (i.flags & IF_MEM) c.write<uint16_t>(i.seg, c.ea(i), c.fpu.fsw);
    else c.reg16(EAX) = c.fpu.fsw;
}
void fnstcw(Cpu& c, const Insn& i) { c.write<uint16_t>(i.seg, c.ea(i), c.fpu.fcw); }
void fldcw(Cpu& c, const Insn& i) {
    FpuState& f = c.fpu;
    f.fcw = uint16_t(c.read<uint16_t>(i.seg, c.ea(i)) | 0x40);
    // Unmasking a recorded exception makes it pending, as on the P6.
    if (f.fsw & ~f.fcw & sw::EXC) f.fsw |= sw::ES | sw::B;
    else f.fsw &= uint16_t(~(sw::ES | sw::B));
}
void fnop(Cpu&, const Insn&) {}

// ---- loads and stores ------------------------------------------------------------------------
template <Src S> void fld(Cpu& c, const Insn& i) {
    Stack s{c.fpu};
    Float80 v;
    if constexpr (S == Src::StI) {
        if (s.empty(i.r0)) {
            if (s.stack_fault(false)) s.push_checked(INDEFINITE);
            return;
        }
        v = s.st(i.r0);
    } else if (!load_mem<S>(c, i, s, v)) {
        return;
    }
    s.push_checked(v);
}

template <x87::Const K> void fldconst(Cpu& c, const Insn&) {
    Stack s{c.fpu};
    s.push_checked(x87::constant(K, c.fpu.fcw).v);
}

// FST/FSTP/FIST/FISTP, and SSE3's FISTTP (`Chop`: FISTP rounding toward zero whatever the
// control word says). `Pop` pops after a successful (or masked-fault) store.
template <Src D, bool Pop, bool Chop = false> void fst(Cpu& c, const Insn& i) {
    Stack s{c.fpu};
    s.set_cc(0, sw::C1);
    const bool underflow = s.empty(0);
    if (underflow && !s.stack_fault(false)) return;
    const Float80 v = underflow ? INDEFINITE : s.st(0);
    if constexpr (D == Src::StI) {
        s.write(i.r0, v);
    } else if constexpr (D == Src::F80) {
        write_bytes(c, i, &v, 10);
    } else {
        x87::Stored out;
        if constexpr (D == Src::F32) out = x87::to_f32(v, c.fpu.fcw);
        else if constexpr (D == Src::F64) out = x87::to_f64(v, c.fpu.fcw);
        else out = x87::to_int(v, D == Src::I16 ? 2 : D == Src::I32 ? 4 : 8, Chop ? c.fpu.fcw | 0x0C00 : c.fpu.fcw);
        constexpr unsigned bytes = D == Src::F32 || D == Src::I32 ? 4 : D == Src::I16 ? 2 : 8;
        // Check the destination first so a fault leaves the status word unchanged.
        c.mmu.probe_write(c.linear(i.seg, c.ea(i), bytes, true), bytes, c.user());
        if (!s.signal(out.sw & sw::EXC, sw::IE | sw::OE | sw::UE)) return;
        s.set_cc(out.sw & sw::C1, sw::C1);
        write_bytes(c, i, &out.bits, bytes);
    }
    if constexpr (Pop) s.pop();
}

void fxch(Cpu& c, const Insn& i) {
    Stack s{c.fpu};
    s.set_cc(0, sw::C1);
    if (s.empty(0) || s.empty(i.r0)) {
        if (!s.stack_fault(false)) return;
        if (s.empty(0)) s.write(0, INDEFINITE);
        if (s.empty(i.r0)) s.write(i.r0, INDEFINITE);
    }
    const Float80 a = s.st(0);
    s.write(0, s.st(i.r0));
    s.write(i.r0, a);
}

// FCHS and FABS touch only the sign and raise nothing but stack underflow.
template <bool Abs> void fsign(Cpu& c, const Insn&) {
    Stack s{c.fpu};
    s.set_cc(0, sw::C1);
    if (s.empty(0)) {
        if (s.stack_fault(false)) s.write(0, INDEFINITE);
        return;
    }
    Float80 v = s.st(0);
    v.sexp = uint16_t(Abs ? v.sexp & 0x7FFF : v.sexp ^ 0x8000);
    s.write(0, v);
}

template <x87::UnOp Op> void funary(Cpu& c, const Insn&) {
    Stack s{c.fpu};
    s.set_cc(0, sw::C1);
    if (s.empty(0)) {
        if (s.stack_fault(false)) s.write(0, INDEFINITE);
        return;
    }
    const x87::Result r = x87::unary(Op, s.st(0), c.fpu.fcw);
    if (!s.signal(r.sw & sw::EXC)) return;
    s.set_cc(r.sw & sw::C1, sw::C1);
    s.write(0, r.v);
}

// ---- arithmetic ----------------------------------------------------------------------------
enum class Arith : uint8_t { Add, Sub, Subr, Mul, Div, Divr };

// ST(r0) = ST(r0) op source; the source is ST(r1) or the memory operand (then r0 = 0).
template <Arith Op, Src S, bool Pop> void farith(Cpu& c, const Insn& i) {
    Stack s{c.fpu};
    const unsigned d = S == Src::StI ? i.r0 : 0;
    Float80 b;
    if constexpr (S != Src::StI) {
        if (!load_mem<S>(c, i, s, b)) return;
    }
    s.set_cc(0, sw::C1);
    if (s.empty(d) || (S == Src::StI && s.empty(i.r1))) {
        if (!s.stack_fault(false)) return;
        s.write(d, INDEFINITE);
        if constexpr (Pop) s.pop();
        return;
    }
    if constexpr (S == Src::StI) b = s.st(i.r1);
    Float80 a = s.st(d);
    constexpr bool reversed = Op == Arith::Subr || Op == Arith::Divr;
    if (reversed) std::swap(a, b);
    constexpr x87::BinOp op = Op == Arith::Add ? x87::BinOp::Add
                              : Op == Arith::Mul ? x87::BinOp::Mul
                              : (Op == Arith::Sub || Op == Arith::Subr) ? x87::BinOp::Sub
                                                                        : x87::BinOp::Div;
    x87::Result r = x87::binary(op, a, b, c.fpu.fcw);
    if (finite_nonzero(a) && finite_nonzero(b))
        r = biased_response(r, c.fpu.fcw, [&] { return x87::binary_wide(op, a, b, c.fpu.fcw); });
    if (!s.signal(r.sw & sw::EXC)) return;
    s.set_cc(r.sw & sw::C1, sw::C1);
    s.write(d, r.v);
    if constexpr (Pop) s.pop();
}

// ---- compares ------------------------------------------------------------------------------
// Compares ST(0) with ST(r1) or memory; `Pops` is 0, 1 or 2; `Eflags` selects FCOMI forms.
template <Src S, bool Unordered, unsigned Pops, bool Eflags> void fcom(Cpu& c, const Insn& i) {
    Stack s{c.fpu};
    Float80 b{};
    if constexpr (S != Src::StI) {
        if (!load_mem<S>(c, i, s, b)) return;
    }
    const unsigned src = S == Src::StI ? i.r1 : 0;
    uint16_t cc;
    if (s.empty(0) || (S == Src::StI && s.empty(src))) {
        if (!s.stack_fault(false)) return;
        cc = sw::C0 | sw::C2 | sw::C3;
    } else {
        if constexpr (S == Src::StI) b = s.st(src);
        const uint16_t r = x87::compare(s.st(0), b, c.fpu.fcw, Unordered);
        if (!s.signal(r & sw::EXC, sw::IE | sw::DE)) return;
        cc = r & (sw::C0 | sw::C2 | sw::C3);
    }
    if constexpr (Eflags) {
        s.set_cc(0, sw::C1);
        c.flags.set_arith(EFLAGS_ARITH, (cc & sw::C0 ? EFLAGS_CF : 0) | (cc & sw::C2 ? EFLAGS_PF : 0) |
                                            (cc & sw::C3 ? EFLAGS_ZF : 0));
    } else {
        s.set_cc(cc);
    }
    for (unsigned n = 0; n < Pops; ++n) s.pop();
}

void ftst(Cpu& c, const Insn&) {
    Stack s{c.fpu};
    if (s.empty(0)) {
        if (s.stack_fault(false)) s.set_cc(sw::C0 | sw::C2 | sw::C3);
        return;
    }
    const uint16_t r = x87::compare(s.st(0), Float80{}, c.fpu.fcw, false);
    if (!s.signal(r & sw::EXC, sw::IE | sw::DE)) return;
    s.set_cc(r & (sw::C0 | sw::C2 | sw::C3));
}

// Class in C3,C2,C0 and the sign in C1; raises nothing, even for an empty register.
void fxam(Cpu& c, const Insn&) {
    Stack s{c.fpu};
    const Float80& v = s.st(0);
    const unsigned e = v.sexp & 0x7FFF;
    const bool integer = v.mant >> 63, frac = v.mant << 1;
    uint16_t cls;
    if (s.empty(0)) cls = sw::C3 | sw::C0;
    else if (e == 0x7FFF) cls = !integer ? 0 : frac ? sw::C0 : sw::C2 | sw::C0;  // unsupported, NaN, inf
    else if (e == 0) cls = v.mant ? sw::C3 | sw::C2 : sw::C3;                    // denormal, zero
    else cls = integer ? sw::C2 : 0;                                            // normal, unnormal
    s.set_cc(cls | (v.sexp & 0x8000 ? sw::C1 : 0));
}

// FCMOVcc: `i.aux` holds the EFLAGS condition code.
void fcmov(Cpu& c, const Insn& i) {
    Stack s{c.fpu};
    s.set_cc(0, sw::C1);
    if (s.empty(0) || s.empty(i.r1)) {
        if (s.stack_fault(false)) s.write(0, INDEFINITE);
        return;
    }
    if (c.flags.cond(i.aux)) s.write(0, s.st(i.r1));
}

// FFREE, and FFREEP (DF C0+i, undocumented but present on the P6), which also pops.
template <bool Pop> void ffree(Cpu& c, const Insn& i) {
    Stack s{c.fpu};
    s.set_tag(s.phys(i.r0), TAG_EMPTY);
    if constexpr (Pop) s.set_top(c.fpu.top() + 1);
}
template <int D> void fstp_move(Cpu& c, const Insn&) {
    Stack s{c.fpu};
    s.set_cc(0, sw::C1);
    s.set_top(c.fpu.top() + D);
}


// ---- binders -------------------------------------------------------------------------------
template <template <Src> class H> Handler by_source(const DecodeCtx& ctx, unsigned n, bool integer) {
    if (!ctx.is_mem(n)) return H<Src::StI>::fn;
    switch (ctx.size(n)) {
    case 2: return integer ? H<Src::I16>::fn : nullptr;
    case 4: return integer ? H<Src::I32>::fn : H<Src::F32>::fn;
    case 8: return integer ? H<Src::I64>::fn : H<Src::F64>::fn;
    case 10: return integer ? nullptr : H<Src::F80>::fn;
    default: return nullptr;
    }
}

template <Src S> struct FldH { static constexpr Handler fn = &guarded<fld<S>, Kind::Compute>; };
template <bool Integer> Handler bind_fld(const DecodeCtx& ctx, Insn& i) {
    note_fop(ctx, i);
    return by_source<FldH>(ctx, 0, Integer);
}
template <bool Pop> struct FstSel {
    template <Src S> struct H { static constexpr Handler fn = &guarded<fst<S, Pop>, Kind::Compute>; };
};
template <bool Integer, bool Pop> Handler bind_fst(const DecodeCtx& ctx, Insn& i) {
    note_fop(ctx, i);
    // FST m80 and FIST m64 exist only in popping forms.
    if (!Pop && ctx.is_mem(0) && ctx.size(0) == (Integer ? 8u : 10u)) return nullptr;
    return by_source<FstSel<Pop>::template H>(ctx, 0, Integer);
}

template <Src S> struct FisttpH { static constexpr Handler fn = &guarded<fst<S, true, true>, Kind::Compute>; };
Handler bind_fisttp(const DecodeCtx& ctx, Insn& i) {
    note_fop(ctx, i);
    return ctx.is_mem(0) ? by_source<FisttpH>(ctx, 0, true) : nullptr;
}

template <Arith Op, bool Pop> struct ArithSel {
    template <Src S> struct H { static constexpr Handler fn = &guarded<farith<Op, S, Pop>, Kind::Compute>; };
};
template <Arith Op, bool Pop, bool Integer> Handler bind_arith(const DecodeCtx& ctx, Insn& i) {
    note_fop(ctx, i);
    const unsigned n = ctx.nops > 1 && ctx.is_mem(1) ? 1 : 0;
    if (ctx.is_mem(n) && ctx.size(n) > 8) return nullptr;
    return by_source<ArithSel<Op, Pop>::template H>(ctx, n, Integer);
}

template <bool Unordered, unsigned Pops, bool Eflags> struct ComSel {
    template <Src S> struct H { static constexpr Handler fn = &guarded<fcom<S, Unordered, Pops, Eflags>, Kind::Compute>; };
};
template <bool Unordered, unsigned Pops, bool Eflags, bool Integer = false>
Handler bind_com(const DecodeCtx& ctx, Insn& i) {
    note_fop(ctx, i);
    const unsigned n = ctx.nops > 1 && ctx.is_mem(1) ? 1 : 0;
    if (ctx.is_mem(n) && ctx.size(n) > 8) return nullptr;
    if (!ctx.is_mem(n) && ctx.nops < 2) i.r1 = 1;  // FCOMPP, FUCOMPP: ST(1)
    return by_source<ComSel<Unordered, Pops, Eflags>::template H>(ctx, n, Integer);
}

template <uint8_t Cc> Handler bind_fcmov(const DecodeCtx& ctx, Insn& i) {
    note_fop(ctx, i);
    i.aux = Cc;
    return &guarded<fcmov, Kind::Compute>;
}


}  // namespace
}  // namespace jitpc::cpu::ops::fpu

namespace jitpc::cpu {

void register_fpu(Binder* t) {
    using namespace ops::fpu;
    using x87::Const;
    t[ZYDIS_MNEMONIC_FNINIT] = bind_fixed<fninit, Kind::NoWait>;
    t[ZYDIS_MNEMONIC_FNCLEX] = bind_fixed<fnclex, Kind::NoWait>;
    t[ZYDIS_MNEMONIC_FNSTSW] = bind_fixed<fnstsw, Kind::NoWait>;
    t[ZYDIS_MNEMONIC_FNSTCW] = bind_fixed<fnstcw, Kind::NoWait>;
    t[ZYDIS_MNEMONIC_FLDCW] = bind_fixed<fldcw, Kind::Control>;
    t[ZYDIS_MNEMONIC_FWAIT] = bind_fixed<fnop, Kind::Wait>;
    t[ZYDIS_MNEMONIC_FNOP] = bind_fixed<fnop>;
    t[ZYDIS_MNEMONIC_FLD] = bind_fld<false>;
    t[ZYDIS_MNEMONIC_FILD] = bind_fld<true>;
    t[ZYDIS_MNEMONIC_FST] = bind_fst<false, false>;
    t[ZYDIS_MNEMONIC_FSTP] = bind_fst<false, true>;
    t[ZYDIS_MNEMONIC_FIST] = bind_fst<true, false>;
    t[ZYDIS_MNEMONIC_FISTP] = bind_fst<true, true>;
    t[ZYDIS_MNEMONIC_FISTTP] = bind_fisttp;
    t[ZYDIS_MNEMONIC_FLD1] = bind_fixed<fldconst<Const::One>>;
    t[ZYDIS_MNEMONIC_FLDZ] = bind_fixed<fldconst<Const::Zero>>;
    t[ZYDIS_MNEMONIC_FLDPI] = bind_fixed<fldconst<Const::Pi>>;
    t[ZYDIS_MNEMONIC_FLDL2E] = bind_fixed<fldconst<Const::L2e>>;
    t[ZYDIS_MNEMONIC_FLDL2T] = bind_fixed<fldconst<Const::L2t>>;
    t[ZYDIS_MNEMONIC_FLDLG2] = bind_fixed<fldconst<Const::Lg2>>;
    t[ZYDIS_MNEMONIC_FLDLN2] = bind_fixed<fldconst<Const::Ln2>>;
    t[ZYDIS_MNEMONIC_FXCH] = bind_fixed<fxch>;
    t[ZYDIS_MNEMONIC_FCHS] = bind_fixed<fsign<false>>;
    t[ZYDIS_MNEMONIC_FABS] = bind_fixed<fsign<true>>;
    t[ZYDIS_MNEMONIC_FSQRT] = bind_fixed<funary<x87::UnOp::Sqrt>>;
    t[ZYDIS_MNEMONIC_FRNDINT] = bind_fixed<funary<x87::UnOp::Rndint>>;
    t[ZYDIS_MNEMONIC_FADD] = bind_arith<Arith::Add, false, false>;
    t[ZYDIS_MNEMONIC_FADDP] = bind_arith<Arith::Add, true, false>;
    t[ZYDIS_MNEMONIC_FIADD] = bind_arith<Arith::Add, false, true>;
    t[ZYDIS_MNEMONIC_FSUB] = bind_arith<Arith::Sub, false, false>;
    t[ZYDIS_MNEMONIC_FSUBP] = bind_arith<Arith::Sub, true, false>;
    t[ZYDIS_MNEMONIC_FISUB] = bind_arith<Arith::Sub, false, true>;
    t[ZYDIS_MNEMONIC_FSUBR] = bind_arith<Arith::Subr, false, false>;
    t[ZYDIS_MNEMONIC_FSUBRP] = bind_arith<Arith::Subr, true, false>;
    t[ZYDIS_MNEMONIC_FISUBR] = bind_arith<Arith::Subr, false, true>;
    t[ZYDIS_MNEMONIC_FMUL] = bind_arith<Arith::Mul, false, false>;
    t[ZYDIS_MNEMONIC_FMULP] = bind_arith<Arith::Mul, true, false>;
    t[ZYDIS_MNEMONIC_FIMUL] = bind_arith<Arith::Mul, false, true>;
    t[ZYDIS_MNEMONIC_FDIV] = bind_arith<Arith::Div, false, false>;
    t[ZYDIS_MNEMONIC_FDIVP] = bind_arith<Arith::Div, true, false>;
    t[ZYDIS_MNEMONIC_FIDIV] = bind_arith<Arith::Div, false, true>;
    t[ZYDIS_MNEMONIC_FDIVR] = bind_arith<Arith::Divr, false, false>;
    t[ZYDIS_MNEMONIC_FDIVRP] = bind_arith<Arith::Divr, true, false>;
    t[ZYDIS_MNEMONIC_FIDIVR] = bind_arith<Arith::Divr, false, true>;
    t[ZYDIS_MNEMONIC_FCOM] = bind_com<false, 0, false>;
    t[ZYDIS_MNEMONIC_FCOMP] = bind_com<false, 1, false>;
    t[ZYDIS_MNEMONIC_FCOMPP] = bind_com<false, 2, false>;
    t[ZYDIS_MNEMONIC_FICOM] = bind_com<false, 0, false, true>;
    t[ZYDIS_MNEMONIC_FICOMP] = bind_com<false, 1, false, true>;
    t[ZYDIS_MNEMONIC_FUCOM] = bind_com<true, 0, false>;
    t[ZYDIS_MNEMONIC_FUCOMP] = bind_com<true, 1, false>;
    t[ZYDIS_MNEMONIC_FUCOMPP] = bind_com<true, 2, false>;
    t[ZYDIS_MNEMONIC_FCOMI] = bind_com<false, 0, true>;
    t[ZYDIS_MNEMONIC_FCOMIP] = bind_com<false, 1, true>;
    t[ZYDIS_MNEMONIC_FUCOMI] = bind_com<true, 0, true>;
    t[ZYDIS_MNEMONIC_FUCOMIP] = bind_com<true, 1, true>;
    t[ZYDIS_MNEMONIC_FTST] = bind_fixed<ftst>;
    t[ZYDIS_MNEMONIC_FXAM] = bind_fixed<fxam>;
    t[ZYDIS_MNEMONIC_FCMOVB] = bind_fcmov<0x2>;
    t[ZYDIS_MNEMONIC_FCMOVNB] = bind_fcmov<0x3>;
    t[ZYDIS_MNEMONIC_FCMOVE] = bind_fcmov<0x4>;
    t[ZYDIS_MNEMONIC_FCMOVNE] = bind_fcmov<0x5>;
    t[ZYDIS_MNEMONIC_FCMOVBE] = bind_fcmov<0x6>;
    t[ZYDIS_MNEMONIC_FCMOVNBE] = bind_fcmov<0x7>;
    t[ZYDIS_MNEMONIC_FCMOVU] = bind_fcmov<0xA>;
    t[ZYDIS_MNEMONIC_FCMOVNU] = bind_fcmov<0xB>;
    register_env(t);
    register_math(t);
    t[ZYDIS_MNEMONIC_FFREE] = bind_fixed<ffree<false>>;
    t[ZYDIS_MNEMONIC_FFREEP] = bind_fixed<ffree<true>>;
    t[ZYDIS_MNEMONIC_FSTPNCE] = bind_fst<false, true>;  // D9 D8+i: FSTP ST(i) alias
    // The 8087/287 control opcodes (DB E0, E1, E4) do nothing on a 387 or later.
    t[ZYDIS_MNEMONIC_FENI8087_NOP] = bind_fixed<fnop, Kind::NoWait>;
    t[ZYDIS_MNEMONIC_FDISI8087_NOP] = bind_fixed<fnop, Kind::NoWait>;
    t[ZYDIS_MNEMONIC_FSETPM287_NOP] = bind_fixed<fnop, Kind::NoWait>;
    t[ZYDIS_MNEMONIC_FINCSTP] = bind_fixed<fstp_move<1>>;
    t[ZYDIS_MNEMONIC_FDECSTP] = bind_fixed<fstp_move<-1>>;
}

}  // namespace jitpc::cpu
