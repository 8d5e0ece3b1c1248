// The last block entries of the interpreter (CS selector, RIP and mode where each block started), for
// the developer hang dump. The interpreter records only while one is attached, so a run without
// it pays one pointer test per block.
#pragma once

#include <array>
#include <cstdint>

#include "cpu/mode.h"

namespace jitpc::cpu {

struct BlockHistory {
    static constexpr unsigned SIZE = 64;
    struct Entry {
        uint64_t rip;
        uint16_t cs;
        CpuMode mode;
    };
    std::array<Entry, SIZE> ring{};
    uint64_t count = 0;  // entries ever recorded; the newest is at (count - 1) % SIZE

    void record(uint16_t cs, uint64_t rip, CpuMode mode) { ring[count++ % SIZE] = Entry{rip, cs, mode}; }
};

}  // namespace jitpc::cpu
