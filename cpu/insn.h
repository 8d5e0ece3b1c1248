// The project's decoded-instruction form, produced once per instruction by cpu/decode.cpp from
// Zydis's output and cached with the code block. The interpreter calls `fn`; the JIT translates
// from the same fields and the instruction table (cpu/insn_table.h), never decoding again.
// 32 bytes, so a block of them stays in a few cache lines.
//
// 64-bit mode needs no wider fields: the only 64-bit immediate (MOV r64, imm64) belongs to an
// instruction without a memory operand, so its high half goes in `disp`; the only 64-bit
// displacement (the moffs of MOV AL/AX/EAX/RAX, [moffs64]) to one without an immediate, so its
// high half goes in `imm`; a RIP-relative operand keeps its signed 32-bit displacement in `disp`
// (base NO_REG, the RIP-relative fact a flag bit). Other displacements and immediates are at
// most 32 bits and sign-extend.
#pragma once

#include <cstdint>

namespace jitpc::cpu {

class Cpu;
struct Insn;
using Handler = void (*)(Cpu&, const Insn&);

constexpr uint8_t NO_REG = 16;  // CpuState::gpr[16] is always zero, so EA math needs no branches

// Insn::prefix bits.
constexpr uint8_t PFX_LOCK = 1, PFX_REP = 2, PFX_REPNE = 4, PFX_SEG = 8, PFX_OPSIZE = 16,
                  PFX_ADDRSIZE = 32;
// Not a prefix but kept with them: the memory operand is RIP-relative (64-bit mode; `disp`
// counts from the next instruction).
constexpr uint8_t PFX_RIP_REL = 128;
// Insn::flags bits. Besides ending the block, they give the explicit operands' form, which
// with the binder's mnemonic is all the JIT needs to translate from the Insn alone.
constexpr uint8_t IF_END_BLOCK = 1;  // control transfer or state change: the block ends here
constexpr uint8_t IF_MEM = 2;        // has a memory operand (base/index/scale/disp/seg valid)
constexpr uint8_t IF_MEM_FIRST = 4;  // ... and it is the first operand (else it follows r0)
constexpr uint8_t IF_R0 = 8, IF_R1 = 16;  // r0 / r1 hold an explicit register operand
constexpr uint8_t IF_GPR_ONLY = 32;  // every explicit register operand is a general register
constexpr uint8_t IF_IMM = 64;       // has an immediate (a branch's: relative to the next EIP)
constexpr uint8_t IF_FAR = 128;      // a far branch (JMP/CALL/RET through a selector)
// Insn::aux bits of the SSE binders, for the JIT, which cannot tell the register files apart:
// the XMM form of a mnemonic that may have an MMX one, and MOVD's direction from the XMM
// register (r0 is then the general register).
constexpr uint8_t AUX_XMM = 1, AUX_FROM_XMM = 2;

// The low `bytes` bytes of a 64-bit value (bytes 1, 2, 4 or 8): address and operand wrapping.
constexpr uint64_t size_mask(unsigned bytes) { return ~uint64_t(0) >> (64 - 8 * bytes); }

struct Insn {
    Handler fn;
    uint32_t disp;   // memory operand displacement (also the moffs of MOV AL, [moffs])
    uint32_t imm;    // first immediate, or a relative branch target offset from next EIP
    uint16_t imm2;   // second immediate: ENTER nesting level, far pointer selector
    uint16_t mnemonic;  // ZydisMnemonic, for traces and the JIT
    uint8_t len;
    uint8_t osize;   // operand size in bytes (1, 2, 4 or 8) as the binder resolved it
    uint8_t asize;   // address size in bytes (2, 4 or 8)
    uint8_t seg;     // segment of the memory operand, override applied (SegReg)
    uint8_t base, index, scale;  // memory operand; NO_REG when absent
    uint8_t r0, r1;  // explicit register operands in operand order (first, second register)
    uint8_t prefix;  // PFX_* bits
    uint8_t flags;   // IF_* bits
    uint8_t aux;     // binder-specific: condition code, sub-operation, FPU stack index…
};
static_assert(sizeof(Insn) <= 32);

}  // namespace jitpc::cpu
