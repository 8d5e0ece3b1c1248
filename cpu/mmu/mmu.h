// The MMU: linear → physical translation through the page tables, with a software TLB that
// behaves like a real one (the entry and its hit test: cpu/mmu/tlb.h). It belongs to the CPU: it
// reads the paging registers, writes CR2 and reports #PF; below it, memory::PhysMemory is only
// the physical map. Rules kept from real TLBs (BRINGUP.md): not-present entries are never
// cached, a #PF drops the entry, writable entries are cached only once the dirty bit is set, A/D
// are set by the walk, global entries survive CR3 loads, INVLPG drops every piece of a large page.
#pragma once

#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "cpu/fault.h"
#include "cpu/mmu/tlb.h"
#include "cpu/mmu/walk.h"
#include "cpu/model.h"
#include "cpu/state.h"
#include "memory/physmem.h"

namespace jitpc::cpu {

using memory::PAGE_SIZE;
using memory::PhysMemory;

class Mmu {
public:
    Mmu(CpuState& st, PhysMemory& pm, const CpuModel& model);

    template <typename T> T read(uint64_t lin, bool user) {
        const TlbEntry& e = tlb[user][tlb_index(lin)];
        if (tlb_hit(e, ACC_READ, lin, sizeof(T))) {
            T v;
            std::memcpy(&v, reinterpret_cast<const uint8_t*>(e.addend + lin), sizeof(T));
            return v;
        }
        return static_cast<T>(read_slow(lin, sizeof(T), user, ACC_READ));
    }
    // read() and write() that report a #PF by value: false, with the fault in `fault`.
    template <typename T> bool try_read(uint64_t lin, bool user, T& v) {
        const TlbEntry& e = tlb[user][tlb_index(lin)];
        if (tlb_hit(e, ACC_READ, lin, sizeof(T))) {
            std::memcpy(&v, reinterpret_cast<const uint8_t*>(e.addend + lin), sizeof(T));
            return true;
        }
        uint64_t w;
        if (!try_read_slow(lin, sizeof(T), user, ACC_READ, w)) return false;
        v = static_cast<T>(w);
        return true;
    }
    template <typename T> void write(uint64_t lin, T v, bool user) {
        const TlbEntry& e = tlb[user][tlb_index(lin)];
        if (tlb_hit(e, ACC_WRITE, lin, sizeof(T))) {
            std::memcpy(reinterpret_cast<uint8_t*>(e.addend + lin), &v, sizeof(T));
            return;
        }
        write_slow(lin, sizeof(T), v, user);
    }
    template <typename T> bool try_write(uint64_t lin, T v, bool user) {
        const TlbEntry& e = tlb[user][tlb_index(lin)];
        if (tlb_hit(e, ACC_WRITE, lin, sizeof(T))) {
            std::memcpy(reinterpret_cast<uint8_t*>(e.addend + lin), &v, sizeof(T));
            return true;
        }
        return try_write_slow(lin, sizeof(T), v, user);
    }
    // Whether the TLB maps the page of `lin` for execution to physical page `page` now.
    bool exec_maps(uint64_t lin, bool user, PhysAddr page) const {
        const TlbEntry& e = tlb[user][tlb_index(lin)];
        return tlb_hit(e, ACC_EXEC, lin & LIN_PAGE_MASK, 1) && e.frame == page >> 12;
    }
    // Host memory for [lin, lin + bytes) when it lies in one page whose TLB entry for `acc` is
    // a plain hit (RAM; for writes, a dirty page without decoded code), else null: what bulk
    // string operations may touch directly.
    uint8_t* host_span(uint64_t lin, uint32_t bytes, Access acc, bool user) {
        const TlbEntry& e = tlb[user][tlb_index(lin)];
        if (!tlb_hit(e, acc, lin, bytes)) return nullptr;
        return reinterpret_cast<uint8_t*>(e.addend + lin);
    }
    // Code fetch of bytes that the decoder needs.
    uint8_t fetch8(uint64_t lin, bool user) {
        return static_cast<uint8_t>(read_slow(lin, 1, user, ACC_EXEC));
    }

