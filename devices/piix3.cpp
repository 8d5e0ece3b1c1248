#include "devices/piix3.h"

#include <utility>

namespace jitpc::devices {

Piix3Isa::Piix3Isa(Wiring wiring) : PciFunction(0x8086, 0x7000, 0x00, 0x060100, 0x80), wiring_(std::move(wiring)) {
    // A bridge that is always on: I/O, memory and bus-master bits hardwired; special cycles store.
    define(pci_reg::COMMAND, 2, pci_cmd::IO | pci_cmd::MEMORY | pci_cmd::BUS_MASTER, 0x0008);
    define(pci_reg::STATUS, 2, 0x0200);  // medium DEVSEL
    define(IORT, 1, 0x4D, 0xFF);         // ISA I/O recovery timer: stored
    define(XBCS, 2, 0x0003, 0x07FF);     // X-bus chip selects: stored, RTC and keyboard decode fixed
    for (unsigned n = 0; n < 4; ++n) define(PIRQRC + n, 1, 0x80, 0x8F);
    define(TOM, 1, 0x02, 0xFF);          // top of memory for ISA/DMA forwarding: stored
}

int Piix3Isa::pirq_irq(unsigned n) const {
    uint8_t v = uint8_t(config_read(PIRQRC + n, 1));
    unsigned irq = v & 0x0F;
    if ((v & 0x80) || irq <= 2 || irq == 8 || irq == 13) return -1;
    return int(irq);
}

void Piix3Isa::set_pirq(unsigned n, bool asserted) {
    if (const int irq = pirq_irq(n); irq >= 0 && wiring_.pic) wiring_.pic(unsigned(irq), asserted);
    if (wiring_.io_apic) wiring_.io_apic(PIRQ_APIC_PIN + n, !asserted);
}

Piix3Ide::Piix3Ide() : PciFunction(0x8086, 0x7010, 0x00, 0x010180, 0x00) {
    define(pci_reg::COMMAND, 2, 0, pci_cmd::IO | pci_cmd::BUS_MASTER);
    define(pci_reg::STATUS, 2, 0x0280);  // fast back-to-back capable, medium DEVSEL
    define(0x0D, 1, 0x00, 0xF0);         // master latency timer, 16-clock granularity
    define_bar(BMIBA, BarKind::Io, 16);
    for (unsigned ch = 0; ch < 2; ++ch) define(IDETIM + 2 * ch, 2, 0x0000, 0xF3FF);
    watch(IDETIM, 4);
    define(SIDETIM, 1, 0x00, 0xFF);
}

bool Piix3Ide::channel_decoded(unsigned channel) const {
    return (command() & pci_cmd::IO) && (config_read(IDETIM + 2 * channel, 2) & IDETIM_DECODE);
}

uint16_t Piix3Ide::bus_master_base() const {
    return (command() & pci_cmd::IO) ? uint16_t(bar_address(BMIBA)) : 0;
}

}  // namespace jitpc::devices
