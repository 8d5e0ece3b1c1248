// RDMSR/WRMSR of the MTRRs and PAT (SDM Vol. 3 11.11, 11.12). A write with a reserved bit set,
// an undefined memory type or an address bit at or above MAXPHYADDR raises #GP(0) and changes
// nothing; MTRRcap is read-only.
#include "cpu/ops/system_parts.h"

namespace jitpc::cpu {

namespace {

enum : uint32_t {
    MSR_MTRRCAP = 0xFE, MSR_PHYSBASE0 = 0x200, MSR_PHYSMASK7 = 0x20F, MSR_FIX64K_00000 = 0x250,
    MSR_FIX16K_80000 = 0x258, MSR_FIX16K_A0000 = 0x259, MSR_FIX4K_C0000 = 0x268,
    MSR_FIX4K_F8000 = 0x26F, MSR_PAT = 0x277, MSR_MTRR_DEF_TYPE = 0x2FF,
};

// Eight variable ranges, fixed ranges, write-combining; no SMRR.
constexpr uint64_t MTRRCAP = 8 | 1u << 8 | 1u << 10;
constexpr uint64_t DEF_TYPE_FE = 1u << 10, DEF_TYPE_E = 1u << 11, PHYSMASK_VALID = 1u << 11;

// UC, WC, WT, WP, WB; PAT also has UC- (7).
bool valid_type(uint64_t t, bool pat) { return t == 0 || t == 1 || (t >= 4 && t <= 6) || (pat && t == 7); }

bool valid_types(uint64_t v, bool pat) {
    for (unsigned i = 0; i < 8; ++i)
        if (!valid_type((v >> (8 * i)) & 0xFF, pat)) return false;
    return true;
}

// Index into MemoryTypeRegs::fixed, or -1.
int fixed_index(uint32_t index) {
    if (index == MSR_FIX64K_00000) return 0;
    if (index == MSR_FIX16K_80000 || index == MSR_FIX16K_A0000) return int(index - MSR_FIX16K_80000) + 1;
    if (index >= MSR_FIX4K_C0000 && index <= MSR_FIX4K_F8000) return int(index - MSR_FIX4K_C0000) + 3;
    return -1;
}

}  // namespace

bool is_memory_type_msr(uint32_t index) {
    return index == MSR_MTRRCAP || (index >= MSR_PHYSBASE0 && index <= MSR_PHYSMASK7) ||
           fixed_index(index) >= 0 || index == MSR_PAT || index == MSR_MTRR_DEF_TYPE;
}

uint64_t read_memory_type_msr(const Cpu& c, uint32_t index) {
    const MemoryTypeRegs& m = c.memtypes;
    if (index == MSR_MTRRCAP) return MTRRCAP;
    if (index == MSR_PAT) return m.pat;
    if (index == MSR_MTRR_DEF_TYPE) return m.def_type;
    if (const int f = fixed_index(index); f >= 0) return m.fixed[f];
    return m.var[index - MSR_PHYSBASE0];
}

void write_memory_type_msr(Cpu& c, uint32_t index, uint64_t v) {
    MemoryTypeRegs& m = c.memtypes;
    // Address bits 12 up to MAXPHYADDR - 1 of the variable ranges.
    const uint64_t address = ((uint64_t(1) << c.model.phys_addr_bits) - 1) & ~uint64_t(0xFFF);
    if (index == MSR_MTRRCAP) raise_gp(0);
    if (index == MSR_PAT) {
        if (!valid_types(v, true)) raise_gp(0);
        m.pat = v;
    } else if (index == MSR_MTRR_DEF_TYPE) {
        if ((v & ~(0xFF | DEF_TYPE_FE | DEF_TYPE_E)) || !valid_type(v & 0xFF, false)) raise_gp(0);
        m.def_type = v;
    } else if (const int f = fixed_index(index); f >= 0) {
        if (!valid_types(v, false)) raise_gp(0);
        m.fixed[f] = v;
    } else if ((index - MSR_PHYSBASE0) % 2 == 0) {
        if ((v & ~(address | 0xFF)) || !valid_type(v & 0xFF, false)) raise_gp(0);
        m.var[index - MSR_PHYSBASE0] = v;
    } else {
        if (v & ~(address | PHYSMASK_VALID)) raise_gp(0);
        m.var[index - MSR_PHYSBASE0] = v;
    }
}

}  // namespace jitpc::cpu
