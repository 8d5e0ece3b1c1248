#include "bios/multiboot.h"

#include <cstring>
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
// Where the information structure and its strings go: conventional memory, below any kernel
// that loads at 1 MiB.
constexpr uint32_t INFO_BASE = 0x9000;
constexpr uint32_t INFO_LIMIT = 0x9F000;


struct Loaded {
    uint32_t entry = 0;
    uint32_t end = 0;  // first physical byte after the kernel image
};

std::runtime_error bad(const std::string& path, const std::string& why) {
    return std::runtime_error("kernel '" + path + "': " + why);
}

void check_ram(const memory::PhysMemory& mem, const std::string& path, uint64_t addr, uint64_t len) {
    if (addr < 0x100000 && addr + len > 0xA0000 && len)
        throw bad(path, "a segment overlaps the legacy video/ROM hole at 0xA0000-0xFFFFF");
    if (addr + len > mem.ram_size())
        throw bad(path, "a segment ends beyond guest RAM (" + std::to_string(mem.ram_size() >> 20) +
                            " MiB); give more memory with -m");
}

Loaded load_elf(memory::PhysMemory& mem, const std::string& path, const std::vector<uint8_t>& f) {
    if (f.size() < 52 || std::memcmp(f.data(), "\x7f" "ELF", 4) != 0)
        throw bad(path, "no a.out kludge in the Multiboot header and not an ELF file");
    if (f[4] != 1 || f[5] != 1 || le16(&f[18]) != 3)
        throw bad(path, "not a 32-bit little-endian i386 ELF");
    const uint32_t phoff = le32(&f[28]);
    const uint16_t phentsize = le16(&f[42]), phnum = le16(&f[44]);
    if (phentsize < 32 || uint64_t(phoff) + uint64_t(phnum) * phentsize > f.size())
        throw bad(path, "program headers lie outside the file");
    Loaded l;
    l.entry = le32(&f[24]);
    bool any = false;
    for (unsigned n = 0; n < phnum; ++n) {
        const size_t ph = phoff + size_t(n) * phentsize;
        if (le32(&f[ph]) != 1) continue;  // PT_LOAD only
        const uint32_t off = le32(&f[ph + 4]), paddr = le32(&f[ph + 12]);
        const uint32_t filesz = le32(&f[ph + 16]), memsz = le32(&f[ph + 20]);
        if (filesz > memsz || uint64_t(off) + filesz > f.size())
            throw bad(path, "a loadable segment lies outside the file");
        check_ram(mem, path, paddr, memsz);
        mem.write_bytes(paddr, f.data() + off, filesz);
        const std::vector<uint8_t> zeros(memsz - filesz, 0);
        mem.write_bytes(paddr + filesz, zeros.data(), zeros.size());
        l.end = std::max<uint32_t>(l.end, paddr + memsz);
        any = true;
    }
    if (!any) throw bad(path, "no loadable segment");
    return l;
}

Loaded load_aout(memory::PhysMemory& mem, const std::string& path, const std::vector<uint8_t>& f,
                 size_t hdr) {
    if (hdr + 32 > f.size()) throw bad(path, "truncated Multiboot header");
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
    check_ram(mem, path, load_addr, uint64_t(bss_end) - load_addr);
    mem.write_bytes(load_addr, f.data() + file_off, load_end - load_addr);
    const std::vector<uint8_t> zeros(bss_end - load_end, 0);
    mem.write_bytes(load_end, zeros.data(), zeros.size());
    return Loaded{entry, bss_end};
}

// Bump allocator for the information structure area.
struct InfoArea {
    memory::PhysMemory& mem;
    uint32_t next = INFO_BASE;
    uint32_t alloc(uint32_t n) {
        next = (next + 15) & ~15u;
        if (next + n > INFO_LIMIT) throw std::runtime_error("Multiboot: command line or module list too long");
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

// The header must lie, 4-byte aligned, in the first 8 KiB; SIZE_MAX when there is none.
size_t find_header(const std::vector<uint8_t>& f) {
    for (size_t off = 0; off + 12 <= f.size() && off < 8192; off += 4)
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
        throw bad(kernel, "requires Multiboot features this loader does not have (flags 0x" +
                              [&] { std::ostringstream o; o << std::hex << flags; return o.str(); }() + ")");
    const Loaded k = (flags & FLAG_AOUT_KLUDGE) ? load_aout(mem, kernel, f, hdr) : load_elf(mem, kernel, f);

    InfoArea area{mem};
    const uint32_t info = area.alloc(88);
    const std::vector<uint8_t> zero(88, 0);
    mem.write_bytes(info, zero.data(), zero.size());
    uint32_t info_flags = 1u << 0 | 1u << 2 | 1u << 6 | 1u << 9;
    area.put32(info + 4, 639);
    area.put32(info + 8, uint32_t((mem.ram_size() - 0x100000) >> 10));
    area.put32(info + 16, area.put_string(kernel + (cmdline.empty() ? "" : " " + cmdline)));
    area.put32(info + 64, area.put_string("jitpc"));

    // Memory map: conventional memory, the EBDA-sized top of it and the ROM area reserved,
    // then extended memory.
    struct Range { uint64_t base, len; uint32_t type; };
    const Range ranges[] = {{0, 0x9FC00, 1}, {0x9FC00, 0x400, 2}, {0xF0000, 0x10000, 2},
                            {0x100000, mem.ram_size() - 0x100000, 1}};
    const uint32_t mmap = area.alloc(sizeof(ranges) / sizeof(ranges[0]) * 24);
    uint32_t p = mmap;
    for (const Range& r : ranges) {
        area.put32(p, 20);
        mem.write_bytes(p + 4, &r.base, 8);
        mem.write_bytes(p + 12, &r.len, 8);
        area.put32(p + 20, r.type);
        p += 24;
    }
    area.put32(info + 44, p - mmap);
    area.put32(info + 48, mmap);

    if (!initrd.empty()) {
        std::vector<std::string> mods;
        std::stringstream ss(initrd);
        for (std::string m; std::getline(ss, m, ',');) mods.push_back(m);
        const uint32_t list = area.alloc(uint32_t(mods.size()) * 16);
        uint64_t at = (uint64_t(k.end) + 0xFFF) & ~0xFFFull;
        uint32_t e = list;
        for (const auto& m : mods) {
            const auto data = read_file(m, "module", 1ull << 30);
            if (at + data.size() > mem.ram_size())
                throw std::runtime_error("module '" + m + "' does not fit in guest RAM; give more memory with -m");
            mem.write_bytes(uint32_t(at), data.data(), data.size());
            area.put32(e, uint32_t(at));
            area.put32(e + 4, uint32_t(at + data.size()));
            area.put32(e + 8, area.put_string(m));
            area.put32(e + 12, 0);
            e += 16;
            at = (at + data.size() + 0xFFF) & ~0xFFFull;
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
    cpu.eip = k.entry;
    cpu.flags.set(0, EFLAGS_WRITABLE);
    cpu.set_a20(true);
    cpu.enter_flat32();
}

}  // namespace jitpc::bios
