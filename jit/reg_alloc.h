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
// The pinned assignment: guest 0-7 (RAX..RDI) live in r8-r15 at every block boundary, so
// blocks agree on it without a load or store at their links, and 32-bit code loads or stores
// none of them. 64-bit code's R8-R15 live in CpuState (`home`) there. Instructions naming some
// of them get them bound (`prepare`): each into the host register of a pinned guest register
// they do not touch, its victim, spilled to its home first. A binding spans consecutive
// instructions while each touches no victim and finds the registers it names bound or victims
// for them; it ends (`close`: the bound registers written since it began go home, the victims
// come back) before an instruction that cannot join it, a fallback, an instruction that ends
// the block, and the block's last exit. While a binding holds:
// - the homes of its bound registers hold their values but for those the instructions before
//   the current one wrote (`dirty`): the current one changes no guest register before its
//   last fault point (as the exit stub's write-back already needs), so a path that leaves
//   before that (a fault, the stop after an access) needs the dirty registers home and the
//   victims back (`leave`), as does a jit_exec call, after which the binding is loaded again
//   (`enter`);
// - a victim is neither a register the instruction names nor one it uses implicitly (the
//   instruction table's implicit_gprs and implicit_reads) nor RSP, so `fixed` and `guest`
//   stay true for every register an emitter asks for (`host` refuses a victim);
// - only the memory helpers' and the flags' thunks run (they keep r8-r15); exits, links and
//   jit_exec see the pinned assignment.
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

    // R8-R15 bound, each in the host register of its victim, and those written since.
    struct Binding {
        static constexpr unsigned MAX = 7;  // the pinned registers but RSP
        uint8_t count = 0;
        uint8_t bound[MAX] = {}, victim[MAX] = {};
        uint16_t dirty = 0;  // by guest register
    };
    // The current instruction's host register for guest register `r`: guest() with the bound
    // registers in their victims' host registers, and nothing for a victim.
    std::optional<asmjit::x86::Gp> host(unsigned r, unsigned size) const;
    // Before an instruction naming the guest registers in `named` and touching (naming or
    // using implicitly) those in `touched`: the binding kept, extended or closed and begun
    // again so that every R8-R15 in `named` is bound, emitting the moves (plain moves: the
    // host's flags stay). False, with the binding closed, when too few victims are left.
    bool prepare(asmjit::x86::Assembler& a, uint16_t named, uint16_t touched);
    // After an instruction that may have written the guest registers in `written`.
    void wrote(uint16_t written);
    // Ends the binding: dirty bound registers home, the victims back.
    void close(asmjit::x86::Assembler& a);
    const Binding& binding() const { return binding_; }
    // The binding as it was, its moves since taken back by the caller (an emitter declined).
    void restore(const Binding& b) { binding_ = b; }
    // On a path out of an instruction under `b` that has committed nothing (a fault, a stop
    // after it, a jit_exec call): the pinned assignment (dirty registers home, the victims
    // back); after jit_exec, the binding again.
    static void leave(asmjit::x86::Assembler& a, const Binding& b);
    static void enter(asmjit::x86::Assembler& a, const Binding& b);

private:
    static constexpr unsigned CALLER_SAVED = 4;  // r8-r11
    static constexpr unsigned HOSTED = 8;  // guest registers 0..HOSTED-1 are in r8-r15
    Binding binding_;
};

}  // namespace jitpc::jit
