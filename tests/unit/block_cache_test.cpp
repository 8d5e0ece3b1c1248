// The block cache's lookups after a block is removed (cpu/block_cache.h).
#include <doctest/doctest.h>

#include <memory>

#include "cpu/block_cache.h"

using namespace jitpc;
using namespace jitpc::cpu;

// A removed block must not be found again: its fast-table slot is cleared with the hash lookups
// use (they once differed for every mode but real mode, so a block invalidated in protected mode
// stayed reachable there, and ran freed once collected: tests/guest/smc_frames.asm).
TEST_CASE("block cache: an invalidated block is not found, in every mode") {
    memory::PhysMemory mem{1u << 20};
    BlockCache cache(mem);
    for (const CpuMode mode : {CpuMode::Real16, CpuMode::Prot16, CpuMode::Prot32, CpuMode::Long64}) {
        auto b = std::make_unique<Block>();
        const memory::PhysAddr phys = 0x1234;
        b->key = BlockCache::key(phys, mode);
        b->phys = phys;
        b->page2 = 1;
        b->bytes = 6;
        const uint64_t k = b->key;
        Block* raw = cache.insert(std::move(b));
        CHECK(cache.find(k) == raw);  // from the map, and now from the fast table
        CHECK(cache.find(k) == raw);
        cache.invalidate(phys + 2, 1);
        CHECK(cache.find(k) == nullptr);  // before collect(): the block is still parked, alive
        cache.collect();
        CHECK(cache.find(k) == nullptr);
    }
}
