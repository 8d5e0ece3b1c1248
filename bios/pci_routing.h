// How PCI interrupts reach the 8259s on this machine: one fact shared by POST (which programs
// the PIIX3 and the interrupt line registers) and bios/dsdt.asl (whose _PRT must say the same).
//
// A function in slot `dev` raising pin INTx (0 = INTA) drives PIRQ[(dev + x) mod 4], the swizzle
// of PC boards and QEMU's i440FX; PIRQ A and B go to IRQ 10, C and D to IRQ 11.
#pragma once

#include <cstdint>

#include "devices/acpi_pm.h"

namespace jitpc::bios::pci_routing {

constexpr uint8_t PIRQ_IRQ[4] = {10, 10, 11, 11};
constexpr uint8_t SCI_IRQ = devices::AcpiPm::SCI_IRQ;
// The PIIX3 IDE bus-master registers' I/O base (BAR4).
constexpr uint32_t IDE_BUS_MASTER_BASE = 0xC000;

constexpr uint8_t irq_for(unsigned dev, unsigned pin) { return PIRQ_IRQ[(dev + pin) & 3]; }

}  // namespace jitpc::bios::pci_routing
