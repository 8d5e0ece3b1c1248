// What every model shares: where each feature flag sits in CPUID, how a leaf is looked up, the
// brand string leaves and the model list.
#include "cpu/model.h"

#include <algorithm>

#include "cpu/state.h"

namespace jitpc::cpu {

namespace {

constexpr uint32_t EXTENDED = 0x80000000;
constexpr uint32_t BRAND_FIRST = 0x80000002, BRAND_LAST = 0x80000004, ADDRESS_SIZES = 0x80000008;

using R = CpuidReg;
constexpr FeatureInfo FEATURES[] = {
    {1, R::EDX, 0, "fpu"},       {1, R::EDX, 1, "vme"},      {1, R::EDX, 2, "de"},
    {1, R::EDX, 3, "pse"},       {1, R::EDX, 4, "tsc"},      {1, R::EDX, 5, "msr"},
    {1, R::EDX, 6, "pae"},       {1, R::EDX, 7, "mce"},      {1, R::EDX, 8, "cx8"},
    {1, R::EDX, 9, "apic"},      {1, R::EDX, 11, "sep"},     {1, R::EDX, 12, "mtrr"},
    {1, R::EDX, 13, "pge"},      {1, R::EDX, 14, "mca"},     {1, R::EDX, 15, "cmov"},
    {1, R::EDX, 16, "pat"},      {1, R::EDX, 17, "pse36"},   {1, R::EDX, 19, "clflush"},
    {1, R::EDX, 23, "mmx"},      {1, R::EDX, 24, "fxsr"},    {1, R::EDX, 25, "sse"},
    {1, R::EDX, 26, "sse2"},
    {1, R::ECX, 0, "pni"},       {1, R::ECX, 9, "ssse3"},    {1, R::ECX, 13, "cx16"},
    {1, R::ECX, 19, "sse4_1"},   {1, R::ECX, 20, "sse4_2"},  {1, R::ECX, 21, "x2apic"},
    {1, R::ECX, 23, "popcnt"},
    {1, R::ECX, 24, "tsc_deadline_timer"}, {1, R::ECX, 26, "xsave"},
    {EXTENDED | 1, R::EDX, 11, "syscall"}, {EXTENDED | 1, R::EDX, 20, "nx"},
    {EXTENDED | 1, R::EDX, 26, "pdpe1gb"}, {EXTENDED | 1, R::EDX, 27, "rdtscp"},
    {EXTENDED | 1, R::EDX, 29, "lm"},
    {EXTENDED | 1, R::ECX, 0, "lahf_lm"},
};
static_assert(std::size(FEATURES) == size_t(Feature::COUNT));

uint32_t& reg(CpuidResult& r, CpuidReg which) {
    switch (which) {
    case R::EAX: return r.eax;
    case R::EBX: return r.ebx;
    case R::ECX: return r.ecx;
    case R::EDX: break;
    }
    return r.edx;
}

// Four characters of the brand string, NUL-padded, little-endian as CPUID returns them.
uint32_t brand_dword(std::string_view brand, size_t at) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i)
        if (at + i < brand.size()) v |= uint32_t(uint8_t(brand[at + i])) << (8 * i);
    return v;
}

constexpr const CpuModel* ALL[] = {&models::max, &models::pentium2};

}  // namespace

const FeatureInfo& feature_info(Feature f) { return FEATURES[unsigned(f)]; }

bool CpuModel::has_msr(uint32_t index) const {
    return std::binary_search(msrs.begin(), msrs.end(), index);
}

// A leaf above the highest basic or extended one answers like the highest basic leaf (SDM
// Vol. 2 CPUID: "the data for the highest basic information leaf is returned"); a leaf inside
// a range that the model does not list, or a subleaf past the listed ones, reads as zeros.
CpuidResult CpuModel::cpuid(uint32_t leaf, uint32_t subleaf) const {
    const uint32_t max_basic = leaves.front().r.eax;
    const auto ext = std::find_if(leaves.begin(), leaves.end(),
                                  [](const CpuidLeaf& l) { return l.leaf == EXTENDED; });
    const uint32_t max_ext = ext == leaves.end() ? 0 : ext->r.eax;
    const bool in_range = leaf <= max_basic || (leaf >= EXTENDED && leaf <= max_ext);
    if (!in_range) leaf = max_basic;

    CpuidResult r{};
    for (const CpuidLeaf& l : leaves)
        if (l.leaf == leaf && (l.subleaf == CpuidLeaf::ANY_SUBLEAF || l.subleaf == subleaf)) r = l.r;
    if (leaf >= BRAND_FIRST && leaf <= BRAND_LAST) {
        const size_t at = (leaf - BRAND_FIRST) * 16;
        r = {brand_dword(brand, at), brand_dword(brand, at + 4), brand_dword(brand, at + 8),
             brand_dword(brand, at + 12)};
    }
    if (leaf == ADDRESS_SIZES) r.eax = phys_addr_bits | uint32_t(linear_addr_bits) << 8;
    for (unsigned f = 0; f < unsigned(Feature::COUNT); ++f)
        if (features.has(Feature(f)) && FEATURES[f].leaf == leaf) reg(r, FEATURES[f].reg) |= 1u << FEATURES[f].bit;
    return r;
}

uint64_t CpuModel::efer_writable() const {
    return (has(Feature::SYSCALL) ? efer::SCE : 0) | (has(Feature::LM) ? efer::LME : 0) |
           (has(Feature::NX) ? efer::NXE : 0);
}

std::span<const CpuModel* const> all_models() { return ALL; }

const CpuModel* find_model(std::string_view name) {
    for (const CpuModel* m : ALL)
        if (m->name == name) return m;
    return nullptr;
}

}  // namespace jitpc::cpu
