// x87 two-register exact operations (FPREM, FPREM1, FSCALE, FXTRACT) and the transcendentals:
// stack handling here, values from host_x87.h and transcendental.h.
#include "cpu/fpu/fpu_common.h"
#include "cpu/fpu/transcendental.h"

namespace jitpc::cpu::ops::fpu {
namespace {

// FSCALE's integer scale: ST(1) truncated toward zero, clamped far beyond any reachable exponent.
int scale_of(const Float80& v) {
    const int e = int(v.sexp & 0x7FFF) - 16383;
    const int n = e < 0 ? 0 : e >= 30 ? 1 << 30 : int(v.mant >> (63 - e));
    return v.sexp & 0x8000 ? -n : n;
}

// FPREM, FPREM1, FSCALE on ST(0) and ST(1); FXTRACT replaces ST(0) by its exponent and pushes
// the significand.
template <x87::PairOp Op> void fpair(Cpu& c, const Insn&) {
    Stack s{c.fpu};
    constexpr bool pushes = Op == x87::PairOp::Xtract;
    s.set_cc(0, sw::C1);
    const bool under = s.empty(0) || (!pushes && s.empty(1));
    if (under || (pushes && !s.empty(7))) {
        if (!s.stack_fault(!under)) return;
        s.write(0, INDEFINITE);
        if (pushes) s.push(INDEFINITE);
        return;
    }
    x87::Result2 r = x87::pair(Op, s.st(0), s.st(1), c.fpu.fcw);
    if constexpr (Op == x87::PairOp::Scale) {
        const Float80 a = s.st(0), n = s.st(1);
        if (finite_nonzero(a) && (n.sexp & 0x7FFF) != 0x7FFF) {
            const x87::Result b = biased_response({r.v0, r.sw}, c.fpu.fcw,
                                                  [&] { return x87::scale_wide(a, scale_of(n)); });
            r.v0 = b.v;
            r.sw = b.sw;
        }
    }
    if (!s.signal(r.sw & sw::EXC)) return;
    if constexpr (pushes) {
        s.write(0, r.v1);
        s.push(r.v0);
    } else {
        // The remainders report quotient bits and incompleteness in C0..C3; FSCALE only C1.
        s.set_cc(r.sw, Op == x87::PairOp::Scale ? sw::C1 : sw::CC);
        s.write(0, r.v0);
    }
}

// ---- transcendentals (transcendental.h) ------------------------------------------------------
using Fn1 = x87::Result (*)(const Float80&, uint16_t);
using Fn2 = x87::Result (*)(const Float80&, const Float80&, uint16_t);
constexpr Float80 ONE{0x8000000000000000ull, 0x3FFF};

// For the trigonometric forms an operand with |x| >= 2^63 only sets C2.
bool out_of_range(Stack& s, bool trig) {
    const bool out = trig && x87::trig_out_of_range(s.st(0));
    s.set_cc(out ? sw::C2 : 0, sw::C2);
    return out;
}

// FSIN, FCOS, F2XM1: ST(0) = F(ST(0)).
template <Fn1 F, bool Trig> void ftrans1(Cpu& c, const Insn&) {
    Stack s{c.fpu};
    s.set_cc(0, sw::C1);
    if (s.empty(0)) {
        if (s.stack_fault(false)) s.write(0, INDEFINITE);
        return;
    }
    if (out_of_range(s, Trig)) return;
    const x87::Result r = F(s.st(0), c.fpu.fcw);
    if (!s.signal(r.sw & sw::EXC)) return;
    s.set_cc(r.sw & sw::C1, sw::C1);
    s.write(0, r.v);
}

// FPTAN (ST(0) = tan, then push 1) and FSINCOS (ST(0) = sin, then push cos).
template <bool SinCos> void ftrans_push(Cpu& c, const Insn&) {
    Stack s{c.fpu};
    s.set_cc(0, sw::C1);
    const bool under = s.empty(0);
    if (under || !s.empty(7)) {
        if (!s.stack_fault(!under)) return;
        s.write(0, INDEFINITE);
        s.push(INDEFINITE);
        return;
    }
    if (out_of_range(s, true)) return;
    const Float80 x = s.st(0);
    const x87::Result first = SinCos ? x87::sin(x, c.fpu.fcw) : x87::tan(x, c.fpu.fcw);
    const x87::Result second = SinCos ? x87::cos(x, c.fpu.fcw) : x87::Result{ONE, 0};
    if (!s.signal((first.sw | second.sw) & sw::EXC)) return;
    s.set_cc((first.sw | second.sw) & sw::C1, sw::C1);
    s.write(0, first.v);
    s.push(second.v);
}

// FPATAN, FYL2X, FYL2XP1: ST(1) = F(ST(1), ST(0)), then pop.
template <Fn2 F> void ftrans2(Cpu& c, const Insn&) {
    Stack s{c.fpu};
    s.set_cc(0, sw::C1);
    if (s.empty(0) || s.empty(1)) {
        if (!s.stack_fault(false)) return;
        s.write(1, INDEFINITE);
        s.pop();
        return;
    }
    const x87::Result r = F(s.st(1), s.st(0), c.fpu.fcw);
    if (!s.signal(r.sw & sw::EXC)) return;
    s.set_cc(r.sw & sw::C1, sw::C1);
    s.write(1, r.v);
    s.pop();
}

}  // namespace

void register_math(Binder* t) {
    t[ZYDIS_MNEMONIC_FPREM] = bind_fixed<fpair<x87::PairOp::Prem>>;
    t[ZYDIS_MNEMONIC_FPREM1] = bind_fixed<fpair<x87::PairOp::Prem1>>;
    t[ZYDIS_MNEMONIC_FSCALE] = bind_fixed<fpair<x87::PairOp::Scale>>;
    t[ZYDIS_MNEMONIC_FXTRACT] = bind_fixed<fpair<x87::PairOp::Xtract>>;
    t[ZYDIS_MNEMONIC_FSIN] = bind_fixed<ftrans1<x87::sin, true>>;
    t[ZYDIS_MNEMONIC_FCOS] = bind_fixed<ftrans1<x87::cos, true>>;
    t[ZYDIS_MNEMONIC_F2XM1] = bind_fixed<ftrans1<x87::exp2m1, false>>;
    t[ZYDIS_MNEMONIC_FPTAN] = bind_fixed<ftrans_push<false>>;
    t[ZYDIS_MNEMONIC_FSINCOS] = bind_fixed<ftrans_push<true>>;
    t[ZYDIS_MNEMONIC_FPATAN] = bind_fixed<ftrans2<x87::atan2>>;
    t[ZYDIS_MNEMONIC_FYL2X] = bind_fixed<ftrans2<x87::ylog2x>>;
    t[ZYDIS_MNEMONIC_FYL2XP1] = bind_fixed<ftrans2<x87::ylog2xp1>>;
}

}  // namespace jitpc::cpu::ops::fpu
