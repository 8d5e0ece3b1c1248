// Control transfers (cpu/ops/control.cpp) that end a block: direct jumps and calls (linked block to block when the
// target is in the same physical page) and returns (back to the dispatcher).
#include "cpu/ops/cond_family.h"
#include "cpu/state.h"
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

const x::Gp ESP = RegAlloc::fixed(cpu::ESP);

// The target as an offset from the block's first byte; 32-bit operand size only (a 16-bit one
// truncates EIP).
bool relative_target(Translator& t, int64_t& target) {
    if (t.op(0).kind != Translator::Kind::Imm || t.insn().osize != 4) return false;
    target = int64_t(t.next_offset()) + t.imm();
    return true;
}

// The target of an indirect JMP/CALL (register or memory, 32-bit operand) into eax.
bool indirect_target(Translator& t) {
    const auto& o = t.op(0);
    if (t.insn().osize != 4 || (t.insn().flags & cpu::IF_FAR)) return false;
    if (o.kind == Translator::Kind::Reg) {
        auto r = t.reg(o);
        if (!r) return false;
        t.clobber_flags();
        t.a.mov(x::eax, *r);
        return true;
    }
    if (o.kind != Translator::Kind::Mem || !t.effective_address()) return false;
    t.load(4, t.insn().seg);
    return true;
}

bool jmp(Translator& t) {
    int64_t target;
    if (relative_target(t, target)) {
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
    t.next_eip_to_eax();
    t.a.lea(x::esi, x::ptr(ESP.r64(), -4));
    t.store(4, cpu::SS);
    t.a.lea(ESP, x::ptr(ESP.r64(), -4));
}

bool call(Translator& t) {
    if (!t.stack32()) return false;
    int64_t target;
    if (relative_target(t, target)) {
        push_return_address(t);
        t.exit_to(target);
        return true;
    }
    if (t.op(0).kind == Translator::Kind::Reg && t.op(0).reg == cpu::ESP)
        return false;  // CALL ESP jumps to the value before the push
    if (!indirect_target(t)) return false;
    t.park_eax();
    push_return_address(t);
    t.unpark_eax();
    t.exit_indirect();
    return true;
}

bool ret(Translator& t) {
    // Zydis names RETF "ret" too: far returns change CS and maybe privilege, so they fall back.
    if ((t.insn().flags & cpu::IF_FAR) || !t.stack32() || t.insn().osize != 4) return false;
    const uint32_t release = t.op(0).kind == Translator::Kind::Imm ? t.insn().imm : 0;
    t.clobber_flags();
    t.a.mov(x::esi, ESP);
    t.load(4, cpu::SS);
    t.a.lea(ESP, x::ptr(ESP.r64(), int32_t(4 + release)));
    t.exit_indirect();
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
