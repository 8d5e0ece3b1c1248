#include "bios/acpi_tables.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "devices/acpi_pm.h"
#include "devices/hpet.h"
#include "devices/io_apic.h"
#include "devices/local_apic.h"

namespace jitpc::bios {

namespace {

using devices::AcpiPm;

constexpr uint8_t OEM_ID[6] = {'J', 'I', 'T', 'P', 'C', ' '};
constexpr uint8_t OEM_TABLE_ID[8] = {'J', 'I', 'T', 'P', 'C', 'A', 'C', 'P'};

// FADT byte offsets (ACPI 2.0 table 5-7).
enum FadtOffset : uint32_t {
    F_FIRMWARE_CTRL = 36, F_DSDT = 40, F_SCI_INT = 46, F_SMI_CMD = 48,
    F_PM1A_EVT_BLK = 56, F_PM1A_CNT_BLK = 64, F_PM_TMR_BLK = 76, F_PM1_EVT_LEN = 88, F_PM1_CNT_LEN = 89,
    F_PM_TMR_LEN = 91,
    F_P_LVL2_LAT = 96, F_P_LVL3_LAT = 98, F_CENTURY = 108, F_IAPC_BOOT_ARCH = 109, F_FLAGS = 112,
    F_RESET_REG = 116, F_RESET_VALUE = 128, F_X_FIRMWARE_CTRL = 132, F_X_DSDT = 140,
    F_X_PM1A_EVT_BLK = 148, F_X_PM1A_CNT_BLK = 172, F_X_PM_TMR_BLK = 208,
};
constexpr uint16_t BOOT_ARCH_LEGACY_DEVICES = 1u << 0, BOOT_ARCH_8042 = 1u << 1;
constexpr uint32_t FLAG_WBINVD = 1u << 0, FLAG_PROC_C1 = 1u << 2, FLAG_PWR_BUTTON = 1u << 4,
                   FLAG_SLP_BUTTON = 1u << 5, FLAG_FIX_RTC = 1u << 6, FLAG_RESET_REG_SUP = 1u << 10;
// Latencies above 100 / 1000 us mean "C2 / C3 not supported".
constexpr uint16_t NO_C2 = 101, NO_C3 = 1001;
constexpr uint8_t GAS_SYSTEM_MEMORY = 0, GAS_SYSTEM_IO = 1;
constexpr uint32_t HPET_SIZE = 56;
// The HPET's smallest periodic tick the OS should ask for, in counts: 128 (1.28 us), the value
// Intel's chipsets' tables give.
constexpr uint16_t HPET_MIN_TICK = 128;

// MADT (ACPI 2.0 section 5.2.10.4): the header with the local APIC address and flags, then
// entries of these types and lengths.
constexpr uint32_t MADT_PCAT_COMPAT = 1u << 0;
enum MadtEntry : uint8_t { LOCAL_APIC = 0, IO_APIC = 1, SOURCE_OVERRIDE = 2, LOCAL_APIC_NMI = 4 };
// MPS INTI flags: polarity in bits 0-1, trigger mode in bits 2-3 (0 in both: the bus's own).
constexpr uint16_t INTI_ACTIVE_HIGH = 1, INTI_LEVEL = 3 << 2;
// Interrupt source overrides: the PIT's IRQ 0 is wired to pin 2, and the SCI is level and
// active high on its ISA pin (without an override an OS takes the SCI as active low).
struct SourceOverride {
    uint8_t irq;
    uint32_t gsi;
    uint16_t flags;
};
constexpr SourceOverride OVERRIDES[] = {
    {0, 2, 0},
    {AcpiPm::SCI_IRQ, AcpiPm::SCI_IRQ, INTI_ACTIVE_HIGH | INTI_LEVEL},
};
constexpr uint32_t MADT_SIZE = 44 + 8 + 12 + 10 * std::size(OVERRIDES) + 6;

class Writer {
public:
    explicit Writer(std::vector<uint8_t>& b) : b_(b) {}
    // An absolute address, recorded for loaders that move the blob.
    void pointer(uint32_t at, uint64_t v, uint8_t n) {
        put(at, v, n);
        pointers.push_back({at, n});
    }
    void put(uint32_t at, uint64_t v, unsigned n) {
        for (unsigned i = 0; i < n; ++i) b_.at(at + i) = uint8_t(v >> (8 * i));
    }
    void bytes(uint32_t at, std::span<const uint8_t> s) { std::copy(s.begin(), s.end(), b_.begin() + at); }
    void gas(uint32_t at, uint8_t space, uint64_t address, uint8_t bits) {
        put(at, space, 1);
        put(at + 1, bits, 1);
        put(at + 4, address, 8);
    }
    void gas_io(uint32_t at, uint16_t port, uint8_t bits) { gas(at, GAS_SYSTEM_IO, port, bits); }
    // Standard description header; the checksum is filled in by seal().
    void header(uint32_t at, const char (&sig)[5], uint32_t length, uint8_t revision) {
        bytes(at, {reinterpret_cast<const uint8_t*>(sig), 4});
        put(at + 4, length, 4);
        put(at + 8, revision, 1);
        bytes(at + 10, OEM_ID);
        bytes(at + 16, OEM_TABLE_ID);
        put(at + 24, 1, 4);  // OEM revision
        bytes(at + 28, {reinterpret_cast<const uint8_t*>("JPC "), 4});
        put(at + 32, 1, 4);  // creator revision
    }
    void seal(uint32_t at, uint32_t length, uint32_t checksum_at) {
        b_[checksum_at] = 0;
        b_[checksum_at] = uint8_t(-acpi_sum({b_.data() + at, length}));
        checksums.push_back({at, length, checksum_at});
    }
    std::vector<AcpiPointer> pointers;
    std::vector<AcpiChecksum> checksums;

private:
    std::vector<uint8_t>& b_;
};

constexpr uint32_t align16(uint32_t v) { return (v + 15) & ~15u; }

// One processor (UID 0, APIC ID 0), the I/O APIC with GSI base 0, the overrides, and LINT1 as
// NMI on every processor; the 8259s are present (PCAT_COMPAT).
void write_madt(Writer& w, uint32_t at) {
    w.header(at, "APIC", MADT_SIZE, 1);
    w.put(at + 36, devices::LocalApic::DEFAULT_BASE, 4);
    w.put(at + 40, MADT_PCAT_COMPAT, 4);
    uint32_t e = at + 44;
    const auto entry = [&](MadtEntry type, uint8_t length) {
        w.put(e, type, 1);
        w.put(e + 1, length, 1);
        e += length;
        return e - length;
    };
    const uint32_t cpu = entry(LOCAL_APIC, 8);
    w.put(cpu + 4, 1, 4);  // enabled; UID and APIC ID 0
    const uint32_t io = entry(IO_APIC, 12);
    w.put(io + 4, devices::IoApic::BASE, 4);  // ID 0, GSI base 0
    for (const SourceOverride& o : OVERRIDES) {
        const uint32_t iso = entry(SOURCE_OVERRIDE, 10);  // bus 0 (ISA)
        w.put(iso + 3, o.irq, 1);
        w.put(iso + 4, o.gsi, 4);
        w.put(iso + 8, o.flags, 2);
    }
    const uint32_t nmi = entry(LOCAL_APIC_NMI, 6);
    w.put(nmi + 2, 0xFF, 1);  // every processor, flags conforming
    w.put(nmi + 5, 1, 1);     // LINT1
    w.seal(at, MADT_SIZE, at + 9);
}

}  // namespace

uint8_t acpi_sum(std::span<const uint8_t> bytes) {
    uint8_t s = 0;
    for (uint8_t b : bytes) s = uint8_t(s + b);
    return s;
}

AcpiTables build_acpi(uint32_t base, const AcpiPlatform& platform) {
    if (base % 64) throw std::invalid_argument("ACPI tables need a 64-byte aligned base (FACS)");
    // The RSDT lists the FADT, then the platform's optional tables.
    const uint32_t entries = 1 + (platform.apic ? 1 : 0) + (platform.hpet ? 1 : 0);
    const uint32_t rsdt_size = 36 + 4 * entries;
    constexpr uint32_t facs = 0, rsdt = align16(facs + FACS_SIZE);
    const uint32_t fadt = align16(rsdt + rsdt_size), madt = align16(fadt + FADT_SIZE),
                   dsdt = align16(madt + (platform.apic ? MADT_SIZE : 0));
    const uint32_t hpet = align16(dsdt + uint32_t(dsdt_aml.size()));
    std::vector<uint8_t> b(platform.hpet ? hpet + HPET_SIZE : dsdt + dsdt_aml.size());
    Writer w(b);

    w.bytes(facs, {reinterpret_cast<const uint8_t*>("FACS"), 4});
    w.put(facs + 4, FACS_SIZE, 4);
    w.put(facs + 32, 1, 1);  // version (ACPI 2.0)

    w.header(rsdt, "RSDT", rsdt_size, 1);
    w.pointer(rsdt + 36, base + fadt, 4);
    uint32_t slot = rsdt + 40;
    if (platform.apic) w.pointer(std::exchange(slot, slot + 4), base + madt, 4);
    if (platform.hpet) w.pointer(slot, base + hpet, 4);
    w.seal(rsdt, rsdt_size, rsdt + 9);

    w.header(fadt, "FACP", FADT_SIZE, 3);
    w.pointer(fadt + F_FIRMWARE_CTRL, base + facs, 4);
    w.pointer(fadt + F_DSDT, base + dsdt, 4);
    w.put(fadt + F_SCI_INT, AcpiPm::SCI_IRQ, 2);
    w.put(fadt + F_SMI_CMD, 0, 4);
    w.put(fadt + F_PM1A_EVT_BLK, AcpiPm::EVT_PORT, 4);
    w.put(fadt + F_PM1A_CNT_BLK, AcpiPm::CNT_PORT, 4);
    w.put(fadt + F_PM1_EVT_LEN, AcpiPm::EVT_LEN, 1);
    w.put(fadt + F_PM1_CNT_LEN, AcpiPm::CNT_LEN, 1);
    w.put(fadt + F_P_LVL2_LAT, NO_C2, 2);
    w.put(fadt + F_P_LVL3_LAT, NO_C3, 2);
    w.put(fadt + F_CENTURY, 0x32, 1);
    w.put(fadt + F_IAPC_BOOT_ARCH, BOOT_ARCH_LEGACY_DEVICES | BOOT_ARCH_8042, 2);
    w.put(fadt + F_FLAGS,
          FLAG_WBINVD | FLAG_PROC_C1 | FLAG_PWR_BUTTON | FLAG_SLP_BUTTON | FLAG_FIX_RTC |
              FLAG_RESET_REG_SUP,
          4);
    w.gas_io(fadt + F_RESET_REG, RESET_PORT, 8);
    w.put(fadt + F_RESET_VALUE, RESET_VALUE, 1);
    w.pointer(fadt + F_X_FIRMWARE_CTRL, base + facs, 8);
    w.pointer(fadt + F_X_DSDT, base + dsdt, 8);
    w.gas_io(fadt + F_X_PM1A_EVT_BLK, AcpiPm::EVT_PORT, 8 * AcpiPm::EVT_LEN);
    w.gas_io(fadt + F_X_PM1A_CNT_BLK, AcpiPm::CNT_PORT, 8 * AcpiPm::CNT_LEN);
    if (platform.pm_timer) {
        w.put(fadt + F_PM_TMR_BLK, AcpiPm::TMR_PORT, 4);
        w.put(fadt + F_PM_TMR_LEN, AcpiPm::TMR_LEN, 1);
        w.gas_io(fadt + F_X_PM_TMR_BLK, AcpiPm::TMR_PORT, 8 * AcpiPm::TMR_LEN);
    }
    w.seal(fadt, FADT_SIZE, fadt + 9);

    if (platform.apic) write_madt(w, madt);
    w.bytes(dsdt, dsdt_aml);

    if (platform.hpet) {  // IA-PC HPET specification 1.0a, table 3
        w.header(hpet, "HPET", HPET_SIZE, 1);
        w.put(hpet + 36, devices::Hpet::CAPABILITIES, 4);  // event timer block ID
        w.gas(hpet + 40, GAS_SYSTEM_MEMORY, devices::Hpet::BASE, 64);
        w.put(hpet + 52, 0, 1);  // HPET number
        w.put(hpet + 53, HPET_MIN_TICK, 2);
        w.put(hpet + 55, 0, 1);  // no page protection
        w.seal(hpet, HPET_SIZE, hpet + 9);
    }
    return {std::move(b), base + rsdt, std::move(w.pointers), std::move(w.checksums)};
}

std::vector<uint8_t> rsdp(uint32_t rsdt_addr) {
    std::vector<uint8_t> b(RSDP_SIZE);
    Writer w(b);
    w.bytes(0, {reinterpret_cast<const uint8_t*>("RSD PTR "), 8});
    w.bytes(9, OEM_ID);
    w.put(15, 0, 1);  // revision 0: ACPI 1.0 RSDP, RSDT only
    w.put(RSDP_RSDT.at, rsdt_addr, RSDP_RSDT.size);
    w.seal(RSDP_CHECKSUM.start, RSDP_CHECKSUM.length, RSDP_CHECKSUM.at);
    return b;
}

}  // namespace jitpc::bios
