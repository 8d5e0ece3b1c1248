// max: jitpc's x86-64 model, an Intel family 6 model 15 (Core 2 class) with one core, one thread
// and no AVX. It advertises only what is implemented exactly (docs/cpu-models.md keeps the list):
// long mode with SYSCALL, RDTSCP, CX16, LAHF_LM and 1 GiB pages, SSE through SSE4.2, XSAVE, and APIC with
// the local APIC, its TSC-deadline timer and x2APIC mode.
#include "cpu/model.h"
#include "cpu/sse_state.h"

namespace jitpc::cpu::models {

namespace {

using F = Feature;
constexpr uint32_t ANY = CpuidLeaf::ANY_SUBLEAF;

// Deterministic cache parameters (leaf 4): type | level << 5 | self-initialising; ways - 1 << 22
// | line - 1; sets - 1. One thread and one core share each cache (EAX[31:14] = 0).
constexpr uint32_t CACHE_DATA = 1, CACHE_CODE = 2, CACHE_UNIFIED = 3, SELF_INIT = 1u << 8;
constexpr uint32_t WAYS8_LINE64 = (7u << 22) | 63;

constexpr CpuidLeaf LEAVES[] = {
    // Highest basic leaf 0x16; "GenuineIntel".
    {0, ANY, {0x16, 0x756E6547, 0x6C65746E, 0x49656E69}},
    // Family 6 model 15 stepping 11; EBX: APIC ID 0, one logical processor, CLFLUSH line size
    // 8 quadwords (64 bytes).
    {1, ANY, {0x6FB, 0x00010800, 0, 0}},
    // One iteration; descriptor FF: the caches are described by leaf 4 only.
    {2, ANY, {0x0000FF01, 0, 0, 0}},
    {4, 0, {CACHE_DATA | 1u << 5 | SELF_INIT, WAYS8_LINE64, 63, 0}},         // L1D 32 KiB
    {4, 1, {CACHE_CODE | 1u << 5 | SELF_INIT, WAYS8_LINE64, 63, 0}},         // L1I 32 KiB
    {4, 2, {CACHE_UNIFIED | 2u << 5 | SELF_INIT, WAYS8_LINE64, 4095, 0}},    // L2 2 MiB
    // Leaf 7 subleaf 0: no structured extended features, highest subleaf 0.
    {7, 0, {0, 0, 0, 0}},
    // Leaf 0xD subleaf 0: XCR0 may hold the x87 and SSE components (sse_state.h), whose XSAVE
    // area, the legacy region and the header, is 576 bytes whatever XCR0 enables; subleaf 1: no
    // XSAVEOPT, XSAVEC, XGETBV with ECX = 1 or XSAVES. Other subleaves: no such component.
    {0xD, 0, {uint32_t(xcr0::SUPPORTED), 576, 576, 0}},
    {0xD, 1, {0, 0, 0, 0}},
    // Leaves 8-0x14 other than 0xD read 0: no topology leaf (0xB), PMU (0xA) or trace leaves.
    // The TSC and the local APIC timer's input both run on the 1 GHz virtual clock: leaf 0x15
    // gives it as the "crystal" with a TSC ratio of 1/1 (Linux then also takes the APIC timer
    // rate from it), leaf 0x16 the base, maximum and bus frequency in MHz.
    {0x15, ANY, {1, 1, 1'000'000'000, 0}},
    {0x16, ANY, {1000, 1000, 1000, 0}},
    {0x80000000, ANY, {0x80000008, 0, 0, 0}},
    {0x80000001, ANY, {0, 0, 0, 0}},
    // L2: 2048 KiB, 8-way (code 6), 64-byte lines.
    {0x80000006, ANY, {0, 0, (2048u << 16) | (6u << 12) | 64, 0}},
    // EAX: physical and linear address bits (phys_addr_bits, linear_addr_bits below).
    {0x80000008, ANY, {0, 0, 0, 0}},
};

// TSC, PLATFORM_ID, APIC_BASE, FEATURE_CONTROL, BIOS_SIGN_ID, PerfCtr0/1, MTRRcap, SYSENTER_CS/ESP/EIP,
// PerfEvtSel0/1, MISC_ENABLE, DEBUGCTL, the variable and fixed MTRRs, PAT, MTRR_DEF_TYPE,
// TSC_DEADLINE, EFER, STAR, LSTAR, CSTAR, FMASK, FS_BASE, GS_BASE, KERNEL_GS_BASE, TSC_AUX.
constexpr uint32_t MSRS[] = {
    0x10,  0x17,  0x1B,  0x3A,  0x8B,  0xC1,  0xC2,  0xFE,  0x174, 0x175, 0x176, 0x186, 0x187,
    0x1A0, 0x1D9, 0x200, 0x201, 0x202, 0x203, 0x204, 0x205, 0x206, 0x207, 0x208, 0x209,
    0x20A, 0x20B, 0x20C, 0x20D, 0x20E, 0x20F, 0x250, 0x258, 0x259, 0x268, 0x269, 0x26A,
    0x26B, 0x26C, 0x26D, 0x26E, 0x26F, 0x277, 0x2FF, 0x6E0, 0xC0000080,
    0xC0000081, 0xC0000082, 0xC0000083, 0xC0000084, 0xC0000100, 0xC0000101, 0xC0000102, 0xC0000103,
};

}  // namespace

const CpuModel max = {
    .name = "max",
    .description = "jitpc's x86-64 model, Intel family 6 model 15 (Core 2 class): every feature jitpc implements",
    .features = {F::FPU, F::DE, F::PSE, F::TSC, F::MSR, F::PAE, F::CX8, F::APIC, F::SEP, F::MTRR,
                 F::PGE, F::CMOV, F::PAT, F::CLFSH, F::MMX, F::FXSR, F::SSE, F::SSE2, F::SSE3, F::SSSE3,
                 F::SSE4_1, F::SSE4_2, F::X2APIC, F::POPCNT, F::TSC_DEADLINE, F::XSAVE, F::NX, F::SYSCALL,
                 F::PDPE1GB, F::RDTSCP, F::LM, F::CX16, F::LAHF_LM},
    .leaves = LEAVES,
    .brand = "jitpc x86-64 CPU (max)",
    .phys_addr_bits = 40,
    .linear_addr_bits = 48,
    .msrs = MSRS,
    .microcode_revision = 1,
    // Fast strings (bit 0); branch trace store and PEBS unavailable (bits 11, 12).
    .misc_enable = 0x1801,
    // Not measured on a family 6 model 15 yet: the P6 choices.
    .undefined = UndefinedTable::P6,
};

}  // namespace jitpc::cpu::models
