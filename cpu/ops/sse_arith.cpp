// SSE/SSE2 floating-point arithmetic and compares: ADD/SUB/MUL/DIV/MIN/MAX/SQRT and CMPcc in
// PS/SS/PD/SD forms, COMISS/UCOMISS/COMISD/UCOMISD. Each runs the host's own instruction under
// the guest's MXCSR (sse_common.h), so rounding, DAZ, FTZ, NaN propagation (the first
// operand's QNaN, the default NaN) and MIN/MAX's second-operand rule come out as the SDM says.
#include <array>
#include <utility>

#include "cpu/ops/sse_common.h"
#include "cpu/ops/system_parts.h"

namespace jitpc::cpu {
namespace {

using namespace ops::sse;

// mnemonic, host instruction, lanes, then for results that can overflow or underflow the
// scalar form and the x87 operation (sse_common.h, Rounding)
#define JITPC_SSE_ROUNDING_OPS(X)                                                             \
    X(ADDPS, addps, PS, addss, Add) X(ADDSS, addss, SS, addss, Add)                           \
    X(ADDPD, addpd, PD, addsd, Add) X(ADDSD, addsd, SD, addsd, Add)                           \
    X(SUBPS, subps, PS, subss, Sub) X(SUBSS, subss, SS, subss, Sub)                           \
    X(SUBPD, subpd, PD, subsd, Sub) X(SUBSD, subsd, SD, subsd, Sub)                           \
    X(MULPS, mulps, PS, mulss, Mul) X(MULSS, mulss, SS, mulss, Mul)                           \
    X(MULPD, mulpd, PD, mulsd, Mul) X(MULSD, mulsd, SD, mulsd, Mul)                           \
    X(DIVPS, divps, PS, divss, Div) X(DIVSS, divss, SS, divss, Div)                           \
    X(DIVPD, divpd, PD, divsd, Div) X(DIVSD, divsd, SD, divsd, Div)
#define JITPC_SSE_IN_RANGE_OPS(X)                                                             \
    X(MINPS, minps, PS) X(MINSS, minss, SS) X(MINPD, minpd, PD) X(MINSD, minsd, SD)           \
    X(MAXPS, maxps, PS) X(MAXSS, maxss, SS) X(MAXPD, maxpd, PD) X(MAXSD, maxsd, SD)           \
    X(SQRTPS, sqrtps, PS) X(SQRTSS, sqrtss, SS) X(SQRTPD, sqrtpd, PD) X(SQRTSD, sqrtsd, SD)

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
    guard(c);
    const Xmm s = src<N, false>(c, i);
    uint32_t eflags;
    sse_exceptions(c, F(xreg(c, i.r0), s, host_csr(c.sse.mxcsr), eflags));
    c.flags.set_arith(EFLAGS_ARITH, eflags);
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
}

}  // namespace jitpc::cpu
