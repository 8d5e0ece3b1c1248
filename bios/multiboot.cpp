#include "bios/multiboot.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "bios/file_util.h"

namespace jitpc::bios {

namespace {

constexpr uint32_t HEADER_MAGIC = 0x1BADB002;
constexpr uint32_t BOOT_MAGIC = 0x2BADB002;
constexpr uint32_t FLAG_PAGE_ALIGN = 1u << 0, FLAG_MEMINFO = 1u << 1, FLAG_VIDEO = 1u << 2,
                   FLAG_AOUT_KLUDGE = 1u << 16;
// The whole header must lie in the file's first 8 KiB (the specification's search rule): 12
// bytes, 32 with the a.out kludge's addresses, 48 with the video fields.
constexpr size_t SEARCH_BYTES = 8192;
constexpr uint32_t PAGE = 0x1000;

std::runtime_error bad(const std::string& path, const std::string& why) {
    return std::runtime_error("kernel '" + path + "': " + why);
}

std::string hex(uint64_t v) {
    std::ostringstream o;
    o << "0x" << std::hex << v;
    return o.str();
}

// Guest memory the loader fills: what the kernel's image occupies, then what the loader places
// itself (modules, then the information block), each in RAM nothing else holds yet, as GRUB
// does. An overlap in what the kernel asks for is refused.
class Placement {
public:
    explicit Placement(uint64_t ram_size) : ram_{{0, 0xA0000}, {0x100000, ram_size}} {}

    // Takes [begin, end) for the kernel image; `path` names it in the refusal.
    void claim(const std::string& path, uint64_t begin, uint64_t end) {
        if (begin == end) return;
        if (begin < 0x100000 && end > 0xA0000)
            throw bad(path, "a segment overlaps the legacy video/ROM hole at 0xA0000-0xFFFFF");
        if (end > ram_[1].end)
            throw bad(path, "a segment ends beyond guest RAM (" + std::to_string(ram_[1].end >> 20) +
                                " MiB); give more memory with -m");
        if (const Range* r = overlap(begin, end))
            throw bad(path, "segments overlap at " + hex(std::max(begin, r->begin)));
        used_.push_back({begin, end});
    }

