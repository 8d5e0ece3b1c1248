// The firmware's ACPI tables: FACS, RSDT, FADT, the MADT on machines with an APIC, and the DSDT
// compiled from bios/dsdt.asl, built as one blob for a fixed guest address, and the RSDP that
// points at it.
//
// The FADT is revision 3 (ACPI 2.0, 244 bytes), not revision 1 or 2: ACPICA zeroes
// IAPC_BOOT_ARCH in any FADT no longer than the revision 2 layout, and Linux honours RESET_REG
// only from revision 2 on. Both the 32-bit and the X_ (GAS) forms of each address are filled,
// with equal values. It describes: SCI on IRQ 9, SMI_CMD = 0 (always in ACPI mode), the PM1a
// blocks of devices/acpi_pm.h, the PM timer (24-bit, TMR_VAL_EXT clear) where the platform has it,
// no GPE block, no C2/C3, IAPC_BOOT_ARCH =
// LEGACY_DEVICES | 8042, CENTURY = 0x32, no fixed power or sleep button, FIX_RTC (no RTC wake
// status), and RESET_REG = I/O port 0xCF9 written with 0x06 (PIIX3 reset control).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace jitpc::bios {

// The DSDT's AML, compiled by iasl at build time.
extern const std::span<const uint8_t> dsdt_aml;

constexpr uint32_t RSDP_SIZE = 20;  // ACPI 1.0 RSDP (revision 0)
constexpr uint32_t FADT_SIZE = 244;
constexpr uint32_t FACS_SIZE = 64;
constexpr uint16_t RESET_PORT = 0xCF9;
constexpr uint8_t RESET_VALUE = 0x06;

// Where a blob holds an absolute address (of `size` bytes, little-endian) and which bytes a
// checksum covers: what a loader that places the blob elsewhere must patch (fw_cfg's
// etc/table-loader).
struct AcpiPointer {
    uint32_t at;
    uint8_t size;
};
struct AcpiChecksum {
    uint32_t start, length, at;
};

struct AcpiTables {
    std::vector<uint8_t> bytes;  // to be copied at `base`
    uint32_t rsdt;               // guest address of the RSDT, for the RSDP
    std::vector<AcpiPointer> pointers;  // each holds base + an offset into `bytes`
    std::vector<AcpiChecksum> checksums;
};

// What the tables describe beyond the i440FX PC every CPU model gets: the interrupt controllers
// and timers of the APIC-era chipset (the max model's). The pentium2 machine's tables stay as they always were.
struct AcpiPlatform {
    bool apic = false;  // the local and I/O APICs: a MADT describes them (the OS may then route through them)
    bool pm_timer = false;
    bool hpet = false;  // an HPET table for devices/hpet.h's block
};

// Builds the tables for guest address `base`, which must be 64-byte aligned (the FACS comes
// first). Every pointer inside is absolute.
AcpiTables build_acpi(uint32_t base, const AcpiPlatform& platform = {});

// The RSDP for an RSDT at `rsdt_addr`; the caller places it 16-byte aligned in E0000-FFFFF.
std::vector<uint8_t> rsdp(uint32_t rsdt_addr);
// Where the RSDP holds the RSDT's address, and its checksum.
constexpr AcpiPointer RSDP_RSDT{16, 4};
constexpr AcpiChecksum RSDP_CHECKSUM{0, RSDP_SIZE, 8};

// The byte sum ACPI checksums make zero.
uint8_t acpi_sum(std::span<const uint8_t> bytes);

}  // namespace jitpc::bios
