// Guest physical address space: RAM, ROM and MMIO regions at 4 KiB granularity.
//
// Every write that does not come through a TLB fast-path hit (the CPU slow path, loaders, BIOS
// services, DMA) goes through write()/write_bytes(), which notice pages holding decoded code and
// tell the code cache before the bytes change, and mark the RAM page they change dirty.
//
// Physical addresses have PHYS_ADDR_BITS bits (the CPU's MAXPHYADDR). The map is a two-level table
// of 1 GiB chunks made when something is mapped there, so RAM, ROM and MMIO may sit anywhere below
// 2^PHYS_ADDR_BITS; whatever is not mapped reads all-ones and drops writes (logged under
// -d guest_errors). Nothing wraps at 4 GiB.
//
// 0xC0000-0xFFFFF is shadowable, as the chipset's PAM registers make it: each page reads either
// the bus (what map_rom/map_mmio put there, or nothing) or the RAM beneath, and writes either the
// bus or that RAM, independently (set_shadow). A new PhysMemory reads and writes RAM there; the
// i440FX applies its reset state when the machine is built.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "memory/ram_layout.h"

namespace jitpc::memory {

constexpr uint32_t PAGE_SIZE = 4096;
constexpr uint32_t PAGE_MASK = ~(PAGE_SIZE - 1);

using PhysAddr = uint64_t;
// MAXPHYADDR, as QEMU's x86 CPUs report it in CPUID 0x8000_0008; paging's reserved bits start here.
constexpr unsigned PHYS_ADDR_BITS = 40;
constexpr PhysAddr PHYS_LIMIT = PhysAddr(1) << PHYS_ADDR_BITS;
constexpr PhysAddr PHYS_PAGE_MASK = ~PhysAddr(PAGE_SIZE - 1);

// Host loads and stores of 1, 2, 4 (or 8, loads) bytes: a memcpy of a size known only at run
// time is a call into libc, and the slow paths and the page walk make these by the million.
inline uint64_t host_load(const uint8_t* p, unsigned size) {
    switch (size) {
    case 1: return *p;
    case 2: { uint16_t v; std::memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; std::memcpy(&v, p, 4); return v; }
    default: { uint64_t v; std::memcpy(&v, p, 8); return v; }
    }
}
inline void host_store(uint8_t* p, unsigned size, uint32_t v) {
    switch (size) {
    case 1: *p = uint8_t(v); return;
    case 2: { const uint16_t h = uint16_t(v); std::memcpy(p, &h, 2); return; }
    default: std::memcpy(p, &v, 4); return;
    }
}

class MmioDevice {
public:
    virtual ~MmioDevice() = default;
    // `offset` is relative to the region's base; size is 1, 2 or 4.
    virtual uint32_t mmio_read(PhysAddr offset, unsigned size) = 0;
    virtual void mmio_write(PhysAddr offset, unsigned size, uint32_t value) = 0;
};

class PhysMemory {
public:
    // RAM occupies [0, below_4g) and [4 GiB, 4 GiB + above_4g) except where ROM or MMIO regions
    // are mapped over it later. One host mapping holds both parts, reserved but not committed:
    // RAM costs host memory where the guest touches it, and its page table (10 MiB per GiB)
    // where the guest reaches it.
    explicit PhysMemory(RamLayout layout);
    explicit PhysMemory(uint64_t ram_bytes) : PhysMemory(RamLayout{ram_bytes, 0}) {}
    ~PhysMemory();
    PhysMemory(const PhysMemory&) = delete;
    PhysMemory& operator=(const PhysMemory&) = delete;

    const RamLayout& layout() const { return layout_; }
    // The RAM below 4 GiB (the part above follows it in the same mapping).
    uint8_t* ram() { return ram_; }

    // Maps a copy of `data` read-only at [base, base + size). Size must be page-aligned.
    void map_rom(PhysAddr base, std::span<const uint8_t> data);
    // Maps an MMIO region (page-aligned); the device outlives this object's use of it.
    void map_mmio(PhysAddr base, uint64_t size, MmioDevice* dev);
    // An MMIO page laid over whatever the bus answers at `base` (RAM, a device or nothing), as
    // the local APIC's window sits in front of everything for its CPU wherever IA32_APIC_BASE
    // puts it; remove_overlay puts back what was beneath. Both drop the page's decoded code
    // and every TLB entry (on_remap).
    void overlay_mmio(PhysAddr base, MmioDevice* dev);
    void remove_overlay(PhysAddr base);

