// CPU models (-cpu, as in QEMU): what the emulated processor says it is and what it has. A model
// owns its CPUID leaves, its feature set (semantics ask Cpu::has), its MSR list and the table of
// choices it follows where the SDM leaves results undefined. Each model is defined in one file
// in cpu/models/ and documented in docs/cpu-models.md.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

namespace jitpc::cpu {

struct CpuidResult {
    uint32_t eax, ebx, ecx, edx;
};

// CPUID feature flags jitpc knows, in the order of their CPUID words (feature_info() has each
// one's leaf, register, bit and name). A model advertises a flag only once its instructions and
// state are implemented exactly.
enum class Feature : uint8_t {
    // leaf 1 EDX
    FPU, VME, DE, PSE, TSC, MSR, PAE, MCE, CX8, APIC, SEP, MTRR, PGE, MCA, CMOV, PAT, PSE36,
    CLFSH, MMX, FXSR, SSE, SSE2,
    // leaf 1 ECX
    SSE3, SSSE3, CX16, SSE4_1, SSE4_2, X2APIC, POPCNT, TSC_DEADLINE, XSAVE,
    // leaf 0x80000001 EDX
    SYSCALL, NX, PDPE1GB, RDTSCP, LM,
    // leaf 0x80000001 ECX
    LAHF_LM,
    COUNT
};

enum class CpuidReg : uint8_t { EAX, EBX, ECX, EDX };

struct FeatureInfo {
    uint32_t leaf;
    CpuidReg reg;
    uint8_t bit;
    std::string_view name;  // Linux's /proc/cpuinfo spelling, as QEMU's -cpu help uses
};
const FeatureInfo& feature_info(Feature f);

struct FeatureSet {
    uint64_t bits = 0;

    constexpr FeatureSet() = default;
    constexpr FeatureSet(std::initializer_list<Feature> fs) {
        for (const Feature f : fs) bits |= uint64_t(1) << unsigned(f);
    }
    constexpr bool has(Feature f) const { return bits >> unsigned(f) & 1; }
};
static_assert(unsigned(Feature::COUNT) <= 64);

// One CPUID leaf (and subleaf, for the leaves indexed by ECX) as the model answers it. The
// feature words (leaf 1 ECX/EDX, leaf 0x80000001 ECX/EDX) are ORed in from the feature set.
struct CpuidLeaf {
    static constexpr uint32_t ANY_SUBLEAF = 0xFFFFFFFF;
    uint32_t leaf;
    uint32_t subleaf;
    CpuidResult r;
};

// Where the SDM leaves a result or flag undefined, which measured processor's choices the
// model follows (docs/undefined.md describes each table).
enum class UndefinedTable : uint8_t { P6 };

struct CpuModel {
    std::string_view name;
    std::string_view description;  // shown by -cpu help
    FeatureSet features;
    // Basic leaves, then extended ones (0x80000000 up), in order; leaf 0's EAX and leaf
    // 0x80000000's EAX give the highest of each range.
    std::span<const CpuidLeaf> leaves;
    std::string_view brand;  // leaves 0x80000002-4 when the extended range reaches them
    uint8_t phys_addr_bits;  // MAXPHYADDR (leaf 0x80000008 EAX[7:0] when present)
    uint8_t linear_addr_bits;
    // The MSRs the model has, ascending; RDMSR/WRMSR of any other raise #GP(0).
    std::span<const uint32_t> msrs;
    uint32_t microcode_revision;  // MSR 0x8B (BIOS_SIGN_ID) EDX
    uint64_t misc_enable;         // MSR 0x1A0 (IA32_MISC_ENABLE), when listed
    UndefinedTable undefined;

    bool has(Feature f) const { return features.has(f); }
    bool has_msr(uint32_t index) const;
    // CPUID with EAX = leaf, ECX = subleaf.
    CpuidResult cpuid(uint32_t leaf, uint32_t subleaf) const;
    uint32_t signature() const { return cpuid(1, 0).eax; }
    // EFER bits WRMSR may set: SCE with SYSCALL, LME with LM, NXE with NX (LMA is read-only).
    uint64_t efer_writable() const;
    // Whether `a` is canonical: bits 63 down to linear_addr_bits - 1 all equal.
    bool canonical(uint64_t a) const {
        const unsigned unused = 64 - linear_addr_bits;
        return uint64_t(int64_t(a << unused) >> unused) == a;
    }
};

namespace models {
extern const CpuModel pentium2;
extern const CpuModel max;  // the default
}  // namespace models

// Every model, by name (the order -cpu help lists them in).
std::span<const CpuModel* const> all_models();
const CpuModel* find_model(std::string_view name);

}  // namespace jitpc::cpu