    // Translates or faults (#PF with CR2 set); returns the physical address.
    PhysAddr translate(uint64_t lin, Access acc, bool user);
    // translate() reporting the #PF by value: false, with it in `fault`.
    bool try_translate(uint64_t lin, Access acc, bool user, PhysAddr& phys) {
        const TlbEntry* e = try_lookup(lin, acc, user);
        if (e) phys = (PhysAddr(e->frame) << 12) | (lin & 0xFFF);
        return e;
    }
    // Like translate() but never faults and never changes A/D bits: for debuggers and traces.
    bool peek(uint64_t lin, PhysAddr& phys) const;
    // Checks that [lin, lin+size) is writable before a multi-part store commits anything. A
    // write-tag hit already proves it (fills set every tag of an entry together). False, with
    // the #PF in `fault`, when it is not.
    bool try_probe_write(uint64_t lin, unsigned size, bool user) {
        const TlbEntry& e = tlb[user][tlb_index(lin)];
        if (tlb_hit(e, ACC_WRITE, lin, size)) return true;
        return try_probe_write_slow(lin, size, user);
    }
    bool try_probe_write_slow(uint64_t lin, unsigned size, bool user);
    void probe_write(uint64_t lin, unsigned size, bool user) {
        if (!try_probe_write(lin, size, user)) throw fault;
    }

    uint64_t read_slow(uint64_t lin, unsigned size, bool user, Access acc);
    void write_slow(uint64_t lin, unsigned size, uint64_t v, bool user);
    bool try_read_slow(uint64_t lin, unsigned size, bool user, Access acc, uint64_t& v);
    bool try_write_slow(uint64_t lin, unsigned size, uint64_t v, bool user);
    // The #PF the last failed try_* access or lookup found (CR2 is already set).
    GuestFault fault{};

    // Whether PAE paging (CR4.PAE without long mode) is on with these CR0 and CR4.
    bool pae_paging(uint64_t cr0, uint64_t cr4) const {
        return (cr0 & cr0::PG) && (cr4 & cr4::PAE) && !(st_.efer & efer::LMA);
    }
    // PAE paging's PDPTE registers, loaded from the table at `cr3` (MOV CR3, and a CR0/CR4
    // write that leaves PAE paging on and changes how it translates): false, loading nothing,
    // when a present entry sets a reserved bit, the instruction's #GP(0).
    bool load_pdptes(uint32_t cr3) { return walker_.load_pdptes(regs(), cr3, pdpte_); }
    // MOV CR3 and a task switch's CR3: the PDPTEs under PAE paging (false: #GP(0), nothing
    // changed), then CR3 and the TLB's non-global entries. CR3 keeps bits 31:12 and 4:3 (PCD,
    // PWT), and bits 11:5 too on models with PAE, where they address the PDPT. In IA-32e mode
    // it is 64 bits: bits 63:MAXPHYADDR are reserved (false: #GP(0)), 11:5 and 2:0 ignored.
    bool load_cr3(uint64_t v) {
        if (st_.efer & efer::LMA) {
            if (v >> model_.phys_addr_bits) return false;
            st_.cr3 = v & ~uint64_t(0xFE7);
        } else {
            if (pae_paging(st_.cr0, st_.cr4) && !load_pdptes(uint32_t(v))) return false;
            st_.cr3 = uint32_t(v) & (model_.has(Feature::PAE) ? 0xFFFFFFF8u : 0xFFFFF018u);
        }
        ++stats.cr3_loads;
        flush_nonglobal();
        return true;
    }

    // The page after `lin`'s: linear addresses wrap at 4 GiB outside 64-bit mode.
    uint64_t next_page(uint64_t lin) const {
        const uint64_t n = (lin & LIN_PAGE_MASK) + PAGE_SIZE;
        return st_.mode() == CpuMode::Long64 ? n : uint32_t(n);
    }

    void flush_all();
    void flush_nonglobal();  // MOV CR3
    void invlpg(uint64_t lin);
    // Every write entry takes the slow path (their pages' dirty marks were cleared) until a
    // write through it marks its page again. The translations stay: what the guest sees of
    // the TLB does not depend on when dirty marks were cleared.
    void slow_writes();
    // The code cache started holding decoded code from this physical page: send writes through
    // the slow path so they can invalidate it.
    void page_became_code(PhysAddr phys);
    // The linear pages a host debugger's watchpoints cover, as [first, last] page numbers: their
    // entries' read and write tags carry TLB_WATCH, so every data access to them, the JIT's
    // inline ones included, takes the slow path, where Cpu::try_linear checks the watchpoints.
    // A change flushes the TLB.
    void watch_pages(std::vector<std::pair<uint64_t, uint64_t>> pages) {
        if (pages == watched_) return;
        watched_ = std::move(pages);
        flush_all();
    }

    TlbEntry tlb[2][TLB_SIZE];

    // What the TLB cost the run, for -stats: cheap counts, never read by the guest's paths.
    struct Stats {
        uint64_t cr3_loads = 0;      // MOV CR3 and task switches
        uint64_t flushes = 0;        // of everything (CR0/CR4/EFER/A20 changes, remaps)
        uint64_t invlpgs = 0;
        uint64_t walks = 0;          // TLB misses that walked the page tables (or had paging off)
        uint64_t walk_faults = 0;    // walks ending in #PF
    } stats;

