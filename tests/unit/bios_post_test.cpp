// The built-in BIOS after POST, on a whole machine: a one-sector boot disk halts at once, then
// each test calls services from real mode (INT n; CLI; HLT at 0000:7E00) and reads the results
// back as the caller would: registers, CF, memory, I/O ports.
#include <doctest/doctest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "bios/acpi_tables.h"
#include "machine/machine.h"
#include "temp_file.h"

using namespace jitpc;

namespace {

constexpr uint32_t SMAP = 0x534D4150;
constexpr uint32_t SNIPPET = 0x7E00;

// A boot disk whose first sector is CLI; HLT with the boot signature.
struct BootDisk {
    std::string path;
    BootDisk() {
        char tmpl[] = "/tmp/jitpc-post-XXXXXX";
        const int fd = mkstemp(tmpl);
        REQUIRE(fd >= 0);
        close(fd);
        path = tmpl;
        std::vector<char> sector(512 * 16);
        sector[0] = char(0xFA);
        sector[1] = char(0xF4);
        sector[510] = 0x55;
        sector[511] = char(0xAA);
        std::ofstream(path, std::ios::binary).write(sector.data(), std::streamsize(sector.size()));
    }
    ~BootDisk() { std::remove(path.c_str()); }
};

struct Regs {
    uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0, esi = 0, edi = 0;
    uint16_t es = 0;
};

struct PostFixture {
    BootDisk disk;
    test::TempFile floppy_image{1474560, [](uint64_t) { return uint8_t(0); }};  // blank 1.44 MB
    std::unique_ptr<machine::Machine> m;

    explicit PostFixture(uint64_t ram = 128ull << 20, bool floppy = false,
                         const cpu::CpuModel& model = cpu::models::pentium2) {
        machine::Config cfg;
        cfg.ram_bytes = ram;
        cfg.cpu_model = &model;
        cfg.debugcon = nullptr;
        cfg.drives.push_back({disk.path, machine::DriveConfig::Interface::Ide, false, 0, true});
        if (floppy)
            cfg.drives.push_back({floppy_image.path, machine::DriveConfig::Interface::Floppy, false, 0, true});
        m = std::make_unique<machine::Machine>(cfg);
        REQUIRE(m->run() == machine::EXIT_HALTED);  // POST done, the boot sector halted
        REQUIRE(m->cpu.seg[cpu::CS].sel == 0);
    }

    // Runs `code` at 0000:7E00 with the given registers until it halts; returns CF.
    bool run(std::vector<uint8_t> code, Regs& r) {
        m->mem.write_bytes(SNIPPET, code.data(), code.size());
        cpu::Cpu& c = m->cpu;
        c.load_seg(cpu::CS, 0);
        c.load_seg(cpu::SS, 0);
        c.load_seg(cpu::DS, 0);
        c.load_seg(cpu::ES, r.es);
        c.rip = SNIPPET;
        c.gpr[cpu::ESP] = 0x7000;
        c.gpr[cpu::EAX] = r.eax, c.gpr[cpu::EBX] = r.ebx, c.gpr[cpu::ECX] = r.ecx;
        c.gpr[cpu::EDX] = r.edx, c.gpr[cpu::ESI] = r.esi, c.gpr[cpu::EDI] = r.edi;
        c.halted = 0;
        REQUIRE(m->run() == machine::EXIT_HALTED);
        r = {c.reg<uint32_t>(cpu::EAX), c.reg<uint32_t>(cpu::EBX), c.reg<uint32_t>(cpu::ECX),
             c.reg<uint32_t>(cpu::EDX), c.reg<uint32_t>(cpu::ESI), c.reg<uint32_t>(cpu::EDI),
             c.seg[cpu::ES].sel};
        return c.flags.get() & cpu::EFLAGS_CF;
    }
    // INT n; CLI; HLT. STC first, so a service that forgets to report success is caught.
    bool call(uint8_t vector, Regs& r) { return run({0xF9, 0xCD, vector, 0xFA, 0xF4}, r); }

    uint32_t peek(uint32_t addr, unsigned n) {
        uint32_t v = 0;
        m->mem.read_bytes(addr, &v, n);
        return v;
    }
    uint8_t cmos(uint8_t index) {
        m->bus.io_write(0x70, 1, index);
        return uint8_t(m->bus.io_read(0x71, 1));
    }
    uint32_t pci_read(unsigned dev, unsigned func, unsigned reg, unsigned size) {
        m->bus.io_write(0xCF8, 4, 0x80000000u | dev << 11 | func << 8 | (reg & 0xFC));
        return m->bus.io_read(uint16_t(0xCFC + (reg & 3)), size);
    }

