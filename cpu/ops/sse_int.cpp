// Packed-integer arithmetic, compares, shifts and the bitwise operations of every lane type
// (PAND.., ANDPS/ANDPD..): the SSE2 forms on XMM registers and the MMX (and SSE/SSE2 on MMX)
// forms on MM registers; the SSSE3 and SSE4 lane-wise and horizontal integer instructions
// (PSIGN, PABS, PMULHRSW, PMADDUBSW, PHADD/PHSUB, PMAX/PMIN, PMULLD/PMULDQ, PCMPEQQ/PCMPGTQ,
// PHMINPOSUW, MPSADBW, PTEST).
#include <cstdlib>
#include <type_traits>

#include "cpu/ops/sse_common.h"
#include "cpu/ops/sse_op_lists.h"

namespace jitpc::cpu {
namespace {

using namespace ops::sse;

#define JITPC_DEFINE_INT(M, insn) JITPC_INT_FN(host_##insn, #insn)
JITPC_SSE_INT_OPS(JITPC_DEFINE_INT)
JITPC_SSE_SHIFT_OPS(JITPC_DEFINE_INT)
#undef JITPC_DEFINE_INT

template <IntFn F> void shift_imm(Cpu& c, const Insn& i) {
    if (!guard(c)) return;
    xreg(c, i.r0) = F(xreg(c, i.r0), Xmm{{i.imm & 0xFF, 0}});
}
template <IntFn F> void mm_shift_imm(Cpu& c, const Insn& i) {
    if (!mmx_guard(c)) return;
    set_mm(c, i.r0, on_low<F>(mm(c, i.r0), i.imm & 0xFF));
    mmx_transition(c);
}
template <IntFn F> Handler bind_shift(const DecodeCtx& ctx, Insn& i) {
    if (is_xmm(ctx, 0) && ctx.is_imm(1)) {
        i.aux = AUX_XMM;
        return shift_imm<F>;
    }
    if (is_mm(ctx, 0) && ctx.is_imm(1)) return mm_shift_imm<F>;
    return bind_int<F>(ctx, i);
}

// PSLLDQ/PSRLDQ xmm, imm8: whole-register byte shifts (a count above 15 clears it).
template <bool Left> void byte_shift(Cpu& c, const Insn& i) {
    if (!guard(c)) return;
    const unsigned n = i.imm & 0xFF;
    uint8_t in[16], out[16] = {};
    std::memcpy(in, xreg(c, i.r0).q, 16);
    for (unsigned k = 0; k < 16; ++k) {
        const unsigned from = Left ? k - n : k + n;  // wraps above 15 when out of range
        if (n < 16 && from < 16) out[k] = in[from];
    }
    std::memcpy(xreg(c, i.r0).q, out, 16);
}
template <Handler H> Handler bind_byte_shift(const DecodeCtx& ctx, Insn& i) {
    i.aux = AUX_XMM;
    return is_xmm(ctx, 0) && ctx.is_imm(1) ? H : nullptr;
}

// ---- SSSE3 and SSE4 operations, written out (sse_common.h, Vec) -----------------------------
// Lane-wise r = F(a, b) over lanes of T.
template <typename T, auto F> struct Lanewise {
    template <unsigned N> static Vec<N> run(const Vec<N>& a, const Vec<N>& b, unsigned) {
        Vec<N> r;
        for (unsigned k = 0; k < Vec<N>::template lanes<T>; ++k) r.template set<T>(k, T(F(a.template get<T>(k), b.template get<T>(k))));
        return r;
    }
};
// Two's-complement negation, in unsigned arithmetic: the most negative value stays itself.
template <typename T> T negated(T a) { return T(std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(a)); }
// PSIGNB/W/D: a negated, zeroed or kept as b is negative, zero or positive.
template <typename T> T sign_of(T a, T b) { return b < 0 ? negated(a) : b == 0 ? T(0) : a; }
// PABSB/W/D: |b| (the most negative value stays as it is, read unsigned).
template <typename T> T abs_of(T, T b) { return b < 0 ? negated(b) : b; }
int16_t mulhrs(int16_t a, int16_t b) { return int16_t(((int32_t(a) * b >> 14) + 1) >> 1); }
template <typename T> T max_of(T a, T b) { return std::max(a, b); }
template <typename T> T min_of(T a, T b) { return std::min(a, b); }
int32_t mul_low(int32_t a, int32_t b) { return int32_t(uint32_t(a) * uint32_t(b)); }
template <typename T> T all_ones_if_eq(T a, T b) { return a == b ? T(~T(0)) : T(0); }
int64_t gt_mask(int64_t a, int64_t b) { return a > b ? -1 : 0; }

// PMADDUBSW: unsigned bytes of a times signed bytes of b, adjacent products summed with signed
// saturation.
JITPC_VEC_OP(Pmaddubsw,
    for (unsigned k = 0; k < N / 2; ++k) {
        const int32_t s = a.template get<uint8_t>(2 * k) * int32_t(b.template get<int8_t>(2 * k)) +
                          a.template get<uint8_t>(2 * k + 1) * int32_t(b.template get<int8_t>(2 * k + 1));
        r.template set<int16_t>(k, saturate<int16_t>(s));
    })
// PMULDQ: the signed doublewords 0 and 2 multiplied to quadwords.
JITPC_VEC_OP(Pmuldq,
    for (unsigned k = 0; k < N / 8; ++k)
        r.template set<int64_t>(k, int64_t(a.template get<int32_t>(2 * k)) * b.template get<int32_t>(2 * k));)

// PHADDW/D, PHADDSW, PHSUBW/D, PHSUBSW: adjacent pairs of a, then of b, combined.
template <typename T, bool Sub, bool Sat> struct Horizontal {
    template <unsigned N> static Vec<N> run(const Vec<N>& a, const Vec<N>& b, unsigned) {
        constexpr unsigned half = Vec<N>::template lanes<T> / 2;
        Vec<N> r;
        for (unsigned k = 0; k < 2 * half; ++k) {
            const Vec<N>& v = k < half ? a : b;
            const unsigned at = 2 * (k % half);
            const int64_t x = v.template get<T>(at), y = v.template get<T>(at + 1);
            const int64_t s = Sub ? x - y : x + y;
            r.template set<T>(k, Sat ? saturate<T>(s) : T(s));
        }
        return r;
    }
};

// PHMINPOSUW: the smallest unsigned word of b and its lowest index; the rest zeroed.
JITPC_VEC_OP(Phminposuw,
    unsigned at = 0;
    for (unsigned k = 1; k < N / 2; ++k)
        if (b.template get<uint16_t>(k) < b.template get<uint16_t>(at)) at = k;
    r.template set<uint16_t>(0, b.template get<uint16_t>(at));
    r.template set<uint16_t>(1, uint16_t(at));)

// MPSADBW: eight sums of absolute differences between four bytes of b (the block imm8[1:0]
// selects) and four bytes of a starting at 4 * imm8[2] plus the word's index.
JITPC_VEC_OP(Mpsadbw,
    const unsigned from_b = 4 * (imm & 3), from_a = 4 * ((imm >> 2) & 1);
    for (unsigned k = 0; k < 8; ++k) {
        unsigned sum = 0;
        for (unsigned j = 0; j < 4; ++j)
            sum += unsigned(std::abs(int(a.b[from_a + k + j]) - int(b.b[from_b + j])));
        r.template set<uint16_t>(k, uint16_t(sum));
    })

// PTEST: ZF = (a AND b) is zero, CF = (NOT a AND b) is zero; OF, SF, AF, PF cleared.
void ptest(Cpu& c, const Insn& i) {
    Xmm s;
    if (!guard(c) || !src<16, true>(c, i, s)) return;
    const Xmm d = xreg(c, i.r0);
    const bool z = !((d.q[0] & s.q[0]) | (d.q[1] & s.q[1]));
    const bool cf = !((~d.q[0] & s.q[0]) | (~d.q[1] & s.q[1]));
    c.flags.set_arith(EFLAGS_ARITH, (z ? EFLAGS_ZF : 0) | (cf ? EFLAGS_CF : 0));
}

}  // namespace

void register_sse_int(Binder* t) {
#define JITPC_BIND_INT(M, insn) t[ZYDIS_MNEMONIC_##M] = bind_int<host_##insn>;
    JITPC_SSE_INT_OPS(JITPC_BIND_INT)
#undef JITPC_BIND_INT
#define JITPC_BIND_SHIFT(M, insn) t[ZYDIS_MNEMONIC_##M] = bind_shift<host_##insn>;
    JITPC_SSE_SHIFT_OPS(JITPC_BIND_SHIFT)
#undef JITPC_BIND_SHIFT
    t[ZYDIS_MNEMONIC_PSLLDQ] = bind_byte_shift<byte_shift<true>>;
    t[ZYDIS_MNEMONIC_PSRLDQ] = bind_byte_shift<byte_shift<false>>;
    // SSSE3 (XMM and MMX forms)
    t[ZYDIS_MNEMONIC_PSIGNB] = bind_vec<Lanewise<int8_t, sign_of<int8_t>>, true>;
    t[ZYDIS_MNEMONIC_PSIGNW] = bind_vec<Lanewise<int16_t, sign_of<int16_t>>, true>;
    t[ZYDIS_MNEMONIC_PSIGND] = bind_vec<Lanewise<int32_t, sign_of<int32_t>>, true>;
    t[ZYDIS_MNEMONIC_PABSB] = bind_vec<Lanewise<int8_t, abs_of<int8_t>>, true>;
    t[ZYDIS_MNEMONIC_PABSW] = bind_vec<Lanewise<int16_t, abs_of<int16_t>>, true>;
    t[ZYDIS_MNEMONIC_PABSD] = bind_vec<Lanewise<int32_t, abs_of<int32_t>>, true>;
    t[ZYDIS_MNEMONIC_PMULHRSW] = bind_vec<Lanewise<int16_t, mulhrs>, true>;
    t[ZYDIS_MNEMONIC_PMADDUBSW] = bind_vec<Pmaddubsw, true>;
    t[ZYDIS_MNEMONIC_PHADDW] = bind_vec<Horizontal<int16_t, false, false>, true>;
    t[ZYDIS_MNEMONIC_PHADDD] = bind_vec<Horizontal<int32_t, false, false>, true>;
    t[ZYDIS_MNEMONIC_PHADDSW] = bind_vec<Horizontal<int16_t, false, true>, true>;
    t[ZYDIS_MNEMONIC_PHSUBW] = bind_vec<Horizontal<int16_t, true, false>, true>;
    t[ZYDIS_MNEMONIC_PHSUBD] = bind_vec<Horizontal<int32_t, true, false>, true>;
    t[ZYDIS_MNEMONIC_PHSUBSW] = bind_vec<Horizontal<int16_t, true, true>, true>;
    // SSE4.1
    t[ZYDIS_MNEMONIC_PMAXSB] = bind_vec<Lanewise<int8_t, max_of<int8_t>>>;
    t[ZYDIS_MNEMONIC_PMAXSD] = bind_vec<Lanewise<int32_t, max_of<int32_t>>>;
    t[ZYDIS_MNEMONIC_PMAXUW] = bind_vec<Lanewise<uint16_t, max_of<uint16_t>>>;
    t[ZYDIS_MNEMONIC_PMAXUD] = bind_vec<Lanewise<uint32_t, max_of<uint32_t>>>;
    t[ZYDIS_MNEMONIC_PMINSB] = bind_vec<Lanewise<int8_t, min_of<int8_t>>>;
    t[ZYDIS_MNEMONIC_PMINSD] = bind_vec<Lanewise<int32_t, min_of<int32_t>>>;
    t[ZYDIS_MNEMONIC_PMINUW] = bind_vec<Lanewise<uint16_t, min_of<uint16_t>>>;
    t[ZYDIS_MNEMONIC_PMINUD] = bind_vec<Lanewise<uint32_t, min_of<uint32_t>>>;
    t[ZYDIS_MNEMONIC_PMULLD] = bind_vec<Lanewise<int32_t, mul_low>>;
    t[ZYDIS_MNEMONIC_PMULDQ] = bind_vec<Pmuldq>;
    t[ZYDIS_MNEMONIC_PCMPEQQ] = bind_vec<Lanewise<uint64_t, all_ones_if_eq<uint64_t>>>;
    t[ZYDIS_MNEMONIC_PHMINPOSUW] = bind_vec<Phminposuw>;
    t[ZYDIS_MNEMONIC_MPSADBW] = bind_vec<Mpsadbw>;
    t[ZYDIS_MNEMONIC_PTEST] = bind_xx<ptest>;
    // SSE4.2
    t[ZYDIS_MNEMONIC_PCMPGTQ] = bind_vec<Lanewise<int64_t, gt_mask>>;
}

}  // namespace jitpc::cpu
