// Instruction coverage, mechanically: every opcode byte of the one-byte, 0F, 0F38 and 0F3A maps
// is decoded by Zydis with each mandatory/size prefix and every ModRM byte, in each machine mode
// of the CPU model; every valid form whose ISA set (Zydis's meta.isa_set) belongs to the model
// must decode in jitpc's own decoder (cpu/decode.cpp, the binders of cpu/ops/) to a handler
// other than the #UD one, unless its mnemonic is on the model's absent-list below, with the
// reason. A model is a parameter: its machine modes and ISA sets.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "cpu/decode.h"

using namespace jitpc;

namespace {

struct Model {
    const char* name;
    std::vector<ZydisMachineMode> modes;  // 64-bit modes also sweep REX.W
    std::set<ZydisISASet> isa_sets;
    // Mnemonics of those ISA sets the decoder deliberately leaves unbound (they raise #UD),
    // each with the reason.
    std::map<ZydisMnemonic, const char*> absent;
};

// The emulated P6 (cpu/cpuid.cpp: family 6 model 3, FPU DE PSE TSC MSR CX8 SEP PGE CMOV, no MMX,
// FXSR or SSE): the 8086…Pentium Pro integer and system instructions, x87 with FCMOV/FCOMI,
// RDPMC, the long NOPs and PAUSE (REP NOP).
const Model kPentium2 = {
    "pentium2",
    {ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_MACHINE_MODE_LEGACY_32},
    {ZYDIS_ISA_SET_I86, ZYDIS_ISA_SET_I186, ZYDIS_ISA_SET_I286REAL, ZYDIS_ISA_SET_I286PROTECTED,
     ZYDIS_ISA_SET_I386, ZYDIS_ISA_SET_I486REAL, ZYDIS_ISA_SET_I486, ZYDIS_ISA_SET_PENTIUMREAL,
     ZYDIS_ISA_SET_PPRO, ZYDIS_ISA_SET_CMOV, ZYDIS_ISA_SET_X87, ZYDIS_ISA_SET_FCMOV,
     ZYDIS_ISA_SET_RDPMC, ZYDIS_ISA_SET_FAT_NOP, ZYDIS_ISA_SET_PAUSE},
    {
        {ZYDIS_MNEMONIC_UD0, "architecturally #UD: leaving it unbound is the exact behaviour"},
        {ZYDIS_MNEMONIC_UD1, "as UD0"},
        {ZYDIS_MNEMONIC_UD2, "as UD0"},
        {ZYDIS_MNEMONIC_RSM, "no System Management Mode: #UD outside SMM, which is never entered"},
    },
};

struct Form {
    std::vector<uint8_t> bytes;
    ZydisMachineMode mode;
};

// Decodes every form of the sweep; returns the unbound ones by ISA set and mnemonic, and
// counts the valid forms of the model's sets.
std::map<std::string, std::vector<Form>> unbound_forms(const Model& m, unsigned& checked) {
    std::map<std::string, std::vector<Form>> out;
    const cpu::Decoder ours;
    static const std::vector<std::vector<uint8_t>> maps = {{}, {0x0F}, {0x0F, 0x38}, {0x0F, 0x3A}};
    static const std::vector<std::vector<uint8_t>> prefixes = {{}, {0x66}, {0xF2}, {0xF3}, {0x67}};
    for (const ZydisMachineMode mode : m.modes) {
        ZydisDecoder zd;
        const bool long_mode = mode == ZYDIS_MACHINE_MODE_LONG_64;
        cpu::init_decoder(zd, mode,
                          long_mode                                 ? ZYDIS_STACK_WIDTH_64
                          : mode == ZYDIS_MACHINE_MODE_LEGACY_16 ? ZYDIS_STACK_WIDTH_16
                                                                   : ZYDIS_STACK_WIDTH_32);
        const cpu::CpuMode cpu_mode = long_mode                                ? cpu::CpuMode::Long64
                                      : mode == ZYDIS_MACHINE_MODE_LEGACY_16 ? cpu::CpuMode::Prot16
                                                                               : cpu::CpuMode::Prot32;
        for (const auto& pfx : prefixes)
            for (unsigned rex = 0; rex < (long_mode ? 2u : 1u); ++rex)
                for (const auto& map : maps)
                    for (unsigned op = 0; op < 256; ++op) {
                        // A form without ModRM does not depend on the byte after the opcode: its
                        // first decode stands for all 256.
                        for (unsigned modrm = 0; modrm < 256; ++modrm) {
                            std::vector<uint8_t> b(pfx);
                            if (rex) b.push_back(0x48);
                            b.insert(b.end(), map.begin(), map.end());
                            b.push_back(uint8_t(op));
                            b.push_back(uint8_t(modrm));
                            b.resize(15, 0);
                            ZydisDecoderContext ctx;
                            ZydisDecodedInstruction zi{};
                            if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&zd, &ctx, b.data(),
                                                                            b.size(), &zi)))
                                continue;
                            const bool has_modrm = zi.attributes & ZYDIS_ATTRIB_HAS_MODRM;
                            if (!m.isa_sets.count(zi.meta.isa_set)) {
                                if (!has_modrm) break;
                                continue;
                            }
                            ++checked;
                            cpu::Insn insn;
                            ours.decode(b.data(), b.size(), cpu_mode, insn);
                            if (insn.fn == cpu::handler_ud && !m.absent.count(zi.mnemonic)) {
                                const std::string key =
                                    std::string(ZydisISASetGetString(zi.meta.isa_set)) + " " +
                                    ZydisMnemonicGetString(zi.mnemonic);
                                out[key].push_back({{b.begin(), b.begin() + zi.length}, mode});
                            }
                            if (!has_modrm) break;
                        }
                    }
    }
    return out;
}

std::string hex(const std::vector<uint8_t>& b) {
    std::string s;
    char buf[4];
    for (uint8_t x : b) {
        std::snprintf(buf, sizeof buf, "%02X ", x);
        s += buf;
    }
    return s;
}

}  // namespace

TEST_CASE("every form of the CPU model's ISA sets that Zydis decodes is bound by the decoder") {
    for (const Model* m : {&kPentium2}) {
        CAPTURE(m->name);
        unsigned checked = 0;
        const auto unbound = unbound_forms(*m, checked);
        CHECK(checked > 100000);  // the sweep reached the model's instructions
        for (const auto& [what, forms] : unbound) {
            const Form& f = forms.front();
            FAIL_CHECK(what << ": " << forms.size() << " unbound forms, e.g. " << hex(f.bytes)
                            << (f.mode == ZYDIS_MACHINE_MODE_LEGACY_16 ? "(16-bit code)" : "(32-bit code)"));
        }
    }
}

// The sweep must be able to fail: a mnemonic with no binder is reported.
TEST_CASE("the coverage sweep reports an unbound mnemonic") {
    Model m = kPentium2;
    m.isa_sets = {ZYDIS_ISA_SET_RDPMC};
    unsigned checked = 0;
    const cpu::Binder saved = cpu::Decoder::table[ZYDIS_MNEMONIC_RDPMC];
    cpu::Decoder::table[ZYDIS_MNEMONIC_RDPMC] = nullptr;
    const auto unbound = unbound_forms(m, checked);
    cpu::Decoder::table[ZYDIS_MNEMONIC_RDPMC] = saved;
    CHECK(checked > 0);
    CHECK(unbound.count("RDPMC rdpmc") == 1);
}
