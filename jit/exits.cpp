// How generated code leaves an instruction or a block: helper calls, bringing EIP and the count
// up to date, direct exits (linked block to block), loops, conditional branches, indirect exits
// (through jit/indirect.cpp), and the stop points after accesses that may request an exit.
#include "jit/translator.h"

#include "jit/engine.h"
#include "jit/helpers.h"

namespace jitpc::jit {

namespace x = asmjit::x86;
using namespace state;

// Calls fn(engine, rsi...) through its thunk (Engine::Engine), which keeps the guest registers
// (in CpuState for jit_exec, which runs guest semantics: saves_guest_regs) and the count. Host
// flags do not survive a call.
void Translator::call_helper(const void* fn, bool saves_guest_regs) {
    clobber_flags();
    semantics_called_ |= saves_guest_regs;
    a.call(asmjit::imm(e_.thunk(fn)));  // its body: Engine::Engine
    if (saves_guest_regs) fl_.saved = FlagState::Saved::Unknown;  // the instruction may have written them
}

// Counted for the fallback profile when it is on.
void Translator::call_exec(const cpu::Insn* insn, Fallback why, bool last) {
    a.mov(x::rsi, reinterpret_cast<uint64_t>(insn));
    if (e_.fallbacks) {
        clobber_flags();
        a.mov(x::rax, reinterpret_cast<uint64_t>(e_.fallbacks->counter(insn->mnemonic, why)));
        a.inc(x::qword_ptr(x::rax));
    }
    if (!last) a.mov(x::rdx, reinterpret_cast<uint64_t>(e_.lookup_thunks_[variant_.index()]));
    call_helper(last ? reinterpret_cast<const void*>(&jit_exec_last) : reinterpret_cast<const void*>(&jit_exec), true);
}

void Translator::resume_or_exit() {
    asmjit::Label leave = a.newLabel();
    a.test(x::rax, x::rax);
    a.jz(leave);
    a.mov(x::rcx, x::rax);
    a.mov(x::rax, x::qword_ptr(CPU_REG, RIP));  // 32-bit code's: bits 63:32 are zero
    a.jmp(x::rcx);
    a.bind(leave);
    exit_plain();
}

// Brings CpuState::rip and icount to the start of the current instruction (before anything
// that may fault or look at them).
void Translator::sync_position() {
    if (synced_off_ != off_) a.add(rip_mem(), int32_t(off_ - synced_off_));
    count_by(a, int32_t(k_ - synced_count_));
    synced_off_ = off_;
    synced_count_ = k_;
}

void Translator::bail_if(x::CondCode cc, const RegAlloc::Binding& b) {
    if (!b.count) {
        a.j(cc, bail_);
        return;
    }
    asmjit::Label stay = a.newLabel();
    a.j(x::negateCond(cc), stay);
    RegAlloc::leave(a, b);
    a.jmp(bail_);
    a.bind(stay);
}

void Translator::exit_plain() {
    a.xor_(x::eax, x::eax);
    a.jmp(asmjit::imm(e_.exit_stub_));
}

// A jump back to this block's own start whose body needs no flags on entry (live_in empty):
// the loop stays in generated code with the flags left in the host. Only the count limit is
// checked; when it is reached, the flags are stored and the dispatcher takes over at the
// block's start.
bool Translator::loop_back(int64_t target) {
    if (target != 0 || live_.live_in || semantics_called_ || !e_.exact || b_.page2 != 1) return false;
    const FlagState flags = fl_;
    // Flags live at the exit wait in edx through the count check (LAHF/SETO: cheaper than
    // PUSHF), for the way out.
    const bool save = fl_.in_host && fl_.dirty;
    if (save) {
        a.lahf();
        a.seto(x::al);
        a.mov(x::edx, x::eax);
    }
    const uint32_t delta = uint32_t(-int64_t(synced_off_));
    if (delta) a.add(rip_mem(), int32_t(delta));
    const unsigned count = k_ + 1;
    count_by(a, int32_t(count - synced_count_));
    a.cmp(COUNT_REG, -int32_t(count));
    asmjit::Label leave = a.newLabel();
    a.jg(leave);
    a.jmp(body_);
    cold_.push_back([this, leave, flags, save] {
        a.bind(leave);
        fl_ = flags;
        if (save) {
            a.mov(x::eax, x::edx);
            host_flags_from_lahf();
        }
        materialize_flags(false);
        exit_plain();
    });
    ended_ = true;
    return true;
}

bool Translator::in_first_page(int64_t target) const {
    const int64_t phys_off = int64_t(b_.phys & 0xFFF) + target;
    return phys_off >= 0 && phys_off < 4096;
}

void Translator::exit_to(int64_t target) {
    if (loop_back(target)) return;
    materialize_flags(false);
    const int64_t phys_off = int64_t(b_.phys & 0xFFF) + target;
    const uint32_t delta = uint32_t(target - int64_t(synced_off_));
    if (delta) a.add(rip_mem(), int32_t(delta));
    const unsigned count = k_ + 1;
    count_by(a, int32_t(count - synced_count_));
    if (semantics_called_) {
        // An instruction's semantics may have left an interrupt shadow: the dispatcher must see
        // the next boundary.
        a.cmp(x::byte_ptr(CPU_REG, IRQ_SHADOW), 0);
        asmjit::Label ok = a.newLabel();
        a.je(ok);
        exit_plain();
        a.bind(ok);
    }
    if (in_first_page(target) && b_.page2 == 1) {
        auto site = std::make_unique<ChainSite>();
        site->from = &b_;
        site->target_phys = (b_.phys & ~memory::PhysAddr(0xFFF)) + phys_off;
        sites_.push_back({a.offset(), site.get()});
        static_cast<Translation*>(b_.native)->sites.push_back(std::move(site));
        // jmp rel32 to the next instruction, which is the unlinked exit.
        a.db(0xE9);
        a.dd(0);
        a.mov(x::rax, reinterpret_cast<uint64_t>(sites_.back().site));
        a.jmp(asmjit::imm(e_.exit_stub_));
    } else {
        // Another page may map elsewhere by the next run: found through the lookup table.
        a.mov(ip_reg(), rip_mem());
        lookup_and_jump();
    }
    ended_ = true;
}

void Translator::branch(unsigned cc, int64_t taken, int64_t not_taken) {
    // B, AE, BE and A read CF.
    const unsigned pair = cc >> 1;
    flags_to_host(pair == 1 || pair == 3);
    const uint32_t off = synced_off_;
    const unsigned count = synced_count_;
    const FlagState flags = fl_;
    asmjit::Label l = a.newLabel();
    a.j(x::CondCode(cc), l);
    exit_to(not_taken);
    synced_off_ = off, synced_count_ = count, fl_ = flags;
    a.bind(l);
    check_branch_target(taken);
    exit_to(taken);
}

void Translator::check_branch_target(int64_t target) {
    if (!long64() || in_first_page(target)) return;
    next_eip_to_eax();
    a.add(x::rax, int32_t(target - int64_t(next_offset())));
    fault_unless_canonical(x::rax);
}

void Translator::next_eip_to_eax() {
    clobber_flags();
    a.mov(ip_reg(), rip_mem());
    a.add(ip_reg(), int32_t(next_offset() - synced_off_));
}

void Translator::fault_unless_canonical(const x::Gp& ip) {
    if (!long64()) return;
    clobber_flags();
    asmjit::Label slow = a.newLabel();
    a.mov(x::rcx, ip);
    a.shl(x::rcx, 16);
    a.sar(x::rcx, 16);
    a.cmp(x::rcx, ip);
    a.jne(slow);
    exec_and_leave(slow, Fallback::Canonical);
}

void Translator::exec_and_leave(const asmjit::Label& slow, Fallback why) {
    cold_.push_back([this, slow, why, eip_delta = int32_t(off_ - synced_off_), count_delta = int32_t(k_ - synced_count_),
                     insn = insn_, flags = fl_, regs = ra_.binding()] {
        a.bind(slow);
        fl_ = flags;  // in CpuState
        if (eip_delta) a.add(rip_mem(), eip_delta);
        count_by(a, count_delta);
        RegAlloc::leave(a, regs);
        call_exec(insn, why);
        a.test(x::eax, x::eax);
        a.jnz(bail_);  // a fault
        // Wherever the handler went, in the same mode (a branch, a REP instruction's next run).
        a.mov(ip_reg(), rip_mem());
        lookup_and_jump();
    });
}

void Translator::park_eax() { a.mov(x::qword_ptr(CPU_REG, NEXT_RIP), x::rax); }
void Translator::unpark_eax() { a.mov(x::rax, x::qword_ptr(CPU_REG, NEXT_RIP)); }

void Translator::exit_indirect(bool returning) {
    clobber_flags();
    a.mov(rip_mem(), ip_reg());
    count_by(a, int32_t(k_ + 1 - synced_count_));
    if (semantics_called_) {
        a.cmp(x::byte_ptr(CPU_REG, IRQ_SHADOW), 0);
        a.jne(bail_);
    }
    if (returning)
        return_and_jump();
    else
        lookup_and_jump();
    ended_ = true;
}

// On a slow path of instruction k, after its helper returned: when that asked for an exit, the
// instruction's stop point becomes a jump to its stub. Clobbers rcx, rdx, rsi and the host's
// flags (the slow path has stored the guest's).
void Translator::arm_stop_point(unsigned k) {
    const StopPoint& sp = stops_[k];
    if (!sp.placed) return;
    asmjit::Label go_on = a.newLabel();
    a.cmp(x::byte_ptr(CPU_REG, EXIT_REQUEST), 0);
    a.je(go_on);
    a.lea(x::rcx, x::ptr(sp.nop));
    a.lea(x::rdx, x::ptr(sp.stub));
    a.sub(x::edx, x::ecx);
    a.sub(x::edx, 5);  // jmp rel32 from the NOP's end
    a.mov(x::rsi, e_.buf_.writable_offset());
    a.mov(x::dword_ptr(x::rcx, x::rsi, 0, 1), x::edx);
    a.mov(x::byte_ptr(x::rcx, x::rsi), 0xE9);
    a.bind(go_on);
}

// After an instruction whose access went through a helper that may have requested an exit (a
// store that changed decoded code, a device register): the block stops here, right after it,
// as the interpreter's does. An instruction that ends the block stops at the successor's
// prologue instead, which is the same boundary. The main path pays only a NOP: the helper's
// slow path, which alone can see a request, turns it into a jump to the stop (arm_stop_point).
void Translator::stop_point() {
    StopPoint& sp = stops_[k_];
    sp.placed = true;
    a.bind(sp.nop);
    a.db(0x0F), a.db(0x1F), a.db(0x44), a.db(0x00), a.db(0x00);  // nop dword [rax+rax*1+0]
    cold_.push_back([this, stub = sp.stub, nop = sp.nop, flags = fl_, off = synced_off_, count = synced_count_,
                     next_off = off_ + insn_->len, next = k_ + 1, regs = ra_.binding()] {
        a.bind(stub);
        // The NOP back (the host's flags, which may hold the guest's, untouched), for the next run.
        a.lea(x::rcx, x::ptr(nop));
        a.mov(x::rdx, e_.buf_.writable_offset());
        a.mov(x::dword_ptr(x::rcx, x::rdx), 0x00441F0F);
        a.mov(x::byte_ptr(x::rcx, x::rdx, 0, 4), 0x00);
        fl_ = flags;
        materialize_flags(false);
        synced_off_ = off, synced_count_ = count, off_ = next_off, k_ = next;
        sync_position();
        RegAlloc::leave(a, regs);
        exit_plain();
    });
}

}  // namespace jitpc::jit