    struct Entry {
        uint64_t base, length;
        uint32_t type, attr;
    };
    std::vector<Entry> e820_walk() {
        std::vector<Entry> out;
        uint32_t cont = 0;
        do {
            Regs r{.eax = 0xE820, .ebx = cont, .ecx = 24, .edx = SMAP, .edi = 0x6000};
            REQUIRE_FALSE(call(0x15, r));
            CHECK(r.eax == SMAP);
            CHECK(r.ecx == 24);
            Entry e;
            m->mem.read_bytes(0x6000, &e.base, 8);
            m->mem.read_bytes(0x6008, &e.length, 8);
            e.type = peek(0x6010, 4);
            e.attr = peek(0x6014, 4);
            out.push_back(e);
            cont = r.ebx;
            REQUIRE(out.size() < 64);
        } while (cont);
        return out;
    }
};

// The map is `want` (base, length, type), in order, without overlaps, every entry enabled.
void check_map(const std::vector<PostFixture::Entry>& map,
               const std::vector<std::tuple<uint64_t, uint64_t, uint32_t>>& want) {
    REQUIRE(map.size() == want.size());
    for (size_t i = 0; i < map.size(); ++i) {
        CAPTURE(i);
        CHECK(map[i].base == std::get<0>(want[i]));
        CHECK(map[i].length == std::get<1>(want[i]));
        CHECK(map[i].type == std::get<2>(want[i]));
        CHECK(map[i].attr == 1);
        if (i) CHECK(map[i - 1].base + map[i - 1].length <= map[i].base);
    }
}

}  // namespace

TEST_CASE("BIOS POST: the E820 map through INT 15h, -m 128M") {
    PostFixture f;
    const auto map = f.e820_walk();
    const uint64_t top = 128ull << 20, acpi = top - bios::Bios::ACPI_AREA_SIZE;
    const std::vector<std::tuple<uint64_t, uint64_t, uint32_t>> want = {
        {0, 0x9FC00, 1},         {0x9FC00, 0x400, 2},        {0xF0000, 0x10000, 2},
        {0x100000, acpi - 0x100000, 1}, {acpi, top - acpi, 2}, {0xFFFF0000, 0x10000, 2}};
    check_map(map, want);

    // With an APIC (-cpu max) the I/O APIC's, the HPET's and the local APIC's pages are
    // reserved too.
    PostFixture max(128ull << 20, false, cpu::models::max);
    const auto apic_map = max.e820_walk();
    REQUIRE(apic_map.size() == want.size() + 3);
    for (unsigned i = 0; i < 3; ++i) {
        CAPTURE(i);
        CHECK(apic_map[5 + i].base == std::array<uint64_t, 3>{0xFEC00000, 0xFED00000, 0xFEE00000}[i]);
        CHECK(apic_map[5 + i].length == (i == 1 ? 0x400u : 0x1000u));
        CHECK(apic_map[5 + i].type == 2);
    }

    // The 20-byte form, and the calls that must fail.
    Regs r{.eax = 0xE820, .ebx = 1, .ecx = 20, .edx = SMAP, .edi = 0x6000};
    CHECK_FALSE(f.call(0x15, r));
    CHECK(r.ecx == 20);
    CHECK(r.ebx == 2);
    r = {.eax = 0xE820, .ebx = uint32_t(map.size()), .ecx = 24, .edx = SMAP, .edi = 0x6000};
    CHECK(f.call(0x15, r));
    r = {.eax = 0xE820, .ebx = 0, .ecx = 24, .edx = 0, .edi = 0x6000};
    CHECK(f.call(0x15, r));
    r = {.eax = 0xE820, .ebx = 0, .ecx = 16, .edx = SMAP, .edi = 0x6000};
    CHECK(f.call(0x15, r));
}

