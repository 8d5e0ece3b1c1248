// The translator's flag state machine (Translator::FlagState): where the guest's arithmetic
// flags are at each point of the emitted code (the host's EFLAGS, CpuState, or both), how they
// move between the two, and how an ALU op's flags are produced again after a memory access.
#include "jit/translator.h"

#include "jit/engine.h"

namespace jitpc::jit {

namespace x = asmjit::x86;
using namespace state;

// Stores the host's flags in LAHF/SETO form (cpu::flags_from_lahf). Uses ecx only, so values
// emitters hold in eax/edx/esi/edi survive it (all of rax in 64-bit code); without `keep_eax`
// (eax is dead: a block exit, a load about to fill it) it uses eax alone. The form is written
// only when CpuState does not already say it.
void Translator::materialize_flags(bool keep_eax) {
    if (!fl_.in_host || !fl_.dirty) return;
    const x::Gp keep = long64() ? x::Gp(x::rcx) : x::Gp(x::ecx);
    if (keep_eax) a.mov(keep, x::rax.cloneAs(keep));
    a.lahf();
    a.seto(x::al);
    a.mov(x::word_ptr(CPU_REG, FLAGS_RES), x::ax);
    if (keep_eax) a.mov(x::rax.cloneAs(keep), keep);
    if (fl_.saved != FlagState::Saved::Host || fl_.saved_kind != fl_.kind)
        a.mov(x::word_ptr(CPU_REG, FLAGS_OP), uint32_t(cpu::FlagOp::Host) | uint32_t(fl_.kind) << 8);
    fl_.dirty = false;
    fl_.saved = FlagState::Saved::Host;
    fl_.saved_kind = fl_.kind;
}

// CpuState's arithmetic flags = edi (nothing else set in it); clobbers ecx.
void Translator::store_flags_from_edi() {
    a.mov(x::ecx, x::dword_ptr(CPU_REG, FLAGS_BITS));
    a.and_(x::ecx, ~cpu::EFLAGS_ARITH);
    a.or_(x::ecx, x::edi);
    a.mov(x::dword_ptr(CPU_REG, FLAGS_BITS), x::ecx);
    a.mov(x::byte_ptr(CPU_REG, FLAGS_OP), uint32_t(cpu::FlagOp::None));
    fl_.saved = FlagState::Saved::Plain;
}

void Translator::capture_flags(bool with_of) {
    if (with_of) {
        a.pushfq();
        a.pop(x::rdi);
        return;
    }
    a.xchg(x::rax, x::rdi);  // LAHF writes AH only: rax's value waits in rdi meanwhile
    a.lahf();
    a.xchg(x::rax, x::rdi);
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
    a.movzx(x::edi, x::byte_ptr(CPU_REG, FLAGS_RES + 1));
    a.and_(x::edi, mask & ~cpu::EFLAGS_OF);
    if (!(mask & cpu::EFLAGS_OF)) return;
    a.movzx(x::ecx, x::byte_ptr(CPU_REG, FLAGS_RES));
    a.shl(x::ecx, 11);
    a.or_(x::edi, x::ecx);
}

// Plain bits, or host flags of an Exact, Logic or IncDec op (normalised here).
void guest_flags_to_edi(x::Assembler& a, const asmjit::Label& lazy) {
    asmjit::Label exact = a.newLabel(), logic = a.newLabel(), incdec = a.newLabel(),
                  loaded = a.newLabel();
    a.movzx(x::edi, x::word_ptr(CPU_REG, FLAGS_OP));
    a.cmp(x::edi, uint32_t(cpu::FlagOp::Host) | uint32_t(FlagKind::Exact) << 8);
    a.je(exact);
    a.cmp(x::edi, uint32_t(cpu::FlagOp::Host) | uint32_t(FlagKind::Logic) << 8);
    a.je(logic);
    a.cmp(x::edi, uint32_t(cpu::FlagOp::Host) | uint32_t(FlagKind::IncDec) << 8);
    a.je(incdec);
    a.cmp(x::dil, uint32_t(cpu::FlagOp::None));
    a.jne(lazy);
    a.mov(x::edi, x::dword_ptr(CPU_REG, FLAGS_BITS));
    a.and_(x::edi, cpu::EFLAGS_ARITH);
    a.jmp(loaded);
    a.bind(logic);  // AND/OR/XOR/TEST: AF = 0
    stored_host_flags_to_edi(a, cpu::EFLAGS_ARITH & ~cpu::EFLAGS_AF);
    a.jmp(loaded);
    a.bind(incdec);  // INC/DEC: CF from `bits`
    stored_host_flags_to_edi(a, cpu::EFLAGS_ARITH & ~cpu::EFLAGS_CF);
    a.mov(x::ecx, x::dword_ptr(CPU_REG, FLAGS_BITS));
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
    // An interpreter's lazy form, or a stored one it does not decode inline, is plain bits
    // now (Flags::get): what materialize_flags must not take as still there.
    fl_.saved = FlagState::Saved::Unknown;
}

// For flags in CpuState in a form not known at translation time (block entry, after a path
// that ran the interpreter): `exact` reads them inline when the form is the one generated code
// stores when a block leaves with an exact op's flags (FlagOp::Host, FlagKind::Exact);
// otherwise an out-of-line path calls the flags' thunk and `thunked` reads its edi. Both end
// at the same point with the same registers clobbered (eax, ecx, edi at most).
void Translator::unknown_flags(const std::function<void()>& exact, const std::function<void()>& thunked) {
    clobber_flags();
    asmjit::Label other = a.newLabel(), done = a.newLabel();
    a.cmp(x::word_ptr(CPU_REG, FLAGS_OP), uint32_t(cpu::FlagOp::Host) | uint32_t(FlagKind::Exact) << 8);
    a.jne(other);
    exact();
    a.bind(done);
    cold_.push_back([this, other, done, thunked] {
        a.bind(other);
        a.call(asmjit::imm(e_.flags_thunk_));
        thunked();
        a.jmp(done);
    });
    fl_.saved = FlagState::Saved::Unknown;  // the thunk may have left plain bits
}

void Translator::clobber_flags() {
    materialize_flags();
    fl_.in_host = false;
}

// Before an inline INC/DEC, whose host CF is not the guest's: the guest's CF goes to
// CpuState::flags.bits, where FlagKind::IncDec finds it. Flags in the host are stored first.
void Translator::keep_carry() {
    if (!(live_.live_after[k_] & cpu::EFLAGS_CF)) {
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
        if (fl_.saved == Saved::Host)
            stored_host_flags_to_edi(a, cpu::EFLAGS_CF);
        else
            unknown_flags([&] { stored_host_flags_to_edi(a, cpu::EFLAGS_CF); },
                          [this] { a.and_(x::edi, cpu::EFLAGS_CF); });
        a.and_(x::dword_ptr(CPU_REG, FLAGS_BITS), ~cpu::EFLAGS_CF);
        a.or_(x::dword_ptr(CPU_REG, FLAGS_BITS), x::edi);
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

// The same from the LAHF/SETO form materialize_flags() stored in CpuState. The load is as wide
// as that store: a wider one cannot take its value from the store buffer, and waits for the
// store to complete (a dozen cycles or more on the hosts measured) every time a block needs the
// flags its predecessor stored.
void Translator::host_flags_from_stored_lahf() {
    a.movzx(x::eax, x::word_ptr(CPU_REG, FLAGS_RES));
    host_flags_from_lahf();
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
        host_flags_from_stored_lahf();
        return k;
    }
    if (fl_.saved != Saved::Plain) return std::nullopt;
    a.mov(x::eax, x::dword_ptr(CPU_REG, FLAGS_BITS));
    host_flags_from_image();
    return FlagKind::Exact;
}

bool Translator::flags_in_host(bool needs_carry) const {
    const bool condition_exact = fl_.kind == FlagKind::Exact || fl_.kind == FlagKind::Logic ||
                                 (fl_.kind == FlagKind::IncDec && !needs_carry);
    return fl_.in_host && condition_exact;
}

void Translator::flags_to_host_keeping_rax(bool needs_carry) {
    if (flags_in_host(needs_carry)) return;
    a.push(x::rax);
    a.push(x::rax);
    flags_to_host(needs_carry);
    a.pop(x::rax);
    a.pop(x::rax);
}

void Translator::flags_to_host(bool needs_carry) {
    if (flags_in_host(needs_carry)) return;
    // Otherwise through CpuState: normalised there, or evaluated by the interpreter.
    clobber_flags();
    fl_.kind = stored_flags_to_host(needs_carry);
    fl_.in_host = true;
    fl_.dirty = false;
}

FlagKind Translator::stored_flags_to_host(bool needs_carry) {
    if (auto kind = load_saved_flags(needs_carry)) return *kind;
    const auto from_image = [this] {
        a.mov(x::eax, x::edi);
        host_flags_from_image();  // only its arithmetic bits load
    };
    if (fl_.saved == FlagState::Saved::Unknown) {
        unknown_flags([&] { host_flags_from_stored_lahf(); }, from_image);
    } else {
        guest_flags_thunk();
        from_image();
    }
    return FlagKind::Exact;
}

void Translator::flags_produced(FlagKind kind) {
    // Dead flags are left in the host unstored: nothing reads them before they are replaced.
    // Flags an earlier instruction left unstored in the host and this one passes through
    // (CF across INC) keep them to be stored when live.
    const bool passed_through = fl_.in_host && fl_.dirty &&
                                (live_.live_after[k_] & ~live_.kills[k_] & cpu::EFLAGS_ARITH);
    fl_.in_host = true;
    fl_.dirty = !flags_dead() || passed_through;
    fl_.kind = kind;
    recompute_ = {};
}

void Translator::flags_recomputable(const Recompute& r) {
    // Not while a binding holds: guest_of() knows only the pinned assignment.
    if (ra_.binding().count) return;
    // The guest registers it reads, by index: a Logic, INC, DEC or NEG result is tested on its
    // own, so only CMP, TEST, ADD and SUB read their source (an immediate one: none).
    const std::optional<unsigned> dst = RegAlloc::guest_of(r.dst);
    const bool reads_src = r.form == Recompute::Cmp || r.form == Recompute::Test ||
                           r.form == Recompute::Add || r.form == Recompute::Sub;
    const bool src_reg = reads_src && r.src.isReg();
    const unsigned src = src_reg ? RegAlloc::guest_of(r.src.as<x::Gp>()).value_or(~0u) : ~0u;
    if (!dst || (src_reg && src == ~0u)) return;
    // An ADD or SUB of a register to itself leaves neither operand to recompute from; INC and
    // DEC keep a CF that must not be in the host (keep_carry), or nothing may read it.
    if ((r.form == Recompute::Add || r.form == Recompute::Sub) && src_reg && src == *dst)
        return;
    if ((r.form == Recompute::Inc || r.form == Recompute::Dec) && fl_.kind != FlagKind::IncDec &&
        (live_.live_after[k_] & cpu::EFLAGS_CF))
        return;
    recompute_ = r;
    recompute_regs_ = uint16_t(1u << *dst | (src_reg ? 1u << src : 0u));
    recompute_k_ = k_;
}

// The host's flags again from recompute_'s registers; uses ecx only.
void Translator::emit_recompute(const Recompute& r) {
    const x::Gp c = x::ecx.cloneAs(r.dst);
    const x::Gp d64 = r.dst.r64();
    // What rcx is written as: 32 bits (which zero-extend) unless the op is of 64.
    const x::Gp w = r.dst.size() == 8 ? x::Gp(x::rcx) : x::Gp(x::ecx);
    switch (r.form) {
    case Recompute::Cmp: a.emit(x::Inst::kIdCmp, r.dst, r.src); break;
    case Recompute::Test: a.emit(x::Inst::kIdTest, r.dst, r.src); break;
    case Recompute::Logic: a.test(r.dst, r.dst); break;
    case Recompute::Add:  // dst = a + b: a = dst - b
        a.mov(w, r.dst.cloneAs(w));
        a.emit(x::Inst::kIdSub, c, r.src);
        a.emit(x::Inst::kIdAdd, c, r.src);
        break;
    case Recompute::Sub:  // dst = a - b: a = dst + b
        if (r.src.isImm())
            a.lea(w, x::ptr(d64, int32_t(r.src.as<asmjit::Imm>().value())));
        else
            a.lea(w, x::ptr(d64, r.src.as<x::Gp>().r64()));
        a.emit(x::Inst::kIdCmp, c, r.src);
        break;
    case Recompute::Inc:
        a.lea(w, x::ptr(d64, -1));
        a.inc(c);
        break;
    case Recompute::Dec:
        a.lea(w, x::ptr(d64, 1));
        a.dec(c);
        break;
    case Recompute::Neg:  // dst = -a
        a.mov(w, r.dst.cloneAs(w));
        a.neg(c);
        a.neg(c);
        break;
    case Recompute::None: break;
    }
}

void Translator::drop_flags() {
    fl_.in_host = false;
    fl_.dirty = false;
}

}  // namespace jitpc::jit
