// Power-on self test (the host half) and the two services that read what it recorded.
#include <algorithm>
#include <iterator>
#include <stdexcept>

#include "bios/acpi_tables.h"
#include "bios/bda.h"
#include "bios/bios.h"
#include "devices/hpet.h"
#include "devices/io_apic.h"
#include "devices/local_apic.h"

namespace jitpc::bios {

namespace {

constexpr uint16_t COM_BASES[] = {0x3F8, 0x2F8};
constexpr uint64_t FOUR_GIB = 0x100000000ull;
constexpr uint32_t VGA_WINDOW = 0xA0000;

}  // namespace

void Bios::post(RealModeCall& call) {
    wait_until_.reset();
    cd_boot_.reset();
    build_memory_map();
    init_bda(call);
    setup_mtrrs(call.cpu());
    install_acpi();
    setup_pci();
}

// RAM everywhere the machine has it except the EBDA, the legacy VGA/option ROM hole (absent
// from the map, as on a PC), the BIOS ROM, and the ACPI block at the top of the RAM below 4 GiB;
// the ROM's alias below 4 GiB is reserved, and so are the I/O APIC's, the HPET's and the local
// APIC's pages where the machine has them. RAM the PCI hole displaced sits above 4 GiB
// (memory/ram_layout.h).
void Bios::build_memory_map() {
    acpi_base_ = uint32_t(cfg_.ram.below_4g - ACPI_AREA_SIZE);
    e820_ = board_memory(cfg_.ram);
    e820_.add(EBDA, EBDA_KIB * 1024, e820::RESERVED);
    e820_.add(VGA_WINDOW, ROM_BASE - VGA_WINDOW, e820::ABSENT);
    e820_.add(ROM_BASE, ROM_SIZE, e820::RESERVED);
    e820_.add(acpi_base_, ACPI_AREA_SIZE, e820::RESERVED);
    e820_.add(FOUR_GIB - ROM_SIZE, ROM_SIZE, e820::RESERVED);
    if (cfg_.acpi.hpet) e820_.add(devices::Hpet::BASE, devices::Hpet::REG_SPACE, e820::RESERVED);
    if (cfg_.acpi.apic) {
        e820_.add(devices::IoApic::BASE, devices::IoApic::MMIO_SIZE, e820::RESERVED);
        e820_.add(devices::LocalApic::DEFAULT_BASE, devices::LocalApic::MMIO_SIZE, e820::RESERVED);
    }
}

// The IBM AT data area: COM ports, equipment, memory, keyboard buffer and the 80x25 colour text
// mode the VGA starts in; the EBDA's first byte is its size in KiB.
void Bios::init_bda(RealModeCall& call) {
    auto w8 = [&](uint32_t off, uint8_t v) { call.write<uint8_t>(0, bda::BASE + off, v); };
    auto w16 = [&](uint32_t off, uint16_t v) { call.write<uint16_t>(0, bda::BASE + off, v); };
    for (unsigned i = 0; i < std::size(COM_BASES); ++i) w16(bda::COM_PORTS + 2 * i, COM_BASES[i]);

    w16(bda::EQUIPMENT, bda::EQ_X87 | bda::EQ_VIDEO_80X25_COLOUR |
                            uint16_t(std::size(COM_BASES) << bda::EQ_SERIAL_COUNT_SHIFT));
    write_drive_counts(call);
    w16(bda::BASE_MEMORY_KIB, uint16_t(EBDA >> 10));
    w16(bda::EBDA_SEGMENT, uint16_t(EBDA >> 4));
    call.write<uint8_t>(uint16_t(EBDA >> 4), 0, EBDA_KIB);

    w16(bda::KBD_HEAD, bda::KBD_BUFFER);
    w16(bda::KBD_TAIL, bda::KBD_BUFFER);
    w16(bda::KBD_START, bda::KBD_BUFFER);
    w16(bda::KBD_END, bda::KBD_BUFFER_END);

    constexpr uint8_t COLUMNS = 80, ROWS = 25;
    w8(bda::VIDEO_MODE, 0x03);
    w16(bda::VIDEO_COLUMNS, COLUMNS);
    w16(bda::VIDEO_PAGE_SIZE, 0x1000);  // 80 * 25 * 2 rounded up to 4 KiB, as the BIOS does
    w16(bda::VIDEO_PAGE_OFFSET, 0);
    w16(bda::CURSOR_SHAPE, 0x0607);
    w8(bda::ACTIVE_PAGE, 0);
    w16(bda::CRTC_PORT, 0x3D4);
    w8(bda::MODE_CONTROL, 0x29);  // 80-column text, video on, blink
    w8(bda::PALETTE, 0x30);
    w8(bda::VIDEO_ROWS_MINUS_1, ROWS - 1);
    w16(bda::CHAR_HEIGHT, 16);
}

// The diskette bits of the equipment word and the hard disk count, El Torito's emulated disk
// included (a reboot or AX=4B00h takes it out again).
void Bios::write_drive_counts(RealModeCall& call) {
    constexpr uint32_t equipment_at = bda::BASE + bda::EQUIPMENT;
    const unsigned floppies = drive_count(false);
    uint16_t equipment = call.read<uint16_t>(0, equipment_at) &
                         uint16_t(~(bda::EQ_FLOPPY_PRESENT | 3u << bda::EQ_FLOPPY_COUNT_SHIFT));
    if (floppies)
        equipment |= bda::EQ_FLOPPY_PRESENT | uint16_t((floppies - 1) << bda::EQ_FLOPPY_COUNT_SHIFT);
    call.write<uint16_t>(0, equipment_at, equipment);
    call.write<uint8_t>(0, bda::BASE + bda::HARD_DISK_COUNT, uint8_t(drive_count(true)));
}

void Bios::end_cd_boot(RealModeCall& call) {
    cd_boot_.reset();
    write_drive_counts(call);
}

// A CPU with MTRRs gets the memory types QEMU's firmware gives it (SeaBIOS's MTRR set-up): RAM
// write-back (the default type, so RAM above 4 GiB too), the VGA window uncached, the ROM
// area write-protected, and from the PCI hole up to 4 GiB uncached. With the MTRRs left off
// (their reset state) Linux sees them "disabled" and runs without PAT (no write-combining).
void Bios::setup_mtrrs(cpu::Cpu& c) {
    if (!c.model.has(cpu::Feature::MTRR)) return;
    constexpr uint64_t UC = 0, WP = 5, WB = 6;
    constexpr uint64_t EVERY_BYTE = 0x0101010101010101;  // a type in each of the eight ranges
    constexpr uint64_t FIXED_ENABLE = 1u << 10, ENABLE = 1u << 11, VALID = 1u << 11;
    constexpr uint64_t HOLE = memory::RamLayout::PCI_HOLE;
    cpu::MemoryTypeRegs& m = c.memtypes;
    m.fixed[0] = m.fixed[1] = WB * EVERY_BYTE;  // 0-0x7FFFF, 0x80000-0x9FFFF
    m.fixed[2] = UC * EVERY_BYTE;               // 0xA0000-0xBFFFF
    for (unsigned f = 3; f < std::size(m.fixed); ++f) m.fixed[f] = WP * EVERY_BYTE;  // to 0xFFFFF
    const uint64_t phys_mask = ((uint64_t(1) << c.model.phys_addr_bits) - 1) & ~uint64_t(0xFFF);
    std::fill(std::begin(m.var), std::end(m.var), 0);
    m.var[0] = HOLE | UC;
    m.var[1] = (~(FOUR_GIB - HOLE - 1) & phys_mask) | VALID;
    m.def_type = WB | FIXED_ENABLE | ENABLE;
}

// The tables go to the reserved block at the top of RAM; the RSDP into its ROM slot (both ROM
// copies, so the F-segment and the alias below 4 GiB agree).
void Bios::install_acpi() {
    const AcpiTables t = build_acpi(acpi_base_, cfg_.acpi);
    if (t.bytes.size() > ACPI_AREA_SIZE) throw std::logic_error("ACPI tables outgrew their block");
    mem_.write_bytes(acpi_base_, t.bytes.data(), t.bytes.size());
    const std::vector<uint8_t> r = rsdp(t.rsdt);
    for (uint64_t rom : {uint64_t(ROM_BASE), FOUR_GIB - ROM_SIZE})
        mem_.load_bytes(uint32_t(rom + ROM_RSDP), r.data(), r.size());
}

void Bios::equipment(RealModeCall& call) {
    call.set_reg16(cpu::EAX, call.read<uint16_t>(0, bda::BASE + bda::EQUIPMENT));
}

void Bios::memory_size(RealModeCall& call) {
    call.set_reg16(cpu::EAX, call.read<uint16_t>(0, bda::BASE + bda::BASE_MEMORY_KIB));
}

}  // namespace jitpc::bios
