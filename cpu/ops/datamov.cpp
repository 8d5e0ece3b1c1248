// MOV and the other data-movement instructions that touch no flags.
#include "cpu/ops/operands.h"

namespace jitpc::cpu::ops {
namespace {

template <typename T, Loc D, Loc S> struct MovH {
    static void run(Cpu& c, const Insn& i) { put<T, D>(c, i, get<T, S>(c, i)); }
};

Handler bind_mov(const DecodeCtx& ctx, Insn&) {
    // MOV to/from segment, control and debug registers belongs to the system group.
    for (unsigned n = 0; n < ctx.nops; ++n)
        if (ctx.is_reg(n)) {
            const auto cls = ZydisRegisterGetClass(ctx.ops[n].reg.value);
            if (cls != ZYDIS_REGCLASS_GPR8 && cls != ZYDIS_REGCLASS_GPR16 &&
                cls != ZYDIS_REGCLASS_GPR32)
                return nullptr;
        }
    return pick_dst_src<MovH>(ctx);
}

// NOP, including the 0F 1F /0 and 0F 18-1F hint forms a P6 executes as no-ops.
void nop(Cpu&, const Insn&) {}

}  // namespace
}  // namespace jitpc::cpu::ops

namespace jitpc::cpu {

void register_datamov(Binder* t) {
    t[ZYDIS_MNEMONIC_MOV] = ops::bind_mov;
    t[ZYDIS_MNEMONIC_NOP] = [](const DecodeCtx&, Insn&) -> Handler { return ops::nop; };
}

}  // namespace jitpc::cpu
