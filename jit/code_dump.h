// -d in_asm and -d out_asm (QEMU's items): for each translation, the guest instructions, and
// the host code grouped under the guest instruction it was emitted for, so the code of a hot
// block can be read and counted. The translator marks where each instruction's code starts,
// inline and out of line; only translations of blocks -dfilter lets through are marked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "cpu/block_cache.h"
#include "cpu/cpu.h"
#include "jit/variant.h"

namespace jitpc::jit {

class CodeDump {
public:
    // Whether a translation of the block at guest `rip` is dumped.
    static bool wanted(uint64_t rip);

    // Kinds of host code that belong to no guest instruction.
    static constexpr int PROLOGUE = -1, BLOCK_END = -2, BAIL = -3;
    // Host code from assembler offset `offset` on is instruction `insn`'s (its index in the
    // block, or one of the kinds above); `cold`: its out-of-line part.
    void mark(size_t offset, int insn, bool cold) { marks_.push_back({offset, insn, cold}); }

    // Prints the dumps the items ask for, for the translation of `b` at guest `rip` now at
    // `code` (`size` bytes).
    void print(cpu::Cpu& c, const cpu::Block& b, uint64_t rip, Variant v, const uint8_t* code,
               size_t size) const;

private:
    struct Mark {
        size_t offset;
        int insn;
        bool cold;
    };
    std::vector<Mark> marks_;
};

}  // namespace jitpc::jit
