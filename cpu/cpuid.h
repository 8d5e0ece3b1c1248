// The CPUID answers of the emulated processor: a Pentium II (family 6, model 3, stepping 3).
#pragma once

#include <cstdint>

namespace jitpc::cpu {

struct CpuidResult {
    uint32_t eax, ebx, ecx, edx;
};

CpuidResult cpuid(uint32_t leaf);

}  // namespace jitpc::cpu
