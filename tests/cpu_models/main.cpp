// jitpc-cpu-models: prints docs/cpu-models.md from the models themselves (cpu/models/): every
// CPUID leaf as the model answers it, decoded where the format is known, the features, the MSR
// list and the undefined-behaviour table. check.sh fails when the committed file is stale.
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cpu/model.h"

using namespace jitpc::cpu;

namespace {

constexpr uint32_t EXTENDED = 0x80000000;

std::string hex(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%X", v);
    return buf;
}

std::string text(std::initializer_list<uint32_t> regs) {
    std::string s;
    for (const uint32_t r : regs)
        for (unsigned i = 0; i < 4; ++i)
            if (const char c = char(r >> (8 * i))) s += c;
    return s;
}

// The flags a model advertises in one register of one leaf.
std::string flags_in(const CpuModel& m, uint32_t leaf, CpuidReg reg) {
    std::string s;
    for (unsigned f = 0; f < unsigned(Feature::COUNT); ++f) {
        const FeatureInfo& info = feature_info(Feature(f));
        if (!m.has(Feature(f)) || info.leaf != leaf || info.reg != reg) continue;
        if (!s.empty()) s += ' ';
        s += info.name;
    }
    return s.empty() ? "none" : s;
}

// What a leaf says, for the leaves whose format is fixed.
std::string decode(const CpuModel& m, uint32_t leaf, uint32_t sub, const CpuidResult& r) {
    switch (leaf) {
    case 0: return "highest basic leaf " + std::to_string(r.eax) + ", \"" + text({r.ebx, r.edx, r.ecx}) + "\"";
    case 1: {
        const unsigned family = (r.eax >> 8) & 0xF, model = ((r.eax >> 4) & 0xF) | ((r.eax >> 12) & 0xF0);
        std::string s = "family " + std::to_string(family) + " model " + std::to_string(model) +
                        " stepping " + std::to_string(r.eax & 0xF);
        if (r.ebx)
            s += "; " + std::to_string((r.ebx >> 16) & 0xFF) + " logical processor(s), APIC ID " +
                 std::to_string(r.ebx >> 24);
        return s + "; EDX: " + flags_in(m, 1, CpuidReg::EDX) + "; ECX: " + flags_in(m, 1, CpuidReg::ECX);
    }
    case 2: return (r.eax & 0xFF00) == 0xFF00 ? "descriptor FF: caches in leaf 4" : "cache and TLB descriptors";
    case 4: {
        static const char* const TYPES[] = {"no more caches", "data", "code", "unified"};
        const unsigned type = r.eax & 0x1F;
        if (type == 0) return "subleaf " + std::to_string(sub) + ": no more caches";
        const uint64_t bytes = uint64_t((r.ebx >> 22) + 1) * (((r.ebx >> 12) & 0x3FF) + 1) *
                               ((r.ebx & 0xFFF) + 1) * (uint64_t(r.ecx) + 1);
        return "subleaf " + std::to_string(sub) + ": L" + std::to_string((r.eax >> 5) & 7) + " " +
               TYPES[type < 4 ? type : 0] + ", " + std::to_string(bytes >> 10) + " KiB, " +
               std::to_string((r.ebx >> 22) + 1) + "-way, " + std::to_string((r.ebx & 0xFFF) + 1) +
               "-byte lines, shared by " + std::to_string(((r.eax >> 14) & 0xFFF) + 1) + " thread(s)";
    }
    case 7: return "subleaf 0: highest subleaf " + std::to_string(r.eax) + "; no structured extended features";
    case 0xD:
        if (sub == 0)
            return "subleaf 0: XCR0 bits " + hex(r.eax) + " (x87, SSE), XSAVE area " + std::to_string(r.ebx) +
                   " bytes (" + std::to_string(r.ecx) + " at most)";
        return "subleaf 1: " + std::string(r.eax ? "XSAVE extensions " + hex(r.eax) : "no XSAVEOPT, XSAVEC, XGETBV ECX=1 or XSAVES");
    case EXTENDED: return "highest extended leaf " + hex(r.eax);
    case EXTENDED | 1:
        return "EDX: " + flags_in(m, leaf, CpuidReg::EDX) + "; ECX: " + flags_in(m, leaf, CpuidReg::ECX);
    case EXTENDED | 2: case EXTENDED | 3: case EXTENDED | 4:
        return "brand string \"" + text({r.eax, r.ebx, r.ecx, r.edx}) + "\"";
    case EXTENDED | 6:
        return "L2 " + std::to_string(r.ecx >> 16) + " KiB, " + std::to_string(r.ecx & 0xFF) + "-byte lines";
    case EXTENDED | 8:
        return std::to_string(r.eax & 0xFF) + " physical, " + std::to_string((r.eax >> 8) & 0xFF) +
               " linear address bits";
    default: return r.eax | r.ebx | r.ecx | r.edx ? "" : "zeros (not listed)";
    }
}

void row(const CpuModel& m, uint32_t leaf, uint32_t sub, bool show_sub) {
    const CpuidResult r = m.cpuid(leaf, sub);
    std::string name = hex(leaf);
    if (show_sub) name += '.' + std::to_string(sub);
    std::printf("| %s | %s | %s | %s | %s | %s |\n", name.c_str(), hex(r.eax).c_str(),
                hex(r.ebx).c_str(), hex(r.ecx).c_str(), hex(r.edx).c_str(), decode(m, leaf, sub, r).c_str());
}

void leaves(const CpuModel& m, uint32_t first, uint32_t last) {
    for (uint32_t leaf = first; leaf <= last; ++leaf) {
        if (leaf == 4) {
            uint32_t sub = 0;
            do row(m, 4, sub, true);
            while (m.cpuid(4, sub++).eax & 0x1F);
        } else if (leaf == 0xD) {
            row(m, leaf, 0, true);
            row(m, leaf, 1, true);
        } else {
            row(m, leaf, 0, leaf == 7);
        }
    }
}

struct MsrName {
    uint32_t first, last;
    const char* name;
};
constexpr MsrName MSR_NAMES[] = {
    {0x10, 0x10, "TSC"}, {0x17, 0x17, "PLATFORM_ID"}, {0x1B, 0x1B, "APIC_BASE"},
    {0x3A, 0x3A, "FEATURE_CONTROL"}, {0x8B, 0x8B, "BIOS_SIGN_ID"}, {0xC1, 0xC2, "PerfCtr0-1"},
    {0xFE, 0xFE, "MTRRcap"}, {0x174, 0x176, "SYSENTER_CS/ESP/EIP"}, {0x186, 0x187, "PerfEvtSel0-1"},
    {0x1A0, 0x1A0, "MISC_ENABLE"}, {0x1D9, 0x1D9, "DEBUGCTL"}, {0x200, 0x20F, "MTRR PHYSBASE/PHYSMASK0-7"},
    {0x250, 0x250, "MTRR FIX64K_00000"}, {0x258, 0x259, "MTRR FIX16K_80000/A0000"},
    {0x268, 0x26F, "MTRR FIX4K_C0000-F8000"}, {0x277, 0x277, "PAT"}, {0x2FF, 0x2FF, "MTRR_DEF_TYPE"},
    {0xC0000080, 0xC0000080, "EFER"},
};

void msrs(const CpuModel& m) {
    std::printf("| MSR | name |\n|---|---|\n");
    for (size_t i = 0; i < m.msrs.size();) {
        const MsrName* n = nullptr;
        for (const MsrName& x : MSR_NAMES)
            if (m.msrs[i] >= x.first && m.msrs[i] <= x.last) n = &x;
        // A named range is shown once, from its first listed MSR to its last.
        size_t j = i + 1;
        while (n && j < m.msrs.size() && m.msrs[j] <= n->last) ++j;
        const std::string range = j - i > 1 ? hex(m.msrs[i]) + "-" + hex(m.msrs[j - 1]) : hex(m.msrs[i]);
        std::printf("| %s | %s |\n", range.c_str(), n ? n->name : "?");
        i = j;
    }
}

const char* undefined_name(UndefinedTable t) {
    switch (t) {
    case UndefinedTable::P6: break;
    }
    return "the P6 table";
}

void model(const CpuModel& m) {
    std::printf("\n## %.*s\n\n%.*s.\n\n", int(m.name.size()), m.name.data(), int(m.description.size()),
                m.description.data());
    std::string feats;
    for (unsigned f = 0; f < unsigned(Feature::COUNT); ++f) {
        if (!m.has(Feature(f))) continue;
        if (!feats.empty()) feats += ' ';
        feats += feature_info(Feature(f)).name;
    }
    std::printf("Features: %s.\n\nUndefined results and flags: %s (docs/undefined.md).\n\n", feats.c_str(),
                undefined_name(m.undefined));
    std::printf("| leaf | EAX | EBX | ECX | EDX | meaning |\n|---|---|---|---|---|---|\n");
    const uint32_t max_basic = m.cpuid(0, 0).eax;
    leaves(m, 0, max_basic);
    const uint32_t max_ext = m.cpuid(EXTENDED, 0).eax;
    if (max_ext >= EXTENDED && max_ext != m.cpuid(max_basic, 0).eax) {
        leaves(m, EXTENDED, max_ext);
        std::printf("\nLeaves above %s and above %s answer like leaf %s.\n\n", hex(max_basic).c_str(),
                    hex(max_ext).c_str(), hex(max_basic).c_str());
    } else {
        std::printf("\nNo extended leaves: every leaf above %s, 0x80000000 up included, answers like leaf %s.\n\n",
                    hex(max_basic).c_str(), hex(max_basic).c_str());
    }
    msrs(m);
}

}  // namespace

