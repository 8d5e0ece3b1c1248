// Translation of one decoded block into host code. Each instruction is either emitted inline by
// the emitter of its mnemonic's entry in the instruction table (jit/emit_<group>.cpp) or runs through jit_exec with the
// interpreter's semantics; an emitter that does not handle a form returns false before
// emitting anything, and the instruction falls back.
//
// State the translator tracks while emitting, so the CPU state in memory is brought up to date
// only where something can observe it (a helper call, a fault, the block's exits):
// - EIP and the instruction count: the offset and index CpuState::rip and rbp stand for.
// - The arithmetic flags: in CpuState::flags, or in the host's EFLAGS after an inline ALU op
//   (FlagState below).
#pragma once

#include <asmjit/x86.h>

#include <array>
#include <deque>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "cpu/block_cache.h"
#include "jit/emitters.h"
#include "jit/fallback_profile.h"
#include "jit/liveness.h"
#include "jit/reg_alloc.h"
#include "jit/variant.h"
#include "cpu/state.h"

namespace jitpc::jit {

class CodeDump;
class Engine;
struct ChainSite;

// Where generated code finds CPU state: offsets from rbx (cpu::CpuState).
namespace state {
using cpu::CpuState;
constexpr int32_t GPR = offsetof(CpuState, gpr);
// 32-bit code updates only the low halves of rip and next_rip (bits 63:32 stay zero there):
// Translator::rip_mem.
constexpr int32_t RIP = offsetof(CpuState, rip);
constexpr int32_t ICOUNT = offsetof(CpuState, icount);
constexpr int32_t ICOUNT_LIMIT = offsetof(CpuState, icount_limit);
constexpr int32_t EXIT_REQUEST = offsetof(CpuState, exit_request);
constexpr int32_t IRQ_SHADOW = offsetof(CpuState, irq_shadow);
constexpr int32_t NEXT_RIP = offsetof(CpuState, next_rip);
constexpr int32_t TSC_OFFSET = offsetof(CpuState, tsc_offset);
constexpr int32_t FLAGS_BITS = offsetof(CpuState, flags) + offsetof(cpu::Flags, bits);
constexpr int32_t FLAGS_RES = offsetof(CpuState, flags) + offsetof(cpu::Flags, res);
constexpr int32_t FLAGS_OP = offsetof(CpuState, flags) + offsetof(cpu::Flags, op);
}  // namespace state

// Host registers of generated code: the CPU state is at rbx, and rbp holds the
// retired-instruction count minus the count limit, signed (CpuState's icount holds the count
// only outside generated code and around helper calls): counting costs no memory access, and
// "n more instructions fit" is `rbp <= -n`. The guest's registers: jit/reg_alloc.h.
inline const asmjit::x86::Gp CPU_REG = asmjit::x86::rbx, COUNT_REG = asmjit::x86::rbp;

// The host stack while generated code runs (Engine's enter stub makes it, the exit stub drops
// it): [rsp] is a scratch word of the x87 code, [rsp + 8] and [rsp + 16] the host addends of the
// block's stack frames (jit/frame.cpp). Keeps rsp 16-byte aligned for helper calls.
constexpr int32_t HOST_FRAME_BYTES = 24;
constexpr int32_t FRAME_ADDENDS = 8;

// rbp from CpuState, and CpuState's count from rbp (into `scratch`; clobbers the host's flags).
inline void load_count(asmjit::x86::Assembler& a) {
    a.mov(COUNT_REG, asmjit::x86::qword_ptr(CPU_REG, state::ICOUNT));
    a.sub(COUNT_REG, asmjit::x86::qword_ptr(CPU_REG, state::ICOUNT_LIMIT));
}
// The count moves by `n` (LEA: the host's flags stay).
inline void count_by(asmjit::x86::Assembler& a, int32_t n) {
    if (n) a.lea(COUNT_REG, asmjit::x86::ptr(COUNT_REG, n));
}
inline void count_to(asmjit::x86::Assembler& a, const asmjit::x86::Gp& scratch) {
    a.mov(scratch, asmjit::x86::qword_ptr(CPU_REG, state::ICOUNT_LIMIT));
    a.add(scratch, COUNT_REG);
}
inline void store_count(asmjit::x86::Assembler& a, const asmjit::x86::Gp& scratch) {
    count_to(a, scratch);
    a.mov(asmjit::x86::qword_ptr(CPU_REG, state::ICOUNT), scratch);
}

// C++ runs under the x86-64 ABI's x87 control word with no exception flag set; inline x87 code
// leaves the guest's precision and rounding control and its flags in the host's x87
// (jit/emit_fpu.cpp). The exit to the dispatcher and the helper and flag thunks put the ABI's
// state back before C++ runs, through the word at [rsp]; clobbers the host's flags.
void x87_for_cpp(asmjit::x86::Assembler& a);

// edi = the flags of `mask` from CpuState's host flags (LAHF/SETO form); uses ecx.
void stored_host_flags_to_edi(asmjit::x86::Assembler& a, uint32_t mask);
// edi = the guest's arithmetic flags from CpuState in the forms generated code stores; any
// other form jumps to `lazy`. Uses ecx.
void guest_flags_to_edi(asmjit::x86::Assembler& a, const asmjit::Label& lazy);

// What the host leaves in EFLAGS after the op that last wrote them (cpu/flags.h).
using FlagKind = cpu::HostFlags;

// How the host's flags after an inline ALU op on registers can be produced again from the
// registers alone, while the ones it reads are unchanged: a memory access's TLB test clobbers
// EFLAGS, and redoing a CMP after it costs less than storing and reloading them.
struct Recompute {
    enum Form : uint8_t { None, Cmp, Test, Add, Sub, Logic, Inc, Dec, Neg } form = None;
    asmjit::x86::Gp dst;  // the op's destination, sized like the op
    asmjit::Operand src;  // Cmp, Test, Add, Sub: a guest register or an immediate
};

class Translator {
public:
    Translator(Engine& e, cpu::Block& b, Variant variant);
    ~Translator();
    // Host code for the block, or nullptr when the code buffer is full.
    uint8_t* translate();
    size_t code_size() const { return code_.codeSize(); }

