// x87 register file and environment. Registers hold the exact 80-bit extended format so that
// FSAVE/FRSTOR and FLD/FSTP m80 round-trip bit for bit, whatever the host computes with.
#pragma once

#include <cstdint>

namespace jitpc::cpu {

struct Float80 {
    uint64_t mant = 0;  // explicit integer bit at 63
    uint16_t sexp = 0;  // sign at bit 15, biased exponent in 14..0
};

struct FpuState {
    Float80 st[8];     // physical registers R0..R7; ST(i) is st[(top + i) & 7]
    uint16_t fcw = 0x037F;
    uint16_t fsw = 0;  // TOP is kept in fsw bits 13..11
    uint16_t ftw = 0xFFFF;  // full 2-bit tag word: 11 = empty
    uint16_t fop = 0;
    uint64_t fip = 0, fdp = 0;  // offsets: 64 bits in 64-bit mode (FXSAVE64 stores them whole)
    uint16_t fcs = 0, fds = 0;

    unsigned top() const { return (fsw >> 11) & 7; }
};

}  // namespace jitpc::cpu
