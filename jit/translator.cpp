#include "jit/translator.h"

#include <cstddef>

#include "cpu/decode.h"
#include "jit/engine.h"
#include "jit/helpers.h"
#include "jit/tlb_probe.h"

namespace jitpc::jit {

namespace x = asmjit::x86;
using cpu::CpuState;

namespace {

using namespace state;

const x::Gp CPU = CPU_REG, COUNT = COUNT_REG;

// The count moves by `n` (LEA: the host's flags stay).
void count_by(x::Assembler& a, int32_t n) {
    if (n) a.lea(COUNT, x::ptr(COUNT, n));
}

}  // namespace

void register_emitters() {
    static const bool once = [] {
#define JITPC_REGISTER_EMIT_GROUP(name) register_##name##_emitters(GroupEmitters(#name));
        JITPC_EMIT_GROUPS(JITPC_REGISTER_EMIT_GROUP)
#undef JITPC_REGISTER_EMIT_GROUP
        return true;
    }();
    (void)once;
}

Translator::Translator(Engine& e, cpu::Block& b, unsigned variant)
    : e_(e), b_(b), variant_(variant), table_(cpu::InsnTable::get()) {
    register_emitters();
    code_.init(asmjit::Environment::host());
    code_.attach(&a);
}

std::optional<x::Gp> Translator::guest_reg(unsigned r, unsigned size) {
    if (r >= 8 || (size == 1 && r >= 4)) return std::nullopt;
    if (size == 4) return guest_gpr(r);
    if (size == 2) return guest_gpr(r).r16();
    if (size == 1) return guest_gpr(r).r8Lo();
    return std::nullopt;
}

std::optional<x::Gp> Translator::reg(const Operand& o, unsigned size) const {
    if (o.kind != Kind::Reg || !(insn_->flags & cpu::IF_GPR_ONLY)) return std::nullopt;
    return guest_reg(o.reg, size ? size : insn_->osize);
}

int64_t Translator::imm() const {
    switch (insn_->osize) {
    case 1: return int8_t(insn_->imm);
    case 2: return int16_t(insn_->imm);
    default: return int32_t(insn_->imm);
    }
}

// The operands in Zydis's order: a memory destination first, then the registers (a memory
// source after the first), the immediate last.
void Translator::read_operands() {
    const uint8_t f = insn_->flags;
    nops_ = 0;
    if (f & cpu::IF_MEM_FIRST) ops_[nops_++] = {Kind::Mem};
    if (f & cpu::IF_R0) ops_[nops_++] = {Kind::Reg, insn_->r0};
    if ((f & cpu::IF_MEM) && !(f & cpu::IF_MEM_FIRST)) ops_[nops_++] = {Kind::Mem};
    if ((f & cpu::IF_R1) && nops_ < 3) ops_[nops_++] = {Kind::Reg, insn_->r1};
    if ((f & cpu::IF_IMM) && nops_ < 3) ops_[nops_++] = {Kind::Imm};
    for (unsigned n = nops_; n < 3; ++n) ops_[n] = {};
}

bool Translator::effective_address() {
    const cpu::Insn& i = *insn_;
    if (!(i.flags & cpu::IF_MEM) || i.asize != 4) return false;
    x::Mem ea;
    const bool has_base = i.base != cpu::NO_REG, has_index = i.index != cpu::NO_REG;
    const int32_t disp = int32_t(i.disp);
    if (has_base && has_index)
        ea = x::ptr(guest_gpr(i.base).r64(), guest_gpr(i.index).r64(), i.scale, disp);
    else if (has_base)
        ea = x::ptr(guest_gpr(i.base).r64(), disp);
    else if (has_index)  // [index*scale + disp32], no base
        ea = x::ptr_abs(uint64_t(int64_t(disp)), guest_gpr(i.index).r64(), i.scale);
    else {
        a.mov(x::esi, uint32_t(disp));
        return true;
    }
    // A 32-bit LEA wraps the sum to 32 bits, as the guest's address arithmetic does.
    a.lea(x::esi, ea);
    return true;
}

// ---- flags -----------------------------------------------------------------------------------

// Stores the host's flags in LAHF/SETO form (cpu::flags_from_lahf). Uses ecx only, so values
// emitters hold in eax/edx/esi/edi survive it.
void Translator::materialize_flags() {
    if (!fl_.in_host || !fl_.dirty) return;
    a.mov(x::ecx, x::eax);
    a.lahf();
    a.seto(x::al);
    a.mov(x::word_ptr(CPU, FLAGS_RES), x::ax);
    a.mov(x::eax, x::ecx);
    a.mov(x::word_ptr(CPU, FLAGS_OP), uint32_t(cpu::FlagOp::Host) | uint32_t(fl_.kind) << 8);
    fl_.dirty = false;
    fl_.saved = FlagState::Saved::Host;
    fl_.saved_kind = fl_.kind;
}

// CpuState's arithmetic flags = edi (nothing else set in it); clobbers ecx.
void Translator::store_flags_from_edi() {
    a.mov(x::ecx, x::dword_ptr(CPU, FLAGS_BITS));
    a.and_(x::ecx, ~cpu::EFLAGS_ARITH);
    a.or_(x::ecx, x::edi);
    a.mov(x::dword_ptr(CPU, FLAGS_BITS), x::ecx);
    a.mov(x::byte_ptr(CPU, FLAGS_OP), uint32_t(cpu::FlagOp::None));
    fl_.saved = FlagState::Saved::Plain;
}

void Translator::capture_flags(bool with_of) {
    if (with_of) {
        a.pushfq();
        a.pop(x::rdi);
        return;
    }
    a.xchg(x::eax, x::edi);  // LAHF writes AH only: eax's value waits in edi meanwhile
    a.lahf();
    a.xchg(x::eax, x::edi);
    a.shr(x::edi, 8);
}

void Translator::flags_captured(uint32_t keep, const x::Gp& fixed) {
    a.and_(x::edi, keep);
    a.or_(x::edi, fixed);
    store_flags_from_edi();
    fl_.in_host = false;
    fl_.dirty = false;
}

void stored_host_flags_to_edi(x::Assembler& a, uint32_t mask) {
    a.movzx(x::edi, x::byte_ptr(CPU, FLAGS_RES + 1));
    a.and_(x::edi, mask & ~cpu::EFLAGS_OF);
    if (!(mask & cpu::EFLAGS_OF)) return;
    a.movzx(x::ecx, x::byte_ptr(CPU, FLAGS_RES));
    a.shl(x::ecx, 11);
    a.or_(x::edi, x::ecx);
}

// Plain bits, or host flags of an Exact, Logic or IncDec op (normalised here).
void guest_flags_to_edi(x::Assembler& a, const asmjit::Label& lazy) {
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
    stored_host_flags_to_edi(a, cpu::EFLAGS_ARITH & ~cpu::EFLAGS_AF);
    a.jmp(loaded);
    a.bind(incdec);  // INC/DEC: CF from `bits`
    stored_host_flags_to_edi(a, cpu::EFLAGS_ARITH & ~cpu::EFLAGS_CF);
    a.mov(x::ecx, x::dword_ptr(CPU, FLAGS_BITS));
    a.and_(x::ecx, cpu::EFLAGS_CF);
    a.or_(x::edi, x::ecx);
    a.jmp(loaded);
    a.bind(exact);
    stored_host_flags_to_edi(a, cpu::EFLAGS_ARITH);
    a.bind(loaded);
}

// edi = an EFLAGS image whose arithmetic bits are the guest's, from CpuState in any form
// (Engine::flags_thunk_). Clobbers eax, ecx and the host's flags; keeps every other register.
void Translator::guest_flags_thunk() {
    clobber_flags();
    a.call(asmjit::imm(e_.flags_thunk_));
}

void Translator::clobber_flags() {
    materialize_flags();
    fl_.in_host = false;
}

// Before an inline INC/DEC, whose host CF is not the guest's: the guest's CF goes to
// CpuState::flags.bits, where FlagKind::IncDec finds it. Flags in the host are stored first.
void Translator::keep_carry() {
    if (!(live_after_[k_] & cpu::EFLAGS_CF)) {
        // Nothing sees CF before it is written again: what the host leaves there will do.
        flags_produced(FlagKind::Exact);
        return;
    }
    if (fl_.in_host && (fl_.kind == FlagKind::Exact || fl_.kind == FlagKind::Logic ||
                           fl_.kind == FlagKind::ShiftLeft || fl_.kind == FlagKind::Sar)) {
        // The host's CF is the guest's: a host INC/DEC keeps it, the result is exact.
        flags_produced(FlagKind::Exact);
        return;
    }
    clobber_flags();
    // The guest's CF into `bits`, unless it is there already (plain bits, or kept there): the
    // host's CF of the other stored kinds is the guest's; an unknown form is dispatched on, and
    // an interpreter lazy form evaluated (plain bits afterwards).
    using Saved = FlagState::Saved;
    const bool in_bits = fl_.saved == Saved::Plain ||
                         (fl_.saved == Saved::Host && fl_.saved_kind == FlagKind::IncDec);
    if (!in_bits) {
        if (fl_.saved == Saved::Host) {
            stored_host_flags_to_edi(a, cpu::EFLAGS_CF);
        } else {
            guest_flags_thunk();
            a.and_(x::edi, cpu::EFLAGS_CF);
        }
        a.and_(x::dword_ptr(CPU, FLAGS_BITS), ~cpu::EFLAGS_CF);
        a.or_(x::dword_ptr(CPU, FLAGS_BITS), x::edi);
    }
    fl_.in_host = false;
    flags_produced(FlagKind::IncDec);
}

// The host's arithmetic flags = those of the EFLAGS image in eax, without POPF (a dozen cycles
// on the hosts measured): SAHF loads SF, ZF, AF, PF and CF from AH, and OF comes from a signed
// overflow. Nothing but those six bits reaches the host. Clobbers eax.
void Translator::host_flags_from_image() {
    a.xchg(x::al, x::ah);  // AH = the image's low byte; AL = its bits 8-15, OF at bit 3
    a.and_(x::al, 8);
    a.add(x::al, 0x78);  // overflows exactly when OF was set
    a.sahf();
}

// The same from eax in LAHF/SETO form (AL = OF, 0 or 1).
void Translator::host_flags_from_lahf() {
    a.add(x::al, 0x7F);
    a.sahf();
}

// The guest's flags from CpuState into the host's EFLAGS, when generated code stored them
// there in a form whose host bits every condition can read as they are (or as plain bits):
// the kind the host then holds, or nothing (and nothing emitted) when the form is not known
// or needs normalising. Clobbers eax.
std::optional<FlagKind> Translator::load_saved_flags(bool needs_carry) {
    using Saved = FlagState::Saved;
    const FlagKind k = fl_.saved_kind;
    if (fl_.saved == Saved::Host &&
        (k == FlagKind::Exact || k == FlagKind::Logic || (k == FlagKind::IncDec && !needs_carry))) {
        a.mov(x::eax, x::dword_ptr(CPU, FLAGS_RES));
        host_flags_from_lahf();
        return k;
    }
    if (fl_.saved != Saved::Plain) return std::nullopt;
    a.mov(x::eax, x::dword_ptr(CPU, FLAGS_BITS));
    host_flags_from_image();
    return FlagKind::Exact;
}

void Translator::flags_to_host(bool needs_carry) {
    const bool condition_exact = fl_.kind == FlagKind::Exact || fl_.kind == FlagKind::Logic ||
                                 (fl_.kind == FlagKind::IncDec && !needs_carry);
    if (fl_.in_host && condition_exact) return;
    // Otherwise through CpuState: normalised there, or evaluated by the interpreter.
    clobber_flags();
    fl_.kind = FlagKind::Exact;
    if (auto kind = load_saved_flags(needs_carry)) {
        fl_.kind = *kind;
    } else {
        guest_flags_thunk();
        a.mov(x::eax, x::edi);
        host_flags_from_image();  // only its arithmetic bits load
    }
    fl_.in_host = true;
    fl_.dirty = false;
}

void Translator::flags_produced(FlagKind kind) {
    // Dead flags are left in the host unstored: nothing reads them before they are replaced.
    // Flags an earlier instruction left unstored in the host and this one passes through
    // (CF across INC) keep them to be stored when live.
    const bool passed_through = fl_.in_host && fl_.dirty &&
                                (live_after_[k_] & ~kills_[k_] & cpu::EFLAGS_ARITH);
    fl_.in_host = true;
    fl_.dirty = !flags_dead() || passed_through;
    fl_.kind = kind;
    recompute_ = {};
}

void Translator::flags_recomputable(const Recompute& r) {
    const auto index = [](const asmjit::Operand& o) { return unsigned(o.as<x::Gp>().id()) - 8; };
    const bool src_reg = r.src.isReg();
    // An ADD or SUB of a register to itself leaves neither operand to recompute from; INC and
    // DEC keep a CF that must not be in the host (keep_carry), or nothing may read it.
    if ((r.form == Recompute::Add || r.form == Recompute::Sub) && src_reg && index(r.src) == index(r.dst))
        return;
    if ((r.form == Recompute::Inc || r.form == Recompute::Dec) && fl_.kind != FlagKind::IncDec &&
        (live_after_[k_] & cpu::EFLAGS_CF))
        return;
    recompute_ = r;
    recompute_regs_ = uint8_t(1u << index(r.dst) | (src_reg ? 1u << index(r.src) : 0u));
    recompute_k_ = k_;
}

// The host's flags again from recompute_'s registers; uses ecx only.
void Translator::emit_recompute(const Recompute& r) {
    const x::Gp c = x::ecx.cloneAs(r.dst);
    const x::Gp d64 = r.dst.r64();
    switch (r.form) {
    case Recompute::Cmp: a.emit(x::Inst::kIdCmp, r.dst, r.src); break;
    case Recompute::Test: a.emit(x::Inst::kIdTest, r.dst, r.src); break;
    case Recompute::Logic: a.test(r.dst, r.dst); break;
    case Recompute::Add:  // dst = a + b: a = dst - b
        a.mov(x::ecx, r.dst.r32());
        a.emit(x::Inst::kIdSub, c, r.src);
        a.emit(x::Inst::kIdAdd, c, r.src);
        break;
    case Recompute::Sub:  // dst = a - b: a = dst + b
        if (r.src.isImm())
            a.lea(x::ecx, x::ptr(d64, int32_t(r.src.as<asmjit::Imm>().value())));
        else
            a.lea(x::ecx, x::ptr(d64, r.src.as<x::Gp>().r64()));
        a.emit(x::Inst::kIdCmp, c, r.src);
        break;
    case Recompute::Inc:
        a.lea(x::ecx, x::ptr(d64, -1));
        a.inc(c);
        break;
    case Recompute::Dec:
        a.lea(x::ecx, x::ptr(d64, 1));
        a.dec(c);
        break;
    case Recompute::Neg:  // dst = -a
        a.mov(x::ecx, r.dst.r32());
        a.neg(c);
        a.neg(c);
        break;
    case Recompute::None: break;
    }
}

// How many memory operands instruction k_ accesses, hidden ones (the stack) included.
unsigned Translator::memory_operands() const {
    const cpu::InsnInfo& info = table_[insn_->mnemonic];
    return unsigned((insn_->flags & cpu::IF_MEM) && !info.agen) + info.implicit_memory;
}

// The guest registers instruction k_ writes (the instruction table's facts), by index.
uint8_t Translator::written_gprs() const {
    const cpu::InsnInfo& info = table_[insn_->mnemonic];
    if (!(insn_->flags & cpu::IF_GPR_ONLY)) return 0xFF;
    uint8_t m = info.implicit_gprs;
    const unsigned explicit_writes = info.writes_regs >> (insn_->flags & cpu::IF_MEM_FIRST ? 2 : 0);
    // A byte register is a cpu::Reg8: AH..BH are parts of registers 0-3.
    auto gpr_of = [&](uint8_t r) { return insn_->osize == 1 && r >= cpu::AH ? r - cpu::AH : r; };
    if ((explicit_writes & 1) && (insn_->flags & cpu::IF_R0)) m |= uint8_t(1u << gpr_of(insn_->r0));
    if ((explicit_writes & 2) && (insn_->flags & cpu::IF_R1)) m |= uint8_t(1u << gpr_of(insn_->r1));
    return m;
}

void Translator::drop_flags() {
    fl_.in_host = false;
    fl_.dirty = false;
}

// ---- calls, position, exits --------------------------------------------------------------------

// Calls fn(engine, rsi...) through its thunk (Engine::Engine), which keeps the guest registers
// (in CpuState for jit_exec, which runs guest semantics: saves_guest_regs) and the count. Host
// flags do not survive a call.
void Translator::call_helper(const void* fn, bool saves_guest_regs) {
    clobber_flags();
    semantics_called_ |= saves_guest_regs;
    a.call(asmjit::imm(e_.thunk(fn)));  // its body: Engine::Engine
    if (saves_guest_regs) fl_.saved = FlagState::Saved::Unknown;  // the instruction may have written them
}

// Brings CpuState::rip and icount to the start of the current instruction (before anything
// that may fault or look at them).
void Translator::sync_position() {
    if (synced_off_ != off_) a.add(x::dword_ptr(CPU, EIP), int32_t(off_ - synced_off_));
    count_by(a, int32_t(k_ - synced_count_));
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
        ended_ = true;
        if (table_[insn_->mnemonic].of_group("string")) {
            // A REP string instruction ends its block only because it may run again (the
            // count of iterations is not known here): it changes no mode, so the block at the
            // EIP it left is found like a return's.
            a.test(x::eax, x::eax);
            a.jnz(bail_);
            a.mov(x::eax, x::dword_ptr(CPU, EIP));
            lookup_and_jump();
            return;
        }
        // The handler set EIP (a control transfer, or a state change the dispatcher must see).
        exit_plain();
        return;
    }
    a.test(x::eax, x::eax);
    a.jnz(bail_);
}