// QEMU's pc with -m 5G: 3 GiB below 4 GiB, the rest from 4 GiB up with its own entry; the max
// model's I/O APIC, HPET and local APIC pages reserved.
TEST_CASE("BIOS POST: the E820 map and CMOS sizes with RAM above 4 GiB (-m 5G, -cpu max)") {
    PostFixture f(5ull << 30, false, cpu::models::max);
    const auto map = f.e820_walk();
    const uint64_t low = 3ull << 30, acpi = low - bios::Bios::ACPI_AREA_SIZE;
    const std::vector<std::tuple<uint64_t, uint64_t, uint32_t>> want = {
        {0, 0x9FC00, 1},          {0x9FC00, 0x400, 2},      {0xF0000, 0x10000, 2},
        {0x100000, acpi - 0x100000, 1}, {acpi, low - acpi, 2}, {0xFEC00000, 0x1000, 2},
        {0xFED00000, 0x400, 2},   {0xFEE00000, 0x1000, 2},  {0xFFFF0000, 0x10000, 2},
        {1ull << 32, 2ull << 30, 1}};
    check_map(map, want);
    // 0x34/0x35: 64 KiB units from 16 MiB to the top below 4 GiB; 0x5B-0x5D: those above 4 GiB.
    CHECK((f.cmos(0x34) | f.cmos(0x35) << 8) == ((3u << 30) - (16u << 20)) >> 16);
    CHECK((f.cmos(0x5B) | f.cmos(0x5C) << 8 | f.cmos(0x5D) << 16) == (2u << 30) >> 16);
    CHECK((f.cmos(0x17) | f.cmos(0x18) << 8) == 0xFFFF);
    // The RAM up there is RAM: what is written reads back, from the host's view too.
    f.m->mem.write(0x180000000ull - 4, 4, 0xCAFEF00D);
    CHECK(f.m->mem.read(0x180000000ull - 4, 4) == 0xCAFEF00D);
    CHECK(f.m->mem.read(0x180000000ull, 4) == 0xFFFFFFFF);  // past its end: unmapped
    CHECK(f.m->mem.read(0xD0000000ull, 4) == 0xFFFFFFFF);   // the PCI hole's empty part
}

TEST_CASE("BIOS POST: 3584M on the pentium2 stays below 4 GiB; on max it splits as QEMU's pc") {
    {
        PostFixture f(3584ull << 20);
        const auto map = f.e820_walk();
        CHECK(map.back().base == 0xFFFF0000);
        CHECK((f.cmos(0x5B) | f.cmos(0x5C) | f.cmos(0x5D)) == 0);
        CHECK(f.m->mem.layout().below_4g == 0xE0000000);
    }
    {
        PostFixture f(3584ull << 20, false, cpu::models::max);
        CHECK(f.m->mem.layout().below_4g == 0xC0000000);
        CHECK(f.m->mem.layout().above_4g == 0x20000000);
        CHECK((f.cmos(0x5B) | f.cmos(0x5C) << 8 | f.cmos(0x5D) << 16) == 0x2000);
    }
}

TEST_CASE("BIOS POST: E801h and 88h stop below the ACPI block") {
    struct Case {
        uint64_t ram;
        uint16_t low_kib, high_blocks, ext_kib;
    };
    // 64 KiB of ACPI block off the top; 88h caps at 63 MiB.
    for (const Case& c : {Case{128ull << 20, 15360, 1791, 0xFC00}, Case{1ull << 30, 15360, 16127, 0xFC00},
                          Case{8ull << 20, 7104, 0, 7104}}) {
        CAPTURE(c.ram);
        PostFixture f(c.ram);
        Regs r{.eax = 0xE801};
        CHECK_FALSE(f.call(0x15, r));
        CHECK(uint16_t(r.eax) == c.low_kib);
        CHECK(uint16_t(r.ecx) == c.low_kib);
        CHECK(uint16_t(r.ebx) == c.high_blocks);
        CHECK(uint16_t(r.edx) == c.high_blocks);
        r = {.eax = 0x8800};
        CHECK_FALSE(f.call(0x15, r));
        CHECK(uint16_t(r.eax) == c.ext_kib);
    }
}

TEST_CASE("BIOS POST: INT 15h AH=87h copies between physical addresses within the limits") {
    PostFixture f;
    const char msg[] = "block move!";
    f.m->mem.write_bytes(0x200000, msg, sizeof msg);
    // GDT at 0000:6000: entries 2 (source) and 3 (destination), limit 0xFFFF.
    auto descriptor = [&](uint32_t at, uint32_t base, uint16_t limit) {
        const uint8_t d[8] = {uint8_t(limit), uint8_t(limit >> 8), uint8_t(base), uint8_t(base >> 8),
                              uint8_t(base >> 16), 0x93, 0, uint8_t(base >> 24)};
        f.m->mem.write_bytes(0x6000 + at, d, 8);
    };
    descriptor(0x10, 0x200000, 0xFFFF);
    descriptor(0x18, 0x3000000, 0xFFFF);
    Regs r{.eax = 0x8700, .ecx = (sizeof msg + 1) / 2, .esi = 0x6000};
    CHECK_FALSE(f.call(0x15, r));
    CHECK(uint8_t(r.eax >> 8) == 0);
    char got[sizeof msg] = {};
    f.m->mem.read_bytes(0x3000000, got, sizeof got);
    CHECK(std::string(got) == msg);

    descriptor(0x18, 0x3100000, 3);  // 12 bytes do not fit a 4-byte limit
    r = {.eax = 0x8700, .ecx = 6, .esi = 0x6000};
    CHECK(f.call(0x15, r));
    CHECK(uint8_t(r.eax >> 8) == 0x02);
    CHECK(f.peek(0x3100000, 4) == 0);
}

