#include "cpu/block_cache.h"

#include <algorithm>

namespace jitpc::cpu {

// The chunks of `page` that block `b` covers.
uint64_t BlockCache::chunks_on(const Block* b, uint32_t page) {
    const uint32_t first_page_bytes = std::min<uint32_t>(b->bytes, memory::PAGE_SIZE - uint32_t(b->phys & 0xFFF));
    if (page == (b->phys >> 12)) return memory::PhysMemory::chunk_bits(b->phys, first_page_bytes);
    return memory::PhysMemory::chunk_bits(b->page2, b->bytes - first_page_bytes);
}

Block* BlockCache::insert(std::unique_ptr<Block> b) {
    Block* raw = b.get();
    auto link = [&](uint32_t page) {
        by_page_[page].push_back(raw);
        const memory::PhysAddr at = memory::PhysAddr(page) << 12;
        const uint64_t old = pm_.code_mask(at);
        pm_.set_code_mask(at, old | chunks_on(raw, page));
        if (!old && on_new_code_page) on_new_code_page(ctx, at);
    };
    link(uint32_t(raw->phys >> 12));
    if (raw->page2 != 1) link(uint32_t(raw->page2 >> 12));
    // A block with this key may exist already if invalidation raced a decode; replace it.
    if (auto it = map_.find(raw->key); it != map_.end()) remove(it->second.get());
    map_[raw->key] = std::move(b);
    return raw;
}

void BlockCache::unlink_page(uint32_t page, Block* b) {
    auto it = by_page_.find(page);
    if (it == by_page_.end()) return;
    auto& list = it->second;
    list.erase(std::remove(list.begin(), list.end(), b), list.end());
    uint64_t mask = 0;
    for (const Block* other : list) mask |= chunks_on(other, page);
    pm_.set_code_mask(memory::PhysAddr(page) << 12, mask);
    if (list.empty()) by_page_.erase(it);
}

void BlockCache::remove(Block* b) {
    if (epoch) ++*epoch;
    if (on_remove) on_remove(remove_ctx, b);
    unlink_page(uint32_t(b->phys >> 12), b);
    if (b->page2 != 1) unlink_page(uint32_t(b->page2 >> 12), b);
    if (Block*& slot = fast_slot(b->key); slot == b) slot = nullptr;
    if (b == running && running_hit) *running_hit = 1;
    auto it = map_.find(b->key);
    graveyard_.push_back(std::move(it->second));
    map_.erase(it);
}

void BlockCache::invalidate(memory::PhysAddr paddr, uint32_t len) {
    auto it = by_page_.find(uint32_t(paddr >> 12));
    if (it == by_page_.end()) return;
    const uint64_t lo = paddr, hi = paddr + len;
    // Copy: remove() edits the list.
    const std::vector<Block*> list = it->second;
    for (Block* b : list) {
        const bool straddles = b->page2 != 1;
        // A block that straddles into this page covers its first bytes; otherwise compare ranges.
        const uint64_t start = b->phys, end = b->phys + b->bytes;
        const bool overlap = (straddles && (b->phys >> 12) != (paddr >> 12))
                                 ? lo < (b->page2 + ((end - 1) & 0xFFF) + 1)
                                 : (lo < end && hi > start);
        if (overlap) remove(b);
    }
}

void BlockCache::flush() {
    while (!map_.empty()) remove(map_.begin()->second.get());
}

}  // namespace jitpc::cpu