    // Routes reads and writes of [base, base + size) (page-aligned, inside the shadowable range)
    // to the RAM beneath or to the bus. Pages whose reads change source lose their decoded code
    // and every TLB entry is dropped (on_remap) before the new routing holds.
    void set_shadow(uint32_t base, uint32_t size, bool read_ram, bool write_ram);
    static constexpr uint32_t SHADOW_BASE = 0xC0000, SHADOW_END = 0x100000;

    // Host pointer to the bytes reads of `paddr`'s page see when they are RAM or ROM, else
    // nullptr.
    uint8_t* host_page(PhysAddr paddr) const { return page(paddr).host; }
    // Reads and writes both reach host_page (plain RAM): the only pages a TLB entry may write
    // straight to.
    bool is_ram(PhysAddr paddr) const { return page(paddr).kind == Kind::Ram; }

    // Slow-path accesses: any kind of page, size 1/2/4, must not cross a page.
    uint32_t read(PhysAddr paddr, unsigned size);
    // read() of 8 bytes, as two 4-byte reads of MMIO (a page-table entry, the slow path's
    // 8-byte loads): one page lookup where the page is memory. Must not cross a page.
    uint64_t read64(PhysAddr paddr);
    void write(PhysAddr paddr, unsigned size, uint32_t value);
    // Bulk copies for loaders and DMA; may cross pages, never wrap (past PHYS_LIMIT is
    // unmapped). Writes to ROM are dropped, reads of unmapped space give 0xFF bytes.
    void read_bytes(PhysAddr paddr, void* dst, size_t n);
    void write_bytes(PhysAddr paddr, const void* src, size_t n);
    // Writes that may also change ROM (firmware loading and the BIOS's own data areas).
    void load_bytes(PhysAddr paddr, const void* src, size_t n);