    // ---- for emitters -------------------------------------------------------------------
    asmjit::x86::Assembler a;
    const cpu::Insn& insn() const { return *insn_; }
    const Variant& variant() const { return variant_; }
    bool user() const { return variant_.user; }
    bool stack32() const { return variant_.stack32; }

    // The instruction's explicit operands in order, read from its Insn (cpu/insn.h, IF_*): a
    // register (`reg`: Insn::r0 or r1), the memory operand, the immediate, or none.
    enum class Kind : uint8_t { None, Reg, Mem, Imm };
    struct Operand {
        Kind kind = Kind::None;
        uint8_t reg = 0;
    };
    const Operand& op(unsigned n) const { return ops_[n]; }
    unsigned operand_count() const { return nops_; }
    // A register operand's host register, of `size` bytes (the operand size by default), or
    // nothing when it is not a general register generated code can name.
    std::optional<asmjit::x86::Gp> reg(const Operand& o, unsigned size = 0) const;
    // Guest general register `r` of `size` bytes (2, 4 or 8) named by an instruction whose other
    // register operands are not general ones (an SSE move or conversion, MOV from a segment
    // register: prepare_registers binds nothing for them): an R8-R15 is bound first, its moves
    // emitted here (call it before any other code of the instruction). Nothing when it cannot be.
    std::optional<asmjit::x86::Gp> general_reg(unsigned r, unsigned size);
    // The immediate sign-extended from the operand size (a branch's: its displacement).
    int64_t imm() const;
    // Host scratch registers emitters may use freely: eax/ecx/edx/esi/edi.
    // The effective address of the memory operand into esi (32-bit addressing only).
    bool effective_address();
    // ... into `out` instead (LEA: its destination), the sum wrapped to out's width, which must
    // be at least the address size's.
    bool effective_address(const asmjit::x86::Gp& out);

    // Flags: the host's EFLAGS must hold the guest's arithmetic flags (an op reads them), with
    // every bit a condition code can read defined (OF is normalised first when it is not).
    void flags_to_host(bool needs_carry = true);
    // The same after a load, whose value in rax it keeps: the reload from CpuState clobbers
    // eax, so the value waits on the stack then (twice: it stays aligned for the flags' thunk).
    void flags_to_host_keeping_rax(bool needs_carry = true);
    // Before an inline INC/DEC: see translator.cpp. The op that follows produces FlagKind::IncDec
    // flags (or Exact ones), which this records.
    void keep_carry();
    // The host's EFLAGS are about to be overwritten by something that is not the guest's flags.
    void clobber_flags();
    // An inline op just left the guest's flags in the host's EFLAGS.
    void flags_produced(FlagKind kind);
    // Whether the flags this instruction produces are never observed (find_dead_flags), and
    // what an emitter calls instead of producing them when so.
    bool flags_dead() const { return !(live_.live_after[k_] & live_.written[k_]); }
    void drop_flags();
    // After flags_produced() (or keep_carry() and the op): how to produce them again.
    void flags_recomputable(const Recompute& r);
    // Where run-time paths join of which only some stored the flags: what CpuState holds is
    // no longer known at translation time.
    void flags_paths_joined() { fl_.saved = FlagState::Saved::Unknown; }
    FlagKind flags_kind() const { return fl_.kind; }
    // Flags computed at emit time, for ops after which the host leaves a bit undefined that only
    // extra code can recover: capture_flags() copies the host's EFLAGS into edi right after the
    // op (`with_of`: OF too; without it, SF ZF AF PF CF at their places and other bits
    // undefined, through LAHF, cheaper; only edi changes either way); the emitter then computes
    // the missing bits into `fixed` (EFLAGS positions; any scratch register but edi) and
    // flags_captured() stores (edi & keep) | fixed as the guest's arithmetic flags, which are
    // then in CpuState only.
    void capture_flags(bool with_of);
    void flags_captured(uint32_t keep, const asmjit::x86::Gp& fixed);

