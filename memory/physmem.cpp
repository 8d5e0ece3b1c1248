#include "memory/physmem.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <stdexcept>
#include <utility>

#include "logging/log.h"

namespace jitpc::memory {

PhysMemory::PhysMemory(RamLayout layout) : layout_(layout), chunks_(new std::unique_ptr<Chunk>[NUM_CHUNKS]) {
    if (layout.below_4g == 0 || layout.below_4g > RamLayout::PCI_HOLE || layout.below_4g % PAGE_SIZE ||
        layout.above_4g % PAGE_SIZE || layout.above_4g > PHYS_LIMIT - RamLayout::HIGH_BASE)
        throw std::invalid_argument("RAM below 4 GiB must be a multiple of 4 KiB between 4 KiB and 3.5 GiB, "
                                    "and RAM above it must fit the physical address space");
    // Anonymous mappings start zeroed, which the determinism rules require, and cost nothing
    // until touched.
    ram_map_bytes_ = layout.total();
    void* p = mmap(nullptr, ram_map_bytes_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    ram_ = static_cast<uint8_t*>(p);
    dirty_.resize((ram_pages() + 63) / 64);
}

std::vector<uint64_t> PhysMemory::take_dirty() {
    std::vector<uint64_t> out;
    for (size_t w = 0; w < dirty_.size(); ++w)
        for (uint64_t bits = std::exchange(dirty_[w], 0); bits; bits &= bits - 1)
            out.push_back(w * 64 + unsigned(__builtin_ctzll(bits)));
    if (on_clean) on_clean();
    return out;
}

bool PhysMemory::holds_ram(PhysAddr n) const {
    const PhysAddr begin = n << (12 + CHUNK_PAGE_BITS), end = begin + (PhysAddr(1) << (12 + CHUNK_PAGE_BITS));
    return begin < layout_.below_4g ||
           (layout_.above_4g && end > RamLayout::HIGH_BASE && begin < RamLayout::HIGH_BASE + layout_.above_4g);
}

void PhysMemory::make_chunk(PhysAddr n) const {
    auto c = std::make_unique<Chunk>();
    const PhysAddr begin = n << (12 + CHUNK_PAGE_BITS);
    for (size_t i = 0; i < (size_t(1) << CHUNK_PAGE_BITS); ++i) {
        const PhysAddr a = begin + PhysAddr(i) * PAGE_SIZE;
        if (a < layout_.below_4g) c->pages[i] = Page{ram_ + a, nullptr, 0, Kind::Ram};
        else if (a >= RamLayout::HIGH_BASE && a - RamLayout::HIGH_BASE < layout_.above_4g)
            c->pages[i] = Page{ram_ + layout_.below_4g + (a - RamLayout::HIGH_BASE), nullptr, 0, Kind::Ram};
    }
    chunks_[n] = std::move(c);
}

void PhysMemory::set_code_mask(PhysAddr paddr, uint64_t mask) {
    if (!chunk(paddr)) {
        if (!mask || paddr >= PHYS_LIMIT) return;
        page_for_map(paddr);
    }
    chunk(paddr)->code[slot(paddr)] = mask;
}

PhysMemory::Page& PhysMemory::page_for_map(PhysAddr paddr) {
    const PhysAddr n = paddr >> (12 + CHUNK_PAGE_BITS);
    if (!chunks_[n]) make_chunk(n);
    return chunks_[n]->pages[slot(paddr)];
}

PhysMemory::Page PhysMemory::routed(uint32_t page) const {
    const Shadow& sh = shadow_[page - SHADOW_BASE / PAGE_SIZE];
    const uint64_t addr = uint64_t(page) * PAGE_SIZE;
    if (addr >= layout_.below_4g) return sh.bus;  // no RAM beneath to shadow with
    uint8_t* ram = ram_ + addr;
    if (sh.read_ram) return Page{ram, nullptr, 0, sh.write_ram ? Kind::Ram : Kind::Rom};
    if (sh.write_ram && sh.bus.kind != Kind::Mmio) return Page{sh.bus.host, nullptr, 0, Kind::ShadowWrite};
    return sh.bus;
}

void PhysMemory::set_bus_page(PhysAddr paddr, const Page& pg) {
    if (paddr >= SHADOW_BASE && paddr < SHADOW_END) {
        const uint32_t page = uint32_t(paddr / PAGE_SIZE);
        shadow_[page - SHADOW_BASE / PAGE_SIZE].bus = pg;
        page_for_map(paddr) = routed(page);
    } else {
        page_for_map(paddr) = pg;
    }
}

PhysMemory::Page PhysMemory::bus_page(PhysAddr paddr) const {
    if (paddr >= SHADOW_BASE && paddr < SHADOW_END) return shadow_[(paddr - SHADOW_BASE) / PAGE_SIZE].bus;
    return page(paddr);
}

void PhysMemory::replace_bus_page(PhysAddr paddr, const Page& pg) {
    if (holds_code(paddr) && on_code_write) on_code_write(paddr, PAGE_SIZE);
    set_bus_page(paddr, pg);
    if (on_remap) on_remap();
}

void PhysMemory::overlay_mmio(PhysAddr base, MmioDevice* dev) {
    if (base % PAGE_SIZE || base >= PHYS_LIMIT)
        throw std::invalid_argument("an MMIO overlay must be a page inside the physical address space");
    overlays_.push_back({base, bus_page(base)});
    replace_bus_page(base, Page{nullptr, dev, base, Kind::Mmio});
}

void PhysMemory::remove_overlay(PhysAddr base) {
    for (auto o = overlays_.rbegin(); o != overlays_.rend(); ++o)
        if (o->base == base) {
            replace_bus_page(base, o->beneath);
            overlays_.erase(std::next(o).base());
            return;
        }
}

void PhysMemory::set_shadow(uint32_t base, uint32_t size, bool read_ram, bool write_ram) {
    if (base % PAGE_SIZE || size % PAGE_SIZE || base < SHADOW_BASE || uint64_t(base) + size > SHADOW_END)
        throw std::invalid_argument("shadow range must be page-aligned inside 0xC0000-0xFFFFF");
    bool remapped = false;
    for (uint32_t page = base / PAGE_SIZE; page < (base + size) / PAGE_SIZE; ++page) {
        Shadow& sh = shadow_[page - SHADOW_BASE / PAGE_SIZE];
        if (sh.read_ram == read_ram && sh.write_ram == write_ram) continue;
        Page& pg = page_for_map(PhysAddr(page) * PAGE_SIZE);
        const uint8_t* before = pg.host;
        sh.read_ram = read_ram;
        sh.write_ram = write_ram;
        const Page now = routed(page);
        // Blocks decoded from the bytes reads saw until now are not the code there any more.
        if (now.host != before && holds_code(page * PAGE_SIZE) && on_code_write)
            on_code_write(page * PAGE_SIZE, PAGE_SIZE);
        pg = now;
        remapped = true;
    }
    if (remapped && on_remap) on_remap();
}

PhysMemory::~PhysMemory() { munmap(ram_, ram_map_bytes_); }

void PhysMemory::map_rom(PhysAddr base, std::span<const uint8_t> data) {
    if (base % PAGE_SIZE || data.size() % PAGE_SIZE || data.empty() || base >= PHYS_LIMIT ||
        data.size() > PHYS_LIMIT - base)
        throw std::invalid_argument("ROM region must be page-aligned and inside the physical address space");
    const size_t size = data.size();
    auto buf = std::make_unique<uint8_t[]>(size);
    std::memcpy(buf.get(), data.data(), size);
    for (size_t off = 0; off < size; off += PAGE_SIZE)
        set_bus_page(base + off, Page{buf.get() + off, nullptr, 0, Kind::Rom});
    roms_.push_back({std::move(buf), size});
}

void PhysMemory::map_mmio(PhysAddr base, uint64_t size, MmioDevice* dev) {
    if (base % PAGE_SIZE || size % PAGE_SIZE || size == 0 || base >= PHYS_LIMIT || size > PHYS_LIMIT - base)
        throw std::invalid_argument("MMIO region must be page-aligned and inside the physical address space");
    for (uint64_t off = 0; off < size; off += PAGE_SIZE)
        set_bus_page(base + off, Page{nullptr, dev, base, Kind::Mmio});
}

void PhysMemory::log_unmapped(PhysAddr paddr, bool write) {
    // Firmware scans the option-ROM space for ROM signatures: an empty bus there is expected.
    if (paddr >= SHADOW_BASE && paddr < SHADOW_END) return;
    static logging::Site site{logging::GUEST_ERRORS, "unmapped physical access"};
    site.print("%s of unmapped physical address 0x%08llx", write ? "write" : "read",
               static_cast<unsigned long long>(paddr));
}

uint64_t PhysMemory::read64(PhysAddr paddr) {
    const Page& pg = page(paddr);
    if (pg.host) {  // RAM or ROM: what read() would read
        uint64_t v;
        std::memcpy(&v, pg.host + (paddr & 0xFFF), 8);
        return v;
    }
    return read(paddr, 4) | uint64_t(read(paddr + 4, 4)) << 32;
}

uint32_t PhysMemory::read(PhysAddr paddr, unsigned size) {
    const Page& pg = page(paddr);
    switch (pg.kind) {
    case Kind::Ram:
    case Kind::Rom:
    case Kind::ShadowWrite: {
        if (!pg.host) break;  // write-only shadow RAM over an empty bus
        return uint32_t(host_load(pg.host + (paddr & 0xFFF), size));
    }
    case Kind::Mmio: return pg.mmio->mmio_read(paddr - pg.mmio_base, size);
    case Kind::Unmapped: break;
    }
    log_unmapped(paddr, false);
    return size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
}

void PhysMemory::write(PhysAddr paddr, unsigned size, uint32_t value) {
    const Page& pg = page(paddr);
    switch (pg.kind) {
    case Kind::Ram:
        touch_code(paddr, size);
        mark_host(pg.host);
        host_store(pg.host + (paddr & 0xFFF), size, value);
        return;
    case Kind::Rom: return;  // writes to ROM are ignored, as on a real board without shadowing
    // Code decoded here came from the bus, not from this RAM: nothing to invalidate.
    case Kind::ShadowWrite:
        mark_host(ram_ + (paddr & PHYS_PAGE_MASK));
        host_store(ram_ + paddr, size, value);
        return;
    case Kind::Mmio: pg.mmio->mmio_write(paddr - pg.mmio_base, size, value); return;
    case Kind::Unmapped: log_unmapped(paddr, true); return;
    }
}

void PhysMemory::read_bytes(PhysAddr paddr, void* dst, size_t n) {
    auto* out = static_cast<uint8_t*>(dst);
    while (n) {
        const size_t part = std::min<size_t>(n, PAGE_SIZE - (paddr & 0xFFF));
        const Page& pg = page(paddr);
        if (pg.host)
            std::memcpy(out, pg.host + (paddr & 0xFFF), part);
        else
            for (size_t i = 0; i < part; ++i) out[i] = uint8_t(read(paddr + i, 1));
        out += part;
        paddr += part;
        n -= part;
    }
}

void PhysMemory::copy(PhysAddr paddr, const void* src, size_t n, bool allow_rom) {
    auto* in = static_cast<const uint8_t*>(src);
    while (n) {
        const size_t part = std::min<size_t>(n, PAGE_SIZE - (paddr & 0xFFF));
        const Page& pg = page(paddr);
        if (pg.kind == Kind::Ram || (pg.kind == Kind::Rom && allow_rom)) {
            touch_code(paddr, uint32_t(part));
            if (pg.kind == Kind::Ram) mark_host(pg.host);
            std::memcpy(pg.host + (paddr & 0xFFF), in, part);
        } else if (pg.kind == Kind::ShadowWrite) {
            mark_host(ram_ + (paddr & PHYS_PAGE_MASK));
            std::memcpy(ram_ + paddr, in, part);
        } else if (pg.kind != Kind::Rom) {
            for (size_t i = 0; i < part; ++i) write(paddr + i, 1, in[i]);
        }
        in += part;
        paddr += part;
        n -= part;
    }
}

void PhysMemory::write_bytes(PhysAddr paddr, const void* src, size_t n) { copy(paddr, src, n, false); }
void PhysMemory::load_bytes(PhysAddr paddr, const void* src, size_t n) { copy(paddr, src, n, true); }

}  // namespace jitpc::memory
