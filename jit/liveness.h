// The per-block flag liveness pass: which arithmetic flags something after each instruction may
// still see, from the instruction table's facts, so the translator neither computes nor stores
// flags nobody can observe.
#pragma once

#include <cstdint>
#include <vector>

#include "cpu/block_cache.h"
#include "cpu/decode.h"
#include "cpu/flags.h"
#include "cpu/insn_table.h"

namespace jitpc::jit {

// An instruction the decoder bound to a handler of its own (not the #UD or #GP one).
inline bool bound(const cpu::Insn& i) { return i.fn != cpu::handler_ud && i.fn != cpu::handler_gp0; }

struct FlagLiveness {
    // Per instruction: the flags something after it may still see (read, or show in an
    // exception frame or to the next block) before they are written again; those it may write;
    // those it surely writes.
    std::vector<uint32_t> live_after, written, kills;
    // Per instruction: the flags something after it may read or show to the next block, its
    // faults aside (live_after less what only an exception frame could see).
    std::vector<uint32_t> read_after;
    uint32_t live_in = cpu::EFLAGS_ARITH;  // flags the block may observe before writing them
};

FlagLiveness find_dead_flags(const cpu::Block& b, const cpu::InsnTable& table);

}  // namespace jitpc::jit
