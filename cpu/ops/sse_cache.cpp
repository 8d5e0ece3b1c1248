// The cache and ordering instructions of SSE/SSE2: SFENCE, LFENCE, MFENCE, PREFETCHh, CLFLUSH
// and MOVNTI. jitpc has one processor, no caches and no write combining, and every store is
// visible in program order, so the fences and prefetches only exist; CLFLUSH checks its
// operand like a byte read (segment, page) and MOVNTI is a store. None of them looks at
// CR4.OSFXSR or CR0.EM/TS.
#include "cpu/ops/sse_common.h"

namespace jitpc::cpu {
namespace {

using namespace ops::sse;

void fence(Cpu&, const Insn&) {}

void clflush(Cpu& c, const Insn& i) {
    const uint64_t lin = c.linear(i.seg, c.ea(i), 1, false);
    c.mmu.translate(lin, ACC_READ, c.user());
}

void movnti(Cpu& c, const Insn& i) {
    c.write<uint32_t>(i.seg, c.ea(i), c.gpr[i.r0]);
}
// MOVNTI m64, r64 (REX.W): both halves are checked writable before either is stored.
void movnti64(Cpu& c, const Insn& i) {
    const uint64_t lin = c.linear(i.seg, c.ea(i), 8, true);
    c.mmu.probe_write(lin, 8, c.user());
    c.write_linear<uint32_t>(lin, uint32_t(c.gpr[i.r0]));
    c.write_linear<uint32_t>(lin + 4, uint32_t(c.gpr[i.r0] >> 32));
}

template <Handler H> Handler bind_mem(const DecodeCtx& ctx, Insn&) { return ctx.is_mem(0) ? H : nullptr; }
Handler bind_movnti(const DecodeCtx& ctx, Insn&) {
    if (!ctx.is_mem(0) || !ctx.is_reg(1)) return nullptr;
    if (is_gpr32(ctx, 1)) return movnti;
    return ZydisRegisterGetClass(ctx.ops[1].reg.value) == ZYDIS_REGCLASS_GPR64 ? movnti64 : nullptr;
}

}  // namespace

void register_sse_cache(Binder* t) {
    for (auto m : {ZYDIS_MNEMONIC_SFENCE, ZYDIS_MNEMONIC_LFENCE, ZYDIS_MNEMONIC_MFENCE})
        t[m] = ops::bind_fixed<fence>;
    for (auto m : {ZYDIS_MNEMONIC_PREFETCHT0, ZYDIS_MNEMONIC_PREFETCHT1, ZYDIS_MNEMONIC_PREFETCHT2,
                   ZYDIS_MNEMONIC_PREFETCHNTA})
        t[m] = bind_mem<fence>;
    t[ZYDIS_MNEMONIC_CLFLUSH] = bind_mem<clflush>;
    t[ZYDIS_MNEMONIC_MOVNTI] = bind_movnti;
}

}  // namespace jitpc::cpu
