// Stack instructions (cpu/ops/stack.cpp): PUSH, POP and LEAVE with a 32-bit stack and operand.
#include "cpu/state.h"
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

const x::Gp ESP = guest_gpr(cpu::ESP);

// PUSH and POP with a 32-bit stack (the variant) and a 32-bit operand: the memory access comes
// first, so a fault leaves ESP unchanged.
bool push(Translator& t) {
    const auto& s = t.op(0);
    if (!t.stack32() || t.insn().osize != 4) return false;
    if (s.type == ZYDIS_OPERAND_TYPE_REGISTER) {
        auto r = Translator::guest_reg(s.reg.value);
        if (!r || r->size() != 4) return false;
        t.a.mov(x::eax, *r);
    } else if (s.type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
        t.a.mov(x::eax, uint32_t(s.imm.value.u));
    } else if (s.type == ZYDIS_OPERAND_TYPE_MEMORY) {
        // The operand's address uses ESP before the push.
        if (!t.effective_address(s)) return false;
        t.load(4, t.insn().seg);
    } else {
        return false;
    }
    t.a.lea(x::esi, x::ptr(ESP.r64(), -4));
    t.store(4, cpu::SS);
    t.a.lea(ESP, x::ptr(ESP.r64(), -4));
    return true;
}

bool pop(Translator& t) {
    const auto& d = t.op(0);
    if (!t.stack32() || t.insn().osize != 4 || d.type != ZYDIS_OPERAND_TYPE_REGISTER) return false;
    auto r = Translator::guest_reg(d.reg.value);
    if (!r || r->size() != 4) return false;
    t.a.mov(x::esi, ESP);
    t.load(4, cpu::SS);
    t.a.lea(ESP, x::ptr(ESP.r64(), 4));
    t.a.mov(*r, x::eax);  // POP ESP keeps the value read
    return true;
}

// LEAVE: ESP = EBP, then EBP = pop. The load comes first, so a fault changes neither.
bool leave(Translator& t) {
    if (!t.stack32() || t.insn().osize != 4) return false;
    const x::Gp EBP = guest_gpr(cpu::EBP);
    t.a.mov(x::esi, EBP);
    t.load(4, cpu::SS);
    t.a.lea(ESP, x::ptr(EBP.r64(), 4));
    t.a.mov(EBP, x::eax);
    return true;
}

}  // namespace

void register_stack_emitters(GroupEmitters e) {
    e[ZYDIS_MNEMONIC_PUSH] = push;
    e[ZYDIS_MNEMONIC_POP] = pop;
    e[ZYDIS_MNEMONIC_LEAVE] = leave;
}

}  // namespace jitpc::jit
