// Data movement (cpu/ops/datamov.cpp): MOV, MOVZX/MOVSX, LEA, XCHG of registers, BSWAP, the
// sign extensions of the accumulator, on the host registers holding the guest's; SETcc and
// CMOVcc, the same host instruction on the guest's flags (Translator::flags_to_host guarantees
// every bit a condition reads is defined).
#include "cpu/ops/cond_family.h"
#include "cpu/state.h"
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

const x::Gp ESP = guest_gpr(cpu::ESP);

bool mov(Translator& t) {
    const auto& d = t.op(0);
    const auto& s = t.op(1);
    if (d.type == ZYDIS_OPERAND_TYPE_REGISTER) {
        auto dst = Translator::guest_reg(d.reg.value);
        if (!dst) return false;
        if (s.type == ZYDIS_OPERAND_TYPE_REGISTER) {
            auto src = Translator::guest_reg(s.reg.value);
            if (!src) return false;
            t.a.mov(*dst, *src);
        } else if (s.type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
            t.a.mov(*dst, asmjit::imm(int64_t(s.imm.value.s)));
        } else if (s.type == ZYDIS_OPERAND_TYPE_MEMORY) {
            if (!t.effective_address(s)) return false;
            t.load(dst->size(), t.insn().seg);
            t.a.mov(*dst, x::eax.cloneAs(*dst));
        } else {
            return false;
        }
        return true;
    }
    if (d.type != ZYDIS_OPERAND_TYPE_MEMORY) return false;
    const unsigned size = d.size / 8;
    if (s.type == ZYDIS_OPERAND_TYPE_REGISTER) {
        auto src = Translator::guest_reg(s.reg.value);
        if (!src || !t.effective_address(d)) return false;
        if (src->size() == 4)
            t.a.mov(x::eax, *src);
        else
            t.a.movzx(x::eax, *src);
    } else if (s.type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
        if (!t.effective_address(d)) return false;
        t.a.mov(x::eax, uint32_t(s.imm.value.u));
    } else {
        return false;
    }
    t.store(size, t.insn().seg);
    return true;
}

template <bool Signed> bool extend(Translator& t) {
    const auto& d = t.op(0);
    const auto& s = t.op(1);
    auto dst = Translator::guest_reg(d.reg.value);
    if (!dst) return false;
    if (s.type == ZYDIS_OPERAND_TYPE_REGISTER && s.reg.value >= ZYDIS_REGISTER_AH &&
        s.reg.value <= ZYDIS_REGISTER_BH) {
        // AH..BH cannot be named next to the REX registers: extended in eax (from AH) first.
        t.a.mov(x::eax, guest_gpr(s.reg.value - ZYDIS_REGISTER_AH));
        if (Signed)
            t.a.movsx(x::eax, x::ah);
        else
            t.a.movzx(x::eax, x::ah);
        t.a.mov(*dst, x::eax.cloneAs(*dst));
        return true;
    }
    x::Gp src;
    if (s.type == ZYDIS_OPERAND_TYPE_REGISTER) {
        auto r = Translator::guest_reg(s.reg.value);
        if (!r) return false;
        src = *r;
    } else if (s.type == ZYDIS_OPERAND_TYPE_MEMORY) {
        if (!t.effective_address(s)) return false;
        const unsigned size = s.size / 8;
        t.load(size, t.insn().seg);
        if (size == 1)
            src = x::al;
        else
            src = x::ax;
    } else {
        return false;
    }
    if (Signed)
        t.a.movsx(*dst, src);
    else
        t.a.movzx(*dst, src);
    return true;
}

bool lea(Translator& t) {
    auto dst = Translator::guest_reg(t.op(0).reg.value);
    if (!dst || dst->size() != 4 || !t.effective_address(t.op(1))) return false;
    t.a.mov(*dst, x::esi);
    return true;
}

bool bswap(Translator& t) {
    auto r = Translator::guest_reg(t.op(0).reg.value);
    if (!r || r->size() != 4) return false;
    t.a.bswap(*r);
    return true;
}

// NOP, PAUSE and the hint NOPs: nothing to emit.
bool nop(Translator&) { return true; }

