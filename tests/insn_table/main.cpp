// jitpc-insn-table: what is generated from the instruction table (cpu/insn_table.h).
//   --zydis-facts  cpu/insn_zydis_facts.inc: Zydis's flag access and branch categories, folded
//                  per mnemonic over every form of the sweep in 16-, 32- and 64-bit code
//   --doc          docs/instructions.md: every mnemonic of the table with its facts
// The insn-table-current test runs both and fails when a committed file differs.
#include <Zydis/Zydis.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cpu/flags.h"
#include "cpu/insn_table.h"
#include "cpu/isa_features.h"
#include "jit/emitters.h"
#include "tests/insn_table/sweep.h"

using namespace jitpc;

namespace {

struct Fold {
    uint32_t read = 0, written = 0, killed = cpu::EFLAGS_ARITH, undefined = 0;
    bool ends_block = false;
    std::optional<uint64_t> features;  // the union over its forms some model can have
    bool features_vary = false;
    unsigned implicit_gprs = 0, implicit_reads = 0, writes_regs = 0, implicit_memory = 0;
    bool agen = false;
    unsigned modes = 0;  // cpu::InsnInfo::modes
};

// The general register (0-7, by encoding) that `r` is or is part of, or -1.
int gpr_of(ZydisMachineMode mode, ZydisRegister r) {
    const ZydisRegister big = ZydisRegisterGetLargestEnclosing(mode, r);
    const ZydisRegisterClass c = ZydisRegisterGetClass(big);
    if (c != ZYDIS_REGCLASS_GPR16 && c != ZYDIS_REGCLASS_GPR32 && c != ZYDIS_REGCLASS_GPR64) return -1;
    const int id = ZydisRegisterGetId(big);
    return id < 8 ? id : -1;
}

bool ends_block(ZydisInstructionCategory c) {
    switch (c) {
    case ZYDIS_CATEGORY_COND_BR:
    case ZYDIS_CATEGORY_UNCOND_BR:
    case ZYDIS_CATEGORY_CALL:
    case ZYDIS_CATEGORY_RET:
    case ZYDIS_CATEGORY_INTERRUPT:
    case ZYDIS_CATEGORY_SYSCALL:
    case ZYDIS_CATEGORY_SYSRET: return true;
    default: return false;
    }
}

int zydis_facts() {
    std::map<ZydisMnemonic, Fold> folds;
    opcodes::each_form({ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_MACHINE_MODE_LONG_64},
                     [&](const ZydisDecodedInstruction& zi, const ZydisDecodedOperand* ops,
                         const std::vector<uint8_t>&, ZydisMachineMode mode) {
                         Fold& f = folds[zi.mnemonic];
                         f.modes |= mode == ZYDIS_MACHINE_MODE_LONG_64 ? cpu::CODE_64 : cpu::CODE_LEGACY;
                         // Registers written: hidden ones by number, explicit ones by their place
                         // among the explicit registers (cpu::Insn's r0, r1), told apart by
                         // whether a memory operand comes first (IF_MEM_FIRST).
                         const bool mem_first = zi.operand_count_visible > 0 &&
                                                ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY;
                         unsigned nregs = 0, memory = 0;
                         for (unsigned n = 0; n < zi.operand_count; ++n) {
                             const ZydisDecodedOperand& o = ops[n];
                             const bool visible = n < zi.operand_count_visible;
                             const bool writes = o.actions & ZYDIS_OPERAND_ACTION_MASK_WRITE;
                             if (o.type == ZYDIS_OPERAND_TYPE_MEMORY) {
                                 if (visible && o.mem.type == ZYDIS_MEMOP_TYPE_AGEN) f.agen = true;
                                 if (!visible && o.mem.type != ZYDIS_MEMOP_TYPE_AGEN) ++memory;
                                 if (!visible)  // XLAT's RBX
                                     for (ZydisRegister r : {o.mem.base, o.mem.index})
                                         if (const int g = gpr_of(mode, r); g >= 0) f.implicit_reads |= 1u << g;
                             }
                             if (o.type != ZYDIS_OPERAND_TYPE_REGISTER) continue;
                             if (visible && nregs < 2) {
                                 if (writes) f.writes_regs |= 1u << ((mem_first ? 2 : 0) + nregs);
                                 ++nregs;
                                 continue;
                             }
                             // A hidden register, or a third one (SHLD's CL: no Insn field).
                             const int g = gpr_of(mode, o.reg.value);
                             if (g < 0) continue;
                             if (!visible && writes) f.implicit_gprs |= 1u << g;
                             if (visible || (o.actions & ZYDIS_OPERAND_ACTION_MASK_READ)) f.implicit_reads |= 1u << g;
                         }
                         if (memory > f.implicit_memory) f.implicit_memory = memory;
                         uint32_t read = 0, written = 0, undefined = 0;
                         if (const ZydisAccessedFlags* a = zi.cpu_flags) {
                             read = a->tested;
                             undefined = a->undefined;
                             written = a->modified | a->set_0 | a->set_1 | a->undefined;
                         }
                         f.read |= read & cpu::EFLAGS_ARITH;
                         f.written |= written & cpu::EFLAGS_ARITH;
                         f.killed &= written;
                         f.undefined |= undefined & cpu::EFLAGS_ARITH;
                         f.ends_block |= ends_block(zi.meta.category);
                         if (const auto needs = cpu::required_features(zi)) {
                             if (f.features && *f.features != needs->bits) f.features_vary = true;
                             f.features = f.features.value_or(0) | needs->bits;
                         }
                     });
    std::printf("// Generated by `jitpc-insn-table --zydis-facts` (tests/insn_table/main.cpp): do not edit.\n"
                "// mnemonic, arithmetic flags read, written, written by every form, left undefined,\n"
                "// ends the block, CPUID features (cpu::FeatureSet bits) of its forms, whether\n"
                "// they differ, hidden general registers written, read (with a third register\n"
                "// operand, as SHLD's CL, and hidden memory operands' addresses), explicit\n"
                "// registers written\n"
                "// (bit n: register n; bits 2-3: the same after a memory operand), hidden memory\n"
                "// operands, the memory operand is an address computation, the code it decodes in\n"
                "// (bit 0: 16/32-bit, bit 1: 64-bit).\n");
    for (const auto& [m, f] : folds) {
        if (!f.read && !f.written && !f.ends_block && !f.features.value_or(0) && !f.implicit_gprs && !f.implicit_reads &&
            !f.writes_regs && !f.implicit_memory && !f.agen && f.modes == (cpu::CODE_LEGACY | cpu::CODE_64))
            continue;
        std::string name = ZydisMnemonicGetString(m);
        for (char& c : name) c = char(std::toupper(static_cast<unsigned char>(c)));
        std::printf("{ZYDIS_MNEMONIC_%s, 0x%03X, 0x%03X, 0x%03X, 0x%03X, %s, 0x%llX, %s, 0x%02X, 0x%02X, 0x%X, %u, %s, %u},\n",
                    name.c_str(), f.read, f.written, f.killed, f.undefined,
                    f.ends_block ? "true" : "false", (unsigned long long)f.features.value_or(0),
                    f.features_vary ? "true" : "false", f.implicit_gprs, f.implicit_reads, f.writes_regs,
                    f.implicit_memory, f.agen ? "true" : "false", f.modes);
    }
    return 0;
}

std::string flag_letters(uint32_t mask) {
    std::string s;
    for (const auto& [bit, letter] : std::initializer_list<std::pair<uint32_t, char>>{
             {cpu::EFLAGS_OF, 'O'}, {cpu::EFLAGS_SF, 'S'}, {cpu::EFLAGS_ZF, 'Z'},
             {cpu::EFLAGS_AF, 'A'}, {cpu::EFLAGS_PF, 'P'}, {cpu::EFLAGS_CF, 'C'}})
        if (mask & bit) s += letter;
    return s;
}

std::string features(const cpu::InsnInfo& e) {
    std::string s;
    for (unsigned f = 0; f < unsigned(cpu::Feature::COUNT); ++f)
        if (e.features.has(cpu::Feature(f))) {
            if (!s.empty()) s += ' ';
            s += cpu::feature_info(cpu::Feature(f)).name;
        }
    if (e.features_vary) s += " (some forms)";
    return s;
}

int doc() {
    jit::register_emitters();
    const cpu::InsnTable& t = cpu::InsnTable::get();
    std::map<std::string, std::vector<unsigned>> by_group;
    for (unsigned m = 0; m <= ZYDIS_MNEMONIC_MAX_VALUE; ++m)
        if (t[m].bind) by_group[t[m].group].push_back(m);
    unsigned total = 0, emitted = 0;
    for (const auto& [g, ms] : by_group)
        for (unsigned m : ms) ++total, emitted += t[m].emit != nullptr;
    std::printf("# Instructions\n\n"
                "Generated from the instruction table (cpu/insn_table.h) by `jitpc-insn-table --doc`;\n"
                "the `insn-table-current` test fails when this file is stale. Do not edit by hand.\n\n"
                "%u mnemonics (Zydis's names), %u with a JIT emitter; the others run through the\n"
                "interpreter's handler from generated code. Per mnemonic: its cpu/ops group (semantics\n"
                "in cpu/ops/<group>.cpp, the x87 in cpu/fpu/; the emitter in jit/emit_<group>.cpp), the\n"
                "arithmetic flags it reads, may write, and leaves undefined in some form (Zydis's metadata;\n"
                "the values jitpc gives undefined flags: docs/undefined.md), whether it may fault with\n"
                "register operands only (memory operands always may), whether it ends its block, and the\n"
                "CPUID features its forms need (cpu/isa_features.cpp).\n",
                total, emitted);
    for (const auto& [g, ms] : by_group) {
        std::printf("\n## %s\n\n", g.c_str());
        std::printf("| mnemonic | JIT emitter | reads | writes | undefined | may fault | ends block | features |\n");
        std::printf("|---|---|---|---|---|---|---|---|\n");
        for (unsigned m : ms) {
            const cpu::InsnInfo& e = t[m];
            std::printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n",
                        ZydisMnemonicGetString(ZydisMnemonic(m)), e.emit ? "yes" : "",
                        flag_letters(e.flags_read).c_str(), flag_letters(e.flags_written).c_str(),
                        flag_letters(e.flags_undefined).c_str(), e.may_fault ? "yes" : "",
                        e.ends_block ? "yes" : "", features(e).c_str());
        }
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && !std::strcmp(argv[1], "--zydis-facts")) return zydis_facts();
    if (argc == 2 && !std::strcmp(argv[1], "--doc")) return doc();
    std::fprintf(stderr, "usage: jitpc-insn-table --zydis-facts | --doc\n");
    return 1;
}
