// RCPSS/RCPPS and RSQRTSS/RSQRTPS: the approximations jitpc's CPU models give. The SDM fixes
// only an error bound (|relative error| <= 1.5 * 2^-12) and the special cases; each vendor's
// table is its own and unpublished (docs/undefined.md, "RCP and RSQRT"). jitpc's model, the
// same on every host: the exact reciprocal (square root) of the source rounded to the nearest
// value with 12 significant bits, whose low 12 fraction bits are therefore zero; error at most
// 2^-12. Denormal sources count as zeros of their sign and tiny reciprocals are flushed to zero
// of the source's sign; neither instruction raises a SIMD floating-point exception.
#pragma once

#include <cstdint>

namespace jitpc::cpu::sse_approx {

uint32_t rcp(uint32_t single);
uint32_t rsqrt(uint32_t single);

}  // namespace jitpc::cpu::sse_approx