// Cpu::linear()'s segment checks and the TLB hit test of Mmu::read/write for `size` bytes at
// offset esi of `seg`, jumping to `slow` for anything but a hit (a miss, a page crossing, MMIO,
// a write to a page holding code, a fault); the operand it returns addresses the host memory.
// Clobbers ecx, edx, edi and the host's flags.
x::Mem Translator::fast_path(unsigned size, unsigned seg, bool write, const asmjit::Label& slow) {
    if (flat_access(size, seg)) return tlb_lookup(size, write, slow, x::esi);
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
    TlbProbe probe(a, e_.tlb_offset[user()], x::edx, x::edi);
    probe.hit(lin, size, write ? cpu::ACC_WRITE : cpu::ACC_READ, slow);
    return probe.host(lin, size);
}

// Whether an access keeps the host's flags: when they are there and not yet stored, the host
// has BMI2, and the segment needs no checks.
bool Translator::keeps_flags(unsigned size, unsigned seg) const {
    return e_.bmi2 && fl_.in_host && fl_.dirty && flat_access(size, seg);
}

bool Translator::flat_access(unsigned size, unsigned seg) const {
    const bool flat = (variant_ & 8) && (seg == cpu::DS || seg == cpu::ES || seg == cpu::SS);
    return flat && !(size > 1 && (variant_ & 4));  // no #AC check either
}