// Register with register only: XCHG with memory is a locked read-modify-write.
bool xchg(Translator& t) {
    const auto& d = t.op(0);
    const auto& s = t.op(1);
    if (d.type != ZYDIS_OPERAND_TYPE_REGISTER || s.type != ZYDIS_OPERAND_TYPE_REGISTER) return false;
    auto r1 = Translator::guest_reg(d.reg.value), r2 = Translator::guest_reg(s.reg.value);
    if (!r1 || !r2) return false;
    t.a.xchg(*r1, *r2);
    return true;
}

const x::Gp EAX = guest_gpr(cpu::EAX), EDX = guest_gpr(cpu::EDX);

// CBW/CWDE: AX or EAX = the sign extension of AL or AX.
bool widen_accumulator(Translator& t) {
    if (t.insn().osize == 2)
        t.a.movsx(EAX.r16(), EAX.r8());
    else
        t.a.movsx(EAX, EAX.r16());
    return true;
}

// CWD/CDQ: DX or EDX = copies of the accumulator's sign, through the host's own CWD/CDQ
// (a shift would change the flags).
bool sign_to_edx(Translator& t) {
    t.a.mov(x::eax, EAX);
    if (t.insn().osize == 2) {
        t.a.cwd();
        t.a.mov(EDX.r16(), x::dx);
    } else {
        t.a.cdq();
        t.a.mov(EDX, x::edx);
    }
    return true;
}

// Register destinations only (AL..BL: AH..BH cannot be named next to the REX registers).
bool setcc(Translator& t) {
    const auto& d = t.op(0);
    if (d.type != ZYDIS_OPERAND_TYPE_REGISTER) return false;
    auto dst = Translator::guest_reg(d.reg.value);
    if (!dst) return false;
    t.flags_to_host();
    t.a.set(x::CondCode(cpu::ops::cond_of(cpu::ops::SETCC, ZydisMnemonic(t.insn().mnemonic))), *dst);
    return true;
}

// A memory source is read whether or not the condition holds (docs/undefined.md), so it is
// loaded first; reading the flags may call a helper, so the value waits on the stack (two
// pushes keep the stack aligned for that call).
bool cmovcc(Translator& t) {
    auto dst = Translator::guest_reg(t.op(0).reg.value);
    if (!dst) return false;
    const auto& s = t.op(1);
    const x::CondCode cc = x::CondCode(cpu::ops::cond_of(cpu::ops::CMOVCC, ZydisMnemonic(t.insn().mnemonic)));
    if (s.type == ZYDIS_OPERAND_TYPE_REGISTER) {
        auto src = Translator::guest_reg(s.reg.value);
        if (!src) return false;
        t.flags_to_host();
        t.a.cmov(cc, *dst, *src);
        return true;
    }
    if (s.type != ZYDIS_OPERAND_TYPE_MEMORY || !t.effective_address(s)) return false;
    t.load(dst->size(), t.insn().seg);
    t.a.push(x::rax);
    t.a.push(x::rax);
    t.flags_to_host();
    t.a.pop(x::rdx);
    t.a.pop(x::rdx);
    t.a.cmov(cc, *dst, x::edx.cloneAs(*dst));
    return true;
}

}  // namespace

void register_datamov_emitters(GroupEmitters e) {
    e[ZYDIS_MNEMONIC_NOP] = nop;
    e[ZYDIS_MNEMONIC_PAUSE] = nop;
    e[ZYDIS_MNEMONIC_MOV] = mov;
    e[ZYDIS_MNEMONIC_MOVZX] = extend<false>;
    e[ZYDIS_MNEMONIC_MOVSX] = extend<true>;
    e[ZYDIS_MNEMONIC_LEA] = lea;
    e[ZYDIS_MNEMONIC_BSWAP] = bswap;
    e[ZYDIS_MNEMONIC_XCHG] = xchg;
    e[ZYDIS_MNEMONIC_CBW] = widen_accumulator;
    e[ZYDIS_MNEMONIC_CWDE] = widen_accumulator;
    e[ZYDIS_MNEMONIC_CWD] = sign_to_edx;
    e[ZYDIS_MNEMONIC_CDQ] = sign_to_edx;
    for (ZydisMnemonic m : cpu::ops::SETCC) e[m] = setcc;
    for (ZydisMnemonic m : cpu::ops::CMOVCC) e[m] = cmovcc;
}

}  // namespace jitpc::jit
