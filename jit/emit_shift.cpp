// Shifts and rotates (cpu/ops/shift.cpp) of a register by a constant or by CL, with the flags of
// docs/undefined.md. The host computes the result, CF, SF, ZF and PF of a shift exactly when
// the masked count is below the operand width; what it leaves undefined is recovered here:
// - AF (shifts) is 0 for the guest: a FlagKind normalises it.
// - OF for a count of 1 is defined on the host and equals the table's value for every op.
// - OF for other counts: SHL's (SF XOR CF) and SAR's (0) follow from the host's flags, so they
//   are left to FlagKind::ShiftLeft / Sar; SHR's (MSB of the original) is put into the host's
//   EFLAGS here (shr_keeping_msb). Rotates: see rotate().
// - Shifts by CL and by constants >= the width (where the host's CF is undefined for 8/16
//   bits) work on a 32-bit copy (64-bit for a 64-bit operand) instead (shift_copy).
// The count is masked to 5 bits, 6 for a 64-bit operand, as the host masks its own; a masked
// count of 0 changes nothing. Memory destinations are done in place for a count of 1
// and left to the interpreter otherwise. SHLD/SHRD: see double_shift().
#include "cpu/flags.h"
#include "cpu/state.h"
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

enum class Shift { Shl, Shr, Sar };

constexpr x::Inst::Id shift_inst(Shift s) {
    return s == Shift::Shl ? x::Inst::kIdShl : s == Shift::Shr ? x::Inst::kIdShr : x::Inst::kIdSar;
}

const x::Gp ECX = RegAlloc::fixed(cpu::ECX);

constexpr uint32_t SHIFT_KEEP = cpu::EFLAGS_ARITH & ~(cpu::EFLAGS_AF | cpu::EFLAGS_OF);

unsigned count_mask(unsigned size) { return size == 8 ? 63 : 31; }

// rax = the destination's value with its MSB at bit 63, zeros below its LSB.
void msb_to_bit63(Translator& t, const x::Gp& dst) {
    if (dst.size() == 8) return void(t.a.mov(x::rax, dst));
    if (dst.size() == 4)
        t.a.mov(x::eax, dst);
    else
        t.a.movzx(x::eax, dst);
    t.a.shl(x::rax, 64 - dst.size() * 8);
}

// The shift done on a copy in eax, rax for 64 bits (SHL: the value in the top bits, SHR:
// zero-extended, SAR: sign-extended) and the flags stored at once. For every count below the
// copy's width the host's CF, SF and ZF are then the table's (bits beyond the value shift out
// as zeros or copies of the sign), and so is PF except after SHL of 8/16 bits (the copy's low
// byte is zero): recomputed here.
template <Shift S> void shift_copy(Translator& t, const x::Gp& dst, const asmjit::Operand& count) {
    auto& a = t.a;
    const unsigned width = dst.size() * 8;
    const x::Gp copy = width == 64 ? x::Gp(x::rax) : x::Gp(x::eax);
    if (width >= 32)
        a.mov(copy, dst);
    else if (S == Shift::Sar)
        a.movsx(x::eax, dst);
    else
        a.movzx(x::eax, dst);
    if (S == Shift::Shl && width < 32) a.shl(x::eax, 32 - width);
    if (S == Shift::Shr) a.mov(x::rdx, x::rax);  // OF = its MSB
    a.emit(shift_inst(S), copy, count);
    if (t.flags_dead()) {
        if (S == Shift::Shl && width < 32) a.shr(x::eax, 32 - width);
        a.mov(dst, copy.cloneAs(dst));
        return t.drop_flags();
    }
    t.capture_flags(false);  // OF is computed
    if (S == Shift::Shl && width < 32) a.shr(x::eax, 32 - width);
    a.mov(dst, copy.cloneAs(dst));
    uint32_t keep = SHIFT_KEEP;
    switch (S) {
    case Shift::Shl:  // OF = SF XOR CF
        a.mov(x::ecx, x::edi);
        a.shr(x::ecx, 7);
        a.xor_(x::ecx, x::edi);
        a.and_(x::ecx, 1);
        a.shl(x::ecx, 11);
        if (width < 32) {
            keep &= ~cpu::EFLAGS_PF;
            a.test(x::al, x::al);
            a.setp(x::dl);
            a.movzx(x::edx, x::dl);
            a.shl(x::edx, 2);
            a.or_(x::ecx, x::edx);
        }
        break;
    case Shift::Shr:  // OF = MSB(original)
        a.shr(x::rdx, width - 1);
        a.shl(x::edx, 11);
        a.mov(x::ecx, x::edx);
        break;
    case Shift::Sar: a.xor_(x::ecx, x::ecx); break;
    }
    t.flags_captured(keep, x::ecx);
}