// tlb_lookup() for the linear address in esi without writing the host's flags. Clobbers ecx,
// edx and edi.
x::Mem Translator::tlb_lookup_keeping_flags(unsigned size, bool write, const asmjit::Label& slow) {
    TlbProbe probe(a, e_.tlb_offset[user()], x::edx, x::edi);
    probe.hit_keeping_flags(x::esi, size, write ? cpu::ACC_WRITE : cpu::ACC_READ, slow);
    return probe.host(x::esi, size);
}

// A load into eax or a store from eax of guest memory at offset esi of `seg`: the hit inline
// (fast_path), the rest through a helper on an out-of-line path.
void Translator::memory(unsigned size, unsigned seg, bool store) {
    // Flags the host holds and CpuState does not are produced again after the access when
    // their op can be redone from registers; otherwise they stay in the host through an access
    // that can test its TLB entry without touching them. Only the out-of-line path stores them.
    const bool recompute = fl_.in_host && fl_.dirty && recompute_.form != Recompute::None;
    const bool keep = !recompute && keeps_flags(size, seg);
    if (!keep && !recompute) clobber_flags();
    const FlagState flags = fl_;
    const Recompute rc = recompute_;
    // Either may reach a device that asks for the dispatcher (an APIC register raising an
    // interrupt): the block stops right after this instruction then, as the interpreter's does.
    may_request_exit_ = true;
    asmjit::Label slow = a.newLabel(), done = a.newLabel();
    const x::Mem host = keep ? tlb_lookup_keeping_flags(size, store, slow) : fast_path(size, seg, store, slow);
    if (store) {
        if (size == 1) a.mov(host, x::al);
        else if (size == 2) a.mov(host, x::ax);
        else a.mov(host, x::eax);
    } else {
        if (size == 1) a.movzx(x::eax, host);
        else if (size == 2) a.movzx(x::eax, host);
        else a.mov(x::eax, host);
    }
    a.bind(done);
    const bool last_access = ++accesses_ >= memory_operands();
    if (recompute) {
        // Not when nothing needs them any more: this instruction does not read them or access
        // memory again, and none after it sees them before they are written.
        const bool reads = table_[insn_->mnemonic].flags_read;
        if (!reads && last_access && !(live_after_[k_] & ~kills_[k_] & cpu::EFLAGS_ARITH))
            drop_flags();
        else
            emit_recompute(rc);
    }

    // The out-of-line path runs with CpuState at this instruction (then put back, so the main
    // path's bookkeeping stays true) and the flags stored there first; kept flags go back to
    // the host as they were.
    const int32_t eip_delta = int32_t(off_ - synced_off_), count_delta = int32_t(k_ - synced_count_);
    cold_.push_back([this, slow, done, size, seg, store, eip_delta, count_delta, flags, keep, recompute, rc, k = k_] {
        a.bind(slow);
        fl_ = flags;
        if (recompute) emit_recompute(rc);
        materialize_flags();  // before anything here changes the host's
        if (eip_delta) a.add(x::dword_ptr(CPU, EIP), eip_delta);
        count_by(a, count_delta);
        if (store) a.mov(x::ecx, x::eax);
        a.mov(x::edx, x::esi);
        a.mov(x::esi, seg);
        static const void* const loads[] = {reinterpret_cast<const void*>(&jit_load8),
                                            reinterpret_cast<const void*>(&jit_load16), nullptr,
                                            reinterpret_cast<const void*>(&jit_load32)};
        static const void* const stores[] = {reinterpret_cast<const void*>(&jit_store8),
                                             reinterpret_cast<const void*>(&jit_store16), nullptr,
                                             reinterpret_cast<const void*>(&jit_store32)};
        call_helper(store ? stores[size - 1] : loads[size - 1], false);  // stores the flags
        if (store) {
            // 1: the store faulted (nothing changed). 2: it changed decoded code and requested
            // an exit: the instruction completes and the block stops after it (stop_point).
            a.cmp(x::eax, 1);
            a.je(bail_);
        } else {
            a.bt(x::rax, 32);
            a.jc(bail_);
        }
        arm_stop_point(k);
        if (eip_delta) a.sub(x::dword_ptr(CPU, EIP), eip_delta);
        count_by(a, -count_delta);
        if (keep) {
            a.mov(x::edx, x::eax);
            a.mov(x::eax, x::dword_ptr(CPU, FLAGS_RES));  // the host's flags, as they were
            host_flags_from_lahf();
            a.mov(x::eax, x::edx);
        }
        a.jmp(done);
    });
}

