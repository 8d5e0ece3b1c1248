// Intel 82371SB PIIX3, bus 0 device 1: the PCI-to-ISA bridge (function 0, multifunction header)
// and the IDE controller (function 1). Only their configuration spaces live here; the ATA
// registers are a separate device that asks Piix3Ide which of its ports are decoded.
#pragma once

#include <functional>

#include "devices/pci_bus.h"

namespace jitpc::devices {

class Piix3Isa : public PciFunction {
public:
    static constexpr unsigned DEVICE = 1, FUNCTION = 0;
    static constexpr unsigned IORT = 0x4C, XBCS = 0x4E, PIRQRC = 0x60, TOM = 0x69;
    // Where PIRQ A-D go: the 8259 input each is routed to, and I/O APIC pins 16-19 (the board's
    // wires, active low).
    static constexpr unsigned PIRQ_APIC_PIN = 16;
    struct Wiring {
        std::function<void(unsigned irq, bool level)> pic;
        std::function<void(unsigned pin, bool level)> io_apic;
    };
    explicit Piix3Isa(Wiring wiring = {});
    // The ISA IRQ that PCI interrupt line PIRQ[n] (A-D) is routed to, or -1 when routing is off
    // (bit 7) or names an IRQ the PIIX3 reserves (0-2, 8, 13).
    int pirq_irq(unsigned n) const;
    // PIRQ[n]# asserted or not by a PCI function's INTx: to its routed 8259 input (as an active
    // high level, the ELCR's), and to the I/O APIC pin electrically (low while asserted). A
    // route changed while a line is asserted takes effect at its next change.
    void set_pirq(unsigned n, bool asserted);

private:
    Wiring wiring_;
};

// Legacy-mode IDE (prog-if 0x80: both channels at the ISA addresses 0x1F0/0x3F6 and 0x170/0x376
// on IRQ 14/15, bus-master capable). BARs 0-3 are reserved and read 0: in legacy mode Linux
// takes the fixed ISA addresses whatever they hold. BAR4 is the 16-byte bus-master I/O block.
// No PCI interrupt pin: the channels use ISA IRQs 14 and 15 directly.
class Piix3Ide : public PciFunction {
public:
    static constexpr unsigned DEVICE = 1, FUNCTION = 1;
    static constexpr unsigned BMIBA = 4, IDETIM = 0x40, SIDETIM = 0x44;
    static constexpr uint16_t IDETIM_DECODE = 0x8000;
    Piix3Ide();
    // Channel 0 (primary) or 1 (secondary) answers at its legacy ports: I/O space enabled in the
    // command register and the channel's IDETIM decode-enable bit set. Both are off after reset;
    // firmware turns them on (Linux's ata_piix ignores a channel whose decode bit is clear).
    bool channel_decoded(unsigned channel) const;
    // Base of the bus-master registers, or 0 while I/O space is disabled.
    uint16_t bus_master_base() const;
};

}  // namespace jitpc::devices
