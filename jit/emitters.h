// The JIT's emitters fill the emitter fields of the instruction table (cpu/insn_table.h): one
// file per cpu/ops group that has any, jit/emit_<group>.cpp, registering only mnemonics its group
// bound (InsnTable::set_emitter checks). A group with emitters is one line in JITPC_EMIT_GROUPS.
#pragma once

#include "cpu/insn_table.h"

namespace jitpc::jit {

#define JITPC_EMIT_GROUPS(X) \
    X(arith)                 \
    X(shift)                 \
    X(muldiv)                \
    X(bits)                  \
    X(datamov)               \
    X(stack)                 \
    X(control)               \
    X(string)                \
    X(flagops)               \
    X(system)                \
    X(fpu)                   \
    X(sse_move)              \
    X(sse_cache)             \
    X(sse_string)            \
    X(sse_int)               \
    X(sse_shuffle)           \
    X(sse_arith)             \
    X(sse_convert)

// `e[mnemonic] = emitter` in a group's registration.
class GroupEmitters {
public:
    explicit GroupEmitters(const char* group) : group_(group) {}
    struct Slot {
        const char* group;
        ZydisMnemonic m;
        void operator=(cpu::Emitter e) const { cpu::InsnTable::edit().set_emitter(group, m, e); }
    };
    Slot operator[](ZydisMnemonic m) const { return {group_, m}; }

private:
    const char* group_;
};

#define JITPC_DECLARE_EMIT_GROUP(name) void register_##name##_emitters(GroupEmitters e);
JITPC_EMIT_GROUPS(JITPC_DECLARE_EMIT_GROUP)
#undef JITPC_DECLARE_EMIT_GROUP

// Fills the table's emitters (once; the translator calls it before its first block).
void register_emitters();

}  // namespace jitpc::jit
