// HLT, CLI/STI and the other privileged and system instructions.
#include "cpu/ops/operands.h"

namespace jitpc::cpu::ops {
namespace {

void hlt(Cpu& c, const Insn&) {
    if (c.cpl != 0) raise_gp(0);
    c.halted = 1;
    c.request_exit();
}

}  // namespace
}  // namespace jitpc::cpu::ops

namespace jitpc::cpu {

void register_system(Binder* t) {
    t[ZYDIS_MNEMONIC_HLT] = [](const DecodeCtx&, Insn& i) -> Handler {
        i.flags |= IF_END_BLOCK;
        return ops::hlt;
    };
}

}  // namespace jitpc::cpu