// SHR by 2..width-1 with its flags seen: the host's, with OF set to the original's MSB in the
// host's EFLAGS: SAHF puts back the shift's SF, ZF, PF and CF over an ADD that left OF = MSB.
void shr_keeping_msb(Translator& t, const x::Gp& dst, unsigned n) {
    auto& a = t.a;
    if (dst.size() >= 4)
        a.mov(x::rdx.cloneAs(dst), dst);
    else
        a.movzx(x::edx, dst);
    a.shr(dst, n);
    a.lahf();
    a.shr(x::rdx.cloneAs(dst.size() == 8 ? dst : x::edx), dst.size() * 8 - 1);
    a.add(x::dl, 0x7F);  // OF = (dl == 1)
    a.sahf();
    t.flags_produced(FlagKind::Logic);
}

// In 64-bit code a 32-bit register is written even by a masked count of 0, its upper half
// cleared (cpu/ops/shift.cpp): done first when the count is CL or a constant that masks to 0
// (MOV keeps the flags); the host's own 32-bit ops clear it for any other count.
void clear_upper_half(Translator& t, const x::Gp& dst, bool by_cl, unsigned n) {
    if (t.long64() && dst.size() == 4 && (by_cl || n == 0)) t.a.mov(dst, dst);
}

template <Shift S> bool shift(Translator& t) {
    const auto& d = t.op(0);
    const auto& c = t.op(1);
    using K = Translator::Kind;
    if (d.kind == K::Mem) {
        // By 1, in place: the host's flags are then the table's, AF aside (FlagKind::Logic).
        if (c.kind != K::Imm || (t.insn().imm & count_mask(t.insn().osize)) != 1 ||
            !t.read_modify_write(t.insn().osize, false, true, [&](const x::Mem& m) { t.a.emit(shift_inst(S), m, 1); }))
            return false;
        t.flags_produced(FlagKind::Logic);
        return true;
    }
    auto dst = t.reg(d);
    if (!dst || (c.kind != K::Imm && (c.kind != K::Reg || c.reg != cpu::ECX))) return false;
    const unsigned width = dst->size() * 8;
    auto& a = t.a;
    if (c.kind == K::Imm) {
        const unsigned n = t.insn().imm & count_mask(dst->size());
        clear_upper_half(t, *dst, false, n);
        if (n == 0) return true;  // no effect on the value or on any flag
        if (n >= width) {
            shift_copy<S>(t, *dst, asmjit::imm(n));  // replaces every arithmetic flag
            return true;
        }
        if (S == Shift::Shr && n > 1 && !t.flags_dead()) {
            shr_keeping_msb(t, *dst, n);
            return true;
        }
        a.emit(shift_inst(S), *dst, n);
        t.flags_produced(n == 1 ? FlagKind::Logic : S == Shift::Sar ? FlagKind::Sar : FlagKind::ShiftLeft);
        return true;
    }
    // By CL: the count is known only at run time: the flags go to CpuState first, where a masked count
    // of 0 leaves them, and a nonzero count replaces them all.
    clear_upper_half(t, *dst, true, 0);
    t.clobber_flags();
    asmjit::Label done = a.newLabel();
    a.mov(x::ecx, ECX);
    a.and_(x::ecx, count_mask(dst->size()));
    a.jz(done);
    shift_copy<S>(t, *dst, x::cl);
    a.bind(done);
    t.flags_paths_joined();
    return true;
}

