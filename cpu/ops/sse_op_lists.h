// The SSE instructions that are one host instruction of the same name, as X-macro lists: the
// interpreter runs the host's instruction for each (cpu/ops/sse_int.cpp, sse_shuffle.cpp,
// sse_arith.cpp, sse_convert.cpp) and the JIT emits it inline (jit/emit_sse_*.cpp).
#pragma once

// Packed-integer and bitwise operations: X(MNEMONIC, host instruction).
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

// Unpacks and packs: X(MNEMONIC, host instruction, the MMX form's semantics or nullptr).
// (The MMX forms: low unpacks are the XMM ones on the low quadwords; a high unpack is the low
// one on the high doublewords; a pack reads both operands as one XMM register.)
#define JITPC_SSE_UNPACK_OPS(X)                                                                    \
    X(UNPCKLPS, unpcklps, nullptr) X(UNPCKHPS, unpckhps, nullptr) X(UNPCKLPD, unpcklpd, nullptr)   \
    X(UNPCKHPD, unpckhpd, nullptr) X(PUNPCKLBW, punpcklbw, on_low<host_punpcklbw>)                 \
    X(PUNPCKLWD, punpcklwd, on_low<host_punpcklwd>) X(PUNPCKLDQ, punpckldq, on_low<host_punpckldq>) \
    X(PUNPCKLQDQ, punpcklqdq, nullptr) X(PUNPCKHBW, punpckhbw, high_of<host_punpcklbw>)            \
    X(PUNPCKHWD, punpckhwd, high_of<host_punpcklwd>) X(PUNPCKHDQ, punpckhdq, high_of<host_punpckldq>) \
    X(PUNPCKHQDQ, punpckhqdq, nullptr) X(PACKSSWB, packsswb, pack<host_packsswb>)                  \
    X(PACKSSDW, packssdw, pack<host_packssdw>) X(PACKUSWB, packuswb, pack<host_packuswb>)

// Floating-point operations whose result can overflow or underflow: X(MNEMONIC, host
// instruction, lanes, the scalar instruction of a lane, the x87 operation).
#define JITPC_SSE_ROUNDING_OPS(X)                                                             \
    X(ADDPS, addps, PS, addss, Add) X(ADDSS, addss, SS, addss, Add)                           \
    X(ADDPD, addpd, PD, addsd, Add) X(ADDSD, addsd, SD, addsd, Add)                           \
    X(SUBPS, subps, PS, subss, Sub) X(SUBSS, subss, SS, subss, Sub)                           \
    X(SUBPD, subpd, PD, subsd, Sub) X(SUBSD, subsd, SD, subsd, Sub)                           \
    X(MULPS, mulps, PS, mulss, Mul) X(MULSS, mulss, SS, mulss, Mul)                           \
    X(MULPD, mulpd, PD, mulsd, Mul) X(MULSD, mulsd, SD, mulsd, Mul)                           \
    X(DIVPS, divps, PS, divss, Div) X(DIVSS, divss, SS, divss, Div)                           \
    X(DIVPD, divpd, PD, divsd, Div) X(DIVSD, divsd, SD, divsd, Div)

// The other floating-point operations with one host instruction: X(MNEMONIC, host instruction,
// lanes).
#define JITPC_SSE_IN_RANGE_OPS(X)                                                             \
    X(MINPS, minps, PS) X(MINSS, minss, SS) X(MINPD, minpd, PD) X(MINSD, minsd, SD)           \
    X(MAXPS, maxps, PS) X(MAXSS, maxss, SS) X(MAXPD, maxpd, PD) X(MAXSD, maxsd, SD)           \
    X(SQRTPS, sqrtps, PS) X(SQRTSS, sqrtss, SS) X(SQRTPD, sqrtpd, PD) X(SQRTSD, sqrtsd, SD)

// Conversions between XMM lanes that cannot overflow or underflow: X(MNEMONIC, host instruction,
// source bytes, result lanes).
#define JITPC_SSE_CVT_OPS(X)                                                                     \
    X(CVTPS2PD, cvtps2pd, 8, 2) X(CVTSS2SD, cvtss2sd, 4, 1) X(CVTDQ2PS, cvtdq2ps, 16, 4)           \
    X(CVTPS2DQ, cvtps2dq, 16, 4) X(CVTTPS2DQ, cvttps2dq, 16, 4) X(CVTDQ2PD, cvtdq2pd, 8, 2)        \
    X(CVTPD2DQ, cvtpd2dq, 16, 2) X(CVTTPD2DQ, cvttpd2dq, 16, 2)