    // esi, or rsi in 64-bit code: the offset load() and store() take.
    asmjit::x86::Gp address_reg() const;
    // The stack's width for PUSH and POP (8 in 64-bit code, 4 with a 32-bit stack; 0 otherwise:
    // a 16-bit stack calls the interpreter) and the host register holding RSP at that width.
    unsigned stack_word() const { return long64() ? 8 : stack32() ? 4 : 0; }
    asmjit::x86::Gp stack_pointer() const {
        const asmjit::x86::Gp sp = RegAlloc::fixed(cpu::ESP);
        return long64() ? asmjit::x86::Gp(sp.r64()) : sp;
    }
    // 64-bit code: unless the target RIP in `ip` is canonical, the current instruction (a
    // branch that has changed nothing yet) runs through jit_exec instead, which raises its
    // #GP(0). Clobbers rcx and the host's flags.
    void fault_unless_canonical(const asmjit::x86::Gp& ip);
    // al, ax, eax or rax: where load() leaves a value of `size` bytes and store() takes it.
    static asmjit::x86::Gp value_reg(unsigned size);
    // Guest memory at offset esi (rsi in 64-bit code) of segment `seg` (a SegReg): value in
    // eax / from eax (rax for 8 bytes; a load of 1 or 2 bytes zero-extends to eax). A fault
    // leaves the block. Clobbers ecx, edx and edi; the guest's flags are where they were
    // (translator.cpp, memory()), any other host flags are lost.
    void load(unsigned size, unsigned seg) { memory(size, seg, false); }
    void store(unsigned size, unsigned seg) { memory(size, seg, true); }
    // The same for a guest register operand `o` (a general register generated code names) of
    // the operand size: the load lands in it, the store takes it, with no copy through eax.
    // False, with nothing emitted, when the register cannot take part (a load into one the
    // flags are produced again from after the access). Both clobber eax.
    bool load_into(const Operand& o);
    bool store_from(const Operand& o);
    // An instruction whose destination is the memory operand (`size` bytes), done in place: see
    // translator.cpp.
    // Returns false (nothing emitted) when the operand is not one generated code addresses.
    bool read_modify_write(unsigned size, bool carry_in, bool writes_flags,
                           const std::function<void(const asmjit::x86::Mem&)>& op);

    // For instructions that leave the arithmetic flags alone, or write all of them in the
    // host's EFLAGS (`flags_out`; the emitter then calls flags_produced): the flags are stored
    // first, and `body` emits the instruction, jumping to `slow` before it changes any guest
    // state where the inline code does not take it (a memory slow path, a fault, a mode it
    // leaves to the interpreter), which runs the whole instruction through jit_exec.
    void guarded(const std::function<void(const asmjit::Label& slow)>& body, bool flags_out = false);
    // Inside guarded(), after effective_address(): the memory operand as host memory of `size`
    // bytes (any size up to a page), or a jump to `slow`. Clobbers ecx, edx and edi.
    asmjit::x86::Mem host_memory(unsigned size, bool write, const asmjit::Label& slow) {
        return fast_path(size, insn_->seg, write, slow);
    }
    // Whether an access of `size` bytes through `seg` needs no segment checks (flat DS/ES/SS,
    // or in 64-bit code any segment but FS and GS) nor an alignment check.
    bool flat_access(unsigned size, unsigned seg) const;
    // Where cpu::Cpu::sse (XMM registers, MXCSR) is, relative to the CPU state register.
    int32_t sse_offset() const;
    // Where cpu::Cpu::fpu (the x87 registers and environment) is, likewise.
    int32_t fpu_offset() const;
    // Set by the SSE emitters once this block's code has checked that SSE instructions execute
    // (jit/emit_sse.cpp, check_enabled: why once per block is enough).
    bool sse_enabled_checked = false;