// A read-modify-write of guest memory done in place on host memory: `op` gets the operand and
// emits one host instruction. With `carry_in` the guest's CF must be in the host first: it is
// loaded from CpuState when that holds plain bits, otherwise the slow path runs. The slow path
// (a miss, MMIO, code, a fault, a pending lazy flag op) runs the whole instruction through
// jit_exec and rejoins with the same state the fast path leaves.
bool Translator::read_modify_write(unsigned size, bool carry_in, bool writes_flags,
                                   const std::function<void(const x::Mem&)>& op) {
    if (!effective_address()) return false;
    // Flags the host keeps through the access are there for a carry in, if they hold it.
    const bool carry_in_host = fl_.kind == FlagKind::Exact || fl_.kind == FlagKind::Logic;
    // Flags the op replaces are needed only if the access faults: produced again for it then.
    const bool recompute = fl_.in_host && fl_.dirty && recompute_.form != Recompute::None &&
                           writes_flags && !carry_in;
    const bool keep = !recompute && keeps_flags(size, insn_->seg) && (!carry_in || carry_in_host);
    if (!keep && !recompute) clobber_flags();
    const FlagState flags = fl_;
    const Recompute rc = recompute_;
    asmjit::Label slow = a.newLabel(), done = a.newLabel();
    const x::Mem host = keep ? tlb_lookup_keeping_flags(size, true, slow) : fast_path(size, insn_->seg, true, slow);
    if (carry_in && !keep) {
        // edi is needed for the flags: keep the host address in rdx.
        a.lea(x::rdx, host);
        if (!load_saved_flags(true)) {
            guest_flags_thunk();
            a.mov(x::eax, x::edi);
            host_flags_from_image();
        }
        op(x::ptr(x::rdx, 0, size));
    } else {
        op(host);
    }
    a.bind(done);
    fl_.saved = FlagState::Saved::Unknown;  // the slow path ran the instruction's semantics

    exec_out_of_line(slow, done, flags, recompute ? &rc : nullptr, writes_flags || flags.in_host);
    return true;
}