TEST_CASE("BIOS POST: INT 15h AX=2400h-2403h gate A20 for real") {
    PostFixture f;
    Regs r{.eax = 0x2403};
    CHECK_FALSE(f.call(0x15, r));
    CHECK(uint16_t(r.ebx) == 3);  // keyboard controller and port 92h

    r = {.eax = 0x2400};
    CHECK_FALSE(f.call(0x15, r));
    r = {.eax = 0x2402};
    CHECK_FALSE(f.call(0x15, r));
    CHECK(uint8_t(r.eax) == 0);
    // PUSH 0FFFFh; POP ES; MOV BYTE [ES:10h], 5Ah; CLI; HLT: wraps to 0:0 while A20 is masked.
    const std::vector<uint8_t> poke = {0x68, 0xFF, 0xFF, 0x07, 0x26, 0xC6, 0x06, 0x10, 0x00, 0x5A, 0xFA, 0xF4};
    Regs none;
    f.run(poke, none);
    CHECK(f.peek(0, 1) == 0x5A);
    CHECK(f.peek(0x100000, 1) == 0);

    r = {.eax = 0x2401};
    CHECK_FALSE(f.call(0x15, r));
    r = {.eax = 0x2402};
    CHECK_FALSE(f.call(0x15, r));
    CHECK(uint8_t(r.eax) == 1);
    f.m->mem.write_bytes(0, "\0", 1);
    f.run(poke, none);
    CHECK(f.peek(0x100000, 1) == 0x5A);
    CHECK(f.peek(0, 1) == 0);
}

TEST_CASE("BIOS POST: the RSDP is found in the F segment and leads to the tables") {
    PostFixture f;
    uint32_t found = 0;
    for (uint32_t a = 0xE0000; a < 0x100000 && !found; a += 16) {
        uint8_t b[bios::RSDP_SIZE];
        f.m->mem.read_bytes(a, b, sizeof b);
        if (std::memcmp(b, "RSD PTR ", 8) == 0 && bios::acpi_sum(b) == 0) found = a;
    }
    REQUIRE(found);
    const uint32_t rsdt = f.peek(found + 16, 4);
    auto table_ok = [&](uint32_t at, const char* sig) {
        std::vector<uint8_t> t(f.peek(at + 4, 4));
        REQUIRE(t.size() >= 36);
        f.m->mem.read_bytes(at, t.data(), t.size());
        CHECK(std::memcmp(t.data(), sig, 4) == 0);
        CHECK(bios::acpi_sum(t) == 0);
    };
    table_ok(rsdt, "RSDT");
    const uint32_t fadt = f.peek(rsdt + 36, 4);
    table_ok(fadt, "FACP");
    table_ok(f.peek(fadt + 40, 4), "DSDT");
    // Every table lies in the reserved block E820 reports.
    const uint32_t acpi = f.m->bios->acpi_base();
    CHECK(rsdt >= acpi);
    CHECK(rsdt < acpi + bios::Bios::ACPI_AREA_SIZE);
}

TEST_CASE("BIOS POST: PCI IDE decode, PIRQ routing and the ELCR") {
    PostFixture f;
    CHECK(f.pci_read(1, 1, 0x40, 2) == 0x8000);
    CHECK(f.pci_read(1, 1, 0x42, 2) == 0x8000);
    CHECK(f.pci_read(1, 1, 0x20, 4) == 0xC001);                   // BAR4: I/O at 0xC000
    CHECK((f.pci_read(1, 1, 0x04, 2) & 0x5) == 0x5);              // I/O space, bus master
    CHECK(f.pci_read(1, 0, 0x60, 4) == 0x0B0B0A0Au);              // PIRQA-D: 10, 10, 11, 11
    CHECK(f.m->isa_bridge.pirq_irq(0) == 10);
    CHECK(f.m->isa_bridge.pirq_irq(3) == 11);
    CHECK(f.m->bus.io_read(0x4D0, 1) == 0x00);
    CHECK(f.m->bus.io_read(0x4D1, 1) == 0x0E);                     // IRQ 9, 10, 11 level
}

