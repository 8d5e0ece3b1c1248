// Near JMP and Jcc (relative and indirect).
#include "cpu/ops/operands.h"

namespace jitpc::cpu::ops {
namespace {

void jmp_rel(Cpu& c, const Insn& i) { c.jump_near(rel_target(c, i), i.osize); }
template <typename T, Loc L> struct JmpIndirect {
    static void run(Cpu& c, const Insn& i) { c.jump_near(get<T, L>(c, i), sizeof(T)); }
};
void jcc(Cpu& c, const Insn& i) {
    if (c.flags.cond(i.aux)) c.jump_near(rel_target(c, i), i.osize);
}

Handler bind_jmp(const DecodeCtx& ctx, Insn&) {
    if (ctx.is_imm(0)) return jmp_rel;
    if (ctx.ops[0].type == ZYDIS_OPERAND_TYPE_POINTER) return nullptr;  // far: system group
    if (ctx.is_mem(0) && ctx.size(0) > 4) return nullptr;                // far indirect
    return pick_rm<JmpIndirect>(ctx);
}

template <Cond C> Handler bind_jcc(const DecodeCtx&, Insn& i) {
    i.aux = C;
    return jcc;
}

}  // namespace
}  // namespace jitpc::cpu::ops

namespace jitpc::cpu {

void register_control(Binder* t) {
    using namespace ops;
    t[ZYDIS_MNEMONIC_JMP] = bind_jmp;
    t[ZYDIS_MNEMONIC_JO] = bind_jcc<CC_O>;
    t[ZYDIS_MNEMONIC_JNO] = bind_jcc<CC_NO>;
    t[ZYDIS_MNEMONIC_JB] = bind_jcc<CC_B>;
    t[ZYDIS_MNEMONIC_JNB] = bind_jcc<CC_AE>;
    t[ZYDIS_MNEMONIC_JZ] = bind_jcc<CC_E>;
    t[ZYDIS_MNEMONIC_JNZ] = bind_jcc<CC_NE>;
    t[ZYDIS_MNEMONIC_JBE] = bind_jcc<CC_BE>;
    t[ZYDIS_MNEMONIC_JNBE] = bind_jcc<CC_A>;
    t[ZYDIS_MNEMONIC_JS] = bind_jcc<CC_S>;
    t[ZYDIS_MNEMONIC_JNS] = bind_jcc<CC_NS>;
    t[ZYDIS_MNEMONIC_JP] = bind_jcc<CC_P>;
    t[ZYDIS_MNEMONIC_JNP] = bind_jcc<CC_NP>;
    t[ZYDIS_MNEMONIC_JL] = bind_jcc<CC_L>;
    t[ZYDIS_MNEMONIC_JNL] = bind_jcc<CC_GE>;
    t[ZYDIS_MNEMONIC_JLE] = bind_jcc<CC_LE>;
    t[ZYDIS_MNEMONIC_JNLE] = bind_jcc<CC_G>;
}

}  // namespace jitpc::cpu
