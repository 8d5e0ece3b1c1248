// x87 transcendentals by one fixed software algorithm, so every host gives the same bits (the
// host FSIN/FPATAN/... differ between Intel and AMD). See transcendental.cpp for the method and
// the accuracy bound. Results are rounded under the guest's precision and rounding control; `sw`
// carries the exception flags (IE, DE, ZE, OE, UE, PE) and C1 (rounded up).
#pragma once

#include "cpu/fpu/host_x87.h"

namespace jitpc::cpu::x87 {

// The caller handles |x| >= 2^63 (C2 set, operand unchanged) for the trigonometric functions.
Result sin(const Float80& x, uint16_t cw);
Result cos(const Float80& x, uint16_t cw);
Result tan(const Float80& x, uint16_t cw);
Result atan2(const Float80& y, const Float80& x, uint16_t cw);  // FPATAN: atan(y / x)
Result exp2m1(const Float80& x, uint16_t cw);                   // F2XM1
Result ylog2x(const Float80& y, const Float80& x, uint16_t cw);  // FYL2X
Result ylog2xp1(const Float80& y, const Float80& x, uint16_t cw);  // FYL2XP1

// Whether x is finite with |x| >= 2^63: the trigonometric instructions then only set C2.
bool trig_out_of_range(const Float80& x);

}  // namespace jitpc::cpu::x87
