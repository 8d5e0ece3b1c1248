// Where the guest's general registers are in generated code. Emitters ask for a guest register
// as a host register here and name no host register of the guest's themselves; writing them back
// to CpuState and loading them again around helper calls, faults and exits is this file's job
// (the engine's entry, exit and helper stubs call it). dynarmic's reg_alloc is the model.
//
// Host registers: rbx = CpuState, rbp = the count (translator.h), rsp; eax, ecx, edx, esi and
// edi are the translator's scratch registers (a memory access takes its offset in esi and its
// value in eax); r8-r15 hold guest registers. The assignment is fixed: guest 0-7 (RAX..RDI) live
// in r8-r15 across blocks, so 32-bit code loads or stores none of them at block boundaries, as
// before the allocator. 64-bit code's R8-R15 stay in CpuState (`home`): an instruction naming
// one runs through the interpreter.
#pragma once

#include <asmjit/x86.h>

#include <cstdint>
#include <optional>

namespace jitpc::jit {

class RegAlloc {
public:
    // The host register holding guest register `r` of `size` bytes (a cpu::Reg8 for a byte), or
    // nothing when generated code cannot name it: AH..BH (not nameable next to REX registers)
    // and the registers that stay in CpuState.
    static std::optional<asmjit::x86::Gp> guest(unsigned r, unsigned size);
    // A register an instruction uses implicitly (ESP, EAX:EDX, ECX, ESI, EDI: always in a host
    // register), 32 bits wide (.r64() and .r16() for the others).
    static asmjit::x86::Gp fixed(unsigned r);
    // The guest register a host register holds, if any.
    static std::optional<unsigned> guest_of(const asmjit::x86::Gp& host);
    // Guest register `r` in CpuState.
    static asmjit::x86::Mem home(unsigned r);

    // Every guest register held in a host register to CpuState, all 64 bits (the host's 32-bit
    // operations zero-extend and its 8/16-bit ones keep the rest, as the guest's do, so the
    // host registers hold exactly what the interpreter's `gpr` would), and back.
    static void write_back(asmjit::x86::Assembler& a);
    static void reload(asmjit::x86::Assembler& a);
    // Around a call into a helper that runs no guest semantics: the host registers holding guest
    // registers that a C call may clobber, kept on the stack (an even number of pushes: the
    // stack's alignment stays the caller's).
    static void save_caller_saved(asmjit::x86::Assembler& a);
    static void restore_caller_saved(asmjit::x86::Assembler& a);

private:
    static constexpr unsigned CALLER_SAVED = 4;  // r8-r11
    static constexpr unsigned HOSTED = 8;  // guest registers 0..HOSTED-1 are in r8-r15
};

}  // namespace jitpc::jit
