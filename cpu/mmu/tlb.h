// The TLB entry and its hit test: the one place that knows the entry's layout. The MMU
// (cpu/mmu/mmu.h) fills entries and tests them with tlb_hit(); the JIT emits the same test from
// jit/tlb_probe.h, which reads the layout from here.
//
// The TLB is direct-mapped, one table per privilege class (supervisor, user), each entry carrying
// one tag per access kind (read, write, fetch). A tag is the page-aligned linear address when the
// access may go straight to host memory at `addend + linear`; any flag in the low bits sends the
// access to the slow path (MMIO/ROM writes, writes to pages holding decoded code, data accesses to
// pages a host watchpoint covers, invalid).
#pragma once

#include <cstddef>
#include <cstdint>

#include "memory/physmem.h"

namespace jitpc::cpu {

enum Access : uint8_t { ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2 };

constexpr uint64_t TLB_INVALID = 1;  // no translation cached for this access kind
constexpr uint64_t TLB_SLOW = 2;     // MMIO, a write to ROM or to a RAM page not marked dirty yet
constexpr uint64_t TLB_CODE = 4;     // write tag of a page holding decoded code
constexpr uint64_t TLB_WATCH = 8;    // read and write tags of a linear page a host watchpoint covers
// Linear addresses are 64 bits (4-level paging); memory::PAGE_MASK is the 32-bit one.
constexpr uint64_t LIN_PAGE_MASK = ~uint64_t(memory::PAGE_SIZE - 1);

// 4096 entries: with 1024, a process whose stack and data sit a multiple of 4 MiB apart (Linux
// places them at random) missed on every other access in a loop touching both (busybox's gzip
// in the i386 guest: 2.9·10⁷ walks); the hit test costs the same for any size.
constexpr unsigned TLB_BITS = 12;
constexpr unsigned TLB_SIZE = 1u << TLB_BITS;
constexpr unsigned TLB_ENTRY_SHIFT = 6;

// Tags are whole 64-bit linear page addresses. Outside IA-32e mode their upper halves are zero
// (leaving or entering it changes CR0.PG, which flushes the TLB), so code that runs only there
// (the JIT's 32-bit probe, jit/tlb_probe.h) may compare the low half alone.
struct TlbEntry {
    uint64_t tag[3];      // by Access
    uintptr_t addend;     // host pointer = addend + linear address
    uint64_t large_base;  // linear base of the large page this entry came from | its size code
    uint32_t frame;       // physical page number (physical address >> 12)
    uint8_t global;
    uint8_t listed;  // bit n: its index is in the MMU's list n of entries that may hold a translation
    uint8_t pad[18];
};
static_assert(sizeof(TlbEntry) == 1u << TLB_ENTRY_SHIFT, "the JIT indexes the TLB by shifting");
static_assert(offsetof(TlbEntry, tag) == 0);

inline unsigned tlb_index(uint64_t lin) { return (lin >> 12) & (TLB_SIZE - 1); }

// The hit test: entry `e` (at tlb_index(lin)) lets [lin, lin + size) go straight to host memory
// for `acc`. The page of the last byte is compared, so an access crossing into the next page
// misses: that page's index differs from this entry's, so its address never equals this tag.
inline bool tlb_hit(const TlbEntry& e, Access acc, uint64_t lin, unsigned size) {
    return e.tag[acc] == ((lin + size - 1) & LIN_PAGE_MASK);
}

// Whether `e` holds a translation of `page` for `acc`, fast or slow.
inline bool tlb_holds(const TlbEntry& e, Access acc, uint64_t page) {
    return !(e.tag[acc] & TLB_INVALID) && (e.tag[acc] & LIN_PAGE_MASK) == page;
}

}  // namespace jitpc::cpu
