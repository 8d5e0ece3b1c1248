// Guest exceptions raised by instruction semantics and the memory system.
//
// Semantics throw GuestFault before they commit any architectural state (the rule that makes
// faults precise: compute, check, then write). The engine catches it at the instruction boundary,
// where EIP still names the faulting instruction, and delivers the exception. Generated code never
// lets a C++ exception unwind through it: JIT helpers catch and return a status.
#pragma once

#include <cstdint>

namespace jitpc::cpu {

enum Vector : uint8_t {
    VEC_DE = 0, VEC_DB = 1, VEC_NMI = 2, VEC_BP = 3, VEC_OF = 4, VEC_BR = 5, VEC_UD = 6,
    VEC_NM = 7, VEC_DF = 8, VEC_TS = 10, VEC_NP = 11, VEC_SS = 12, VEC_GP = 13, VEC_PF = 14,
    VEC_MF = 16, VEC_AC = 17, VEC_MC = 18, VEC_XM = 19,
};

// Whether the architecture pushes an error code for this exception vector.
constexpr bool vector_has_error_code(unsigned v) {
    return v == VEC_DF || v == VEC_TS || v == VEC_NP || v == VEC_SS || v == VEC_GP ||
           v == VEC_PF || v == VEC_AC;
}

// Not a vector: "no fault" where a GuestFault is returned by value.
constexpr uint8_t NO_FAULT = 0xFF;

struct GuestFault {
    uint8_t vector;
    uint32_t error_code;
};

[[noreturn]] inline void raise_fault(unsigned vector, uint32_t error_code = 0) {
    throw GuestFault{static_cast<uint8_t>(vector), error_code};
}
[[noreturn]] inline void raise_ud() { raise_fault(VEC_UD); }
[[noreturn]] inline void raise_gp(uint32_t error_code = 0) { raise_fault(VEC_GP, error_code); }

// Page-fault error code bits.
namespace pf {
constexpr uint32_t P = 1, W = 2, U = 4, RSVD = 8, I = 16;
}

}  // namespace jitpc::cpu
