// The emulated CPU's instruction table: one entry per Zydis mnemonic, read by the decoder (the
// binder), the interpreter (the handler the binder picks), the JIT (the emitter, flag liveness,
// what may fault), the differential oracle (which mnemonics must be covered) and the generated
// docs/instructions.md. Where each field comes from:
// - binder and group: the cpu/ops group that registers the mnemonic (groups.h); a mnemonic with
//   no binder is not part of the CPU and decodes to #UD;
// - emitter: the jit/emit_<group>.cpp file named after that group, or none (the instruction then
//   runs through the interpreter's handler in generated code);
// - arithmetic flags read, written, surely written, left undefined, and "ends the block":
//   Zydis's own metadata, folded per mnemonic over every form by tests/insn_table
//   (cpu/insn_zydis_facts.inc, generated; a test fails when it is stale);
// - the CPUID features its forms need: required_features (cpu/isa_features.cpp, from Zydis's
//   ISA set), folded the same way;
// - may fault with only register and immediate operands: the list in insn_table.cpp.
#pragma once

#include <Zydis/Zydis.h>

#include <cstdint>
#include <string_view>

#include "cpu/decode.h"
#include "cpu/model.h"

namespace jitpc::jit {
class Translator;
}

namespace jitpc::cpu {

using Emitter = bool (*)(jit::Translator&);

enum CodeModes : uint8_t { CODE_LEGACY = 1, CODE_64 = 2 };

struct InsnInfo {
    Binder bind = nullptr;
    Emitter emit = nullptr;
    const char* group = nullptr;  // the cpu/ops group of the binder (groups.h), nullptr if none
    // Arithmetic flags (cpu::EFLAGS_ARITH bits): read; possibly written (undefined ones
    // included); written by every form whatever its operands; left undefined.
    uint16_t flags_read = 0, flags_written = 0, flags_killed = 0, flags_undefined = 0;
    bool ends_block = false;  // a control transfer: every form ends its block
    // General registers written (bit n: register n by encoding, the 8/16-bit ones counted as
    // their 32-bit register): by hidden operands; by the explicit ones, bit n for Insn::r0/r1
    // (bits 2-3 the same when a memory operand comes first, IF_MEM_FIRST).
    uint8_t implicit_gprs = 0, writes_regs = 0;
    // General registers read by hidden operands (registers, and the addresses of hidden memory
    // operands: XLAT's RBX) and a third register operand (SHLD's CL, which no Insn field
    // names): with implicit_gprs, every register beyond r0/r1 and the memory operand's that the
    // instruction may touch (the JIT's register allocator keeps off them).
    uint8_t implicit_reads = 0;
    uint8_t implicit_memory = 0;  // hidden memory operands (the stack, string operands)
    bool agen = false;            // its memory operand is an address computation (LEA)
    // Whether it may fault or leave the block even when all its operands are general registers
    // and immediates (memory operands may always fault).
    bool may_fault = true;
    // The CPUID features its forms need (cpu/isa_features.cpp, required_features), and whether
    // its forms differ in them (the string MOVSD and SSE2's): the decoder asks per form.
    FeatureSet features;
    bool features_vary = false;
    // The code Zydis decodes it in (CODE_LEGACY: 16- and 32-bit, CODE_64: 64-bit), from the
    // same sweep: DAA or PUSHA have no 64-bit form, CDQE or SWAPGS no other.
    uint8_t modes = CODE_LEGACY | CODE_64;

    bool of_group(std::string_view g) const { return group && g == group; }
};

class InsnTable {
public:
    const InsnInfo& operator[](unsigned mnemonic) const { return entries_[mnemonic]; }
    // The one table, built on first use from the groups' registrations.
    static const InsnTable& get();
    // For the JIT's registration (jit/emitters.cpp) and tests.
    static InsnTable& edit();
    InsnInfo& entry(unsigned mnemonic) { return entries_[mnemonic]; }
    // An emitter goes only into an entry of `group` (its file, jit/emit_<group>.cpp, carries the
    // group's name); anything else is a programming error (std::logic_error).
    void set_emitter(const char* group, ZydisMnemonic m, Emitter e);

private:
    InsnTable();
    InsnInfo entries_[ZYDIS_MNEMONIC_MAX_VALUE + 1];
};

}  // namespace jitpc::cpu
