// Decoded code blocks, keyed by the physical address of their first byte and the CpuMode they
// were decoded in. A block runs from its entry to a control transfer, a
// page end or a size cap; an instruction that straddles two pages registers the block on both.
//
// Any write to a physical page holding blocks (CPU store through any alias, loader, DMA)
// reaches invalidate() before the bytes change. Removed blocks are parked until the dispatcher
// is back at a block boundary, so the block that is running stays valid until it stops, and
// stops right after the store that hit it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "cpu/insn.h"
#include "cpu/mode.h"
#include "memory/physmem.h"

namespace jitpc::cpu {

struct Block {
    uint64_t key;              // BlockCache::key(physical address, mode)
    memory::PhysAddr phys;     // physical address of the first byte
    memory::PhysAddr page2;    // second physical page when the last instruction straddles, else 1
    uint32_t bytes;            // length in bytes of all its instructions
    std::vector<Insn> insns;

    // Successors seen from this block, so the dispatcher can skip the fetch translation and
    // the cache lookup. A link holds while the code epoch is unchanged (no block removed) and
    // the fetch context (linear address, CpuMode, privilege class) matches; the dispatcher
    // follows it only while the TLB maps it where it did (Interpreter::fetch_maps).
    struct Link {
        Block* to = nullptr;
        uint64_t lin = 0;
        uint64_t epoch = 0;
        uint8_t context = 0;
    };
    Link links[2];
    uint8_t next_link = 0;
    // The JIT's translations of this block (opaque here; jit/ owns it).
    void* native = nullptr;
    // Times the dispatcher ran it in the interpreter while it was not hot yet (tiering:
    // Interpreter::hot_runs), saturating there.
    uint32_t runs = 0;
    // Times in a row the JIT declined to run it because its stack frame's TLB probe failed
    // (the JIT's: jit/frame.cpp), up to the count after which it translates it without.
    uint8_t frame_declines = 0;

    Block* follow(uint64_t lin, uint8_t context, uint64_t epoch) const {
        for (const Link& l : links)
            if (l.to && l.lin == lin && l.context == context && l.epoch == epoch) return l.to;
        return nullptr;
    }
    void link(Block* to, uint64_t lin, uint8_t context, uint64_t epoch) {
        links[next_link] = Link{to, lin, epoch, context};
        next_link ^= 1;
    }
};

class BlockCache {
public:
    explicit BlockCache(memory::PhysMemory& pm) : pm_(pm) { fast_.fill(nullptr); }

    // The mode sits above any physical address (MAXPHYADDR is at most 52 bits).
    static uint64_t key(memory::PhysAddr phys, CpuMode mode) { return phys | (uint64_t(mode) << 56); }

    Block* find(uint64_t k) {
        Block*& slot = fast_[fast_index(k)];
        if (slot && slot->key == k) return slot;
        auto it = map_.find(k);
        if (it == map_.end()) return nullptr;
        slot = it->second.get();
        return slot;
    }
    Block* insert(std::unique_ptr<Block> b);

    // Removes every block that overlaps [paddr, paddr + len). Sets *hit_running when the
    // running block is among them.
    void invalidate(memory::PhysAddr paddr, uint32_t len);
    void flush();
    // Frees removed blocks; only from the dispatcher, between blocks. Returns whether any were.
    bool collect() {
        if (graveyard_.empty()) return false;
        graveyard_.clear();
        return true;
    }
    uint64_t* epoch = nullptr;  // CpuState::code_epoch

    Block* running = nullptr;       // block the interpreter is executing
    uint8_t* running_hit = nullptr; // flag to raise when `running` is invalidated
    // Called before a block is removed (the JIT unlinks jumps into its translation).
    void (*on_remove)(void* ctx, Block* b) = nullptr;
    void* remove_ctx = nullptr;
    // Called when a page first holds code (the MMU then routes its writes to the slow path).
    void (*on_new_code_page)(void* ctx, memory::PhysAddr phys) = nullptr;
    void* ctx = nullptr;
    size_t size() const { return map_.size(); }

private:
    static constexpr unsigned FAST_BITS = 15;
    static constexpr size_t FAST_SIZE = size_t(1) << FAST_BITS;
    // The one hash of the fast table: find() and remove() must agree, or a removed block stays
    // reachable after collect() frees it. Multiplicative (Fibonacci), so the page number counts:
    // the low bits alone (the offset in the page) sent every function entry at the same
    // offset of its page to one slot, and a page's 16-byte-aligned entries to 256 of the 4096.
    static size_t fast_index(uint64_t k) { return size_t((k * 0x9E3779B97F4A7C15ull) >> (64 - FAST_BITS)); }
    void remove(Block* b);
    static uint64_t chunks_on(const Block* b, uint32_t page);
    void unlink_page(uint32_t page, Block* b);

    memory::PhysMemory& pm_;
    std::unordered_map<uint64_t, std::unique_ptr<Block>> map_;
    std::unordered_map<uint32_t, std::vector<Block*>> by_page_;
    std::array<Block*, FAST_SIZE> fast_;
    std::vector<std::unique_ptr<Block>> graveyard_;
};

}  // namespace jitpc::cpu
