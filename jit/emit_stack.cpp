// Stack instructions (cpu/ops/stack.cpp): PUSH, POP and LEAVE with a 32-bit stack and operand.
#include "cpu/state.h"
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

const x::Gp ESP = RegAlloc::fixed(cpu::ESP);

// PUSH and POP with a 32-bit stack (the variant) and a 32-bit operand: the memory access comes
// first, so a fault leaves ESP unchanged.
bool push(Translator& t) {
    const auto& s = t.op(0);
    if (!t.stack32() || t.insn().osize != 4) return false;
    if (s.kind == Translator::Kind::Reg) {
        auto r = t.reg(s);
        if (!r) return false;
        t.a.mov(x::eax, *r);
    } else if (s.kind == Translator::Kind::Imm) {
        t.a.mov(x::eax, t.insn().imm);
    } else if (s.kind == Translator::Kind::Mem) {
        // The operand's address uses ESP before the push.
        if (!t.effective_address()) return false;
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
    if (!t.stack32() || t.insn().osize != 4) return false;
    auto r = t.reg(t.op(0));
    if (!r) return false;
    t.a.mov(x::esi, ESP);
    t.load(4, cpu::SS);
    t.a.lea(ESP, x::ptr(ESP.r64(), 4));
    t.a.mov(*r, x::eax);  // POP ESP keeps the value read
    return true;
}

// LEAVE: ESP = EBP, then EBP = pop. The load comes first, so a fault changes neither.
bool leave(Translator& t) {
    if (!t.stack32() || t.insn().osize != 4) return false;
    const x::Gp EBP = RegAlloc::fixed(cpu::EBP);
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