    // The lowest `align`-aligned RAM address at or after the end of everything placed so far
    // where `bytes` fit (falling back to free RAM lower down), claimed; `what` names it when
    // nothing is left.
    uint32_t place(uint64_t bytes, uint64_t align, const std::string& what) {
        uint64_t after = PAGE;  // page 0 stays free: an info block at 0 would read as null
        for (const Range& u : used_) after = std::max(after, u.end);
        for (uint64_t from : {after, uint64_t(PAGE)})
            for (const Range& r : ram_)
                for (uint64_t a = align_up(std::max(from, r.begin), align); a + bytes <= r.end;) {
                    const Range* o = overlap(a, a + bytes);
                    if (!o) {
                        used_.push_back({a, a + bytes});
                        return uint32_t(a);
                    }
                    a = align_up(o->end, align);
                }
        throw std::runtime_error(what + " does not fit in guest RAM; give more memory with -m");
    }

private:
    struct Range { uint64_t begin, end; };
    static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }
    const Range* overlap(uint64_t begin, uint64_t end) const {
        for (const Range& u : used_)
            if (begin < u.end && u.begin < end) return &u;
        return nullptr;
    }
    const Range ram_[2];
    std::vector<Range> used_;
};

// Loads the PT_LOAD segments at their physical addresses; returns the entry point moved from
// its virtual address to the physical one through the segment holding it, as GRUB does (GNU
// Mach links at a virtual address that is not mapped at entry).
uint32_t load_elf(memory::PhysMemory& mem, Placement& place, const std::string& path,
                  const std::vector<uint8_t>& f) {
    if (f.size() < 52 || std::memcmp(f.data(), "\x7f" "ELF", 4) != 0)
        throw bad(path, "no a.out kludge in the Multiboot header and not an ELF file");
    if (f[4] != 1 || f[5] != 1 || le16(&f[18]) != 3)
        throw bad(path, "not a 32-bit little-endian i386 ELF");
    const uint32_t phoff = le32(&f[28]), entry = le32(&f[24]);
    const uint16_t phentsize = le16(&f[42]), phnum = le16(&f[44]);
    if (phentsize < 32 || uint64_t(phoff) + uint64_t(phnum) * phentsize > f.size())
        throw bad(path, "program headers lie outside the file");
    bool any = false;
    std::optional<uint32_t> physical_entry;
    for (unsigned n = 0; n < phnum; ++n) {
        const size_t ph = phoff + size_t(n) * phentsize;
        if (le32(&f[ph]) != 1) continue;  // PT_LOAD only
        const uint32_t off = le32(&f[ph + 4]), vaddr = le32(&f[ph + 8]), paddr = le32(&f[ph + 12]);
        const uint32_t filesz = le32(&f[ph + 16]), memsz = le32(&f[ph + 20]);
        if (filesz > memsz || uint64_t(off) + filesz > f.size())
            throw bad(path, "a loadable segment lies outside the file");
        place.claim(path, paddr, uint64_t(paddr) + memsz);
        mem.write_bytes(paddr, f.data() + off, filesz);
        const std::vector<uint8_t> zeros(memsz - filesz, 0);
        mem.write_bytes(paddr + filesz, zeros.data(), zeros.size());
        if (!physical_entry && entry - vaddr < memsz) physical_entry = entry - vaddr + paddr;
        any = true;
    }
    if (!any) throw bad(path, "no loadable segment");
    if (!physical_entry) throw bad(path, "the entry point " + hex(entry) + " lies in no loadable segment");
    return *physical_entry;
}

uint32_t load_aout(memory::PhysMemory& mem, Placement& place, const std::string& path,
                   const std::vector<uint8_t>& f, size_t hdr) {
    const uint32_t header_addr = le32(&f[hdr + 12]), load_addr = le32(&f[hdr + 16]);
    uint32_t load_end = le32(&f[hdr + 20]), bss_end = le32(&f[hdr + 24]);
    const uint32_t entry = le32(&f[hdr + 28]);
    if (load_addr > header_addr || header_addr - load_addr > hdr)
        throw bad(path, "Multiboot header addresses are inconsistent");
    const size_t file_off = hdr - (header_addr - load_addr);
    if (load_end == 0) load_end = load_addr + uint32_t(f.size() - file_off);
    if (load_end < load_addr || file_off + (load_end - load_addr) > f.size())
        throw bad(path, "load_end_addr lies beyond the end of the file");
    if (bss_end == 0) bss_end = load_end;
    if (bss_end < load_end) throw bad(path, "bss_end_addr is below load_end_addr");
    place.claim(path, load_addr, bss_end);
    mem.write_bytes(load_addr, f.data() + file_off, load_end - load_addr);
    const std::vector<uint8_t> zeros(bss_end - load_end, 0);
    mem.write_bytes(load_end, zeros.data(), zeros.size());
    return entry;
}

// The information block and what it points to (strings, memory map, module list), filled in
// one region the Placement found free: a bump allocator over it.
struct InfoArea {
    memory::PhysMemory& mem;
    uint32_t next, end;
    uint32_t alloc(uint32_t n) {
        next = (next + 15) & ~15u;
        if (next + n > end) throw std::logic_error("Multiboot information area sized too small");
        const uint32_t a = next;
        next += n;
        return a;
    }
    uint32_t put_string(const std::string& s) {
        const uint32_t a = alloc(uint32_t(s.size()) + 1);
        mem.write_bytes(a, s.c_str(), s.size() + 1);
        return a;
    }
    void put32(uint32_t addr, uint32_t v) { mem.write_bytes(addr, &v, 4); }
};

// The first 4-byte aligned magic with a valid checksum whose 12 bytes lie in the first 8 KiB;
// SIZE_MAX when there is none.
size_t find_header(const std::vector<uint8_t>& f) {
    for (size_t off = 0; off + 12 <= std::min(f.size(), SEARCH_BYTES); off += 4)
        if (le32(&f[off]) == HEADER_MAGIC && le32(&f[off]) + le32(&f[off + 4]) + le32(&f[off + 8]) == 0)
            return off;
    return SIZE_MAX;
}

}  // namespace

bool is_multiboot(const std::string& kernel) {
    return find_header(read_file(kernel, "kernel", 512ull << 20)) != SIZE_MAX;
}