// The current instruction through jit_exec on an out-of-line path from `slow` (a fault, or a
// case the inline code does not take), rejoining the main path at `done` in its state: CpuState
// at the block's synced position and, with `host_after`, the flags in the host. `entry` says
// where the flags are at `slow`, produced again first by `rc` when given.
void Translator::exec_out_of_line(const asmjit::Label& slow, const asmjit::Label& done,
                                  const FlagState& entry, const Recompute* rc, bool host_after) {
    const int32_t eip_delta = int32_t(off_ - synced_off_), count_delta = int32_t(k_ - synced_count_);
    const uint8_t len = insn_->len;
    const cpu::Insn* insn = insn_;
    const std::optional<Recompute> redo = rc ? std::optional<Recompute>(*rc) : std::nullopt;
    cold_.push_back([this, slow, done, eip_delta, count_delta, len, insn, entry, redo, host_after] {
        a.bind(slow);
        fl_ = entry;
        if (redo) emit_recompute(*redo);
        materialize_flags();
        if (eip_delta) a.add(x::dword_ptr(CPU, EIP), eip_delta);
        count_by(a, count_delta);
        a.mov(x::rsi, reinterpret_cast<uint64_t>(insn));
        call_helper(reinterpret_cast<const void*>(&jit_exec), true);
        a.test(x::eax, x::eax);
        a.jnz(bail_);
        // Back to the main path's view.
        a.sub(x::dword_ptr(CPU, EIP), eip_delta + len);
        count_by(a, -(count_delta + 1));
        if (host_after) {
            flags_to_host();
            fl_.in_host = fl_.dirty = false;
        }
        a.jmp(done);
    });
}

