// Packed-integer arithmetic, compares, shifts and the bitwise operations of every lane type
// (PAND.., ANDPS/ANDPD..): the SSE2 forms on XMM registers and the MMX (and SSE/SSE2 on MMX)
// forms on MM registers.
#include "cpu/ops/sse_common.h"

namespace jitpc::cpu {
namespace {

using namespace ops::sse;

#define JITPC_SSE_INT_OPS(X)                                                                       \
    X(PADDB, paddb) X(PADDW, paddw) X(PADDD, paddd) X(PADDQ, paddq) X(PADDSB, paddsb)              \
    X(PADDSW, paddsw) X(PADDUSB, paddusb) X(PADDUSW, paddusw) X(PSUBB, psubb) X(PSUBW, psubw)      \
    X(PSUBD, psubd) X(PSUBQ, psubq) X(PSUBSB, psubsb) X(PSUBSW, psubsw) X(PSUBUSB, psubusb)        \
    X(PSUBUSW, psubusw) X(PCMPEQB, pcmpeqb) X(PCMPEQW, pcmpeqw) X(PCMPEQD, pcmpeqd)                \
    X(PCMPGTB, pcmpgtb) X(PCMPGTW, pcmpgtw) X(PCMPGTD, pcmpgtd) X(PMULLW, pmullw)                  \
    X(PMULHW, pmulhw) X(PMULHUW, pmulhuw) X(PMULUDQ, pmuludq) X(PMADDWD, pmaddwd)                  \
    X(PSADBW, psadbw) X(PAVGB, pavgb) X(PAVGW, pavgw) X(PMINUB, pminub) X(PMAXUB, pmaxub)          \
    X(PMINSW, pminsw) X(PMAXSW, pmaxsw) X(PAND, pand) X(PANDN, pandn) X(POR, por) X(PXOR, pxor)    \
    X(ANDPS, andps) X(ANDNPS, andnps) X(ORPS, orps) X(XORPS, xorps) X(ANDPD, andpd)                \
    X(ANDNPD, andnpd) X(ORPD, orpd) X(XORPD, xorpd)

// Shifts by the count in an XMM register or memory, or by imm8 (the same count as a quadword).
#define JITPC_SSE_SHIFT_OPS(X)                                                                     \
    X(PSLLW, psllw) X(PSLLD, pslld) X(PSLLQ, psllq) X(PSRLW, psrlw) X(PSRLD, psrld)                \
    X(PSRLQ, psrlq) X(PSRAW, psraw) X(PSRAD, psrad)

#define JITPC_DEFINE_INT(M, insn) JITPC_INT_FN(host_##insn, #insn)
JITPC_SSE_INT_OPS(JITPC_DEFINE_INT)
JITPC_SSE_SHIFT_OPS(JITPC_DEFINE_INT)
#undef JITPC_DEFINE_INT

template <IntFn F> void shift_imm(Cpu& c, const Insn& i) {
    guard(c);
    xreg(c, i.r0) = F(xreg(c, i.r0), Xmm{{i.imm & 0xFF, 0}});
}
template <IntFn F> void mm_shift_imm(Cpu& c, const Insn& i) {
    mmx_guard(c);
    set_mm(c, i.r0, on_low<F>(mm(c, i.r0), i.imm & 0xFF));
    mmx_transition(c);
}
template <IntFn F> Handler bind_shift(const DecodeCtx& ctx, Insn& i) {
    if (is_xmm(ctx, 0) && ctx.is_imm(1)) return shift_imm<F>;
    if (is_mm(ctx, 0) && ctx.is_imm(1)) return mm_shift_imm<F>;
    return bind_int<F>(ctx, i);
}

// PSLLDQ/PSRLDQ xmm, imm8: whole-register byte shifts (a count above 15 clears it).
template <bool Left> void byte_shift(Cpu& c, const Insn& i) {
    guard(c);
    const unsigned n = i.imm & 0xFF;
    uint8_t in[16], out[16] = {};
    std::memcpy(in, xreg(c, i.r0).q, 16);
    for (unsigned k = 0; k < 16; ++k) {
        const unsigned from = Left ? k - n : k + n;  // wraps above 15 when out of range
        if (n < 16 && from < 16) out[k] = in[from];
    }
    std::memcpy(xreg(c, i.r0).q, out, 16);
}
template <Handler H> Handler bind_byte_shift(const DecodeCtx& ctx, Insn&) {
    return is_xmm(ctx, 0) && ctx.is_imm(1) ? H : nullptr;
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
}

}  // namespace jitpc::cpu