    // An out-of-line path from `slow` that runs the whole instruction through jit_exec (a fault
    // or a case the inline code leaves alone) and rejoins at `done`; the flags are in CpuState
    // at `slow` and stay there. Call it after binding `done`.
    void exec_out_of_line(const asmjit::Label& slow, const asmjit::Label& done) {
        exec_out_of_line(slow, done, FlagState{}, nullptr, false);
    }
    // For an instruction that ends its block: an out-of-line path from `slow` (the flags in
    // CpuState there) that runs it through jit_exec and leaves the block at the RIP it left
    // (a REP string instruction may leave itself unfinished, to run again).
    void exec_and_leave(const asmjit::Label& slow, Fallback why = Fallback::SlowPath);
    // The instruction count at the start of this instruction, relative to CpuState::icount.
    int32_t count_lag() const { return int32_t(k_ - synced_count_); }
    // Offsets from the block's first byte: of the instruction after this one.
    uint32_t next_offset() const { return off_ + insn_->len; }
    // Ends the block with a direct jump to the instruction at `target` bytes from the block's
    // first instruction (same CS); linked block to block when it is in the same physical page.
    void exit_to(int64_t target);
    // Whether `target` (bytes from the block's first instruction) is in the block's first page.
    bool in_first_page(int64_t target) const;
    // 64-bit code: before anything changes, a direct branch to `target` (bytes from the block's
    // first instruction) outside the block's page, which is canonical, checks that the target
    // is too (fault_unless_canonical); nothing to emit otherwise.
    void check_branch_target(int64_t target);
    // Ends the block with a conditional branch (x86 condition code `cc`, read from the flags);
    // `taken` is checked (check_branch_target) on its path.
    void branch(unsigned cc, int64_t taken, int64_t not_taken);
    // CpuState::rip as generated code updates it: its low half (EIP) in 32-bit code, where bits
    // 63:32 stay zero, all of it in 64-bit code; and the scratch register that holds a guest
    // instruction pointer: eax, or rax in 64-bit code ("the EIP in eax" below).
    asmjit::x86::Mem rip_mem() const;
    asmjit::x86::Gp ip_reg() const;
    bool long64() const { return variant_.mode == CodeMode::Long64; }
    // Ends the block at the EIP in eax (returns, indirect jumps) through the lookup table;
    // `returning`: a RET, which tries the return-address stack first (jit/indirect.cpp).
    void exit_indirect(bool returning = false);
    // CALL, once the return address is on the guest's stack: the return-address stack gets the
    // lookup table's entry for it. Clobbers eax, ecx, edx, esi, edi and the host's flags.
    void predict_return();
    // eax = the guest EIP of the instruction after this one (clobbers host flags).
    void next_eip_to_eax();
    // Keeps eax in CpuState::next_rip (unused by generated code) across code that needs eax.
    void park_eax();
    void unpark_eax();

private:
    void emit_instruction(unsigned k);
    void read_operands();
    void stop_point();
    bool loop_back(int64_t target);
    bool prepare_registers();
    bool bind(uint16_t named, uint16_t touched);
    Fallback why_fallback(cpu::Emitter em, bool bound_regs) const;
    void fallback(Fallback why);
    void sync_position();
    void materialize_flags(bool keep_eax = true);
    // Whether the host's EFLAGS hold the guest's flags as flags_to_host() would leave them.
    bool flags_in_host(bool needs_carry) const;
    void guest_flags_thunk();
    std::optional<FlagKind> load_saved_flags(bool needs_carry);
    FlagKind stored_flags_to_host(bool needs_carry);
    void unknown_flags(const std::function<void()>& exact, const std::function<void()>& thunked);
    void host_flags_from_image();
    void host_flags_from_lahf();
    void host_flags_from_stored_lahf();
    void store_flags_from_edi();
    void exit_plain();
    void lookup_and_jump();
    void return_and_jump();
public:
    // The code of lookup_and_jump() for `variant`, jumping to `miss` when the table has no
    // entry (Engine::Engine makes it once per variant).
    static void emit_lookup(asmjit::x86::Assembler& a, const Engine& e, Variant variant,
                            const asmjit::Label& miss);
private:
    void call_helper(const void* fn, bool saves_guest_regs);
    // `insn` through jit_exec, or jit_exec_last (`last`) for one that ends its block.
    void call_exec(const cpu::Insn* insn, Fallback why, bool last = false);
    // After jit_exec_last: on where it says, else to the dispatcher.
    void resume_or_exit();
    // A conditional jump to bail_ from a path of an instruction bound as `b` (RegAlloc::leave).
    void bail_if(asmjit::x86::CondCode cc, const RegAlloc::Binding& b);
    // `reg`: the guest register the value goes to or comes from, else eax (rax).
    void memory(unsigned size, unsigned seg, bool store, const asmjit::x86::Gp* reg = nullptr);
    void move(const asmjit::x86::Mem& host, unsigned size, bool store, const asmjit::x86::Gp* reg);
    asmjit::x86::Mem fast_path(unsigned size, unsigned seg, bool write, const asmjit::Label& slow);
    asmjit::x86::Mem tlb_lookup(unsigned size, bool write, const asmjit::Label& slow,
                                const asmjit::x86::Gp& lin);
    asmjit::x86::Mem tlb_lookup_keeping_flags(unsigned size, bool write, const asmjit::Label& slow);
    struct FlagState;
    void exec_out_of_line(const asmjit::Label& slow, const asmjit::Label& done, const FlagState& entry,
                          const Recompute* rc, bool host_after);
    bool keeps_flags(unsigned size, unsigned seg) const;

