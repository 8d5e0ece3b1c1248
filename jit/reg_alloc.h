// Where the guest's general registers are in generated code. Emitters ask for a guest register
// as a host register here (through Translator::reg for their operands) and name no host
// register of the guest's themselves; writing them back to CpuState and loading them again
// around helper calls, faults and exits is this file's job (the engine's entry, exit and helper
// stubs call it). dynarmic's reg_alloc is the model.
//
// Host registers: rbx = CpuState, rbp = the count (translator.h), rsp; eax, ecx, edx, esi and
// edi are the translator's scratch registers (a memory access takes its offset in esi and its
// value in eax); r8-r15 hold guest registers.
//
// The pinned assignment: guest 0-7 (RAX..RDI) live in r8-r15 at every instruction boundary, so
// blocks agree on it without a load or store at their links, and 32-bit code loads or stores
// none of them at block boundaries. 64-bit code's R8-R15 live in CpuState (`home`) at every
// boundary. An instruction naming some of them gets them bound for its duration (`bind`): each
// into the host register of a pinned guest register the instruction does not touch, its
// victim, spilled to its home first; after the instruction, the bound registers it may have
// written go home and the victims come back (`unbind`). While an instruction is bound:
// - the homes of its bound registers hold their values until the instruction commits
//   (emitters change no guest register before their last fault point, as the exit stub's
//   write-back already needs), so a path that leaves before that (a fault) or runs the
//   instruction through jit_exec needs only the victims back (`leave`), and after jit_exec
//   the bound registers loaded again (`enter`);
// - a victim is neither a register the instruction names nor one it uses implicitly (the
//   instruction table's implicit_gprs and implicit_reads) nor RSP, so `fixed` and `guest`
//   stay true for every register the emitter asks for;
// - only the memory helpers' and the flags' thunks run (they keep r8-r15); exits, links and
//   jit_exec see the pinned assignment, so an instruction that ends its block is never bound.
#pragma once

#include <asmjit/x86.h>

#include <cstdint>
#include <optional>

namespace jitpc::jit {

class RegAlloc {
public:
    // The host register holding guest register `r` of `size` bytes (a cpu::Reg8 for a byte)
    // in the pinned assignment, or nothing when generated code cannot name it: AH..BH (not
    // nameable next to REX registers) and R8-R15.
    static std::optional<asmjit::x86::Gp> guest(unsigned r, unsigned size);
    // A register an instruction uses implicitly (ESP, EAX:EDX, ECX, ESI, EDI: always in a host
    // register), 32 bits wide (.r64() and .r16() for the others).
    static asmjit::x86::Gp fixed(unsigned r);
    // The guest register a host register holds in the pinned assignment, if any.
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

    // R8-R15 bound for the current instruction, each in the host register of its victim.
    struct Binding {
        static constexpr unsigned MAX = 4;  // registers, index and base: at most four named
        uint8_t count = 0;
        uint8_t bound[MAX] = {}, victim[MAX] = {};
    };
    // The current instruction's host register for guest register `r`: guest() with the bound
    // registers in their victims' host registers.
    std::optional<asmjit::x86::Gp> host(unsigned r, unsigned size) const;
    // Binds the R8-R15 in `named` (a mask of guest registers) for the current instruction, with
    // victims outside `touched`, and emits the spills and loads (plain moves: the host's flags
    // stay). False, with nothing emitted, when too few victims are left.
    bool bind(asmjit::x86::Assembler& a, uint16_t named, uint16_t touched);
    // After the instruction: the bound registers in `written` home, the victims back.
    void unbind(asmjit::x86::Assembler& a, uint16_t written);
    // Drops the binding, its code taken back by the caller (an emitter that declined).
    void forget() { binding_ = {}; }
    const Binding& binding() const { return binding_; }
    // On a path out of a bound instruction that has committed nothing, for `b`: the pinned
    // assignment again (the victims back); after jit_exec ran the instruction, the binding again.
    static void leave(asmjit::x86::Assembler& a, const Binding& b);
    static void enter(asmjit::x86::Assembler& a, const Binding& b);

private:
    static constexpr unsigned CALLER_SAVED = 4;  // r8-r11
    static constexpr unsigned HOSTED = 8;  // guest registers 0..HOSTED-1 are in r8-r15
    Binding binding_;
};

}  // namespace jitpc::jit
