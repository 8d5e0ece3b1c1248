// Stack instructions (cpu/ops/stack.cpp): PUSH, POP, LEAVE and PUSHF of the stack's own width
// (a 32-bit stack and operand, or 64-bit code's).
#include "cpu/flags.h"
#include "cpu/state.h"
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

// PUSH and POP of the stack's width (Translator::stack_word): the memory access comes first, so
// a fault leaves RSP unchanged.
bool push(Translator& t) {
    const auto& s = t.op(0);
    const unsigned w = t.stack_word();
    if (t.insn().osize != w) return false;
    const x::Gp sp = t.stack_pointer(), value = Translator::value_reg(w);
    if (s.kind == Translator::Kind::Reg) {
        auto r = t.reg(s);
        if (!r) return false;
        t.a.mov(value, *r);
    } else if (s.kind == Translator::Kind::Imm) {
        t.a.mov(value, asmjit::imm(t.imm()));
    } else if (s.kind == Translator::Kind::Mem) {
        // The operand's address uses RSP before the push.
        if (!t.effective_address()) return false;
        t.load(w, t.insn().seg);
    } else {
        return false;
    }
    t.a.lea(t.address_reg(), x::ptr(sp.r64(), -int32_t(w)));
    t.store(w, cpu::SS);
    t.a.lea(sp, x::ptr(sp.r64(), -int32_t(w)));
    return true;
}

bool pop(Translator& t) {
    const unsigned w = t.stack_word();
    if (t.insn().osize != w) return false;
    auto r = t.reg(t.op(0));
    if (!r) return false;
    const x::Gp sp = t.stack_pointer();
    t.a.mov(t.address_reg(), sp);
    t.load(w, cpu::SS);
    t.a.lea(sp, x::ptr(sp.r64(), int32_t(w)));
    t.a.mov(*r, Translator::value_reg(w));  // POP RSP keeps the value read
    return true;
}

// LEAVE: RSP = RBP, then RBP = pop. The load comes first, so a fault changes neither.
bool leave(Translator& t) {
    const unsigned w = t.stack_word();
    if (t.insn().osize != w) return false;
    const x::Gp sp = t.stack_pointer(), bp = RegAlloc::fixed(cpu::EBP).cloneAs(sp);
    t.a.mov(t.address_reg(), bp);
    t.load(w, cpu::SS);
    t.a.lea(sp, x::ptr(bp.r64(), int32_t(w)));
    t.a.mov(bp, Translator::value_reg(w));
    return true;
}

// PUSHFD on a 32-bit stack, PUSHFQ in 64-bit code: the image PUSHF stores (VM and RF clear),
// its arithmetic flags read from the host once the guest's are there (AF is 0 where the host
// leaves it undefined: FlagKind::Logic), the others from CpuState, where they always are.
bool pushf(Translator& t) {
    const unsigned w = t.stack_word();
    if (t.insn().osize != w) return false;
    auto& a = t.a;
    t.flags_to_host();
    uint32_t arith = cpu::EFLAGS_ARITH;
    if (t.flags_kind() != FlagKind::Exact) arith &= ~cpu::EFLAGS_AF;
    t.capture_flags(true);
    t.clobber_flags();  // stored if they were only in the host; the host's are used up here
    a.and_(x::edi, arith);
    a.mov(x::eax, x::dword_ptr(CPU_REG, state::FLAGS_BITS));
    a.and_(x::eax, ~(cpu::EFLAGS_ARITH | cpu::EFLAGS_VM | cpu::EFLAGS_RF));
    a.or_(x::eax, x::edi);
    a.lea(t.address_reg(), x::ptr(t.stack_pointer().r64(), -int32_t(w)));
    t.store(w, cpu::SS);
    a.lea(t.stack_pointer(), x::ptr(t.stack_pointer().r64(), -int32_t(w)));
    return true;
}

}  // namespace

void register_stack_emitters(GroupEmitters e) {
    e[ZYDIS_MNEMONIC_PUSHFD] = pushf;
    e[ZYDIS_MNEMONIC_PUSHFQ] = pushf;
    e[ZYDIS_MNEMONIC_PUSH] = push;
    e[ZYDIS_MNEMONIC_POP] = pop;
    e[ZYDIS_MNEMONIC_LEAVE] = leave;
}

}  // namespace jitpc::jit