// ROL/ROR by a constant of 2 or more that is no multiple of an 8/16-bit width: the host's CF
// is the table's and only its OF is undefined. OF (ROL: MSB XOR LSB of the result; ROR: the
// XOR of its top two bits) is put into the host's EFLAGS as shr_keeping_msb does, so the flags
// stay in the host, unstored (SHA-256's rotates, whose flags only a later access's fault sees).
void rotate_setting_of(Translator& t, bool left, const x::Gp& dst, unsigned n) {
    auto& a = t.a;
    const unsigned width = dst.size() * 8;
    a.emit(left ? x::Inst::kIdRol : x::Inst::kIdRor, dst, n);
    a.lahf();
    const x::Gp d = dst.size() == 8 ? x::Gp(x::rdx) : x::Gp(x::edx);
    if (dst.size() >= 4)
        a.mov(d, dst);
    else
        a.movzx(x::edx, dst);
    if (left) {
        a.shr(d, width - 1);
        a.xor_(x::dl, dst.r8());
        a.and_(x::dl, 1);
    } else {
        a.shr(d, width - 2);  // the top two bits, in bits 1-0
        a.test(x::dl, x::dl);
        a.setnp(x::dl);  // odd parity: they differ
    }
    a.add(x::dl, 0x7F);  // OF = (dl == 1)
    a.sahf();
}

// ROL and ROR change only CF and OF: unless nothing sees those, the other flags must be the
// guest's in the host first. A count of 1 leaves the host's CF and OF defined as the table's;
// other constants: rotate_setting_of; by CL, or a multiple of an 8/16-bit width (where the
// host's CF is undefined too), both are computed from the result and the flags stored at once.
template <bool Left> bool rotate(Translator& t) {
    const auto& d = t.op(0);
    const auto& c = t.op(1);
    if (d.kind != Translator::Kind::Reg) return false;
    auto dst = t.reg(d);
    if (!dst) return false;
    const bool by_cl = c.kind == Translator::Kind::Reg && c.reg == cpu::ECX;
    if (!by_cl && c.kind != Translator::Kind::Imm) return false;
    const unsigned n = by_cl ? 0 : t.insn().imm & count_mask(dst->size());
    clear_upper_half(t, *dst, by_cl, n);
    if (!by_cl && n == 0) return true;  // no effect on the value or on any flag
    const x::Inst::Id op = Left ? x::Inst::kIdRol : x::Inst::kIdRor;
    const unsigned width = dst->size() * 8;
    auto& a = t.a;
    if (t.flags_dead()) {
        // Nothing sees CF or OF before they are written again, and the host's rotate keeps the
        // other flags wherever they are.
        if (by_cl) a.mov(x::ecx, ECX);
        a.emit(op, *dst, by_cl ? asmjit::Operand(x::cl) : asmjit::Operand(asmjit::imm(n)));
        return true;
    }
    t.flags_to_host();
    const FlagKind before = t.flags_kind();  // what AF, which the rotate keeps, needs
    if (n == 1 || (n && (width >= 32 || n % width))) {
        if (n == 1)
            a.emit(op, *dst, 1);
        else
            rotate_setting_of(t, Left, *dst, n);
        t.flags_produced(before);
        return true;
    }
    t.capture_flags(true);  // a masked count of 0 keeps OF
    asmjit::Label done = a.newLabel();
    a.xor_(x::eax, x::eax);  // a masked CL count of 0 changes no flag
    if (by_cl) {
        a.mov(x::ecx, ECX);
        a.and_(x::ecx, count_mask(dst->size()));
        a.jz(done);
        a.emit(op, *dst, x::cl);
    } else {
        a.emit(op, *dst, n);
    }
    // ROL: CF = LSB, OF = MSB XOR LSB; ROR: CF = MSB, OF = bit w-1 XOR bit w-2 (of the result).
    msb_to_bit63(t, *dst);
    a.mov(x::rdx, x::rax);
    a.shl(x::rdx, Left ? width - 1 : 1);
    a.mov(x::rcx, Left ? x::rdx : x::rax);
    a.shr(x::rcx, 63);
    a.xor_(x::rax, x::rdx);
    a.shr(x::rax, 63);
    a.shl(x::eax, 11);
    a.or_(x::eax, x::ecx);
    a.and_(x::edi, ~(cpu::EFLAGS_CF | cpu::EFLAGS_OF));
    a.bind(done);
    uint32_t keep = cpu::EFLAGS_ARITH;
    if (before != FlagKind::Exact) keep &= ~cpu::EFLAGS_AF;
    t.flags_captured(keep, x::eax);
    return true;
}