    Engine& e_;
    cpu::Block& b_;
    Variant variant_;
    const cpu::InsnTable& table_;
    RegAlloc ra_;
    asmjit::CodeHolder code_;
    const cpu::Insn* insn_ = nullptr;
    Operand ops_[3];
    unsigned nops_ = 0;
    unsigned k_ = 0;            // index of the instruction being emitted
    uint32_t off_ = 0;          // its offset from the block's first byte
    uint32_t synced_off_ = 0;   // offset CpuState::rip stands for
    unsigned synced_count_ = 0; // instructions of this block counted in rbp
    // Where the guest's arithmetic flags are at this point of the emitted code.
    struct FlagState {
        bool in_host = false;  // in the host's EFLAGS, of `kind` (which bits the host leaves
                               // undefined and must be normalised to docs/undefined.md's values)
        bool dirty = false;    // ... and CpuState's copy is stale
        FlagKind kind = FlagKind::Exact;
        // What CpuState::flags holds, when generated code stored it and nothing changed it
        // since: reloading a known form needs no dispatch on FlagOp.
        enum class Saved : uint8_t { Unknown, Host, Plain } saved = Saved::Unknown;
        FlagKind saved_kind = FlagKind::Exact;  // with Saved::Host
    };
    FlagState fl_;
    Recompute recompute_;           // for the flags in the host, when they can be
    uint16_t recompute_regs_ = 0;   // the guest registers it reads, by index
    unsigned recompute_k_ = 0;      // the instruction that produced them
    void emit_recompute(const Recompute& r);
    uint16_t written_gprs(const cpu::Insn& i) const;
    unsigned memory_operands(const cpu::Insn& i) const;
    // Stack frames (jit/frame.cpp): the accesses of a block at fixed displacements from ESP or
    // EBP, when the block never writes that register, share one TLB probe at the block's start
    // and go straight to host memory. [lo, hi): the displacements it covers.
    struct Frame {
        bool active = false, write = false;
        int64_t lo = 0, hi = 0;
    };
    Frame frames_[2];  // ESP's, EBP's
    void plan_frames();
    void probe_frames();
    int frame_of(unsigned size, unsigned seg, bool write) const;
    asmjit::x86::Mem frame_memory(int b, unsigned size);
    unsigned accesses_ = 0;  // memory() calls so far for this instruction
    uint16_t touched_ = 0;   // the guest registers it touches (prepare_registers)
    bool ended_ = false;
    // The current instruction accesses memory through a helper, which may request an exit:
    // the block then stops after it (stop_point).
    bool may_request_exit_ = false;
    // Per instruction: its stop point, a 5-byte NOP that a slow path whose helper requested an
    // exit patches into a jump to `stub`, which puts the NOP back and leaves. `placed`: the
    // NOP is there (an instruction that ends its block needs none).
    struct StopPoint {
        asmjit::Label nop, stub;
        bool placed = false;
    };
    std::vector<StopPoint> stops_;
    void arm_stop_point(unsigned k);
    FlagLiveness live_;
    asmjit::Label body_;                    // the first instruction, after the entry check
    bool semantics_called_ = false;  // jit_exec ran an instruction (it may leave an IRQ shadow)
    asmjit::Label bail_;        // leave to the dispatcher with everything already in CpuState
    struct Site {
        size_t offset;
        ChainSite* site;
    };
    std::vector<Site> sites_;
    // Out-of-line code (memory slow paths), emitted after the block's body.
    std::deque<std::function<void()>> cold_;
    std::unique_ptr<CodeDump> dump_;  // -d in_asm/out_asm: where each instruction's code is
};

}  // namespace jitpc::jit
