// The page walk: one linear address through the paging structures the paging registers name,
// to a physical page with its rights, or to the #PF error code. It sets the accessed and dirty
// bits of a successful walk, and nothing else: the MMU (cpu/mmu/mmu.h) sets CR2, raises the
// fault and caches the result in the TLB. The physical map's writes (memory::PhysMemory, which
// the walker only reads and writes) are its only side effect, so it is tested on its own.
//
// Three forms: 32-bit paging (4 KiB pages, 4 MiB pages with CR4.PSE, no PSE-36), PAE paging
// (the four PDPTEs held in registers, loaded by load_pdptes; 4 KiB and 2 MiB pages) and 4-level
// paging (IA-32e, with EFER.LMA: 4 KiB, 2 MiB and 1 GiB pages). Linear addresses are 64-bit in
// the interface; outside 4-level paging only their low 32 bits exist.
#pragma once

#include <cstdint>

#include "cpu/mmu/tlb.h"
#include "memory/physmem.h"

namespace jitpc::cpu {

using memory::PAGE_MASK;
using memory::PhysAddr;

// What the walk reads of the CPU, taken when it starts.
struct PagingRegs {
    uint64_t cr0 = 0, cr4 = 0;
    uint64_t cr3 = 0;
    bool nxe = false;      // EFER.NXE
    bool lma = false;      // EFER.LMA: 4-level paging when CR4.PAE is set
    bool a20 = true;       // the A20 gate: bit 20 of every physical address reads 0 when masked
    bool pdpe1gb = false;  // the model has 1 GiB pages
    uint8_t phys_bits = memory::PHYS_ADDR_BITS;  // the model's MAXPHYADDR
    const uint64_t* pdpte = nullptr;  // PAE paging: the four PDPTE registers
};

struct Walk {
    PhysAddr phys;       // physical page
    uint64_t large;      // linear base of the large page | its size code (LARGE_*), or LARGE_NONE
    bool writable;       // for this access's privilege, CR0.WP applied
    bool executable;     // no NX bit on the way
    bool dirty;
    bool global;
};

// Walk::large's low bits: the size of the page the translation came from.
constexpr uint64_t LARGE_NONE = 1, LARGE_2M = 2, LARGE_4M = 4, LARGE_1G = 8;
constexpr uint64_t large_size(uint64_t large) {
    return large & LARGE_2M ? 1ull << 21 : large & LARGE_4M ? 1ull << 22 : 1ull << 30;
}

// Page-table entry bits.
namespace pte {
constexpr uint64_t P = 1, W = 2, U = 4, A = 0x20, D = 0x40, PS = 0x80, G = 0x100, NX = 1ull << 63;
}

class PageWalker {
public:
    explicit PageWalker(memory::PhysMemory& pm) : pm_(pm) {}

    // Translates `lin` for `acc` at the given privilege: true with `w` filled, or false with the
    // #PF error code in `error`. Paging must be on (CR0.PG).
    bool walk(const PagingRegs& r, uint64_t lin, Access acc, bool user, Walk& w, uint32_t& error) const;
    // The physical address of `lin` without faults or A/D updates (debuggers, dumps).
    bool peek(const PagingRegs& r, uint64_t lin, PhysAddr& phys) const;
    // PAE paging's PDPTE load from the table at `cr3` (MOV CR3, and enabling paging or PAE):
    // false, loading nothing, when a present entry sets a reserved bit (the instruction's #GP(0)).
    bool load_pdptes(const PagingRegs& r, uint64_t cr3, uint64_t out[4]) const;

private:
    // `peek`: no permission checks, no A/D updates.
    bool walk32(const PagingRegs& r, uint32_t lin, Access acc, bool user, bool peek, Walk& w,
                uint32_t& error) const;
    bool walk64(const PagingRegs& r, uint64_t lin, Access acc, bool user, bool peek, Walk& w,
                uint32_t& error) const;
    static PhysAddr a20(const PagingRegs& r, PhysAddr a) { return r.a20 ? a : a & ~PhysAddr(1u << 20); }
    uint64_t read_entry(const PagingRegs& r, PhysAddr a, bool wide) const;

    memory::PhysMemory& pm_;
};

}  // namespace jitpc::cpu