// A jump back to this block's own start whose body needs no flags on entry (live_in_ empty):
// the loop stays in generated code with the flags left in the host. Only the count limit is
// checked; when it is reached, the flags are stored and the dispatcher takes over at the
// block's start.
bool Translator::loop_back(int64_t target) {
    if (target != 0 || live_in_ || semantics_called_ || !e_.exact || b_.page2 != 1) return false;
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
    if (delta) a.add(x::dword_ptr(CPU, EIP), int32_t(delta));
    const unsigned count = k_ + 1;
    count_by(a, int32_t(count - synced_count_));
    a.cmp(COUNT, -int32_t(count));
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
    count_by(a, int32_t(count - synced_count_));
    if (semantics_called_) {
        // An instruction's semantics may have left an interrupt shadow: the dispatcher must see
        // the next boundary.
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
    const FlagState flags = fl_;
    asmjit::Label l = a.newLabel();
    a.j(x::CondCode(cc), l);
    exit_to(not_taken);
    synced_off_ = off, synced_count_ = count, fl_ = flags;
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
    count_by(a, int32_t(k_ + 1 - synced_count_));
    if (semantics_called_) {
        a.cmp(x::byte_ptr(CPU, IRQ_SHADOW), 0);
        a.jne(bail_);
    }
    lookup_and_jump();
    ended_ = true;
}

// Jumps to the translation of the EIP in eax for this variant through the lookup table
// (jit/engine.h, IndirectEntry), CpuState being up to date; a miss goes to the dispatcher.
// The lookup is one shared thunk per variant (Engine::Engine, emit_lookup).
void Translator::lookup_and_jump() { a.jmp(asmjit::imm(e_.lookup_thunks_[variant_])); }

void Translator::emit_lookup(x::Assembler& a, const Engine& e, unsigned variant, const asmjit::Label& miss) {
    a.mov(x::rdi, reinterpret_cast<uint64_t>(&e.indirect[0]));
    a.mov(x::ecx, x::eax);
    a.shr(x::ecx, Engine::INDIRECT_BITS);
    a.xor_(x::ecx, x::eax);
    a.and_(x::ecx, (1u << Engine::INDIRECT_BITS) - 1);
    a.shl(x::ecx, 5);
    a.mov(x::rdx, uint64_t(variant) << 32);
    a.or_(x::rdx, x::rax);
    a.cmp(x::rdx, x::qword_ptr(x::rdi, x::rcx, 0, int32_t(offsetof(IndirectEntry, key))));
    a.jne(miss);
    a.mov(x::rdx, reinterpret_cast<uint64_t>(&e.removals_));
    a.mov(x::rdx, x::qword_ptr(x::rdx));
    a.cmp(x::rdx, x::qword_ptr(x::rdi, x::rcx, 0, int32_t(offsetof(IndirectEntry, removals))));
    a.jne(miss);
    // The code TLB entry of EIP's page: valid for it, and mapping it where it did.
    TlbProbe probe(a, e.tlb_offset[variant & 1], x::edx, x::eax);
    probe.hit(x::eax, 1, cpu::ACC_EXEC, miss);
    a.mov(x::eax, probe.frame());
    a.cmp(x::eax, x::dword_ptr(x::rdi, x::rcx, 0, int32_t(offsetof(IndirectEntry, frame))));
    a.jne(miss);
    a.jmp(x::qword_ptr(x::rdi, x::rcx, 0, int32_t(offsetof(IndirectEntry, code))));
}

// ---- the block -------------------------------------------------------------------------------

namespace {

struct FlagUse {
    uint32_t reads = 0;
    uint32_t kills = 0;                      // surely written
    uint32_t may_write = cpu::EFLAGS_ARITH;  // possibly written
    bool observes = true;  // may fault or leave: every flag is live before it
};

// An instruction the decoder bound to a handler of its own (not the #UD or #GP one).
bool bound(const cpu::Insn& i) { return i.fn != cpu::handler_ud && i.fn != cpu::handler_gp0; }

// What the instruction table says of the instruction's flags, and whether its operands make it
// possibly fault (memory, or registers other than the general ones).
FlagUse flag_use(const cpu::InsnInfo& info, const cpu::Insn& i) {
    FlagUse u;
    if (!bound(i) || info.may_fault || !(i.flags & cpu::IF_GPR_ONLY)) return u;
    u.reads = info.flags_read;
    u.kills = info.flags_killed;
    // A shift or rotate writes flags only when its masked count is not 0: by CL, maybe not.
    switch (i.mnemonic) {
    case ZYDIS_MNEMONIC_SHL: case ZYDIS_MNEMONIC_SHR: case ZYDIS_MNEMONIC_SAR:
    case ZYDIS_MNEMONIC_ROL: case ZYDIS_MNEMONIC_ROR:
        if (!(i.flags & cpu::IF_IMM) || !(i.imm & 31)) u.kills = 0;
        break;
    default: break;
    }
    // A memory operand may fault, so it observes; what it surely writes is still known.
    if ((i.flags & cpu::IF_MEM) && !info.agen) return u;
    u.observes = false;
    u.may_write = info.flags_written;
    return u;
}

}  // namespace

// live_after_[k]: the arithmetic flags that something after instruction k may still see (read,
// or show in an exception frame or to the next block) before they are written again. Flags an
// instruction writes outside that set need not be computed or stored.
void Translator::find_dead_flags() {
    const unsigned count = unsigned(b_.insns.size());
    live_after_.assign(count, 0);
    written_.assign(count, 0);
    kills_.assign(count, 0);
    uint32_t live = cpu::EFLAGS_ARITH;  // the block's exit
    for (unsigned k = count; k-- > 0;) {
        const cpu::Insn& i = b_.insns[k];
        const FlagUse use = flag_use(table_[i.mnemonic], i);
        live_after_[k] = live;
        written_[k] = use.may_write;
        kills_[k] = use.kills;
        live = use.observes ? cpu::EFLAGS_ARITH : (live & ~use.kills) | use.reads;
    }
    live_in_ = live;
}

// On a slow path of instruction k, after its helper returned: when that asked for an exit, the
// instruction's stop point becomes a jump to its stub. Clobbers rcx, rdx, rsi and the host's
// flags (the slow path has stored the guest's).
void Translator::arm_stop_point(unsigned k) {
    const StopPoint& sp = stops_[k];
    if (!sp.placed) return;
    asmjit::Label go_on = a.newLabel();
    a.cmp(x::byte_ptr(CPU, EXIT_REQUEST), 0);
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

void Translator::emit_instruction(unsigned k) {
    k_ = k;
    insn_ = &b_.insns[k];
    may_request_exit_ = false;
    accesses_ = 0;
    read_operands();
    const bool ok = bound(*insn_);
    const uint8_t written = ok ? written_gprs() : 0xFF;
    const cpu::Emitter em = ok ? table_[insn_->mnemonic].emit : nullptr;
    if (!em || !em(*this)) fallback();
    if (recompute_k_ != k && (written & recompute_regs_)) recompute_ = {};
    if (may_request_exit_ && !ended_) stop_point();
    off_ += insn_->len;
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
                     next_off = off_ + insn_->len, next = k_ + 1] {
        a.bind(stub);
        // The NOP back (the host's flags, which may hold the guest's, untouched), for the next run.
        a.lea(x::rcx, x::ptr(nop));
        a.mov(x::rdx, e_.buf_.writable_offset());
        a.mov(x::dword_ptr(x::rcx, x::rdx), 0x00441F0F);
        a.mov(x::byte_ptr(x::rcx, x::rdx, 0, 4), 0x00);
        fl_ = flags;
        materialize_flags();
        synced_off_ = off, synced_count_ = count, off_ = next_off, k_ = next;
        sync_position();
        exit_plain();
    });
}

