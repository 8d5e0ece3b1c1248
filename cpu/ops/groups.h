// Instruction groups. Each cpu/ops/*.cpp file implements one group and registers a binder for
// every mnemonic it owns; together they fill the emulated CPU's instruction table
// (cpu/insn_table.h), whose entries carry the group's name. Adding a group is one line here.
#pragma once

#include "cpu/decode.h"

namespace jitpc::cpu {

#define JITPC_OP_GROUPS(X) \
    X(arith)               \
    X(shift)               \
    X(muldiv)              \
    X(bcd)                 \
    X(bits)                \
    X(datamov)             \
    X(stack)               \
    X(control)             \
    X(string)              \
    X(flagops)             \
    X(io)                  \
    X(system)              \
    X(fpu)                 \
    X(sse_state)           \
    X(sse_move)            \
    X(sse_arith)           \
    X(sse_convert)         \
    X(sse_int)             \
    X(sse_shuffle)         \
    X(sse_string)          \
    X(sse_cache)

#define JITPC_DECLARE_GROUP(name) void register_##name(Binder* table);
JITPC_OP_GROUPS(JITPC_DECLARE_GROUP)
#undef JITPC_DECLARE_GROUP

}  // namespace jitpc::cpu
