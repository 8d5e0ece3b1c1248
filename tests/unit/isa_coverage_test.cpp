// Instruction coverage, mechanically, per CPU model: every form of the opcode sweep
// (tests/insn_table/sweep.h), in each machine mode of the model. A valid form whose features (cpu/isa_features.cpp, from Zydis's
// ISA set) the model advertises must decode in jitpc's own decoder (cpu/decode.cpp, the binders
// of cpu/ops/) to a handler other than the #UD one, unless its mnemonic is on the absent-list
// below, with the reason; a form of a feature the model does not advertise must decode to #UD.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "cpu/decode.h"
#include "cpu/insn_table.h"
#include "cpu/isa_features.h"
#include "tests/insn_table/sweep.h"

using namespace jitpc;

namespace {

// Mnemonics of the models' ISA sets the decoder deliberately leaves unbound (they raise #UD),
// each with the reason.
const std::map<ZydisMnemonic, const char*> kAbsent = {
    {ZYDIS_MNEMONIC_UD0, "architecturally #UD: leaving it unbound is the exact behaviour"},
    {ZYDIS_MNEMONIC_UD1, "as UD0"},
    {ZYDIS_MNEMONIC_UD2, "as UD0"},
    {ZYDIS_MNEMONIC_RSM, "no System Management Mode: #UD outside SMM, which is never entered"},
};

std::vector<ZydisMachineMode> modes_of(const cpu::CpuModel& m) {
    std::vector<ZydisMachineMode> modes = {ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_MACHINE_MODE_LEGACY_32};
    if (m.has(cpu::Feature::LM)) modes.push_back(ZYDIS_MACHINE_MODE_LONG_64);
    return modes;
}

struct Form {
    std::vector<uint8_t> bytes;
    ZydisMachineMode mode;
};

struct Sweep {
    std::map<std::string, std::vector<Form>> unbound;  // the model's forms decoding to #UD
    std::map<std::string, std::vector<Form>> foreign;  // other models' forms not decoding to #UD
    unsigned checked = 0;  // valid forms of the model's features
    unsigned excluded = 0;  // valid forms of features it lacks
};

// Decodes every form of the sweep under model `m`, by ISA set and mnemonic.
Sweep sweep(const cpu::CpuModel& m) {
    Sweep out;
    const cpu::Decoder ours(m);
    opcodes::each_form(modes_of(m), [&](const ZydisDecodedInstruction& zi, const ZydisDecodedOperand*,
                                        const std::vector<uint8_t>& b, ZydisMachineMode mode) {
        const auto needs = cpu::required_features(zi);
        const bool ours_too = needs && !(needs->bits & ~m.features.bits);
        cpu::Insn insn;
        const cpu::CpuMode cpu_mode = mode == ZYDIS_MACHINE_MODE_LONG_64     ? cpu::CpuMode::Long64
                                      : mode == ZYDIS_MACHINE_MODE_LEGACY_16 ? cpu::CpuMode::Prot16
                                                                             : cpu::CpuMode::Prot32;
        ours.decode(b.data(), b.size(), cpu_mode, insn);
        const std::string key = std::string(ZydisISASetGetString(zi.meta.isa_set)) + " " +
                                ZydisMnemonicGetString(zi.mnemonic);
        const Form form{{b.begin(), b.begin() + zi.length}, mode};
        if (ours_too) {
            ++out.checked;
            if (insn.fn == cpu::handler_ud && !kAbsent.count(zi.mnemonic)) out.unbound[key].push_back(form);
        } else {
            ++out.excluded;
            if (insn.fn != cpu::handler_ud) out.foreign[key].push_back(form);
        }
    });
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

bool is_ud(const cpu::Insn& i) { return i.fn == cpu::handler_ud; }

std::string describe(const std::string& what, const std::vector<Form>& forms) {
    const Form& f = forms.front();
    return what + ": " + std::to_string(forms.size()) + " forms, e.g. " + hex(f.bytes) +
           (f.mode == ZYDIS_MACHINE_MODE_LEGACY_16   ? "(16-bit code)"
            : f.mode == ZYDIS_MACHINE_MODE_LEGACY_32 ? "(32-bit code)"
                                                     : "(64-bit code)");
}

}  // namespace

TEST_CASE("per model: every form of its features is bound, every form of the others is #UD") {
    for (const cpu::CpuModel* m : cpu::all_models()) {
        CAPTURE(m->name);
        const Sweep s = sweep(*m);
        CHECK(s.checked > 100000);  // the sweep reached the model's instructions
        CHECK(s.excluded > 1000);   // and the instructions of features it lacks (SSE…)
        for (const auto& [what, forms] : s.unbound) FAIL_CHECK("unbound " << describe(what, forms));
        for (const auto& [what, forms] : s.foreign) FAIL_CHECK("not #UD " << describe(what, forms));
    }
}

// The sweep must be able to fail: a mnemonic with no binder is reported.
TEST_CASE("the coverage sweep reports an unbound mnemonic") {
    cpu::Binder& bind = cpu::InsnTable::edit().entry(ZYDIS_MNEMONIC_RDPMC).bind;
    const cpu::Binder saved = bind;
    bind = nullptr;
    const Sweep s = sweep(cpu::models::pentium2);
    bind = saved;
    CHECK(s.unbound.count("RDPMC rdpmc") == 1);
    CHECK(s.unbound.size() == 1);
}

// And a model's missing feature is reported when the decoder would still run its instructions:
// a model without CMOV may not bind CMOVcc, which the decoder's table has.
TEST_CASE("a feature the model lacks: its instructions decode to #UD") {
    cpu::CpuModel no_cmov = cpu::models::pentium2;
    no_cmov.features.bits &= ~cpu::FeatureSet{cpu::Feature::CMOV}.bits;
    const Sweep s = sweep(no_cmov);
    CHECK(s.unbound.empty());
    CHECK(s.foreign.empty());
    const cpu::Decoder p2(cpu::models::pentium2), without(no_cmov);
    const uint8_t cmovz[] = {0x0F, 0x44, 0xC1};        // cmovz eax, ecx
    const uint8_t fcmovb[] = {0xDA, 0xC1};             // fcmovb st0, st1
    const uint8_t fcomi[] = {0xDB, 0xF1};              // fcomi st0, st1
    for (const auto& bytes : {std::vector<uint8_t>(cmovz, cmovz + 3), std::vector<uint8_t>(fcmovb, fcmovb + 2),
                              std::vector<uint8_t>(fcomi, fcomi + 2)}) {
        cpu::Insn a, b;
        p2.decode(bytes.data(), bytes.size(), cpu::CpuMode::Prot32, a);
        without.decode(bytes.data(), bytes.size(), cpu::CpuMode::Prot32, b);
        CHECK_FALSE(is_ud(a));
        CHECK(is_ud(b));
        CHECK(b.mnemonic == ZYDIS_MNEMONIC_INVALID);  // nothing downstream takes it for a CMOV
    }
}

// SSE2's MOVSD and CMPSD (F2 0F 10, F2 0F C2) share their mnemonics with the string
// instructions: a P6 has no SSE2, so they are #UD, not string moves and compares.
TEST_CASE("pentium2: SSE2 MOVSD and CMPSD are #UD, the string MOVSD and CMPSD are not") {
    const cpu::Decoder p2(cpu::models::pentium2);
    cpu::Insn i;
    const uint8_t sse2_movsd[] = {0xF2, 0x0F, 0x10, 0xC1}, sse2_cmpsd[] = {0xF2, 0x0F, 0xC2, 0xC1, 0x00};
    const uint8_t movsd[] = {0xA5}, cmpsd[] = {0xA7};
    p2.decode(sse2_movsd, sizeof sse2_movsd, cpu::CpuMode::Prot32, i);
    CHECK(is_ud(i));
    p2.decode(sse2_cmpsd, sizeof sse2_cmpsd, cpu::CpuMode::Prot32, i);
    CHECK(is_ud(i));
    p2.decode(movsd, sizeof movsd, cpu::CpuMode::Prot32, i);
    CHECK_FALSE(is_ud(i));
    p2.decode(cmpsd, sizeof cmpsd, cpu::CpuMode::Prot32, i);
    CHECK_FALSE(is_ud(i));
}
