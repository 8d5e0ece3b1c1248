// Insn::aux values binders outside the SSE groups set for the JIT (cpu/insn.h has the SSE
// binders' AUX_XMM and AUX_FROM_XMM, which MOVQ's marks below combine with).
#pragma once

#include <cstdint>

namespace jitpc::cpu {

// MOV r16/r32, Sreg: r1 is a segment register (cpu/ops/segments.cpp).
constexpr uint8_t AUX_FROM_SREG = 1;
// MOVQ xmm, r64 and MOVQ r64, xmm: the other operand is a general register (cpu/ops/sse_move.cpp,
// with AUX_XMM and, from the XMM register, AUX_FROM_XMM).
constexpr uint8_t AUX_GPR = 4;

}  // namespace jitpc::cpu