void load_multiboot(memory::PhysMemory& mem, cpu::Cpu& cpu, const std::string& kernel,
                    const std::string& cmdline, const std::string& initrd) {
    const auto f = read_file(kernel, "kernel", 512ull << 20);
    const size_t hdr = find_header(f);
    if (hdr == SIZE_MAX) throw bad(kernel, "no Multiboot header in its first 8 KiB");
    const uint32_t flags = le32(&f[hdr + 4]);
    const uint32_t known = FLAG_PAGE_ALIGN | FLAG_MEMINFO | FLAG_VIDEO;
    if (flags & 0xFFFF & ~known)
        throw bad(kernel, "requires Multiboot features this loader does not have (flags " + hex(flags) + ")");
    const size_t header_bytes = flags & FLAG_VIDEO ? 48 : flags & FLAG_AOUT_KLUDGE ? 32 : 12;
    if (hdr + header_bytes > f.size()) throw bad(kernel, "truncated Multiboot header");
    if (hdr + header_bytes > SEARCH_BYTES)
        throw bad(kernel, "the Multiboot header runs past the first 8 KiB of the file");

    const memory::RamLayout& ram = mem.layout();
    Placement place(ram.below_4g);
    const uint32_t entry = (flags & FLAG_AOUT_KLUDGE) ? load_aout(mem, place, kernel, f, hdr)
                                                       : load_elf(mem, place, kernel, f);

    std::vector<std::string> mods;
    std::stringstream ss(initrd);
    for (std::string m; std::getline(ss, m, ',');) mods.push_back(m);
    struct Module { uint32_t start, end; };
    std::vector<Module> loaded;
    for (const std::string& m : mods) {
        const auto data = read_file(m, "module", 1ull << 30);
        const uint32_t at = place.place(std::max<size_t>(data.size(), 1), PAGE, "module '" + m + "'");
        mem.write_bytes(at, data.data(), data.size());
        loaded.push_back({at, uint32_t(at + data.size())});
    }

    // Memory map: conventional memory, the EBDA-sized top of it and the ROM area reserved,
    // then extended memory, and the RAM above 4 GiB if there is some.
    struct Range { uint64_t base, len; uint32_t type; };
    std::vector<Range> ranges = {{0, 0x9FC00, 1}, {0x9FC00, 0x400, 2}, {0xF0000, 0x10000, 2},
                                 {0x100000, ram.below_4g - 0x100000, 1}};
    if (ram.above_4g) ranges.push_back({memory::RamLayout::HIGH_BASE, ram.above_4g, 1});
    constexpr uint32_t INFO_BYTES = 88, MMAP_ENTRY = 24, MODULE_ENTRY = 16;
    const std::string command_line = kernel + (cmdline.empty() ? "" : " " + cmdline);
    const std::string loader_name = "jitpc";
    // Each piece starts 16-byte aligned: room for the padding of every one.
    uint64_t bytes = INFO_BYTES + command_line.size() + loader_name.size() + 2 +
                     ranges.size() * MMAP_ENTRY + mods.size() * MODULE_ENTRY + 16 * (5 + mods.size());
    for (const std::string& m : mods) bytes += m.size() + 1;
    const uint32_t base = place.place(bytes, 16, "the Multiboot information (command line and module list)");
    InfoArea area{mem, base, uint32_t(base + bytes)};
    const uint32_t info = area.alloc(INFO_BYTES);
    const std::vector<uint8_t> zero(INFO_BYTES, 0);
    mem.write_bytes(info, zero.data(), zero.size());
    uint32_t info_flags = 1u << 0 | 1u << 2 | 1u << 6 | 1u << 9;
    area.put32(info + 4, 639);
    area.put32(info + 8, uint32_t((ram.below_4g - 0x100000) >> 10));
    area.put32(info + 16, area.put_string(command_line));
    area.put32(info + 64, area.put_string(loader_name));
    const uint32_t mmap = area.alloc(uint32_t(ranges.size()) * MMAP_ENTRY);
    uint32_t p = mmap;
    for (const Range& r : ranges) {
        area.put32(p, MMAP_ENTRY - 4);
        mem.write_bytes(p + 4, &r.base, 8);
        mem.write_bytes(p + 12, &r.len, 8);
        area.put32(p + 20, r.type);
        p += MMAP_ENTRY;
    }
    area.put32(info + 44, p - mmap);
    area.put32(info + 48, mmap);
    if (!mods.empty()) {
        const uint32_t list = area.alloc(uint32_t(mods.size()) * MODULE_ENTRY);
        for (size_t i = 0; i < mods.size(); ++i) {
            const uint32_t e = list + uint32_t(i) * MODULE_ENTRY;
            area.put32(e, loaded[i].start);
            area.put32(e + 4, loaded[i].end);
            area.put32(e + 8, area.put_string(mods[i]));
            area.put32(e + 12, 0);
        }
        area.put32(info + 20, uint32_t(mods.size()));
        area.put32(info + 24, list);
        info_flags |= 1u << 3;
    }
    area.put32(info, info_flags);

    // Machine state at entry (Multiboot spec 3.2).
    using namespace cpu;
    cpu.gpr[EAX] = BOOT_MAGIC;
    cpu.gpr[EBX] = info;
    cpu.rip = entry;
    cpu.flags.set(0, EFLAGS_WRITABLE);
    cpu.set_a20(true);
    cpu.enter_flat32();
}

}  // namespace jitpc::bios