TEST_CASE("BIOS POST: the BDA, EBDA and INT 11h/12h") {
    PostFixture f(128ull << 20, true);
    CHECK(f.peek(0x400, 2) == 0x3F8);
    CHECK(f.peek(0x402, 2) == 0x2F8);
    CHECK(f.peek(0x40E, 2) == 0x9FC0);
    CHECK(f.peek(0x413, 2) == 639);
    CHECK(f.peek(0x9FC00, 1) == 1);
    CHECK(f.peek(0x475, 1) == 1);
    CHECK(f.peek(0x41A, 2) == 0x1E);
    CHECK(f.peek(0x41C, 2) == 0x1E);
    CHECK(f.peek(0x480, 2) == 0x1E);
    CHECK(f.peek(0x482, 2) == 0x3E);
    CHECK(f.peek(0x449, 1) == 3);
    CHECK(f.peek(0x44A, 2) == 80);
    CHECK(f.peek(0x484, 1) == 24);
    // Two serial ports, 80x25 colour, x87, one floppy.
    const uint16_t equipment = 2 << 9 | 2 << 4 | 1 << 1 | 1 << 0;
    Regs r;
    f.call(0x11, r);
    CHECK(uint16_t(r.eax) == equipment);
    r = {};
    f.call(0x12, r);
    CHECK(uint16_t(r.eax) == 639);
    // CMOS: one 1.44 MB drive A, and the equipment byte says so.
    f.m->bus.io_write(0x70, 1, 0x10);
    CHECK(f.m->bus.io_read(0x71, 1) == 0x40);
    f.m->bus.io_write(0x70, 1, 0x14);
    CHECK((f.m->bus.io_read(0x71, 1) & 0xC1) == 0x01);
}

TEST_CASE("BIOS POST: INT 15h C0h, 86h, 4Fh and the refused calls") {
    PostFixture f;
    Regs r{.eax = 0xC000};
    CHECK_FALSE(f.call(0x15, r));
    CHECK(uint8_t(r.eax >> 8) == 0);
    const uint32_t table = uint32_t(r.es) * 16 + uint16_t(r.ebx);
    CHECK(table == 0xFE6F5);
    CHECK(f.peek(table, 2) == 8);
    CHECK(f.peek(table + 2, 1) == 0xFC);

    const uint64_t before = f.m->cpu.icount;
    r = {.eax = 0x8600, .ecx = 0, .edx = 5000};  // 5 ms
    CHECK_FALSE(f.call(0x15, r));
    CHECK(f.m->cpu.icount - before >= 5'000'000);

    r = {.eax = 0x4F1E};
    CHECK(f.call(0x15, r));
    CHECK(uint8_t(r.eax) == 0x1E);

    for (uint32_t ax : {0xE980u, 0x5300u, 0xC200u}) {
        CAPTURE(ax);
        r = {.eax = ax};
        CHECK(f.call(0x15, r));
        CHECK(uint8_t(r.eax >> 8) == 0x86);
    }
}

TEST_CASE("BIOS POST: MTRRs as QEMU's SeaBIOS sets them (RAM write-back, VGA window and PCI hole uncached)") {
    PostFixture f(128ull << 20, false, cpu::models::max);
    const cpu::MemoryTypeRegs& m = f.m->cpu.memtypes;
    CHECK(m.def_type == 0xC06);  // enabled, fixed ranges enabled, default write-back
    CHECK(m.fixed[0] == 0x0606060606060606);
    CHECK(m.fixed[1] == 0x0606060606060606);
    CHECK(m.fixed[2] == 0);
    for (unsigned i = 3; i < 11; ++i) CHECK(m.fixed[i] == 0x0505050505050505);
    CHECK(m.var[0] == 0xE0000000);    // base, uncached
    CHECK(m.var[1] == 0xFFE0000800);  // 512 MiB with 40 address bits, valid
    for (unsigned i = 2; i < 16; ++i) CHECK(m.var[i] == 0);
    CHECK(m.pat == cpu::MemoryTypeRegs::PAT_RESET);
    // The pentium2 has no MTRRs to set.
    PostFixture p2;
    CHECK(p2.m->cpu.memtypes.def_type == 0);
}
