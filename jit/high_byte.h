// Byte operations naming AH..BH, which the host cannot name next to the REX registers that hold
// the guest's (jit/reg_alloc.h). A guest instruction naming one has no REX prefix, so all its
// register operands are byte registers of RAX..RBX: the guest registers they belong to are
// copied whole into rdx, then rcx (plain moves: the host's flags stay), the op names them
// there (dl/dh, cl/ch: no REX needed), and the ones it wrote are copied back whole. The
// emitters using it call nothing in between that clobbers those registers (the flags' thunk
// keeps rdx and clobbers rcx: read the flags before staging; a memory access clobbers both:
// a form with memory has one register operand, in rdx, copied after a load or inside a
// read-modify-write's host instruction, whose host address is not in rdx).
#pragma once

#include <asmjit/x86.h>

#include <cstdint>

#include "jit/translator.h"

namespace jitpc::jit {

class HighBytes {
public:
    // Whether the instruction is a byte op naming AH..BH: among register operands only, or as
    // its one register operand beside memory.
    static bool named(const Translator& t);
    // Emits the copies.
    explicit HighBytes(Translator& t);
    // Operand n's host register (a register operand).
    asmjit::x86::Gp operator[](unsigned n) const;
    // After the op: the guest registers of the operands in `written` (bit n: operand n) back.
    void write_back(unsigned written) const;

private:
    Translator& t_;
    uint8_t gpr_[2] = {};  // the guest registers in rdx and rcx
    unsigned count_ = 0;
};

}  // namespace jitpc::jit
