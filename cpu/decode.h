// Zydis → Insn. Zydis runs once per instruction when a block is first decoded; execution never
// calls it again, nor does the JIT. Each mnemonic's entry in the instruction table
// (cpu/insn_table.h) has a binder (cpu/ops/) that picks the handler specialised for the
// instruction's operand forms and sizes; a mnemonic without a binder is not part of the
// emulated CPU and decodes to a #UD.
#pragma once

#include <Zydis/Zydis.h>

#include <cstddef>
#include <cstdint>

#include "cpu/insn.h"
#include "cpu/model.h"
#include "cpu/mode.h"

namespace jitpc::cpu {

class InsnTable;

struct DecodeCtx {
    const ZydisDecodedInstruction& zi;
    const ZydisDecodedOperand* ops;  // visible operands only
    unsigned nops;
    CpuMode mode;

    bool is_reg(unsigned n) const { return n < nops && ops[n].type == ZYDIS_OPERAND_TYPE_REGISTER; }
    bool is_mem(unsigned n) const { return n < nops && ops[n].type == ZYDIS_OPERAND_TYPE_MEMORY; }
    bool is_imm(unsigned n) const { return n < nops && ops[n].type == ZYDIS_OPERAND_TYPE_IMMEDIATE; }
    unsigned size(unsigned n) const { return ops[n].size / 8; }  // operand n's size in bytes
    bool code32() const { return code_bytes(mode) == 4; }
};

// Fills `insn` (all fields but fn) and returns the handler, or nullptr for #UD.
using Binder = Handler (*)(const DecodeCtx&, Insn&);

class Decoder {
public:
    explicit Decoder(const CpuModel& model);
    enum class Status { Ok, NeedMoreBytes };
    // Decodes the instruction at `bytes` (`avail` of them readable) as code of `mode`. Invalid
    // encodings, LOCK misuse, instructions outside the CPU table and instructions needing a
    // feature the model lacks (required_features) decode to a handler raising #UD; an
    // instruction longer than 15 bytes to one raising #GP(0).
    Status decode(const uint8_t* bytes, size_t avail, CpuMode mode, Insn& out) const;

private:
    const InsnTable& table_;
    ZydisDecoder dec16_, dec32_, dec64_;
    FeatureSet features_;
};

// Handlers shared by the decoder and binders.
// A Zydis decoder for the emulated P6: the extensions Zydis enables by default but a P6 does
// not have are off (the coverage sweep decodes with the same settings).
void init_decoder(ZydisDecoder& d, ZydisMachineMode mode, ZydisStackWidth sw);
// Zydis's name for the mode (the tracer disassembles with it).
ZydisMachineMode zydis_mode(CpuMode m);
void handler_ud(Cpu&, const Insn&);
void handler_gp0(Cpu&, const Insn&);

}  // namespace jitpc::cpu