uint8_t* Translator::translate() {
    bail_ = a.newLabel();
    // Entry: the block runs only when all of it fits before the count limit (a chained jump
    // lands here with CpuState at this block's start).
    const unsigned count = unsigned(b_.insns.size());
    if (e_.exact) {
        a.cmp(COUNT, -int32_t(count));
        a.jg(bail_);
    }
    if (b_.page2 != 1) {
        // The last instruction straddles into the next page: its bytes hold while the code TLB
        // entry of that page maps the physical page they came from (else the dispatcher decodes
        // the block again: Interpreter::block_at_eip).
        TlbProbe probe(a, e_.tlb_offset[user()], x::edx, x::eax);
        a.mov(x::eax, x::dword_ptr(CPU, EIP));
        a.and_(x::eax, int32_t(memory::PAGE_MASK));
        a.add(x::eax, int32_t(memory::PAGE_SIZE));
        probe.hit(x::eax, 1, cpu::ACC_EXEC, bail_);
        a.cmp(probe.frame(), b_.page2 >> 12);
        a.jne(bail_);
    }
    // A requested exit is not checked here: every helper that can raise one either stops the
    // block or lowers icount_limit (helpers.cpp), which the check above sees.
    stops_.resize(count);
    for (StopPoint& sp : stops_) sp = {a.newLabel(), a.newLabel(), false};
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
    e_.bytes_emitted += size;
    e_.insns_translated += count;
    for (const Site& s : sites_) {
        s.site->jump = rx + s.offset;
        s.site->unlinked = rx + s.offset + 5;
    }
    return rx;
}

}  // namespace jitpc::jit
