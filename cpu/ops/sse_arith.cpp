// SSE/SSE2 floating-point arithmetic and compares: ADD/SUB/MUL/DIV/MIN/MAX/SQRT and CMPcc in
// PS/SS/PD/SD forms, COMISS/UCOMISS/COMISD/UCOMISD. Each runs the host's own instruction under
// the guest's MXCSR (sse_common.h), so rounding, DAZ, FTZ, NaN propagation (the first
// operand's QNaN, the default NaN) and MIN/MAX's second-operand rule come out as the SDM says.
// SSE3's HADD/HSUB/ADDSUB and SSE4.1's DPPS/DPPD are built from those host operations; SSE4.1's
// ROUNDPS/PD/SS/SD are written out; RCP/RSQRT follow jitpc's own model (cpu/sse_approx.h).
#include <array>
#include <utility>

#include "cpu/ops/sse_common.h"
#include "cpu/ops/sse_op_lists.h"
#include "cpu/ops/system_parts.h"
#include "cpu/sse_approx.h"

namespace jitpc::cpu {
namespace {

using namespace ops::sse;

// mnemonic, host instruction, lanes, then for results that can overflow or underflow the
// scalar form and the x87 operation (sse_common.h, Rounding)
#define JITPC_DEFINE_FP(M, insn, L, ...) JITPC_FP_FN(host_##insn, #insn)
JITPC_SSE_ROUNDING_OPS(JITPC_DEFINE_FP)
JITPC_SSE_IN_RANGE_OPS(JITPC_DEFINE_FP)
#undef JITPC_DEFINE_FP
#define JITPC_DEFINE_ROUNDING(M, insn, L, scalar, op)                                           \
    constexpr Rounding round_##insn{host_##scalar, false, x87::BinOp::op, lane_double(Lanes::L), \
                                    lane_double(Lanes::L)};
JITPC_SSE_ROUNDING_OPS(JITPC_DEFINE_ROUNDING)
#undef JITPC_DEFINE_ROUNDING

template <FpFn F, Lanes L, const Rounding* R = nullptr>
constexpr Handler fp = &fp_op<F, lane_bytes(L), lane_count(L), R>;

// CMPccPS/SS/PD/SD: the predicate is imm8 bits 2:0 (the legacy encodings ignore the rest).
#define JITPC_CMP_FN(name, text)                                                            \
    template <unsigned P> struct name {                                                     \
        static uint32_t run(Xmm& a, const Xmm& b, uint32_t csr) {                           \
            __m128i x = vec(a);                                                             \
            const __m128i y = vec(b);                                                       \
            JITPC_SSE_HOST(text " %[p], %[y], %[x]", [x] "+x"(x) : [y] "x"(y), [p] "i"(P)); \
            a = xmm(x);                                                                     \
            return csr & mxcsr::FLAGS;                                                      \
        }                                                                                   \
    };
JITPC_CMP_FN(CmpPs, "cmpps")
JITPC_CMP_FN(CmpSs, "cmpss")
JITPC_CMP_FN(CmpPd, "cmppd")
JITPC_CMP_FN(CmpSd, "cmpsd")

template <template <unsigned> class Cmp, Lanes L, size_t... P>
constexpr std::array<Handler, 8> cmp_handlers(std::index_sequence<P...>) {
    return {fp<&Cmp<P>::run, L>...};
}
template <template <unsigned> class Cmp, Lanes L> Handler bind_cmp(const DecodeCtx& ctx, Insn& i) {
    static constexpr auto table = cmp_handlers<Cmp, L>(std::make_index_sequence<8>());
    return xmm_rm(ctx) && ctx.is_imm(2) ? table[i.imm & 7] : nullptr;
}

// COMISS/UCOMISS/COMISD/UCOMISD: ZF, PF, CF from the compare; OF, SF, AF cleared. An unmasked
// exception leaves EFLAGS unchanged.
#define JITPC_COMI_FN(fn, text)                                                                 \
    uint32_t fn(const Xmm& a, const Xmm& b, uint32_t csr, uint32_t& eflags) {                   \
        bool z, p, cf;                                                                          \
        JITPC_SSE_HOST(text " %[y], %[x]", [z] "=@ccz"(z), [p] "=@ccp"(p), [cf] "=@ccc"(cf)     \
                       : [x] "x"(vec(a)), [y] "x"(vec(b)));                                     \
        eflags = (z ? EFLAGS_ZF : 0) | (p ? EFLAGS_PF : 0) | (cf ? EFLAGS_CF : 0);              \
        return csr & mxcsr::FLAGS;                                                              \
    }
JITPC_COMI_FN(host_comiss, "comiss")
JITPC_COMI_FN(host_ucomiss, "ucomiss")
JITPC_COMI_FN(host_comisd, "comisd")
JITPC_COMI_FN(host_ucomisd, "ucomisd")

using ComiFn = uint32_t (*)(const Xmm&, const Xmm&, uint32_t, uint32_t&);
template <ComiFn F, unsigned N> void comi(Cpu& c, const Insn& i) {
    Xmm s;
    if (!guard(c) || !src<N, false>(c, i, s)) return;
    uint32_t eflags;
    sse_exceptions(c, F(xreg(c, i.r0), s, host_csr(c.sse.mxcsr), eflags));
    c.flags.set_arith(EFLAGS_ARITH, eflags);
}

// ---- SSE3: horizontal and alternating operations ---------------------------------------------
// Each lane of the result is one IEEE operation on two lanes of the operands, so the operands are
// rearranged until result lane k is lane k of one packed operation, whose flags are then the
// instruction's. HADDPS/HSUBPS: (d0 op d1, d2 op d3, s0 op s1, s2 op s3); HADDPD/HSUBPD likewise.
template <FpFn F, const Rounding& R, bool Double> void horizontal(Cpu& c, const Insn& i) {
    Xmm s;
    if (!guard(c) || !src<16, true>(c, i, s)) return;
    const Xmm d = xreg(c, i.r0);
    constexpr unsigned n = Double ? 2 : 4, half = n / 2;
    Xmm x, y;
    for (unsigned k = 0; k < n; ++k) {
        const Xmm& from = k < half ? d : s;
        set_lane<Double>(x, k, lane<Double>(from, 2 * (k % half)));
        set_lane<Double>(y, k, lane<Double>(from, 2 * (k % half) + 1));
    }
    sse_exceptions(c, fp_run<F, n, &R>(x, y, c.sse.mxcsr));
    xreg(c, i.r0) = x;
}
// ADDSUBPS/ADDSUBPD: even lanes d - s, odd lanes d + s. The even lanes (repeated to fill the
// register, which adds no flags) run as one SUB, the odd ones as one ADD.
template <FpFn Sub, const Rounding& RS, FpFn Add, const Rounding& RA, bool Double>
void addsub(Cpu& c, const Insn& i) {
    Xmm s;
    if (!guard(c) || !src<16, true>(c, i, s)) return;
    const Xmm d = xreg(c, i.r0);
    constexpr unsigned n = Double ? 2 : 4;
    Xmm xs, ys, xa, ya;
    for (unsigned k = 0; k < n; ++k) {
        const unsigned even = 2 * (k % (n / 2));
        set_lane<Double>(xs, k, lane<Double>(d, even));
        set_lane<Double>(ys, k, lane<Double>(s, even));
        set_lane<Double>(xa, k, lane<Double>(d, even + 1));
        set_lane<Double>(ya, k, lane<Double>(s, even + 1));
    }
    const uint32_t guest = c.sse.mxcsr;
    sse_exceptions(c, fp_run<Sub, n, &RS>(xs, ys, guest) | fp_run<Add, n, &RA>(xa, ya, guest));
    Xmm r;
    for (unsigned k = 0; k < n; ++k) set_lane<Double>(r, k, lane<Double>(k & 1 ? xa : xs, k / 2));
    xreg(c, i.r0) = r;
}

// ---- SSE4.1: dot products ---------------------------------------------------------------------
// DPPS/DPPD in the SDM's order: the products of the lanes imm8[7:4] selects (+0.0 for the
// others), summed pairwise (DPPS: (p0 + p1) + (p2 + p3); DPPD: p0 + p1), the sum written to the
// lanes imm8[3:0] selects and +0.0 to the others. Each step is one IEEE operation under MXCSR.
// The stages (products, sums, DPPS's last sum) run one after another: a stage with an unmasked
// exception ends the instruction with no result, the flags of the stages before it recorded.
template <bool Double> struct DotProduct {
    static constexpr unsigned n = Double ? 2 : 4;
    uint32_t guest, unmasked, done = 0, raised = 0;

    template <FpFn F, const Rounding& R> uint64_t step(uint64_t a, uint64_t b) {
        Xmm x, y;
        set_lane<Double>(x, 0, a);
        set_lane<Double>(y, 0, b);
        raised |= fp_run<F, 1, &R>(x, y, guest);
        return lane<Double>(x, 0);
    }
    // Whether the stage ended without an unmasked exception (its flags then count as done).
    bool end_stage() {
        if (raised & unmasked) return false;
        done |= raised;
        raised = 0;
        return true;
    }
};
template <bool Double> void dot_product(Cpu& c, const Insn& i) {
    Xmm s;
    if (!guard(c) || !src<16, true>(c, i, s)) return;
    const Xmm d = xreg(c, i.r0);
    const unsigned imm = i.imm & 0xFF;
    DotProduct<Double> dp{c.sse.mxcsr, ~(c.sse.mxcsr >> mxcsr::MASK_SHIFT) & mxcsr::FLAGS};
    constexpr auto mul = Double ? host_mulsd : host_mulss;
    constexpr auto add = Double ? host_addsd : host_addss;
    constexpr const Rounding& rmul = Double ? round_mulsd : round_mulss;
    constexpr const Rounding& radd = Double ? round_addsd : round_addss;
    uint64_t p[4] = {}, sum = 0;
    for (unsigned k = 0; k < dp.n; ++k)
        if ((imm >> (4 + k)) & 1) p[k] = dp.template step<mul, rmul>(lane<Double>(d, k), lane<Double>(s, k));
    if (dp.end_stage()) {
        sum = dp.template step<add, radd>(p[0], p[1]);
        if (!Double) {
            const uint64_t hi = dp.template step<add, radd>(p[2], p[3]);
            if (dp.end_stage()) sum = dp.template step<add, radd>(sum, hi);
        }
        dp.end_stage();
    }
    c.sse.mxcsr |= dp.done;
    sse_exceptions(c, dp.raised);
    Xmm r;
    for (unsigned k = 0; k < dp.n; ++k) set_lane<Double>(r, k, (imm >> k) & 1 ? sum : 0);
    xreg(c, i.r0) = r;
}

// ---- SSE4.1: rounding to an integral value ---------------------------------------------------
// ROUNDPS/PD/SS/SD, written out on the bits: the rounding mode is imm8[1:0] (nearest even,
// down, up, toward zero) or, with imm8[2], MXCSR.RC; imm8[3] suppresses the precision
// exception. A signalling NaN raises invalid and comes back quiet; denormals are zeros under
// DAZ and raise no denormal exception (the SDM lists only invalid and precision).
template <bool Double> uint64_t round_integral(uint64_t v, unsigned mode, bool daz, uint32_t& flags) {
    constexpr unsigned MANT = Double ? 52 : 23, EXP_MAX = Double ? 0x7FF : 0xFF, BIAS = Double ? 1023 : 127;
    constexpr uint64_t SIGN = uint64_t(1) << (Double ? 63 : 31), QUIET = uint64_t(1) << (MANT - 1);
    const unsigned exp = unsigned(v >> MANT) & EXP_MAX;
    const uint64_t sign = v & SIGN, mag = v & ~SIGN;
    if (exp == EXP_MAX) {
        if ((mag << (64 - MANT)) && !(v & QUIET)) {
            flags |= mxcsr::IE;
            return v | QUIET;
        }
        return v;
    }
    if (exp == 0 && daz) return sign;
    if (exp >= BIAS + MANT || mag == 0) return v;
    const bool neg = sign != 0;
    if (exp < BIAS) {  // |v| < 1: the result is 0 or 1
        flags |= mxcsr::PE;
        const bool one = mode == 0 ? exp == BIAS - 1 && (mag & (QUIET * 2 - 1)) : mode == 1 ? neg : mode == 2 ? !neg : false;
        return sign | (one ? uint64_t(BIAS) << MANT : 0);
    }
    const unsigned frac_bits = MANT - (exp - BIAS);
    const uint64_t unit = uint64_t(1) << frac_bits, frac = mag & (unit - 1), base = mag - frac;
    if (frac == 0) return v;
    flags |= mxcsr::PE;
    const bool up = mode == 0   ? frac > unit / 2 || (frac == unit / 2 && (base & unit))
                    : mode == 1 ? neg
                    : mode == 2 ? !neg
                                : false;
    return sign | (up ? base + unit : base);
}
template <bool Double, unsigned NL> void round_op(Cpu& c, const Insn& i) {
    constexpr unsigned bytes = NL > 1 ? 16 : Double ? 8 : 4;
    Xmm s;
    if (!guard(c) || !src<bytes, true>(c, i, s)) return;
    const unsigned imm = i.imm & 0xFF;
    const unsigned mode = (imm & 4) ? (c.sse.mxcsr >> mxcsr::RC_SHIFT) & 3 : imm & 3;
    uint32_t flags = 0;
    Xmm r = NL > 1 ? s : xreg(c, i.r0);
    for (unsigned k = 0; k < NL; ++k)
        set_lane<Double>(r, k, round_integral<Double>(lane<Double>(s, k), mode, c.sse.mxcsr & mxcsr::DAZ, flags));
    if (imm & 8) flags &= ~mxcsr::PE;
    sse_exceptions(c, flags);
    xreg(c, i.r0) = r;
}
template <Handler H> Handler bind_xxi(const DecodeCtx& ctx, Insn&) { return xmm_rm(ctx) && ctx.is_imm(2) ? H : nullptr; }

// ---- RCPPS/RCPSS/RSQRTPS/RSQRTSS: jitpc's documented approximations (cpu/sse_approx.h) ------
// Each source lane through F; the scalar forms keep the destination's upper lanes. No MXCSR
// flag, no exception.
template <uint32_t (*F)(uint32_t), unsigned NL> void approx(Cpu& c, const Insn& i) {
    Xmm s;
    if (!guard(c) || !src<NL == 4 ? 16 : 4, true>(c, i, s)) return;
    Xmm r = NL == 4 ? s : xreg(c, i.r0);
    for (unsigned k = 0; k < NL; ++k) set_lane<false>(r, k, F(uint32_t(lane<false>(s, k))));
    xreg(c, i.r0) = r;
}

}  // namespace

