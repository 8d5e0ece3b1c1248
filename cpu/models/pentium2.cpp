// pentium2: an Intel Pentium II (family 6, model 3, stepping 3), jitpc's CPU before models
// existed and the default. No extended leaves: leaves above 2, 0x80000000 up included, answer
// like leaf 2, as Intel processors without extended leaves do.
#include "cpu/model.h"

namespace jitpc::cpu::models {

namespace {

using F = Feature;

constexpr CpuidLeaf LEAVES[] = {
    // Highest basic leaf 2; "GenuineIntel" in EBX, EDX, ECX.
    {0, CpuidLeaf::ANY_SUBLEAF, {2, 0x756E6547, 0x6C65746E, 0x49656E69}},
    {1, CpuidLeaf::ANY_SUBLEAF, {0x633, 0, 0, 0}},
    // One iteration; descriptors: 01 (ITLB 4K), 02 (ITLB 4M), 03 (DTLB 4K), 43 (L2 512K),
    // 08 (L1I 16K), 04 (DTLB 4M), 0C (L1D 16K).
    {2, CpuidLeaf::ANY_SUBLEAF, {0x03020101, 0, 0, 0x0C040843}},
};

// TSC, PLATFORM_ID, BIOS_SIGN_ID, PerfCtr0/1, SYSENTER_CS/ESP/EIP, PerfEvtSel0/1, DEBUGCTL.
constexpr uint32_t MSRS[] = {0x10, 0x17, 0x8B, 0xC1, 0xC2, 0x174, 0x175, 0x176, 0x186, 0x187, 0x1D9};

}  // namespace

const CpuModel pentium2 = {
    .name = "pentium2",
    .description = "Intel Pentium II (family 6 model 3), the CPU jitpc had before models existed",
    .features = {F::FPU, F::DE, F::PSE, F::TSC, F::MSR, F::CX8, F::SEP, F::PGE, F::CMOV},
    .leaves = LEAVES,
    .brand = {},
    .phys_addr_bits = 32,
    .linear_addr_bits = 32,
    .msrs = MSRS,
    .microcode_revision = 1,
    .misc_enable = 0,
    .undefined = UndefinedTable::P6,
};

}  // namespace jitpc::cpu::models
