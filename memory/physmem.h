// Guest physical address space: RAM, ROM and MMIO regions at 4 KiB granularity.
//
// Every write that does not come through a TLB fast-path hit (the CPU slow path, loaders, BIOS
// services, DMA) goes through write()/write_bytes(), which notice pages holding decoded code and
// tell the code cache before the bytes change.
//
// 0xC0000-0xFFFFF is shadowable, as the chipset's PAM registers make it: each page reads either
// the bus (what map_rom/map_mmio put there, or nothing) or the RAM beneath, and writes either the
// bus or that RAM, independently (set_shadow). A new PhysMemory reads and writes RAM there; the
// i440FX applies its reset state when the machine is built.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace jitpc::memory {

constexpr uint32_t PAGE_SIZE = 4096;
constexpr uint32_t PAGE_MASK = ~(PAGE_SIZE - 1);
constexpr uint32_t NUM_PAGES = 1u << 20;

class MmioDevice {
public:
    virtual ~MmioDevice() = default;
    // `offset` is relative to the region's base; size is 1, 2 or 4.
    virtual uint32_t mmio_read(uint32_t offset, unsigned size) = 0;
    virtual void mmio_write(uint32_t offset, unsigned size, uint32_t value) = 0;
};

class PhysMemory {
public:
    // RAM occupies [0, ram_bytes) except where ROM or MMIO regions are mapped over it later.
    explicit PhysMemory(uint64_t ram_bytes);
    ~PhysMemory();
    PhysMemory(const PhysMemory&) = delete;
    PhysMemory& operator=(const PhysMemory&) = delete;

    uint64_t ram_size() const { return ram_bytes_; }
    uint8_t* ram() { return ram_; }

    // Maps a copy of `data` read-only at [base, base + size). Size must be page-aligned.
    void map_rom(uint32_t base, std::span<const uint8_t> data);
    // Maps an MMIO region (page-aligned); the device outlives this object's use of it.
    void map_mmio(uint32_t base, uint32_t size, MmioDevice* dev);

    // Routes reads and writes of [base, base + size) (page-aligned, inside the shadowable range)
    // to the RAM beneath or to the bus. Pages whose reads change source lose their decoded code
    // and every TLB entry is dropped (on_remap) before the new routing holds.
    void set_shadow(uint32_t base, uint32_t size, bool read_ram, bool write_ram);
    static constexpr uint32_t SHADOW_BASE = 0xC0000, SHADOW_END = 0x100000;

    // Host pointer to the bytes reads of `paddr`'s page see when they are RAM or ROM, else
    // nullptr.
    uint8_t* host_page(uint32_t paddr) const { return pages_[paddr >> 12].host; }
    // Reads and writes both reach host_page (plain RAM): the only pages a TLB entry may write
    // straight to.
    bool is_ram(uint32_t paddr) const { return pages_[paddr >> 12].kind == Kind::Ram; }

    // Slow-path accesses: any kind of page, size 1/2/4, must not cross a page.
    uint32_t read(uint32_t paddr, unsigned size);
    void write(uint32_t paddr, unsigned size, uint32_t value);
    // Bulk copies for loaders and DMA; may cross pages. Writes to ROM are dropped, reads of
    // unmapped space give 0xFF bytes.
    void read_bytes(uint32_t paddr, void* dst, size_t n);
    void write_bytes(uint32_t paddr, const void* src, size_t n);
    // Writes that may also change ROM (firmware loading and the BIOS's own data areas).
    void load_bytes(uint32_t paddr, const void* src, size_t n);

    // Decoded-code tracking in 64-byte chunks (one bit each, 64 per page), so stores to data
    // that shares a page with code do not invalidate it.
    static constexpr unsigned CHUNK_SHIFT = 6;
    static uint64_t chunk_bits(uint32_t paddr, uint32_t len) {
        const unsigned first = (paddr & 0xFFF) >> CHUNK_SHIFT;
        const unsigned last = ((paddr & 0xFFF) + len - 1) >> CHUNK_SHIFT;  // same page
        const uint64_t upto = last == 63 ? ~0ull : (1ull << (last + 1)) - 1;
        return upto & ~((1ull << first) - 1);
    }
    bool holds_code(uint32_t paddr) const { return code_[paddr >> 12] != 0; }
    uint64_t code_mask(uint32_t paddr) const { return code_[paddr >> 12]; }
    void set_code_mask(uint32_t paddr, uint64_t mask) { code_[paddr >> 12] = mask; }
    // Called before bytes of a code page change: (paddr, length), never crossing a page.
    std::function<void(uint32_t, uint32_t)> on_code_write;
    // Called when set_shadow changed what an address reaches, so cached translations go.
    std::function<void()> on_remap;

private:
    // Rom: reads host, writes are dropped. ShadowWrite: reads host (a ROM, or 0xFF bytes when
    // null), writes go to the RAM beneath (ram_ + paddr).
    enum class Kind : uint8_t { Unmapped, Ram, Rom, Mmio, ShadowWrite };
    struct Page {
        uint8_t* host = nullptr;
        MmioDevice* mmio = nullptr;
        uint32_t mmio_base = 0;
        Kind kind = Kind::Unmapped;
    };
    void touch_code(uint32_t paddr, uint32_t n) {
        if ((code_[paddr >> 12] & chunk_bits(paddr, n)) && on_code_write) on_code_write(paddr, n);
    }
    void copy(uint32_t paddr, const void* src, size_t n, bool allow_rom);
    void log_unmapped(uint32_t paddr, bool write);
    // Where a page goes: the bus for shadowable pages that do not route there to RAM.
    void set_bus_page(uint32_t page, const Page& pg);
    Page routed(uint32_t page) const;
    static constexpr uint32_t SHADOW_PAGES = (SHADOW_END - SHADOW_BASE) / PAGE_SIZE;
    struct Shadow {
        Page bus;  // what the bus answers at this page
        bool read_ram = true, write_ram = true;
    };

    uint64_t ram_bytes_;
    uint8_t* ram_ = nullptr;
    size_t ram_map_bytes_ = 0;
    std::unique_ptr<Page[]> pages_;
    std::vector<uint64_t> code_;
    std::vector<std::unique_ptr<uint8_t[]>> roms_;
    Shadow shadow_[SHADOW_PAGES];
};

}  // namespace jitpc::memory