void register_sse_arith(Binder* t) {
#define JITPC_BIND_ROUNDING(M, insn, L, ...) t[ZYDIS_MNEMONIC_##M] = bind_xx<fp<host_##insn, Lanes::L, &round_##insn>>;
    JITPC_SSE_ROUNDING_OPS(JITPC_BIND_ROUNDING)
#undef JITPC_BIND_ROUNDING
#define JITPC_BIND_FP(M, insn, L) t[ZYDIS_MNEMONIC_##M] = bind_xx<fp<host_##insn, Lanes::L>>;
    JITPC_SSE_IN_RANGE_OPS(JITPC_BIND_FP)
#undef JITPC_BIND_FP
    t[ZYDIS_MNEMONIC_CMPPS] = bind_cmp<CmpPs, Lanes::PS>;
    t[ZYDIS_MNEMONIC_CMPSS] = bind_cmp<CmpSs, Lanes::SS>;
    t[ZYDIS_MNEMONIC_CMPPD] = bind_cmp<CmpPd, Lanes::PD>;
    chain_binder(t, ZYDIS_MNEMONIC_CMPSD, bind_cmp<CmpSd, Lanes::SD>);  // also the string CMPSD
    t[ZYDIS_MNEMONIC_COMISS] = bind_xx<comi<host_comiss, 4>>;
    t[ZYDIS_MNEMONIC_UCOMISS] = bind_xx<comi<host_ucomiss, 4>>;
    t[ZYDIS_MNEMONIC_COMISD] = bind_xx<comi<host_comisd, 8>>;
    t[ZYDIS_MNEMONIC_UCOMISD] = bind_xx<comi<host_ucomisd, 8>>;
    t[ZYDIS_MNEMONIC_HADDPS] = bind_xx<horizontal<host_addps, round_addps, false>>;
    t[ZYDIS_MNEMONIC_HADDPD] = bind_xx<horizontal<host_addpd, round_addpd, true>>;
    t[ZYDIS_MNEMONIC_HSUBPS] = bind_xx<horizontal<host_subps, round_subps, false>>;
    t[ZYDIS_MNEMONIC_HSUBPD] = bind_xx<horizontal<host_subpd, round_subpd, true>>;
    t[ZYDIS_MNEMONIC_ADDSUBPS] = bind_xx<addsub<host_subps, round_subps, host_addps, round_addps, false>>;
    t[ZYDIS_MNEMONIC_ADDSUBPD] = bind_xx<addsub<host_subpd, round_subpd, host_addpd, round_addpd, true>>;
    t[ZYDIS_MNEMONIC_DPPS] = bind_xxi<dot_product<false>>;
    t[ZYDIS_MNEMONIC_DPPD] = bind_xxi<dot_product<true>>;
    t[ZYDIS_MNEMONIC_ROUNDPS] = bind_xxi<round_op<false, 4>>;
    t[ZYDIS_MNEMONIC_ROUNDPD] = bind_xxi<round_op<true, 2>>;
    t[ZYDIS_MNEMONIC_ROUNDSS] = bind_xxi<round_op<false, 1>>;
    t[ZYDIS_MNEMONIC_ROUNDSD] = bind_xxi<round_op<true, 1>>;
    t[ZYDIS_MNEMONIC_RCPPS] = bind_xx<approx<sse_approx::rcp, 4>>;
    t[ZYDIS_MNEMONIC_RCPSS] = bind_xx<approx<sse_approx::rcp, 1>>;
    t[ZYDIS_MNEMONIC_RSQRTPS] = bind_xx<approx<sse_approx::rsqrt, 4>>;
    t[ZYDIS_MNEMONIC_RSQRTSS] = bind_xx<approx<sse_approx::rsqrt, 1>>;
}

}  // namespace jitpc::cpu