    // Decoded-code tracking in 64-byte chunks (one bit each, 64 per page), so stores to data
    // that shares a page with code do not invalidate it.
    static constexpr unsigned CHUNK_SHIFT = 6;
    static uint64_t chunk_bits(PhysAddr paddr, uint32_t len) {
        const unsigned first = (paddr & 0xFFF) >> CHUNK_SHIFT;
        const unsigned last = ((paddr & 0xFFF) + len - 1) >> CHUNK_SHIFT;  // same page
        const uint64_t upto = last == 63 ? ~0ull : (1ull << (last + 1)) - 1;
        return upto & ~((1ull << first) - 1);
    }
    // Only RAM and ROM pages hold code (the code cache decodes nothing else).
    bool holds_code(PhysAddr paddr) const { return code_mask(paddr) != 0; }
    uint64_t code_mask(PhysAddr paddr) const {
        const Chunk* c = chunk(paddr);
        return c ? c->code[slot(paddr)] : 0;
    }
    // Code may be decoded from a page nothing is mapped at (it reads 0xFF bytes): its chunk is
    // made then.
    void set_code_mask(PhysAddr paddr, uint64_t mask);
    // The ROMs' contents for snapshots (snapshot/archive.h): the firmware writes its tables
    // there (load_bytes), so they are state, not only the image they were loaded from.
    template <class A> void snapshot_roms(A& a) {
        for (Rom& r : roms_) a.bytes(r.bytes.get(), r.size);
    }
    // Dirty-page tracking for checkpoints (replay/timeline.h), by RAM page: the page number in
    // the one mapping ram() starts (RAM below 4 GiB, then the part above). Every write through
    // this class marks its page. Writes straight to host memory (the TLB's fast path, inline in
    // the JIT too) go only through write entries the MMU makes fast once their page is marked,
    // so that fast path needs no work of its own. take_dirty clears the marks and calls
    // on_clean, which must send every write entry back to the slow path (Mmu::slow_writes).
    uint64_t ram_pages() const { return layout_.total() / PAGE_SIZE; }
    // The RAM page `paddr` reaches (it must be RAM: is_ram).
    uint64_t ram_page(PhysAddr paddr) const { return uint64_t(page(paddr).host - ram_) / PAGE_SIZE; }
    bool dirty(uint64_t ram_page) const { return dirty_[ram_page / 64] >> (ram_page % 64) & 1; }
    void mark_dirty(uint64_t ram_page) { dirty_[ram_page / 64] |= uint64_t(1) << (ram_page % 64); }
    // The dirty RAM pages, in order; none is dirty after it.
    std::vector<uint64_t> take_dirty();
    std::function<void()> on_clean;
    // Called before bytes of a code page change: (paddr, length), never crossing a page.
    std::function<void(PhysAddr, uint32_t)> on_code_write;
    // Called when set_shadow or an overlay changed what an address reaches, so cached
    // translations go.
    std::function<void()> on_remap;

private:
    // Rom: reads host, writes are dropped. ShadowWrite: reads host (a ROM, or 0xFF bytes when
    // null), writes go to the RAM beneath (ram_ + paddr).
    enum class Kind : uint8_t { Unmapped, Ram, Rom, Mmio, ShadowWrite };
    struct Page {
        uint8_t* host = nullptr;
        MmioDevice* mmio = nullptr;
        PhysAddr mmio_base = 0;
        Kind kind = Kind::Unmapped;
    };
    // 1 GiB of the map: its pages and their code masks.
    static constexpr unsigned CHUNK_PAGE_BITS = 18;
    struct Chunk {
        Page pages[1u << CHUNK_PAGE_BITS];
        uint64_t code[1u << CHUNK_PAGE_BITS] = {};
    };
    static constexpr size_t NUM_CHUNKS = PHYS_LIMIT >> (12 + CHUNK_PAGE_BITS);
    static size_t slot(PhysAddr paddr) { return (paddr >> 12) & ((1u << CHUNK_PAGE_BITS) - 1); }
    // A chunk holding RAM is made at its first use, so RAM costs no page table until the guest
    // (or a loader) reaches it.
    Chunk* chunk(PhysAddr paddr) const {
        const PhysAddr n = paddr >> (12 + CHUNK_PAGE_BITS);
        if (n >= NUM_CHUNKS) return nullptr;
        if (!chunks_[n] && holds_ram(n)) make_chunk(n);
        return chunks_[n].get();
    }
    bool holds_ram(PhysAddr chunk_index) const;
    // Makes chunk `n` with the RAM pages it holds.
    void make_chunk(PhysAddr n) const;
    const Page& page(PhysAddr paddr) const {
        static const Page unmapped;
        const Chunk* c = chunk(paddr);
        return c ? c->pages[slot(paddr)] : unmapped;
    }
    // The page entry to change at `paddr` (< PHYS_LIMIT), making its chunk if needed.
    Page& page_for_map(PhysAddr paddr);
    void touch_code(PhysAddr paddr, uint32_t n) {
        if ((code_mask(paddr) & chunk_bits(paddr, n)) && on_code_write) on_code_write(paddr, n);
    }
    void copy(PhysAddr paddr, const void* src, size_t n, bool allow_rom);
    void mark_host(const uint8_t* host) { mark_dirty(uint64_t(host - ram_) / PAGE_SIZE); }
    void log_unmapped(PhysAddr paddr, bool write);
    // Where a page goes: the bus for shadowable pages that do not route there to RAM.
    void set_bus_page(PhysAddr paddr, const Page& pg);
    Page bus_page(PhysAddr paddr) const;
    // set_bus_page for a page the run may have reached already: its code and translations go.
    void replace_bus_page(PhysAddr paddr, const Page& pg);
    struct Overlay {
        PhysAddr base;
        Page beneath;
    };
    std::vector<Overlay> overlays_;
    Page routed(uint32_t page) const;
    static constexpr uint32_t SHADOW_PAGES = (SHADOW_END - SHADOW_BASE) / PAGE_SIZE;
    struct Shadow {
        Page bus;  // what the bus answers at this page
        bool read_ram = true, write_ram = true;
    };

    RamLayout layout_;
    uint8_t* ram_ = nullptr;
    size_t ram_map_bytes_ = 0;
    std::vector<uint64_t> dirty_;  // one bit per RAM page
    std::unique_ptr<std::unique_ptr<Chunk>[]> chunks_;
    struct Rom {
        std::unique_ptr<uint8_t[]> bytes;
        size_t size;
    };
    std::vector<Rom> roms_;
    Shadow shadow_[SHADOW_PAGES];
};

}  // namespace jitpc::memory
