#include "jit/liveness.h"

namespace jitpc::jit {

namespace {

struct FlagUse {
    uint32_t reads = 0;
    uint32_t kills = 0;                      // surely written
    uint32_t may_write = cpu::EFLAGS_ARITH;  // possibly written
    bool observes = true;  // may fault or leave: every flag is live before it
    bool by_fault = false;  // ... but only a fault of its memory operand would see them
};

// What the instruction table says of the instruction's flags, and whether its operands make it
// possibly fault (memory, or registers other than the general ones).
FlagUse flag_use(const cpu::InsnInfo& info, const cpu::Insn& i) {
    FlagUse u;
    if (!bound(i) || info.may_fault || !(i.flags & cpu::IF_GPR_ONLY)) return u;
    u.reads = info.flags_read;
    u.kills = info.flags_killed;
    // A shift or rotate writes flags only when its masked count is not 0: by CL, maybe not.
    switch (i.mnemonic) {
    case ZYDIS_MNEMONIC_SHL: case ZYDIS_MNEMONIC_SHR: case ZYDIS_MNEMONIC_SAR:
    case ZYDIS_MNEMONIC_ROL: case ZYDIS_MNEMONIC_ROR:
        if (!(i.flags & cpu::IF_IMM) || !(i.imm & (i.osize == 8 ? 63 : 31))) u.kills = 0;
        break;
    default: break;
    }
    // A memory operand may fault, so it observes; what it surely writes is still known.
    if ((i.flags & cpu::IF_MEM) && !info.agen) {
        u.by_fault = true;
        return u;
    }
    u.observes = false;
    u.may_write = info.flags_written;
    return u;
}

}  // namespace

FlagLiveness find_dead_flags(const cpu::Block& b, const cpu::InsnTable& table) {
    const size_t count = b.insns.size();
    FlagLiveness f;
    f.live_after.assign(count, 0);
    f.written.assign(count, 0);
    f.kills.assign(count, 0);
    f.read_after.assign(count, 0);
    uint32_t live = cpu::EFLAGS_ARITH, read = cpu::EFLAGS_ARITH;  // the block's exit
    for (size_t k = count; k-- > 0;) {
        const cpu::Insn& i = b.insns[k];
        const FlagUse use = flag_use(table[i.mnemonic], i);
        f.live_after[k] = live;
        f.read_after[k] = read;
        f.written[k] = use.may_write;
        f.kills[k] = use.kills;
        live = use.observes ? cpu::EFLAGS_ARITH : (live & ~use.kills) | use.reads;
        read = use.observes && !use.by_fault ? cpu::EFLAGS_ARITH : (read & ~use.kills) | use.reads;
    }
    f.live_in = live;
    return f;
}

}  // namespace jitpc::jit
