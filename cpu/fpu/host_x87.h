// IEEE operations on 80-bit extended values computed by the host's x87 unit under the guest's
// precision and rounding control. The host x87 is the same arithmetic the guest's x87 defines,
// so results, rounding (C1) and exception flags are bit-exact without a soft-float library.
// Every call runs with all host exceptions masked and leaves the host status word clear; the
// returned `sw` holds the host status (exception flags 0..5, C0..C3) for the caller to merge.
#pragma once

#include <cstdint>

#include "cpu/fpu/fpu_state.h"

namespace jitpc::cpu::x87 {

struct Result {
    Float80 v;
    uint16_t sw;
};

enum class BinOp : uint8_t { Add, Sub, Mul, Div };
enum class UnOp : uint8_t { Sqrt, Rndint };
enum class Const : uint8_t { One, Zero, Pi, L2e, L2t, Lg2, Ln2 };

// Exact operations on ST(0) and ST(1): FPREM, FPREM1, FSCALE give the new ST(0) in v0 (and C0..C3
// in sw); FXTRACT reads only ST(0) and gives the significand in v0 and the exponent in v1.
enum class PairOp : uint8_t { Prem, Prem1, Scale, Xtract };
struct Result2 {
    Float80 v0, v1;
    uint16_t sw;
};
Result2 pair(PairOp op, const Float80& st0, const Float80& st1, uint16_t cw);

Result binary(BinOp op, const Float80& a, const Float80& b, uint16_t cw);
// a op b for finite non-zero operands (normal or denormal) with an unbounded exponent, for the
// unmasked overflow/underflow response: the significand rounded under the guest's PC/RC sits
// in `v` (a normal value) and the true biased exponent is v's exponent plus `shift`.
struct Wide {
    Result r;
    int shift;
};
Wide binary_wide(BinOp op, const Float80& a, const Float80& b, uint16_t cw);
// FSCALE of a finite non-zero `a` by the integer n, in the same unbounded form (exact).
Wide scale_wide(const Float80& a, int n);

Result unary(UnOp op, const Float80& a, uint16_t cw);
Result constant(Const k, uint16_t cw);
// FCOM (unordered=false) or FUCOM of a against b; C0/C2/C3 and IE/DE in the result's sw.
uint16_t compare(const Float80& a, const Float80& b, uint16_t cw, bool unordered);

Result from_f32(uint32_t bits, uint16_t cw);
Result from_f64(uint64_t bits, uint16_t cw);
Float80 from_int(int64_t v);  // exact for every int16/int32/int64

struct Stored {
    uint64_t bits;
    uint16_t sw;
};
Stored to_f32(const Float80& a, uint16_t cw);
Stored to_f64(const Float80& a, uint16_t cw);
// FIST to an integer of `bytes` bytes: rounds by RC; out of range or NaN gives the integer
// indefinite (the most negative value) with IE.
Stored to_int(const Float80& a, unsigned bytes, uint16_t cw);

}  // namespace jitpc::cpu::x87
