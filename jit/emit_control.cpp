// Control transfers (cpu/ops/control.cpp) that end a block: direct jumps and calls (linked block to block when the
// target is in the same physical page), indirect ones and returns (through jit/indirect.cpp's lookup; a call
// predicts its return there).
#include "cpu/ops/cond_family.h"
#include "cpu/state.h"
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

// The width of RIP: 4 in 32-bit code (a 16-bit operand truncates EIP: the interpreter's), 8 in
// 64-bit code.
unsigned ip_width(const Translator& t) { return t.long64() ? 8 : 4; }

// The target as an offset from the block's first byte (in 64-bit code one outside the block's
// page is checked canonical before anything changes: Translator::check_branch_target).
bool relative_target(Translator& t, int64_t& target) {
    if (t.op(0).kind != Translator::Kind::Imm || t.insn().osize != ip_width(t)) return false;
    target = int64_t(t.next_offset()) + t.imm();
    return true;
}

// The target of an indirect JMP/CALL (register or memory) into eax (rax), checked canonical.
bool indirect_target(Translator& t) {
    const auto& o = t.op(0);
    const unsigned w = ip_width(t);
    if (t.insn().osize != w || (t.insn().flags & cpu::IF_FAR)) return false;
    if (o.kind == Translator::Kind::Reg) {
        auto r = t.reg(o);
        if (!r) return false;
        t.clobber_flags();
        t.a.mov(t.ip_reg(), *r);
    } else {
        if (o.kind != Translator::Kind::Mem || !t.effective_address()) return false;
        t.load(w, t.insn().seg);
    }
    t.fault_unless_canonical(t.ip_reg());
    return true;
}

bool jmp(Translator& t) {
    int64_t target;
    if (relative_target(t, target)) {
        t.check_branch_target(target);
        t.exit_to(target);
        return true;
    }
    if (!indirect_target(t)) return false;
    t.exit_indirect();
    return true;
}

bool jcc(Translator& t) {
    int64_t target;
    if (!relative_target(t, target)) return false;
    t.branch(cpu::ops::cond_of(cpu::ops::JCC, ZydisMnemonic(t.insn().mnemonic)), target, t.next_offset());
    return true;
}

// The return address goes on the stack only after the target was read, so a fault in either
// leaves ESP and memory as they were.
void push_return_address(Translator& t) {
    const unsigned w = t.stack_word();
    const x::Gp sp = t.stack_pointer();
    t.next_eip_to_eax();
    t.a.lea(t.address_reg(), x::ptr(sp.r64(), -int32_t(w)));
    t.store(w, cpu::SS);
    t.a.lea(sp, x::ptr(sp.r64(), -int32_t(w)));
}

bool call(Translator& t) {
    if (t.stack_word() != ip_width(t)) return false;
    int64_t target;
    if (relative_target(t, target)) {
        t.check_branch_target(target);
        push_return_address(t);
        t.predict_return();
        t.exit_to(target);
        return true;
    }
    if (t.op(0).kind == Translator::Kind::Reg && t.op(0).reg == cpu::ESP)
        return false;  // CALL ESP jumps to the value before the push
    if (!indirect_target(t)) return false;
    t.park_eax();
    push_return_address(t);
    t.predict_return();
    t.unpark_eax();
    t.exit_indirect();
    return true;
}

bool ret(Translator& t) {
    // Zydis names RETF "ret" too: far returns change CS and maybe privilege, so they fall back.
    const unsigned w = t.stack_word();
    if ((t.insn().flags & cpu::IF_FAR) || w != ip_width(t) || t.insn().osize != w) return false;
    const uint32_t release = t.op(0).kind == Translator::Kind::Imm ? t.insn().imm : 0;
    const x::Gp sp = t.stack_pointer();
    t.clobber_flags();
    t.a.mov(t.address_reg(), sp);
    t.load(w, cpu::SS);
    t.fault_unless_canonical(t.ip_reg());
    t.a.lea(sp, x::ptr(sp.r64(), int32_t(w + release)));
    t.exit_indirect(true);
    return true;
}

}  // namespace

void register_control_emitters(GroupEmitters e) {
    e[ZYDIS_MNEMONIC_JMP] = jmp;
    for (ZydisMnemonic m : cpu::ops::JCC) e[m] = jcc;
    e[ZYDIS_MNEMONIC_CALL] = call;
    e[ZYDIS_MNEMONIC_RET] = ret;
}

}  // namespace jitpc::jit
