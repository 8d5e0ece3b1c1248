// The last block entries of the interpreter (CS selector and EIP where each block started), for
// the developer hang dump. The interpreter records only while one is attached, so a run without
// it pays one pointer test per block.
#pragma once

#include <array>
#include <cstdint>

namespace jitpc::cpu {

struct BlockHistory {
    static constexpr unsigned SIZE = 64;
    struct Entry {
        uint32_t eip;
        uint16_t cs;
    };
    std::array<Entry, SIZE> ring{};
    uint64_t count = 0;  // entries ever recorded; the newest is at (count - 1) % SIZE

    void record(uint16_t cs, uint32_t eip) { ring[count++ % SIZE] = Entry{eip, cs}; }
};

}  // namespace jitpc::cpu
