// SETcc and CMOVcc: the same host instruction on the guest's flags (Translator::flags_to_host
// guarantees every bit a condition reads is defined).
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

// In condition-code order (the low nibble of the opcode).
constexpr ZydisMnemonic SETCC[16] = {
    ZYDIS_MNEMONIC_SETO, ZYDIS_MNEMONIC_SETNO, ZYDIS_MNEMONIC_SETB,  ZYDIS_MNEMONIC_SETNB,
    ZYDIS_MNEMONIC_SETZ, ZYDIS_MNEMONIC_SETNZ, ZYDIS_MNEMONIC_SETBE, ZYDIS_MNEMONIC_SETNBE,
    ZYDIS_MNEMONIC_SETS, ZYDIS_MNEMONIC_SETNS, ZYDIS_MNEMONIC_SETP,  ZYDIS_MNEMONIC_SETNP,
    ZYDIS_MNEMONIC_SETL, ZYDIS_MNEMONIC_SETNL, ZYDIS_MNEMONIC_SETLE, ZYDIS_MNEMONIC_SETNLE};
constexpr ZydisMnemonic CMOVCC[16] = {
    ZYDIS_MNEMONIC_CMOVO, ZYDIS_MNEMONIC_CMOVNO, ZYDIS_MNEMONIC_CMOVB,  ZYDIS_MNEMONIC_CMOVNB,
    ZYDIS_MNEMONIC_CMOVZ, ZYDIS_MNEMONIC_CMOVNZ, ZYDIS_MNEMONIC_CMOVBE, ZYDIS_MNEMONIC_CMOVNBE,
    ZYDIS_MNEMONIC_CMOVS, ZYDIS_MNEMONIC_CMOVNS, ZYDIS_MNEMONIC_CMOVP,  ZYDIS_MNEMONIC_CMOVNP,
    ZYDIS_MNEMONIC_CMOVL, ZYDIS_MNEMONIC_CMOVNL, ZYDIS_MNEMONIC_CMOVLE, ZYDIS_MNEMONIC_CMOVNLE};

x::CondCode condition(const ZydisMnemonic (&table)[16], ZydisMnemonic m) {
    unsigned cc = 0;
    while (table[cc] != m) ++cc;
    return x::CondCode(cc);
}

// Register destinations only (AL..BL: AH..BH cannot be named next to the REX registers).
bool setcc(Translator& t) {
    const auto& d = t.op(0);
    if (d.type != ZYDIS_OPERAND_TYPE_REGISTER) return false;
    auto dst = Translator::guest_reg(d.reg.value);
    if (!dst) return false;
    t.flags_to_host();
    t.a.set(condition(SETCC, t.zi().mnemonic), *dst);
    return true;
}

// A memory source is read whether or not the condition holds (docs/undefined.md), so it is
// loaded first; reading the flags may call a helper, so the value waits on the stack (two
// pushes keep the stack aligned for that call).
bool cmovcc(Translator& t) {
    auto dst = Translator::guest_reg(t.op(0).reg.value);
    if (!dst) return false;
    const auto& s = t.op(1);
    const x::CondCode cc = condition(CMOVCC, t.zi().mnemonic);
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

void register_cond_emitters(Emitter* e) {
    for (ZydisMnemonic m : SETCC) e[m] = setcc;
    for (ZydisMnemonic m : CMOVCC) e[m] = cmovcc;
}

}  // namespace jitpc::jit
