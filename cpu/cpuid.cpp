// CPUID table. Leaves above the highest basic leaf (2), extended leaves 0x80000000 and up
// included, answer like leaf 2: that is what Intel processors without extended leaves do
// (SDM Vol. 2 CPUID, "If a value entered for CPUID.EAX is higher than the maximum input value
// for basic or extended function ..., the data for the highest basic information leaf is
// returned").
#include "cpu/cpuid.h"

namespace jitpc::cpu {

namespace {

constexpr uint32_t MAX_BASIC_LEAF = 2;
constexpr uint32_t SIGNATURE = 0x633;  // family 6, model 3, stepping 3

// Leaf 1 EDX feature bits.
constexpr uint32_t FPU = 1u << 0, DE = 1u << 2, PSE = 1u << 3, TSC = 1u << 4, MSR = 1u << 5,
                   CX8 = 1u << 8, SEP = 1u << 11, PGE = 1u << 13, CMOV = 1u << 15;

constexpr CpuidResult TABLE[MAX_BASIC_LEAF + 1] = {
    // "GenuineIntel" in EBX, EDX, ECX.
    {MAX_BASIC_LEAF, 0x756E6547, 0x6C65746E, 0x49656E69},
    {SIGNATURE, 0, 0, FPU | DE | PSE | TSC | MSR | CX8 | SEP | PGE | CMOV},
    // One iteration; descriptors: 01 (ITLB 4K), 02 (ITLB 4M), 03 (DTLB 4K), 43 (L2 512K),
    // 08 (L1I 16K), 04 (DTLB 4M), 0C (L1D 16K).
    {0x03020101, 0, 0, 0x0C040843},
};

}  // namespace

CpuidResult cpuid(uint32_t leaf) {
    return TABLE[leaf <= MAX_BASIC_LEAF ? leaf : MAX_BASIC_LEAF];
}

}  // namespace jitpc::cpu