    // Its state for snapshots (snapshot/archive.h).
    template <class A> void snapshot(A& a) {
        a(pdpte_);
    }

private:
    PagingRegs regs() const {
        return PagingRegs{st_.cr0, st_.cr4, st_.cr3, bool(st_.efer & efer::NXE), bool(st_.efer & efer::LMA),
                          bool(st_.a20), model_.has(Feature::PDPE1GB), model_.phys_addr_bits, pdpte_};
    }
    // Fills `fault` and returns false on a #PF.
    bool walk(uint64_t lin, Access acc, bool user, Walk& w);
    // The entry for `lin`, filled if needed; null on a #PF (in `fault`). The hit is inline: the
    // dispatcher's fetch translation and every slow-path access start here.
    TlbEntry* try_lookup(uint64_t lin, Access acc, bool user) {
        TlbEntry& e = tlb[user][tlb_index(lin)];
        if (tlb_holds(e, acc, lin & LIN_PAGE_MASK)) [[likely]] return &e;
        return refill(e, lin, acc, user) ? &e : nullptr;
    }
    // try_lookup's miss: walks and fills `e`, or drops it and returns false on a #PF.
    bool refill(TlbEntry& e, uint64_t lin, Access acc, bool user);
    TlbEntry& lookup(uint64_t lin, Access acc, bool user) {
        if (TlbEntry* e = try_lookup(lin, acc, user)) return *e;
        throw fault;
    }
    PhysAddr a20(PhysAddr paddr) const { return st_.a20 ? paddr : paddr & ~PhysAddr(1u << 20); }

    CpuState& st_;
    PhysMemory& pm_;
    const CpuModel& model_;
    PageWalker walker_;
    uint64_t pdpte_[4] = {};
    std::vector<std::pair<uint64_t, uint64_t>> watched_;  // watch_pages()
    uint64_t watch_flag(uint64_t page) const {
        for (const auto& [first, last] : watched_)
            if (page >> 12 >= first && page >> 12 <= last) return TLB_WATCH;
        return 0;
    }

    // Flushes, INVLPG of large pages and the sweeps for dirty marks and code visit only the
    // entries filled since the last flush: every entry with a tag that is not TLB_INVALID is
    // listed (TlbEntry::listed says in which lists), so a flush costs what the guest used of
    // the TLB, not its size. Two lists per table, so that MOV CR3 visits only what it drops:
    // LOCAL holds every entry filled with a non-global translation since the last CR3 load
    // (and maybe global ones), GLOBAL the global entries that survived one (and maybe entries
    // refilled since, which LOCAL then lists too). An entry is in each list at most once.
    enum List : uint8_t { LOCAL, GLOBAL };
    void list(bool user, TlbEntry& e, List l);
    template <class F> void for_listed(F f) {
        for (unsigned u = 0; u < 2; ++u)
            for (unsigned l = 0; l < 2; ++l)
                for (unsigned k = 0; k < listed_n_[u][l]; ++k) f(tlb[u][listed_[u][l][k]]);
    }
    uint16_t listed_[2][2][TLB_SIZE];  // [user][List]
    unsigned listed_n_[2][2] = {};
    // The large pages listed entries came from, hashed into a bit set (a bit may be shared):
    // INVLPG of an address in none of them, the common case, looks no further than its index.
    // One set per List, so that MOV CR3 empties LOCAL's.
    static constexpr unsigned LARGE_FILTER_BITS = 4096;
    static unsigned large_bit(uint64_t large) { return unsigned((large * 0x9E3779B97F4A7C15ull) >> 52); }
    void note_large(uint64_t large, List l) {
        large_sizes_[l] |= large & (LARGE_2M | LARGE_4M | LARGE_1G);
        large_filter_[l][large_bit(large) / 64] |= uint64_t(1) << (large_bit(large) % 64);
    }
    bool maybe_large(uint64_t large) const {
        const uint64_t bit = uint64_t(1) << (large_bit(large) % 64);
        return (large_filter_[LOCAL][large_bit(large) / 64] | large_filter_[GLOBAL][large_bit(large) / 64]) & bit;
    }
    void clear_large(List l) {
        std::memset(large_filter_[l], 0, sizeof large_filter_[l]);
        large_sizes_[l] = 0;
    }
    uint64_t large_filter_[2][LARGE_FILTER_BITS / 64] = {};
    uint64_t large_sizes_[2] = {};  // LARGE_* bits of the sizes noted
};

}  // namespace jitpc::cpu
