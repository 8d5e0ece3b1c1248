// POST's PCI and interrupt-routing setup, done through the configuration ports like firmware
// code so the functions see ordinary configuration cycles.
#include "bios/bios.h"
#include "bios/pci_routing.h"
#include "devices/i440fx.h"
#include "devices/pci_bus.h"
#include "devices/piix3.h"

namespace jitpc::bios {

namespace {

uint32_t config_address(unsigned dev, unsigned func, unsigned reg) {
    return 0x80000000u | dev << 11 | func << 8 | (reg & 0xFC);
}

}  // namespace

void Bios::setup_pci() {
    using devices::Piix3Ide;
    using devices::Piix3Isa;
    namespace reg = devices::pci_reg;
    auto write = [&](unsigned dev, unsigned func, unsigned r, unsigned size, uint32_t v) {
        bus_.io_write(devices::PciBus::PORT_BASE, 4, config_address(dev, func, r));
        bus_.io_write(uint16_t(0xCFC + (r & 3)), size, v);
    };
    auto read = [&](unsigned dev, unsigned func, unsigned r, unsigned size) {
        bus_.io_write(devices::PciBus::PORT_BASE, 4, config_address(dev, func, r));
        return bus_.io_read(uint16_t(0xCFC + (r & 3)), size);
    };

    // 0xC0000-0xEFFFF becomes read/write shadow RAM (nothing of ours lives there); the ROM at
    // 0xF0000 stays the bus's.
    using devices::I440fx;
    for (unsigned i = 1; i < I440fx::PAM_COUNT; ++i)
        write(I440fx::DEVICE, I440fx::FUNCTION, I440fx::PAM0 + i, 1, I440fx::PAM_RAM_PAIR);

    // PIRQ[A-D] to the ISA IRQs the DSDT's _PRT names (bios/pci_routing.h).
    for (unsigned n = 0; n < 4; ++n)
        write(Piix3Isa::DEVICE, Piix3Isa::FUNCTION, Piix3Isa::PIRQRC + n, 1, pci_routing::PIRQ_IRQ[n]);

    // IDE: legacy decode of both channels, the bus-master block, I/O and bus mastering on.
    for (unsigned ch = 0; ch < 2; ++ch)
        write(Piix3Ide::DEVICE, Piix3Ide::FUNCTION, Piix3Ide::IDETIM + 2 * ch, 2, Piix3Ide::IDETIM_DECODE);
    write(Piix3Ide::DEVICE, Piix3Ide::FUNCTION, reg::BAR0 + 4 * Piix3Ide::BMIBA, 4,
          pci_routing::IDE_BUS_MASTER_BASE);
    write(Piix3Ide::DEVICE, Piix3Ide::FUNCTION, reg::COMMAND, 2,
          devices::pci_cmd::IO | devices::pci_cmd::BUS_MASTER);

    // Every function with an interrupt pin learns the IRQ its pin is routed to.
    for (unsigned dev = 0; dev < 32; ++dev)
        for (unsigned func = 0; func < 8; ++func) {
            if (read(dev, func, reg::VENDOR, 2) == 0xFFFF) continue;
            const unsigned pin = read(dev, func, reg::INTERRUPT_PIN, 1);
            if (pin >= 1 && pin <= 4)
                write(dev, func, reg::INTERRUPT_LINE, 1, pci_routing::irq_for(dev, pin - 1));
        }

    // Level-triggered: the ACPI SCI and the PCI interrupts.
    uint16_t elcr = uint16_t(1u << pci_routing::SCI_IRQ);
    for (uint8_t irq : pci_routing::PIRQ_IRQ) elcr |= uint16_t(1u << irq);
    bus_.io_write(0x4D0, 1, elcr & 0xFF);
    bus_.io_write(0x4D1, 1, elcr >> 8);
}

}  // namespace jitpc::bios