int main() {
    std::printf(
        "# CPU models\n\n"
        "<!-- Generated by build/jitpc-cpu-models (tests/cpu_models/main.cpp) from cpu/models/;\n"
        "     tests/cpu_models/check.sh fails when it is stale and --update rewrites it. -->\n\n"
        "`-cpu MODEL` picks the processor the guest sees (`-cpu help` lists the models). A model is\n"
        "one file in cpu/models/: its CPUID leaves, its feature set (what the semantics ask\n"
        "`Cpu::has` and what the decoder gates instructions on: an instruction of a feature the\n"
        "model does not advertise is #UD), its MSR list and the undefined-behaviour table it\n"
        "follows. The feature words of CPUID leaves 1 and 0x80000001 are built from the feature\n"
        "set, so what CPUID reports and what the CPU does come from one list; a model advertises a\n"
        "feature only once it is implemented exactly (README's status table lists what is planned).\n\n"
        "A leaf inside a model's basic or extended range that the model does not list reads as\n"
        "zeros. RDMSR and WRMSR of an MSR not listed raise #GP(0); what the listed ones hold and how\n"
        "writes are checked is in docs/undefined.md (\"System instructions\"). Where the SDM leaves\n"
        "a result undefined, a model follows a measured processor's table; a model not measured yet\n"
        "follows the P6's. Every model decodes the P6's encodings where later extensions reuse them\n"
        "(Zydis's MPX, CET, LZCNT, TZCNT, CLDEMOTE and WBNOINVD modes are off: F3 0F BC is BSF,\n"
        "0F 1C/1E are hint NOPs). MONITOR and MWAIT (CPUID.1:ECX bit 3) are advertised by no model\n"
        "and raise #UD, as do AMD's SSE4A and every AVX encoding. On a model with XSAVE, leaf 1's ECX\n"
        "bit 27 (OSXSAVE) reads as CR4.OSXSAVE; the tables show it clear.\n");
    for (const CpuModel* m : all_models()) model(*m);
}
