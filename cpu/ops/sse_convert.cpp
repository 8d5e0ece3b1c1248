// SSE/SSE2 conversions: between single and double precision, between packed integers and
// floating point, and between XMM lanes and general registers (CVTSI2SS/SD, CVT(T)SS2SI,
// CVT(T)SD2SI, 32-bit or with REX.W 64-bit integers) and MMX registers (CVTPI2PS, CVT(T)PS2PI,
// CVTPI2PD, CVT(T)PD2PI). MXCSR's rounding control applies except to the truncating CVTT forms;
// an out-of-range or NaN source gives the integer indefinite (0x80000000, 0x8000000000000000)
// with IE.
#include "cpu/ops/sse_common.h"
#include "cpu/ops/sse_op_lists.h"

namespace jitpc::cpu {
namespace {

using namespace ops::sse;

#define JITPC_DEFINE_CVT(M, insn, ...) JITPC_FP_FN(host_##insn, #insn)
JITPC_SSE_CVT_OPS(JITPC_DEFINE_CVT)
#undef JITPC_DEFINE_CVT

// Double to single precision can overflow and underflow (sse_common.h, Rounding).
JITPC_FP_FN(host_cvtpd2ps, "cvtpd2ps")
JITPC_FP_FN(host_cvtsd2ss, "cvtsd2ss")
constexpr Rounding round_cvtsd2ss{host_cvtsd2ss, true, x87::BinOp::Add, true, false};

// CVTSI2SS/CVTSI2SD xmm, r/m32 or r/m64 (T): the low lane from a signed integer, the rest kept.
// (The host instruction takes T's size from its register.)
#define JITPC_FROM_INT_FN(fn, text)                                                     \
    template <typename T> uint32_t fn(Xmm& a, T v, uint32_t csr) {                      \
        __m128i x = vec(a);                                                             \
        JITPC_SSE_HOST(text " %[v], %[x]", [x] "+x"(x) : [v] "r"(v));                   \
        a = xmm(x);                                                                     \
        return csr & mxcsr::FLAGS;                                                      \
    }
JITPC_FROM_INT_FN(host_cvtsi2ss, "cvtsi2ss")
JITPC_FROM_INT_FN(host_cvtsi2sd, "cvtsi2sd")

template <typename T, uint32_t (*F)(Xmm&, T, uint32_t)> void from_int(Cpu& c, const Insn& i) {
    T v = T(c.gpr[i.r1]);
    if (!guard(c) || ((i.flags & IF_MEM) && !c.try_read<T>(i.seg, c.ea(i), v))) return;
    Xmm d = xreg(c, i.r0);
    sse_exceptions(c, F(d, v, host_csr(c.sse.mxcsr)));
    xreg(c, i.r0) = d;
}

// CVT(T)SS2SI/CVT(T)SD2SI r32 or r64 (T), xmm/mN.
#define JITPC_TO_INT_FN(fn, text)                                                       \
    template <typename T> uint32_t fn(const Xmm& a, T& out, uint32_t csr) {             \
        JITPC_SSE_HOST(text " %[y], %[r]", [r] "=r"(out) : [y] "x"(vec(a)));            \
        return csr & mxcsr::FLAGS;                                                      \
    }
JITPC_TO_INT_FN(host_cvtss2si, "cvtss2si")
JITPC_TO_INT_FN(host_cvttss2si, "cvttss2si")
JITPC_TO_INT_FN(host_cvtsd2si, "cvtsd2si")
JITPC_TO_INT_FN(host_cvttsd2si, "cvttsd2si")

template <typename T, uint32_t (*F)(const Xmm&, T&, uint32_t), unsigned N> void to_int(Cpu& c, const Insn& i) {
    Xmm s;
    if (!guard(c) || !src<N, false>(c, i, s)) return;
    T v;
    sse_exceptions(c, F(s, v, host_csr(c.sse.mxcsr)));
    c.gpr[i.r0] = v;
}

// The MMX forms run the XMM instruction on the low quadword (the other lanes are zero and
// raise nothing). CVTPI2PS keeps the destination's upper half. An MMX register operand makes
// them MMX instructions too: a pending x87 exception is taken first, then the x87 state
// switches to MMX, before a SIMD floating-point exception is raised (as the host does; the
// SDM does not order the two).
template <FpFn F, bool KeepHigh> void cvt_from_mm(Cpu& c, const Insn& i) {
    const bool mm_source = !(i.flags & IF_MEM);
    uint64_t s;
    if (!(mm_source ? guard_with_mm(c) : guard(c)) || !mm_src(c, i, s)) return;
    Xmm d{{s, 0}};
    if (mm_source) mmx_transition(c);
    sse_exceptions(c, F(d, d, host_csr(c.sse.mxcsr)));
    if (KeepHigh) d.q[1] = xreg(c, i.r0).q[1];
    xreg(c, i.r0) = d;
}
template <FpFn F, unsigned N> void cvt_to_mm(Cpu& c, const Insn& i) {
    Xmm s;
    if (!guard_with_mm(c) || !src<N, true>(c, i, s)) return;
    Xmm d{{s.q[0], N == 16 ? s.q[1] : 0}};
    mmx_transition(c);
    sse_exceptions(c, F(d, d, host_csr(c.sse.mxcsr)));
    set_mm(c, i.r0, d.q[0]);
}
template <Handler H> Handler bind_from_mm(const DecodeCtx& ctx, Insn&) {
    return is_xmm(ctx, 0) && (is_mm(ctx, 1) || ctx.is_mem(1)) ? H : nullptr;
}
template <Handler H> Handler bind_to_mm(const DecodeCtx& ctx, Insn&) {
    return is_mm(ctx, 0) && (is_xmm(ctx, 1) || ctx.is_mem(1)) ? H : nullptr;
}

// H32 and H64: the 32-bit and the REX.W forms.
template <Handler H32, Handler H64> Handler bind_from_int(const DecodeCtx& ctx, Insn&) {
    if (!is_xmm(ctx, 0)) return nullptr;
    if (is_gpr32(ctx, 1) || (ctx.is_mem(1) && ctx.size(1) == 4)) return H32;
    if (is_gpr64(ctx, 1) || (ctx.is_mem(1) && ctx.size(1) == 8)) return H64;
    return nullptr;
}
template <Handler H32, Handler H64> Handler bind_to_int(const DecodeCtx& ctx, Insn&) {
    if (!is_xmm(ctx, 1) && !ctx.is_mem(1)) return nullptr;
    return is_gpr32(ctx, 0) ? H32 : is_gpr64(ctx, 0) ? H64 : nullptr;
}

}  // namespace

void register_sse_convert(Binder* t) {
#define JITPC_BIND_CVT(M, insn, N, NL) t[ZYDIS_MNEMONIC_##M] = bind_xx<fp_op<host_##insn, N, NL, nullptr>>;
    JITPC_SSE_CVT_OPS(JITPC_BIND_CVT)
#undef JITPC_BIND_CVT
    t[ZYDIS_MNEMONIC_CVTPD2PS] = bind_xx<fp_op<host_cvtpd2ps, 16, 2, &round_cvtsd2ss>>;
    t[ZYDIS_MNEMONIC_CVTSD2SS] = bind_xx<fp_op<host_cvtsd2ss, 8, 1, &round_cvtsd2ss>>;
    t[ZYDIS_MNEMONIC_CVTPI2PS] = bind_from_mm<cvt_from_mm<host_cvtdq2ps, true>>;
    t[ZYDIS_MNEMONIC_CVTPI2PD] = bind_from_mm<cvt_from_mm<host_cvtdq2pd, false>>;
    t[ZYDIS_MNEMONIC_CVTPS2PI] = bind_to_mm<cvt_to_mm<host_cvtps2dq, 8>>;
    t[ZYDIS_MNEMONIC_CVTTPS2PI] = bind_to_mm<cvt_to_mm<host_cvttps2dq, 8>>;
    t[ZYDIS_MNEMONIC_CVTPD2PI] = bind_to_mm<cvt_to_mm<host_cvtpd2dq, 16>>;
    t[ZYDIS_MNEMONIC_CVTTPD2PI] = bind_to_mm<cvt_to_mm<host_cvttpd2dq, 16>>;
#define JITPC_BIND_FROM_INT(M, fn) \
    t[ZYDIS_MNEMONIC_##M] = bind_from_int<from_int<uint32_t, fn<uint32_t>>, from_int<uint64_t, fn<uint64_t>>>;
#define JITPC_BIND_TO_INT(M, fn, N) \
    t[ZYDIS_MNEMONIC_##M] = bind_to_int<to_int<uint32_t, fn<uint32_t>, N>, to_int<uint64_t, fn<uint64_t>, N>>;
    JITPC_BIND_FROM_INT(CVTSI2SS, host_cvtsi2ss)
    JITPC_BIND_FROM_INT(CVTSI2SD, host_cvtsi2sd)
    JITPC_BIND_TO_INT(CVTSS2SI, host_cvtss2si, 4)
    JITPC_BIND_TO_INT(CVTTSS2SI, host_cvttss2si, 4)
    JITPC_BIND_TO_INT(CVTSD2SI, host_cvtsd2si, 8)
    JITPC_BIND_TO_INT(CVTTSD2SI, host_cvttsd2si, 8)
#undef JITPC_BIND_FROM_INT
#undef JITPC_BIND_TO_INT
}

}  // namespace jitpc::cpu
