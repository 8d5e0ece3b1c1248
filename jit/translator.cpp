#include "jit/translator.h"

#include <cstddef>

#include "cpu/decode.h"
#include "memory/softmmu.h"
#include "jit/engine.h"
#include "jit/helpers.h"

namespace jitpc::jit {

namespace x = asmjit::x86;
using cpu::CpuState;

namespace {

using namespace state;

const x::Gp CPU = CPU_REG, ENGINE = ENGINE_REG;

struct EmitterTable {
    Emitter t[ZYDIS_MNEMONIC_MAX_VALUE + 1] = {};
    EmitterTable() {
        register_alu_emitters(t);
        register_move_emitters(t);
        register_branch_emitters(t);
        register_system_emitters(t);
        register_shift_emitters(t);
        register_cond_emitters(t);
        register_mul_emitters(t);
    }
};
const EmitterTable emitters;

}  // namespace

Translator::Translator(Engine& e, cpu::Block& b, unsigned variant) : e_(e), b_(b), variant_(variant) {
    code_.init(asmjit::Environment::host());
    code_.attach(&a);
    cpu::init_decoder(dec_, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
}

std::optional<x::Gp> Translator::guest_reg(ZydisRegister r) {
    if (r >= ZYDIS_REGISTER_EAX && r <= ZYDIS_REGISTER_EDI) return guest_gpr(r - ZYDIS_REGISTER_EAX);
    if (r >= ZYDIS_REGISTER_AX && r <= ZYDIS_REGISTER_DI) return guest_gpr(r - ZYDIS_REGISTER_AX).r16();
    if (r >= ZYDIS_REGISTER_AL && r <= ZYDIS_REGISTER_BL) return guest_gpr(r - ZYDIS_REGISTER_AL).r8Lo();
    return std::nullopt;  // AH..BH cannot be named next to REX registers
}

bool Translator::effective_address(const ZydisDecodedOperand& m) {
    // LEA's operand is an address computation (AGEN) that reads no memory.
    if ((m.mem.type != ZYDIS_MEMOP_TYPE_MEM && m.mem.type != ZYDIS_MEMOP_TYPE_AGEN) || insn_->asize != 4)
        return false;
    x::Mem ea;
    const bool has_base = m.mem.base != ZYDIS_REGISTER_NONE, has_index = m.mem.index != ZYDIS_REGISTER_NONE;
    std::optional<x::Gp> base, index;
    if (has_base && !(base = guest_reg(m.mem.base))) return false;
    if (has_index && !(index = guest_reg(m.mem.index))) return false;
    const int32_t disp = int32_t(m.mem.disp.value);
    if (has_base && has_index)
        ea = x::ptr(base->r64(), index->r64(), __builtin_ctz(m.mem.scale), disp);
    else if (has_base)
        ea = x::ptr(base->r64(), disp);
    else if (has_index)  // [index*scale + disp32], no base
        ea = x::ptr_abs(uint64_t(int64_t(disp)), index->r64(), __builtin_ctz(m.mem.scale));
    else {
        a.mov(x::esi, uint32_t(disp));
        return true;
    }
    // A 32-bit LEA wraps the sum to 32 bits, as the guest's address arithmetic does.
    a.lea(x::esi, ea);
    return true;
}

// ---- flags -----------------------------------------------------------------------------------

// Uses edi and ecx only, so values emitters hold in eax/edx/esi survive it.
void Translator::materialize_flags() {
    if (!flags_in_host_ || !flags_dirty_) return;
    a.pushfq();
    a.pop(x::qword_ptr(CPU, FLAGS_RES));
    a.mov(x::word_ptr(CPU, FLAGS_OP), uint32_t(cpu::FlagOp::Host) | uint32_t(flags_kind_) << 8);
    flags_dirty_ = false;
}

// CpuState's arithmetic flags = edi (nothing else set in it); clobbers ecx.
void Translator::store_flags_from_edi() {
    a.mov(x::ecx, x::dword_ptr(CPU, FLAGS_BITS));
    a.and_(x::ecx, ~cpu::EFLAGS_ARITH);
    a.or_(x::ecx, x::edi);
    a.mov(x::dword_ptr(CPU, FLAGS_BITS), x::ecx);
    a.mov(x::byte_ptr(CPU, FLAGS_OP), uint32_t(cpu::FlagOp::None));
}

void Translator::capture_flags() {
    a.pushfq();
    a.pop(x::rdi);
}

void Translator::flags_captured(uint32_t keep, const x::Gp& fixed) {
    a.and_(x::edi, keep);
    a.or_(x::edi, fixed);
    store_flags_from_edi();
    flags_in_host_ = false;
    flags_dirty_ = false;
}

void Translator::clobber_flags() {
    materialize_flags();
    flags_in_host_ = false;
}

// edi = the guest's arithmetic flags from CpuState when they are plain bits or host flags of
// an Exact or Logic op (normalised here); any other lazy form jumps to `lazy`. Uses edi only.
void Translator::guest_flags_to_edi(const asmjit::Label& lazy) {
    asmjit::Label exact = a.newLabel(), logic = a.newLabel(), incdec = a.newLabel(),
                  loaded = a.newLabel();
    a.movzx(x::edi, x::word_ptr(CPU, FLAGS_OP));
    a.cmp(x::edi, uint32_t(cpu::FlagOp::Host) | uint32_t(FlagKind::Exact) << 8);
    a.je(exact);
    a.cmp(x::edi, uint32_t(cpu::FlagOp::Host) | uint32_t(FlagKind::Logic) << 8);
    a.je(logic);
    a.cmp(x::edi, uint32_t(cpu::FlagOp::Host) | uint32_t(FlagKind::IncDec) << 8);
    a.je(incdec);
    a.cmp(x::dil, uint32_t(cpu::FlagOp::None));
    a.jne(lazy);
    a.mov(x::edi, x::dword_ptr(CPU, FLAGS_BITS));
    a.and_(x::edi, cpu::EFLAGS_ARITH);
    a.jmp(loaded);
    a.bind(logic);  // AND/OR/XOR/TEST: AF = 0
    a.mov(x::edi, x::dword_ptr(CPU, FLAGS_RES));
    a.and_(x::edi, cpu::EFLAGS_ARITH & ~cpu::EFLAGS_AF);
    a.jmp(loaded);
    a.bind(incdec);  // INC/DEC: CF from `bits`
    a.mov(x::edi, x::dword_ptr(CPU, FLAGS_BITS));
    a.and_(x::edi, cpu::EFLAGS_CF);
    a.push(x::rdi);
    a.mov(x::edi, x::dword_ptr(CPU, FLAGS_RES));
    a.and_(x::edi, cpu::EFLAGS_ARITH & ~cpu::EFLAGS_CF);
    a.or_(x::edi, x::dword_ptr(x::rsp));
    a.add(x::rsp, 8);
    a.jmp(loaded);
    a.bind(exact);
    a.mov(x::edi, x::dword_ptr(CPU, FLAGS_RES));
    a.and_(x::edi, cpu::EFLAGS_ARITH);
    a.bind(loaded);
}

// Before an inline INC/DEC, whose host CF is not the guest's: the guest's CF goes to
// CpuState::flags.bits, where FlagKind::IncDec finds it. Flags in the host are stored first.
void Translator::keep_carry() {
    if (!(live_after_[k_] & cpu::EFLAGS_CF)) {
        // Nothing sees CF before it is written again: what the host leaves there will do.
        flags_produced(FlagKind::Exact);
        return;
    }
    if (flags_in_host_ && (flags_kind_ == FlagKind::Exact || flags_kind_ == FlagKind::Logic ||
                           flags_kind_ == FlagKind::ShiftLeft || flags_kind_ == FlagKind::Sar)) {
        // The host's CF is the guest's: a host INC/DEC keeps it, the result is exact.
        flags_produced(FlagKind::Exact);
        return;
    }
    clobber_flags();
    asmjit::Label done = a.newLabel(), lazy = a.newLabel(), copy = a.newLabel();
    a.movzx(x::edi, x::word_ptr(CPU, FLAGS_OP));
    a.cmp(x::dil, uint32_t(cpu::FlagOp::None));
    a.je(done);  // plain bits: CF is there
    a.cmp(x::edi, uint32_t(cpu::FlagOp::Host) | uint32_t(FlagKind::IncDec) << 8);
    a.je(done);  // already kept there
    a.cmp(x::dil, uint32_t(cpu::FlagOp::Host));
    a.je(copy);
    a.bind(lazy);  // an interpreter lazy form: evaluated (plain bits afterwards)
    call_helper(reinterpret_cast<const void*>(&jit_flags), false);
    a.jmp(done);
    a.bind(copy);  // the host's CF of the other kinds is the guest's
    a.mov(x::edi, x::dword_ptr(CPU, FLAGS_RES));
    a.and_(x::edi, cpu::EFLAGS_CF);
    a.and_(x::dword_ptr(CPU, FLAGS_BITS), ~cpu::EFLAGS_CF);
    a.or_(x::dword_ptr(CPU, FLAGS_BITS), x::edi);
    a.bind(done);
    flags_in_host_ = false;
    flags_produced(FlagKind::IncDec);
}

void Translator::flags_to_host(bool needs_carry) {
    const bool condition_exact = flags_kind_ == FlagKind::Exact || flags_kind_ == FlagKind::Logic ||
                                 (flags_kind_ == FlagKind::IncDec && !needs_carry);
    if (flags_in_host_ && condition_exact) return;
    // Otherwise through CpuState: normalised there, or evaluated by the interpreter.
    clobber_flags();
    asmjit::Label lazy = a.newLabel(), loaded = a.newLabel();
    guest_flags_to_edi(lazy);
    a.jmp(loaded);
    a.bind(lazy);
    call_helper(reinterpret_cast<const void*>(&jit_flags), false);
    // Only the arithmetic flags: the guest's TF, DF or AC must never reach the host.
    a.mov(x::edi, x::eax);
    a.and_(x::edi, cpu::EFLAGS_ARITH);
    a.bind(loaded);
    a.push(x::rdi);
    a.popfq();
    flags_in_host_ = true;
    flags_dirty_ = false;
    flags_kind_ = FlagKind::Exact;
}

void Translator::flags_produced(FlagKind kind) {
    // Dead flags are left in the host unstored: nothing reads them before they are replaced.
    // Flags an earlier instruction left unstored in the host and this one passes through
    // (CF across INC) keep them to be stored when live.
    const bool passed_through = flags_in_host_ && flags_dirty_ &&
                                (live_after_[k_] & ~kills_[k_] & cpu::EFLAGS_ARITH);
    flags_in_host_ = true;
    flags_dirty_ = !flags_dead() || passed_through;
    flags_kind_ = kind;
}

void Translator::drop_flags() {
    flags_in_host_ = false;
    flags_dirty_ = false;
}

// ---- calls, position, exits --------------------------------------------------------------------

// Calls fn(engine, rsi...) with the SysV ABI. Guest registers r8-r11 are caller-saved: a helper
// that runs guest semantics (saves_guest_regs) gets all eight in CpuState and they are reloaded
// after it; any other helper has r8-r11 kept on the stack around the call. Host flags do not
// survive a call.
void Translator::call_helper(const void* fn, bool saves_guest_regs) {
    clobber_flags();
    helper_called_ = true;
    if (saves_guest_regs)
        for (int r = 0; r < 8; ++r) a.mov(x::dword_ptr(CPU, GPR + 4 * r), guest_gpr(r));
    else
        for (int r = 8; r < 12; ++r) a.push(x::gpq(r));
    a.mov(x::rdi, ENGINE);
    a.mov(x::rax, reinterpret_cast<uint64_t>(fn));
    a.call(x::rax);
    if (saves_guest_regs)
        for (int r = 0; r < 8; ++r) a.mov(guest_gpr(r), x::dword_ptr(CPU, GPR + 4 * r));
    else
        for (int r = 11; r >= 8; --r) a.pop(x::gpq(r));
}

// Brings CpuState::eip and icount to the start of the current instruction (before anything
// that may fault or look at them).
void Translator::sync_position() {
    if (synced_off_ != off_) a.add(x::dword_ptr(CPU, EIP), int32_t(off_ - synced_off_));
    if (synced_count_ != k_) a.add(x::qword_ptr(CPU, ICOUNT), int32_t(k_ - synced_count_));
    synced_off_ = off_;
    synced_count_ = k_;
}

void Translator::exit_plain() {
    a.xor_(x::eax, x::eax);
    a.jmp(asmjit::imm(e_.exit_stub_));
}

void Translator::fallback() {
    materialize_flags();
    sync_position();
    a.mov(x::rsi, reinterpret_cast<uint64_t>(insn_));
    call_helper(reinterpret_cast<const void*>(&jit_exec), true);
    synced_off_ = off_ + insn_->len;
    synced_count_ = k_ + 1;
    if (insn_->flags & cpu::IF_END_BLOCK) {
        // The handler set EIP (a control transfer, or a state change the dispatcher must see).
        exit_plain();
        ended_ = true;
        return;
    }
    a.test(x::eax, x::eax);
    a.jnz(bail_);
}

// Guest memory at offset esi of segment `seg`: the segment checks of Cpu::linear() and the TLB
// hit test of Mmu::read/write inline (a hit costs no call), everything else (a miss, a page
// crossing, MMIO, a write to a page holding code, a fault) in an out-of-line path that calls
// the helper with the offset. Host flags do not survive; eax holds the value loaded or stored.
// Cpu::linear()'s segment checks and the TLB hit test of Mmu::read/write for `size` bytes at
// offset esi of `seg`, jumping to `slow` for anything but a hit: on a hit the host address is
// rdi + rcx. Clobbers ecx, edx, edi and the host's flags (the guest's must be in CpuState).
x::Mem Translator::fast_path(unsigned size, unsigned seg, bool write, const asmjit::Label& slow) {
    const bool flat = (variant_ & 8) && (seg == cpu::DS || seg == cpu::ES || seg == cpu::SS);
    if (flat && !(size > 1 && (variant_ & 4))) return tlb_lookup(size, write, slow, x::esi);
    const int32_t s = int32_t(offsetof(CpuState, seg) + seg * sizeof(cpu::SegCache));
    a.cmp(x::esi, x::dword_ptr(CPU, s + int32_t(offsetof(cpu::SegCache, lo))));
    a.jb(slow);
    if (size > 1) {
        a.lea(x::ecx, x::ptr(x::rsi, int32_t(size - 1)));
        a.cmp(x::ecx, x::esi);  // the last byte wrapped past 4 GiB
        a.jb(slow);
        a.cmp(x::ecx, x::dword_ptr(CPU, s + int32_t(offsetof(cpu::SegCache, hi))));
    } else {
        a.cmp(x::esi, x::dword_ptr(CPU, s + int32_t(offsetof(cpu::SegCache, hi))));
    }
    a.ja(slow);
    a.test(x::byte_ptr(CPU, s + int32_t(offsetof(cpu::SegCache, rights))),
           write ? cpu::SegCache::W : cpu::SegCache::R);
    a.jz(slow);
    a.mov(x::ecx, x::dword_ptr(CPU, s + int32_t(offsetof(cpu::SegCache, base))));
    a.add(x::ecx, x::esi);  // linear address
    if (size > 1 && (variant_ & 4)) {
        a.test(x::ecx, size - 1);  // #AC: the helper raises it
        a.jnz(slow);
    }
    return tlb_lookup(size, write, slow, x::ecx);
}

// The TLB hit test for the linear address in `lin` (ecx or esi): the host address is
// rdi + lin on a hit. Clobbers edx, edi and the host's flags.
x::Mem Translator::tlb_lookup(unsigned size, bool write, const asmjit::Label& slow, const x::Gp& lin) {
    const int32_t tlb = e_.tlb_offset[user()];
    static_assert(sizeof(memory::TlbEntry) == 32 && memory::TLB_SIZE == 1024);
    a.mov(x::edx, lin);
    a.shr(x::edx, 12 - 5);  // the page's entry index times the entry size
    a.and_(x::edx, (memory::TLB_SIZE - 1) << 5);
    a.lea(x::edi, x::ptr(lin.r64(), int32_t(size - 1)));
    a.and_(x::edi, int32_t(memory::PAGE_MASK));
    const int32_t tag = tlb + int32_t(offsetof(memory::TlbEntry, tag) +
                                      4 * (write ? memory::ACC_WRITE : memory::ACC_READ));
    a.cmp(x::edi, x::dword_ptr(CPU, x::rdx, 0, tag));
    a.jne(slow);
    a.mov(x::rdi, x::qword_ptr(CPU, x::rdx, 0, tlb + int32_t(offsetof(memory::TlbEntry, addend))));
    return x::ptr(x::rdi, lin.r64(), 0, 0, size);
}

void Translator::memory(unsigned size, unsigned seg, bool store) {
    // Flags in the host that nothing after this instruction sees can only be seen by a fault in
    // this access: they wait on the host stack, and only the out-of-line path stores them.
    const bool stash = stash_ok_ && flags_in_host_ && flags_dirty_ &&
                       !(live_after_[k_] & ~kills_[k_] & cpu::EFLAGS_ARITH);
    const FlagKind stash_kind = flags_kind_;
    stash_ok_ = false;
    if (stash) {
        a.pushfq();
        drop_flags();
    } else {
        clobber_flags();
    }
    if (store) may_request_exit_ = true;
    asmjit::Label slow = a.newLabel(), done = a.newLabel();
    const x::Mem host = fast_path(size, seg, store, slow);
    if (store) {
        if (size == 1) a.mov(host, x::al);
        else if (size == 2) a.mov(host, x::ax);
        else a.mov(host, x::eax);
    } else {
        if (size == 1) a.movzx(x::eax, host);
        else if (size == 2) a.movzx(x::eax, host);
        else a.mov(x::eax, host);
    }
    if (stash) a.lea(x::rsp, x::ptr(x::rsp, 8));  // dropped: the access cannot fault now
    a.bind(done);

    // The out-of-line path runs with CpuState at this instruction (then put back, so the main
    // path's bookkeeping stays true), flags already there or stored from the stack first.
    const int32_t eip_delta = int32_t(off_ - synced_off_), count_delta = int32_t(k_ - synced_count_);
    cold_.push_back([this, slow, done, size, seg, store, eip_delta, count_delta, stash, stash_kind] {
        a.bind(slow);
        if (stash) {
            a.pop(x::qword_ptr(CPU, FLAGS_RES));
            a.mov(x::word_ptr(CPU, FLAGS_OP), uint32_t(cpu::FlagOp::Host) | uint32_t(stash_kind) << 8);
        }
        flags_in_host_ = flags_dirty_ = false;  // this path starts with the flags in CpuState
        if (eip_delta) a.add(x::dword_ptr(CPU, EIP), eip_delta);
        if (count_delta) a.add(x::qword_ptr(CPU, ICOUNT), count_delta);
        if (store) a.mov(x::ecx, x::eax);
        a.mov(x::edx, x::esi);
        a.mov(x::esi, seg);
        static const void* const loads[] = {reinterpret_cast<const void*>(&jit_load8),
                                            reinterpret_cast<const void*>(&jit_load16), nullptr,
                                            reinterpret_cast<const void*>(&jit_load32)};
        static const void* const stores[] = {reinterpret_cast<const void*>(&jit_store8),
                                             reinterpret_cast<const void*>(&jit_store16), nullptr,
                                             reinterpret_cast<const void*>(&jit_store32)};
        call_helper(store ? stores[size - 1] : loads[size - 1], false);
        asmjit::Label ok = a.newLabel();
        if (store) {
            // 1: the store faulted (nothing changed). 2: it changed decoded code and requested
            // an exit: the instruction completes and the block stops after it (stop_point).
            a.cmp(x::eax, 1);
            a.je(bail_);
        } else {
            a.bt(x::rax, 32);
            a.jc(bail_);
        }
        a.bind(ok);
        if (eip_delta) a.sub(x::dword_ptr(CPU, EIP), eip_delta);
        if (count_delta) a.sub(x::qword_ptr(CPU, ICOUNT), count_delta);
        a.jmp(done);
    });
}

// A read-modify-write of guest memory done in place on host memory: `op` gets the operand and
// emits one host instruction. With `carry_in` the guest's CF must be in the host first: it is
// loaded from CpuState when that holds plain bits, otherwise the slow path runs. The slow path
// (a miss, MMIO, code, a fault, a pending lazy flag op) runs the whole instruction through
// jit_exec and rejoins with the same state the fast path leaves.
bool Translator::read_modify_write(const ZydisDecodedOperand& m, bool carry_in, bool writes_flags,
                                   const std::function<void(const x::Mem&)>& op) {
    if (!effective_address(m)) return false;
    const unsigned size = m.size / 8;
    clobber_flags();
    asmjit::Label slow = a.newLabel(), done = a.newLabel();
    const x::Mem host = fast_path(size, insn_->seg, true, slow);
    if (carry_in) {
        // edi is needed for the flags: keep the host address in rdx.
        a.lea(x::rdx, host);
        guest_flags_to_edi(slow);
        a.push(x::rdi);
        a.popfq();
        op(x::ptr(x::rdx, 0, size));
    } else {
        op(host);
    }
    a.bind(done);

    const int32_t eip_delta = int32_t(off_ - synced_off_), count_delta = int32_t(k_ - synced_count_);
    const uint8_t len = insn_->len;
    const cpu::Insn* insn = insn_;
    cold_.push_back([this, slow, done, eip_delta, count_delta, len, insn, writes_flags] {
        a.bind(slow);
        flags_in_host_ = flags_dirty_ = false;
        if (eip_delta) a.add(x::dword_ptr(CPU, EIP), eip_delta);
        if (count_delta) a.add(x::qword_ptr(CPU, ICOUNT), count_delta);
        a.mov(x::rsi, reinterpret_cast<uint64_t>(insn));
        call_helper(reinterpret_cast<const void*>(&jit_exec), true);
        a.test(x::eax, x::eax);
        a.jnz(bail_);
        // Back to the main path's view: CpuState at the block's synced position, the flags in
        // the host.
        a.sub(x::dword_ptr(CPU, EIP), eip_delta + len);
        a.sub(x::qword_ptr(CPU, ICOUNT), count_delta + 1);
        if (writes_flags) {
            flags_to_host();
            flags_in_host_ = flags_dirty_ = false;
        }
        a.jmp(done);
    });
    return true;
}

// A jump back to this block's own start whose body needs no flags on entry (live_in_ empty):
// the loop stays in generated code with the flags left in the host. Only the count limit is
// checked; when it is reached, the flags are stored and the dispatcher takes over at the
// block's start.
bool Translator::loop_back(int64_t target) {
    if (target != 0 || live_in_ || helper_called_ || !e_.exact || b_.page2 != 1) return false;
    const bool in_host = flags_in_host_, dirty = flags_dirty_;
    const FlagKind kind = flags_kind_;
    const uint32_t delta = uint32_t(-int64_t(synced_off_));
    if (delta) a.add(x::dword_ptr(CPU, EIP), int32_t(delta));
    const unsigned count = k_ + 1;
    a.mov(x::rax, x::qword_ptr(CPU, ICOUNT));
    a.add(x::rax, count - synced_count_);
    a.mov(x::qword_ptr(CPU, ICOUNT), x::rax);
    a.add(x::rax, count);
    a.cmp(x::rax, x::qword_ptr(CPU, ICOUNT_LIMIT));
    asmjit::Label leave = a.newLabel();
    a.ja(leave);
    a.jmp(body_);
    cold_.push_back([this, leave, in_host, dirty, kind] {
        a.bind(leave);
        flags_in_host_ = in_host, flags_dirty_ = dirty, flags_kind_ = kind;
        materialize_flags();
        exit_plain();
    });
    ended_ = true;
    return true;
}

void Translator::exit_to(int64_t target) {
    if (loop_back(target)) return;
    materialize_flags();
    const int64_t phys_off = int64_t(b_.phys & 0xFFF) + target;
    const uint32_t delta = uint32_t(target - int64_t(synced_off_));
    if (delta) a.add(x::dword_ptr(CPU, EIP), int32_t(delta));
    const unsigned count = k_ + 1;
    if (count != synced_count_) a.add(x::qword_ptr(CPU, ICOUNT), int32_t(count - synced_count_));
    if (helper_called_) {
        // A helper may have left an interrupt shadow: the dispatcher must see the next boundary.
        a.cmp(x::byte_ptr(CPU, IRQ_SHADOW), 0);
        asmjit::Label ok = a.newLabel();
        a.je(ok);
        exit_plain();
        a.bind(ok);
    }
    if (phys_off >= 0 && phys_off < 4096 && b_.page2 == 1) {
        auto site = std::make_unique<ChainSite>();
        site->from = &b_;
        site->target_phys = uint32_t((b_.phys & ~0xFFFu) + phys_off);
        sites_.push_back({a.offset(), site.get()});
        static_cast<Translation*>(b_.native)->sites.push_back(std::move(site));
        // jmp rel32 to the next instruction, which is the unlinked exit.
        a.db(0xE9);
        a.dd(0);
        a.mov(x::rax, reinterpret_cast<uint64_t>(sites_.back().site));
        a.jmp(asmjit::imm(e_.exit_stub_));
    } else {
        // Another page may map elsewhere by the next run: found through the lookup table.
        a.mov(x::eax, x::dword_ptr(CPU, EIP));
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
    const bool dirty = flags_dirty_;
    asmjit::Label l = a.newLabel();
    a.j(x::CondCode(cc), l);
    exit_to(not_taken);
    synced_off_ = off, synced_count_ = count, flags_in_host_ = true, flags_dirty_ = dirty;
    a.bind(l);
    exit_to(taken);
}

void Translator::next_eip_to_eax() {
    clobber_flags();
    a.mov(x::eax, x::dword_ptr(CPU, EIP));
    a.add(x::eax, int32_t(next_offset() - synced_off_));
}

void Translator::park_eax() { a.mov(x::dword_ptr(CPU, NEXT_EIP), x::eax); }
void Translator::unpark_eax() { a.mov(x::eax, x::dword_ptr(CPU, NEXT_EIP)); }

void Translator::exit_indirect() {
    clobber_flags();
    a.mov(x::dword_ptr(CPU, EIP), x::eax);
    if (k_ + 1 != synced_count_) a.add(x::qword_ptr(CPU, ICOUNT), int32_t(k_ + 1 - synced_count_));
    if (helper_called_) {
        a.cmp(x::byte_ptr(CPU, IRQ_SHADOW), 0);
        a.jne(bail_);
    }
    lookup_and_jump();
    ended_ = true;
}

// Jumps to the translation of the EIP in eax for this variant through the lookup table
// (jit/engine.h, IndirectEntry), CpuState being up to date; a miss goes to the dispatcher.
void Translator::lookup_and_jump() {
    const int32_t table = int32_t(reinterpret_cast<const uint8_t*>(&e_.indirect[0]) -
                                  reinterpret_cast<const uint8_t*>(&e_));
    a.mov(x::ecx, x::eax);
    a.shr(x::ecx, Engine::INDIRECT_BITS);
    a.xor_(x::ecx, x::eax);
    a.and_(x::ecx, (1u << Engine::INDIRECT_BITS) - 1);
    a.shl(x::ecx, 5);
    a.mov(x::rdx, uint64_t(variant_) << 32);
    a.or_(x::rdx, x::rax);
    a.cmp(x::rdx, x::qword_ptr(ENGINE, x::rcx, 0, table + int32_t(offsetof(IndirectEntry, key))));
    a.jne(bail_);
    a.mov(x::rdx, x::qword_ptr(CPU, CODE_EPOCH));
    a.cmp(x::rdx, x::qword_ptr(ENGINE, x::rcx, 0, table + int32_t(offsetof(IndirectEntry, epoch))));
    a.jne(bail_);
    a.jmp(x::qword_ptr(ENGINE, x::rcx, 0, table + int32_t(offsetof(IndirectEntry, code))));
}

// ---- the block -------------------------------------------------------------------------------

// Decodes instruction k (at `off` bytes into the block) into zi_/ops_ again; false when its
// bytes cross the page or it does not decode to what the interpreter decoded.
bool Translator::decode(unsigned k, uint32_t off) {
    const cpu::Insn& i = b_.insns[k];
    if (i.len > 4096 - (b_.phys & 0xFFF) - off) return false;
    uint8_t bytes[15];
    e_.cpu.mem.read_bytes(b_.phys + off, bytes, i.len);
    zi_ = {};  // Zydis 4.0 expects a cleared instruction (it asserts on prefix_count)
    return ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec_, bytes, i.len, &zi_, ops_)) &&
           zi_.mnemonic == i.mnemonic;
}

namespace {

bool gpr(ZydisRegister r) {
    return (r >= ZYDIS_REGISTER_AL && r <= ZYDIS_REGISTER_BH) ||
           (r >= ZYDIS_REGISTER_AX && r <= ZYDIS_REGISTER_DI) ||
           (r >= ZYDIS_REGISTER_EAX && r <= ZYDIS_REGISTER_EDI);
}

// Instructions that cannot fault or leave the block when their operands are general registers
// and immediates; every other instruction may show the flags to the guest (an exception frame
// holds EFLAGS, and the next block may read them).
bool cannot_fault(ZydisMnemonic m) {
    switch (m) {
    case ZYDIS_MNEMONIC_ADD: case ZYDIS_MNEMONIC_SUB: case ZYDIS_MNEMONIC_AND: case ZYDIS_MNEMONIC_OR:
    case ZYDIS_MNEMONIC_XOR: case ZYDIS_MNEMONIC_CMP: case ZYDIS_MNEMONIC_TEST: case ZYDIS_MNEMONIC_NEG:
    case ZYDIS_MNEMONIC_NOT: case ZYDIS_MNEMONIC_ADC: case ZYDIS_MNEMONIC_SBB: case ZYDIS_MNEMONIC_INC:
    case ZYDIS_MNEMONIC_DEC: case ZYDIS_MNEMONIC_IMUL: case ZYDIS_MNEMONIC_SHL: case ZYDIS_MNEMONIC_SHR:
    case ZYDIS_MNEMONIC_SAR: case ZYDIS_MNEMONIC_ROL: case ZYDIS_MNEMONIC_ROR: case ZYDIS_MNEMONIC_MOV:
    case ZYDIS_MNEMONIC_MOVZX: case ZYDIS_MNEMONIC_MOVSX: case ZYDIS_MNEMONIC_LEA: case ZYDIS_MNEMONIC_NOP:
    case ZYDIS_MNEMONIC_BSWAP: case ZYDIS_MNEMONIC_XCHG: case ZYDIS_MNEMONIC_CDQ: case ZYDIS_MNEMONIC_CWD:
    case ZYDIS_MNEMONIC_CWDE: case ZYDIS_MNEMONIC_CBW: case ZYDIS_MNEMONIC_CLC: case ZYDIS_MNEMONIC_STC:
    case ZYDIS_MNEMONIC_CMC:
        return true;
    default:
        return (m >= ZYDIS_MNEMONIC_CMOVB && m <= ZYDIS_MNEMONIC_CMOVZ) ||
               (m >= ZYDIS_MNEMONIC_SETB && m <= ZYDIS_MNEMONIC_SETZ && m != ZYDIS_MNEMONIC_SETSSBSY);
    }
}

struct FlagUse {
    uint32_t reads = 0;
    uint32_t kills = 0;                      // surely written
    uint32_t may_write = cpu::EFLAGS_ARITH;  // possibly written
    bool observes = true;  // may fault or leave: every flag is live before it
};

FlagUse flag_use(const ZydisDecodedInstruction& zi, const ZydisDecodedOperand* ops) {
    FlagUse u;
    if (!cannot_fault(zi.mnemonic) || !zi.cpu_flags) return u;
    bool memory = false;
    for (unsigned n = 0; n < zi.operand_count_visible; ++n) {
        const ZydisDecodedOperand& o = ops[n];
        if (o.type == ZYDIS_OPERAND_TYPE_MEMORY && o.mem.type != ZYDIS_MEMOP_TYPE_AGEN) memory = true;
        if (o.type == ZYDIS_OPERAND_TYPE_REGISTER && !gpr(o.reg.value)) return u;
    }
    const uint32_t written = (zi.cpu_flags->modified | zi.cpu_flags->set_0 | zi.cpu_flags->set_1 |
                              zi.cpu_flags->undefined) & cpu::EFLAGS_ARITH;
    u.reads = zi.cpu_flags->tested & cpu::EFLAGS_ARITH;
    u.kills = written;
    // A shift or rotate writes flags only when its masked count is not 0: by CL, maybe not.
    switch (zi.mnemonic) {
    case ZYDIS_MNEMONIC_SHL: case ZYDIS_MNEMONIC_SHR: case ZYDIS_MNEMONIC_SAR:
    case ZYDIS_MNEMONIC_ROL: case ZYDIS_MNEMONIC_ROR:
        if (ops[1].type != ZYDIS_OPERAND_TYPE_IMMEDIATE || !(ops[1].imm.value.u & 31)) u.kills = 0;
        break;
    default: break;
    }
    if (memory) return u;  // it may fault, so it observes; what it surely writes is still known
    u.observes = false;
    u.may_write = written;
    return u;
}

// Instructions whose inline form makes one memory access and reads no flags: the ones whose
// earlier flags may wait on the host stack through that access (Translator::memory).
bool single_access_without_flags(ZydisMnemonic m) {
    switch (m) {
    case ZYDIS_MNEMONIC_MOV: case ZYDIS_MNEMONIC_MOVZX: case ZYDIS_MNEMONIC_MOVSX:
    case ZYDIS_MNEMONIC_ADD: case ZYDIS_MNEMONIC_SUB: case ZYDIS_MNEMONIC_AND:
    case ZYDIS_MNEMONIC_OR: case ZYDIS_MNEMONIC_XOR: case ZYDIS_MNEMONIC_CMP:
    case ZYDIS_MNEMONIC_TEST: case ZYDIS_MNEMONIC_IMUL:
        return true;
    default: return false;
    }
}

}  // namespace

// live_after_[k]: the arithmetic flags that something after instruction k may still see (read,
// or show in an exception frame or to the next block) before they are written again. Flags an
// instruction writes outside that set need not be computed or stored.
void Translator::find_dead_flags() {
    const unsigned count = unsigned(b_.insns.size());
    std::vector<FlagUse> use(count);
    uint32_t off = 0;
    for (unsigned k = 0; k < count; ++k) {
        if (decode(k, off)) use[k] = flag_use(zi_, ops_);
        off += b_.insns[k].len;
    }
    live_after_.assign(count, 0);
    written_.assign(count, 0);
    kills_.assign(count, 0);
    uint32_t live = cpu::EFLAGS_ARITH;  // the block's exit
    for (unsigned k = count; k-- > 0;) {
        live_after_[k] = live;
        written_[k] = use[k].may_write;
        kills_[k] = use[k].kills;
        live = use[k].observes ? cpu::EFLAGS_ARITH : (live & ~use[k].kills) | use[k].reads;
    }
    live_in_ = live;
}

void Translator::emit_instruction(unsigned k) {
    k_ = k;
    insn_ = &b_.insns[k];
    may_request_exit_ = false;
    const bool decoded = decode(k, off_);
    stash_ok_ = decoded && single_access_without_flags(zi_.mnemonic);
    const Emitter em = decoded ? emitters.t[zi_.mnemonic] : nullptr;
    if (!em || !em(*this)) fallback();
    if (may_request_exit_ && !ended_) stop_point();
    off_ += insn_->len;
}

// After an instruction whose store may have changed decoded code (the helper then requested an
// exit): the block stops here, right after it, as the interpreter's does. An instruction that
// ends the block stops at the successor's prologue instead, which is the same boundary.
void Translator::stop_point() {
    asmjit::Label go_on = a.newLabel();
    a.cmp(x::byte_ptr(CPU, EXIT_REQUEST), 0);
    a.je(go_on);
    const bool in_host = flags_in_host_, dirty = flags_dirty_;
    const uint32_t off = synced_off_;
    const unsigned count = synced_count_;
    materialize_flags();
    off_ += insn_->len;
    ++k_;
    sync_position();
    --k_;
    off_ -= insn_->len;
    exit_plain();
    flags_in_host_ = in_host, flags_dirty_ = dirty, synced_off_ = off, synced_count_ = count;
    a.bind(go_on);
}

uint8_t* Translator::translate() {
    bail_ = a.newLabel();
    // Entry: the block runs only when all of it fits before the count limit (a chained jump
    // lands here with CpuState at this block's start).
    const unsigned count = unsigned(b_.insns.size());
    if (e_.exact) {
        a.mov(x::rax, x::qword_ptr(CPU, ICOUNT));
        a.add(x::rax, count);
        a.cmp(x::rax, x::qword_ptr(CPU, ICOUNT_LIMIT));
        a.ja(bail_);
    }
    // A requested exit is not checked here: every helper that can raise one either stops the
    // block or lowers icount_limit (helpers.cpp), which the check above sees.
    body_ = a.newLabel();
    a.bind(body_);
    find_dead_flags();
    for (unsigned k = 0; k < count && !ended_; ++k) emit_instruction(k);
    if (!ended_) exit_to(off_);  // page end or size cap: fall through to the next block
    while (!cold_.empty()) {
        const std::function<void()> emit = std::move(cold_.front());
        cold_.pop_front();
        emit();
    }
    a.bind(bail_);
    exit_plain();

    code_.flatten();
    code_.resolveUnresolvedLinks();
    const size_t size = code_.codeSize();
    uint8_t* rx = e_.buf_.alloc(size);
    if (!rx) return nullptr;
    if (code_.relocateToBase(reinterpret_cast<uint64_t>(rx)) != asmjit::kErrorOk)
        throw std::logic_error("JIT: relocation failed");
    code_.copyFlattenedData(e_.buf_.writable(rx), size);
    for (const Site& s : sites_) {
        s.site->jump = rx + s.offset;
        s.site->unlinked = rx + s.offset + 5;
    }
    return rx;
}

}  // namespace jitpc::jit
