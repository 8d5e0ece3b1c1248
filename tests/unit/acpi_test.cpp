// The firmware's ACPI tables as an OS parser reads them (checksums, the FADT fields Linux acts
// on, the DSDT's _S5_ and PCI root bridge), and the PM1a registers they point at, driven the
// way ACPICA powers off: SLP_TYP from _S5_, then SLP_EN.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "bios/acpi_tables.h"
#include "devices/acpi_pm.h"

using namespace jitpc;
using devices::AcpiPm;

namespace {

constexpr uint32_t BASE = 0x07FF0000;

struct Tables {
    bios::AcpiTables t = bios::build_acpi(BASE);
    uint64_t get(uint32_t addr, unsigned n) const {
        REQUIRE(n <= 8);
        uint64_t v = 0;
        for (unsigned i = 0; i < n; ++i) v |= uint64_t(t.bytes.at(addr - BASE + i)) << (8 * i);
        return v;
    }
    std::span<const uint8_t> table(uint32_t addr) const {
        return {t.bytes.data() + (addr - BASE), uint32_t(get(addr + 4, 4))};
    }
    std::string sig(uint32_t addr) const {
        return std::string(reinterpret_cast<const char*>(t.bytes.data() + (addr - BASE)), 4);
    }
    uint32_t fadt() const { return uint32_t(get(t.rsdt + 36, 4)); }
    uint32_t dsdt() const { return uint32_t(get(fadt() + 40, 4)); }
    uint32_t facs() const { return uint32_t(get(fadt() + 36, 4)); }
};

// An EISA id as AML stores it after DWordPrefix: three 5-bit letters, then four hex digits,
// big-endian.
std::vector<uint8_t> eisa_id(const char* s) {
    const unsigned v = ((s[0] - '@') << 10) | ((s[1] - '@') << 5) | (s[2] - '@');
    const unsigned product = std::stoul(std::string(s + 3), nullptr, 16);
    return {0x0C, uint8_t(v >> 8), uint8_t(v), uint8_t(product >> 8), uint8_t(product)};
}

bool contains(std::span<const uint8_t> hay, std::span<const uint8_t> needle) {
    return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

// The first element of the DSDT's _S5_ package (SLP_TYP for PM1a), decoding the integer forms
// iasl emits for small constants.
unsigned s5_slp_typ(std::span<const uint8_t> dsdt) {
    const uint8_t name[] = {'_', 'S', '5', '_'};
    auto it = std::search(dsdt.begin(), dsdt.end(), std::begin(name), std::end(name));
    REQUIRE(it != dsdt.end());
    const size_t at = size_t(it - dsdt.begin()) + 4;
    REQUIRE(dsdt[at] == 0x12);  // PackageOp
    REQUIRE((dsdt[at + 1] & 0xC0) == 0);  // one-byte PkgLength
    REQUIRE(dsdt[at + 2] == 4);
    const uint8_t op = dsdt[at + 3];
    if (op == 0x0A) return dsdt[at + 4];  // BytePrefix
    REQUIRE((op == 0x00 || op == 0x01));  // ZeroOp / OneOp
    return op;
}

struct PmFixture {
    uint64_t ticks = 0;
    devices::Clock clock{ticks};
    std::vector<bool> sci;
    int power_offs = 0;
    AcpiPm pm{clock, AcpiPm::Wiring{[this](bool l) { sci.push_back(l); }, [this] { ++power_offs; }}};
    uint16_t sts() { return uint16_t(pm.port_read(AcpiPm::EVT_PORT, 2)); }
    uint16_t cnt() { return uint16_t(pm.port_read(AcpiPm::CNT_PORT, 2)); }
    uint32_t tmr() { return pm.port_read(AcpiPm::TMR_PORT, 4); }
};

}  // namespace

TEST_CASE("ACPI: RSDP is a checksummed ACPI 1.0 pointer to the RSDT") {
    Tables t;
    const auto r = bios::rsdp(t.t.rsdt);
    REQUIRE(r.size() == 20);
    CHECK(std::memcmp(r.data(), "RSD PTR ", 8) == 0);
    CHECK(bios::acpi_sum(r) == 0);
    CHECK(r[15] == 0);
    CHECK((r[16] | r[17] << 8 | r[18] << 16 | uint32_t(r[19]) << 24) == t.t.rsdt);
}

TEST_CASE("ACPI: RSDT -> FADT -> DSDT/FACS chain with valid checksums") {
    Tables t;
    CHECK(t.sig(t.t.rsdt) == "RSDT");
    CHECK(t.get(t.t.rsdt + 4, 4) == 40);  // exactly one entry
    CHECK(t.sig(t.fadt()) == "FACP");
    CHECK(t.sig(t.dsdt()) == "DSDT");
    CHECK(t.sig(t.facs()) == "FACS");
    for (uint32_t a : {t.t.rsdt, t.fadt(), t.dsdt()}) CHECK(bios::acpi_sum(t.table(a)) == 0);
    CHECK(t.facs() % 64 == 0);
    CHECK(t.get(t.facs() + 4, 4) == 64);
    CHECK(t.dsdt() - BASE + bios::dsdt_aml.size() <= t.t.bytes.size());
    CHECK_THROWS(bios::build_acpi(BASE + 16));
}

TEST_CASE("ACPI: FADT fields Linux acts on") {
    Tables t;
    const uint32_t f = t.fadt();
    CHECK(t.get(f + 4, 4) == 244);
    CHECK(t.get(f + 8, 1) == 3);
    CHECK(t.get(f + 46, 2) == 9);     // SCI_INT
    CHECK(t.get(f + 48, 4) == 0);     // SMI_CMD: no mode switch
    CHECK(t.get(f + 56, 4) == AcpiPm::EVT_PORT);
    CHECK(t.get(f + 64, 4) == AcpiPm::CNT_PORT);
    CHECK(t.get(f + 76, 4) == 0);     // no PM timer
    CHECK(t.get(f + 88, 1) == 4);
    CHECK(t.get(f + 89, 1) == 2);
    CHECK(t.get(f + 91, 1) == 0);
    CHECK(t.get(f + 108, 1) == 0x32);  // CENTURY
    CHECK(t.get(f + 109, 2) == 0x0003);  // LEGACY_DEVICES | 8042
    const uint32_t flags = uint32_t(t.get(f + 112, 4));
    CHECK((flags & 0x30) == 0x30);  // no fixed power / sleep buttons
    CHECK((flags & (1u << 10)) != 0);  // RESET_REG supported
    CHECK(t.get(f + 116, 1) == 1);  // RESET_REG: system I/O
    CHECK(t.get(f + 117, 1) == 8);
    CHECK(t.get(f + 120, 8) == 0xCF9);
    CHECK(t.get(f + 128, 1) == 0x06);
    // The X_ forms agree with the 32-bit ones.
    CHECK(t.get(f + 132, 8) == t.facs());
    CHECK(t.get(f + 140, 8) == t.dsdt());
    CHECK(t.get(f + 148, 4) == 0x00002001);  // I/O, 32 bits
    CHECK(t.get(f + 152, 8) == AcpiPm::EVT_PORT);
    CHECK(t.get(f + 172, 4) == 0x00001001);  // I/O, 16 bits
    CHECK(t.get(f + 176, 8) == AcpiPm::CNT_PORT);
    CHECK(t.get(f + 208, 8) == 0);  // no X_PM_TMR_BLK either (12 bytes: get reads at most 8)
    CHECK(t.get(f + 216, 4) == 0);
}

TEST_CASE("ACPI: with the PM timer the FADT points at it, 32 bits wide, TMR_VAL_EXT clear") {
    const bios::AcpiTables tables = bios::build_acpi(BASE, {.pm_timer = true});
    Tables t{tables};
    const uint32_t f = t.fadt();
    CHECK(bios::acpi_sum(t.table(f)) == 0);
    CHECK(t.get(f + 76, 4) == AcpiPm::TMR_PORT);
    CHECK(t.get(f + 91, 1) == 4);
    CHECK(t.get(f + 208, 4) == 0x00002001);  // I/O, 32 bits
    CHECK(t.get(f + 212, 8) == AcpiPm::TMR_PORT);
    CHECK((t.get(f + 112, 4) & (1u << 8)) == 0);  // a 24-bit timer
}

TEST_CASE("ACPI: the DSDT has _S5_ and the PCI root bridge and ISA devices") {
    const auto d = bios::dsdt_aml;
    REQUIRE(d.size() > 36);
    CHECK(std::memcmp(d.data(), "DSDT", 4) == 0);
    CHECK(bios::acpi_sum(d) == 0);
    CHECK(s5_slp_typ(d) == AcpiPm::SLP_TYP_S5);
    for (const char* id : {"PNP0A03", "PNP0303", "PNP0501", "PNP0B00"}) {
        INFO(id);
        CHECK(contains(d, eisa_id(id)));
    }
    const uint8_t crs[] = {'_', 'C', 'R', 'S'}, pci0[] = {'P', 'C', 'I', '0'};
    CHECK(contains(d, crs));
    CHECK(contains(d, pci0));
}

TEST_CASE("ACPI PM: SCI_EN reads 1; writing _S5_'s SLP_TYP with SLP_EN powers off") {
    PmFixture f;
    CHECK(f.cnt() == AcpiPm::CNT_SCI_EN);
    const unsigned typ = s5_slp_typ(bios::dsdt_aml);
    // ACPICA: SLP_TYP first, then SLP_EN with it.
    f.pm.port_write(AcpiPm::CNT_PORT, 2, (typ << 10) | 1);
    CHECK(f.power_offs == 0);
    CHECK(f.cnt() == ((typ << 10) | 1));
    f.pm.port_write(AcpiPm::CNT_PORT, 2, (typ << 10) | (1u << 13) | 1);
    CHECK(f.power_offs == 1);
    CHECK((f.cnt() & AcpiPm::CNT_SLP_EN) == 0);  // write-only
}

TEST_CASE("ACPI PM: a byte write of PM1_CNT's high half carries SLP_TYP and SLP_EN together") {
    PmFixture f;
    f.pm.port_write(AcpiPm::CNT_PORT + 1, 1, (AcpiPm::SLP_TYP_S5 << 2) | 0x20);
    CHECK(f.power_offs == 1);
}

TEST_CASE("ACPI PM: another sleep type stays awake and sets WAK_STS, cleared by writing 1") {
    PmFixture f;
    f.pm.port_write(AcpiPm::CNT_PORT, 2, (1u << 10) | (1u << 13));  // S1-style request
    CHECK(f.power_offs == 0);
    CHECK(f.sts() == AcpiPm::STS_WAK);
    f.pm.port_write(AcpiPm::EVT_PORT, 2, 0x7FFF);  // writing 0 to WAK_STS keeps it
    CHECK(f.sts() == AcpiPm::STS_WAK);
    f.pm.port_write(AcpiPm::EVT_PORT + 1, 1, 0x80);
    CHECK(f.sts() == 0);
}

TEST_CASE("ACPI PM: PM1_EN keeps its defined bits; the SCI stays low with no status bit set") {
    PmFixture f;
    f.pm.port_write(AcpiPm::EVT_PORT, 4, 0xFFFF0000u);  // dword: STS (nothing set) and EN
    CHECK(f.pm.port_read(AcpiPm::EVT_PORT, 4) == uint32_t(AcpiPm::EN_WRITABLE) << 16);
    f.pm.port_write(AcpiPm::CNT_PORT, 2, (2u << 10) | (1u << 13));  // WAK_STS, not enabled
    CHECK(f.sci.empty());
    CHECK(f.pm.port_read(AcpiPm::CNT_PORT, 4) == 0xFFFF0000u + ((2u << 10) | 1));
}

TEST_CASE("ACPI PM timer: 24 bits at 3.579545 MHz of the virtual clock, read-only") {
    PmFixture f;
    CHECK(f.tmr() == 0);
    f.ticks = 1'000'000'000;  // one second
    CHECK(f.tmr() == 3'579'545);
    f.ticks = 279;  // the count's first step falls at 279.37 ns
    CHECK(f.tmr() == 0);
    f.ticks = 280;
    CHECK(f.tmr() == 1);
    f.ticks = devices::unscale(1u << 24, AcpiPm::TIMER_HZ, devices::TICKS_PER_SECOND);
    CHECK(f.tmr() == 0);  // wrapped
    f.ticks -= 1;
    CHECK(f.tmr() == 0xFFFFFF);
    const uint32_t v = f.tmr();
    CHECK(f.pm.port_read(AcpiPm::TMR_PORT + 2, 1) == (v >> 16 & 0xFF));
    CHECK(f.pm.port_read(AcpiPm::TMR_PORT + 3, 1) == 0);
    f.pm.port_write(AcpiPm::TMR_PORT, 4, 0);
    CHECK(f.tmr() == v);
}

TEST_CASE("ACPI PM timer: TMR_STS sets when bit 23 changes; with TMR_EN it raises the SCI") {
    PmFixture f;
    const uint64_t flip = devices::unscale(1u << 23, AcpiPm::TIMER_HZ, devices::TICKS_PER_SECOND);
    f.ticks = flip - 1;
    CHECK((f.sts() & AcpiPm::STS_TMR) == 0);
    f.ticks = flip;
    CHECK((f.sts() & AcpiPm::STS_TMR) != 0);
    f.pm.port_write(AcpiPm::EVT_PORT, 2, AcpiPm::STS_TMR);  // write 1 to clear
    CHECK((f.sts() & AcpiPm::STS_TMR) == 0);
    CHECK(f.clock.next_due() == devices::Clock::NEVER);  // nobody listens: nothing armed
    f.pm.port_write(AcpiPm::EVT_PORT + 2, 2, AcpiPm::EN_TMR);
    const uint64_t next = devices::unscale(2u << 23, AcpiPm::TIMER_HZ, devices::TICKS_PER_SECOND);
    CHECK(f.clock.next_due() == next);
    f.ticks = next;
    f.clock.fire_due(next);
    REQUIRE(f.sci.size() == 1);
    CHECK(f.sci[0]);
    f.pm.port_write(AcpiPm::EVT_PORT, 2, AcpiPm::STS_TMR);
    REQUIRE(f.sci.size() == 2);
    CHECK(!f.sci[1]);
    CHECK(f.clock.next_due() == devices::unscale(3u << 23, AcpiPm::TIMER_HZ, devices::TICKS_PER_SECOND));
}

TEST_CASE("ACPI: with the HPET the RSDT lists its table: block ID, base address, minimum tick") {
    const bios::AcpiTables tables = bios::build_acpi(BASE, {.pm_timer = true, .hpet = true});
    Tables t{tables};
    CHECK(t.get(t.t.rsdt + 4, 4) == 44);  // FADT and HPET
    CHECK(bios::acpi_sum(t.table(t.t.rsdt)) == 0);
    CHECK(t.sig(t.fadt()) == "FACP");
    const uint32_t h = uint32_t(t.get(t.t.rsdt + 40, 4));
    REQUIRE(t.sig(h) == "HPET");
    CHECK(t.get(h + 4, 4) == 56);
    CHECK(bios::acpi_sum(t.table(h)) == 0);
    CHECK(t.get(h + 36, 4) == 0x8086A201u);  // GCAP_ID's low half
    CHECK(t.get(h + 40, 1) == 0);             // system memory
    CHECK(t.get(h + 44, 8) == 0xFED00000u);
    CHECK(t.get(h + 52, 1) == 0);
    CHECK(t.get(h + 53, 2) == 128);
    // Every pointer the loader patches is listed (FACS and DSDT in the FADT twice each, FADT
    // and HPET in the RSDT).
    CHECK(t.t.pointers.size() == 6);
}

TEST_CASE("ACPI: with all three the RSDT lists FADT, MADT, HPET") {
    const bios::AcpiTables tables = bios::build_acpi(BASE, {.apic = true, .pm_timer = true, .hpet = true});
    Tables t{tables};
    CHECK(t.get(t.t.rsdt + 4, 4) == 48);
    CHECK(t.sig(uint32_t(t.get(t.t.rsdt + 36, 4))) == "FACP");
    CHECK(t.sig(uint32_t(t.get(t.t.rsdt + 40, 4))) == "APIC");
    CHECK(t.sig(uint32_t(t.get(t.t.rsdt + 44, 4))) == "HPET");
    for (uint32_t i = 0; i < 3; ++i) CHECK(bios::acpi_sum(t.table(uint32_t(t.get(t.t.rsdt + 36 + 4 * i, 4)))) == 0);
}

TEST_CASE("ACPI: with an APIC the RSDT lists a MADT: LAPIC, I/O APIC, IRQ 0 and SCI overrides, LINT1 NMI") {
    Tables t;
    t.t = bios::build_acpi(BASE, {.apic = true});
    REQUIRE(t.get(t.t.rsdt + 4, 4) == 44);  // two entries
    CHECK(bios::acpi_sum(t.table(t.t.rsdt)) == 0);
    CHECK(t.sig(t.fadt()) == "FACP");
    const uint32_t madt = uint32_t(t.get(t.t.rsdt + 40, 4));
    REQUIRE(t.sig(madt) == "APIC");
    CHECK(bios::acpi_sum(t.table(madt)) == 0);
    CHECK(t.get(madt + 36, 4) == 0xFEE00000);  // local APIC address
    CHECK(t.get(madt + 40, 4) == 1);           // PCAT_COMPAT
    const uint32_t end = madt + uint32_t(t.get(madt + 4, 4));
    std::vector<std::vector<uint64_t>> entries;
    for (uint32_t e = madt + 44; e < end; e += uint32_t(t.get(e + 1, 1))) {
        switch (t.get(e, 1)) {
        case 0: entries.push_back({0, t.get(e + 2, 1), t.get(e + 3, 1), t.get(e + 4, 4)}); break;
        case 1: entries.push_back({1, t.get(e + 2, 1), t.get(e + 4, 4), t.get(e + 8, 4)}); break;
        case 2: entries.push_back({2, t.get(e + 2, 1), t.get(e + 3, 1), t.get(e + 4, 4), t.get(e + 8, 2)}); break;
        case 4: entries.push_back({4, t.get(e + 2, 1), t.get(e + 3, 2), t.get(e + 5, 1)}); break;
        default: FAIL("unexpected MADT entry type " << t.get(e, 1));
        }
    }
    CHECK(entries == std::vector<std::vector<uint64_t>>{
                         {0, 0, 0, 1},              // processor UID 0, APIC ID 0, enabled
                         {1, 0, 0xFEC00000, 0},     // I/O APIC ID 0, GSI base 0
                         {2, 0, 0, 2, 0},           // ISA IRQ 0 -> GSI 2, conforming
                         {2, 0, 9, 9, 0x000D},      // SCI: level, active high
                         {4, 0xFF, 0, 1},           // NMI on LINT1 of every processor
                     });
    CHECK(t.dsdt() > madt);
    CHECK(bios::acpi_sum(t.table(t.dsdt())) == 0);
}
