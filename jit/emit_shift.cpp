// Shifts and rotates of a register by a constant or (32-bit shifts) by CL, with the flags of
// docs/undefined.md. The host computes the result, CF, SF, ZF and PF exactly whenever the
// masked count is below the operand width; what it leaves undefined is recovered here:
// - AF (shifts) is 0 for the guest: a FlagKind normalises it.
// - OF for a count of 1 is defined on the host and equals the table's value for every op.
// - OF for other counts: SHL's (SF XOR CF) and SAR's (0) follow from the host's flags, so they
//   are left to FlagKind::ShiftLeft / Sar; SHR's (MSB of the original) and the rotates' (bits
//   of the result) are computed here and the flags stored at once (capture_flags).
// Forms left to the interpreter: memory destinations, constant counts >= the width (the host's
// CF is undefined there), CL counts of 8/16-bit shifts (same reason) and rotates by CL.
#include "cpu/flags.h"
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

enum class Shift { Shl, Shr, Sar };

constexpr x::Inst::Id shift_inst(Shift s) {
    return s == Shift::Shl ? x::Inst::kIdShl : s == Shift::Shr ? x::Inst::kIdShr : x::Inst::kIdSar;
}

constexpr uint32_t SHIFT_KEEP = cpu::EFLAGS_ARITH & ~(cpu::EFLAGS_AF | cpu::EFLAGS_OF);

// eax = the OF bit (EFLAGS position) of a shift whose host flags are in edi and whose original
// value's MSB is bit 31 of eax (SHR).
void shift_of_to_eax(Translator& t, Shift s) {
    auto& a = t.a;
    switch (s) {
    case Shift::Shl:  // SF XOR CF
        a.mov(x::eax, x::edi);
        a.shr(x::eax, 7);
        a.xor_(x::eax, x::edi);
        a.and_(x::eax, 1);
        a.shl(x::eax, 11);
        break;
    case Shift::Shr:  // MSB(original)
        a.shr(x::eax, 31);
        a.shl(x::eax, 11);
        break;
    case Shift::Sar: a.xor_(x::eax, x::eax); break;
    }
}

// eax = the destination's value with its MSB at bit 31.
void msb_to_bit31(Translator& t, const x::Gp& dst) {
    if (dst.size() == 4)
        t.a.mov(x::eax, dst);
    else {
        t.a.movzx(x::eax, dst);
        t.a.shl(x::eax, 32 - dst.size() * 8);
    }
}

template <Shift S> bool shift(Translator& t) {
    const auto& d = t.op(0);
    const auto& c = t.op(1);
    if (d.type != ZYDIS_OPERAND_TYPE_REGISTER) return false;
    auto dst = Translator::guest_reg(d.reg.value);
    if (!dst) return false;
    const unsigned width = dst->size() * 8;
    auto& a = t.a;
    if (c.type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
        const unsigned n = unsigned(c.imm.value.u) & 31;
        if (n >= width) return false;
        if (n == 0) return true;  // no effect on the value or on any flag
        if (S == Shift::Shr && n > 1) {
            msb_to_bit31(t, *dst);
            a.emit(shift_inst(S), *dst, n);
            t.capture_flags();
            shift_of_to_eax(t, S);
            t.flags_captured(SHIFT_KEEP, x::eax);
            return true;
        }
        a.emit(shift_inst(S), *dst, n);
        t.flags_produced(S == Shift::Sar ? FlagKind::Sar : n == 1 ? FlagKind::Logic : FlagKind::ShiftLeft);
        return true;
    }
    if (c.type != ZYDIS_OPERAND_TYPE_REGISTER || c.reg.value != ZYDIS_REGISTER_CL || width != 32) return false;
    // The count is known only at run time: the flags go to CpuState first, where a masked count
    // of 0 leaves them, and a nonzero count replaces them all.
    t.clobber_flags();
    asmjit::Label done = a.newLabel();
    a.mov(x::ecx, *Translator::guest_reg(ZYDIS_REGISTER_ECX));
    a.and_(x::ecx, 31);
    a.jz(done);
    if (S == Shift::Shr) a.mov(x::eax, *dst);
    a.emit(shift_inst(S), *dst, x::cl);
    t.capture_flags();
    shift_of_to_eax(t, S);
    t.flags_captured(SHIFT_KEEP, x::eax);
    a.bind(done);
    return true;
}

// ROL and ROR change only CF and OF: the other flags must be the guest's in the host first.
template <bool Left> bool rotate(Translator& t) {
    const auto& d = t.op(0);
    const auto& c = t.op(1);
    if (d.type != ZYDIS_OPERAND_TYPE_REGISTER || c.type != ZYDIS_OPERAND_TYPE_IMMEDIATE) return false;
    auto dst = Translator::guest_reg(d.reg.value);
    if (!dst) return false;
    const unsigned width = dst->size() * 8;
    const unsigned n = unsigned(c.imm.value.u) & 31;
    if (n >= width) return false;
    if (n == 0) return true;
    t.flags_to_host();
    const FlagKind before = t.flags_kind();  // what AF, which the rotate keeps, needs
    auto& a = t.a;
    a.emit(Left ? x::Inst::kIdRol : x::Inst::kIdRor, *dst, n);
    if (n == 1) {
        t.flags_produced(before);
        return true;
    }
    t.capture_flags();
    // OF = MSB(result) XOR LSB(result) (ROL: CF is the LSB) or bit w-1 XOR bit w-2 (ROR).
    msb_to_bit31(t, *dst);
    a.mov(x::edx, x::eax);
    if (Left) {
        a.shl(x::edx, width - 1);  // the LSB (at bit 32 - w of eax) to bit 31
        a.xor_(x::eax, x::edx);
    } else {
        a.shl(x::edx, 1);
        a.xor_(x::eax, x::edx);
    }
    a.shr(x::eax, 31);
    a.shl(x::eax, 11);
    uint32_t keep = cpu::EFLAGS_ARITH & ~cpu::EFLAGS_OF;
    if (before != FlagKind::Exact) keep &= ~cpu::EFLAGS_AF;
    t.flags_captured(keep, x::eax);
    return true;
}

}  // namespace

void register_shift_emitters(Emitter* e) {
    e[ZYDIS_MNEMONIC_SHL] = shift<Shift::Shl>;
    e[ZYDIS_MNEMONIC_SHR] = shift<Shift::Shr>;
    e[ZYDIS_MNEMONIC_SAR] = shift<Shift::Sar>;
    e[ZYDIS_MNEMONIC_ROL] = rotate<true>;
    e[ZYDIS_MNEMONIC_ROR] = rotate<false>;
}

}  // namespace jitpc::jit