// SHLD/SHRD r16/r32/r64, r, imm8/CL: the host's, which gives the table's result, CF, SF, ZF
// and PF for every masked count below the width (all of them for 32 and 64 bits; 16-bit
// counts of 16..31, whose results the table takes from a 32-bit pattern, are the
// interpreter's); OF, undefined on the host but for a count of 1, is MSB(result) XOR
// MSB(original) for every count, and AF is 0 (SHIFT_KEEP). Memory destinations are the
// interpreter's.
template <bool Left> bool double_shift(Translator& t) {
    using K = Translator::Kind;
    const auto& c = t.op(2);
    const auto dst = t.op(0).kind == K::Reg ? t.reg(t.op(0)) : std::nullopt;
    const auto src = t.reg(t.op(1));
    const bool by_cl = c.kind != K::Imm;  // CL is no operand of the Insn (no r2)
    if (!dst || !src) return false;
    const unsigned width = dst->size() * 8;
    const unsigned n = by_cl ? 0 : t.insn().imm & count_mask(dst->size());
    if (n >= width) return false;
    clear_upper_half(t, *dst, by_cl, n);
    if (!by_cl && n == 0) return true;  // no effect on the value or on any flag
    const x::Inst::Id op = Left ? x::Inst::kIdShld : x::Inst::kIdShrd;
    auto& a = t.a;
    if (n == 1) {
        a.emit(op, *dst, *src, 1);
        t.flags_produced(FlagKind::Logic);  // AF aside, the host's are the table's
        return true;
    }
    asmjit::Label done = a.newLabel(), slow = a.newLabel();
    if (by_cl) {
        t.clobber_flags();  // a masked count of 0 leaves them in CpuState
        a.mov(x::ecx, ECX);
        a.and_(x::ecx, count_mask(dst->size()));
        a.jz(done);
        if (width == 16) {
            a.cmp(x::ecx, 15);
            a.ja(slow);
        }
    }
    // A 16-bit original is zero-extended: the OF computation below shifts all of EDX into place.
    const x::Gp original = x::rdx.cloneAs(*dst);
    if (width == 16)
        a.movzx(x::edx, *dst);
    else
        a.mov(original, *dst);
    a.emit(op, *dst, *src, by_cl ? asmjit::Operand(x::cl) : asmjit::Operand(asmjit::imm(n)));
    if (t.flags_dead()) {
        t.drop_flags();
    } else {
        t.capture_flags(false);
        a.xor_(original, *dst);
        a.shr(original, width - 1);
        a.shl(x::edx, 11);
        t.flags_captured(SHIFT_KEEP, x::edx);
    }
    a.bind(done);
    t.flags_paths_joined();
    if (by_cl && width == 16) t.exec_out_of_line(slow, done);
    return true;
}

}  // namespace

void register_shift_emitters(GroupEmitters e) {
    e[ZYDIS_MNEMONIC_SHLD] = double_shift<true>;
    e[ZYDIS_MNEMONIC_SHRD] = double_shift<false>;
    e[ZYDIS_MNEMONIC_SHL] = shift<Shift::Shl>;
    e[ZYDIS_MNEMONIC_SHR] = shift<Shift::Shr>;
    e[ZYDIS_MNEMONIC_SAR] = shift<Shift::Sar>;
    e[ZYDIS_MNEMONIC_ROL] = rotate<true>;
    e[ZYDIS_MNEMONIC_ROR] = rotate<false>;
}

}  // namespace jitpc::jit
