// Intel 82441FX (i440FX PMC) host bridge, bus 0 device 0 function 0.
//
// The PAM registers (0x59-0x5F) route the shadowable range below 1 MiB: PAM0 bits 5:4 cover
// 0xF0000-0xFFFFF, and PAM1-6 split 0xC0000-0xEFFFF into 16 KiB segments, bits 1:0 the lower
// and 5:4 the upper of each register's pair. Bit 0 of a field sends reads to DRAM (else to PCI:
// the BIOS ROM, or nothing), bit 1 sends writes to DRAM (else to PCI, where ROM drops them). The
// SMRAM register (0x72) is plain storage: there is no SMM.
//
// The subsystem IDs are QEMU's (1AF4:1100): SeaBIOS recognises the machine it runs on by them.
#pragma once

#include "devices/pci_bus.h"
#include "memory/physmem.h"

namespace jitpc::devices {

class I440fx : public PciFunction {
public:
    static constexpr unsigned DEVICE = 0, FUNCTION = 0;
    static constexpr unsigned PAM0 = 0x59, PAM_COUNT = 7, SMRAM = 0x72;
    static constexpr uint8_t PAM_READ = 0x1, PAM_WRITE = 0x2;
    // PAM1-6 value with both segments reading and writing DRAM.
    static constexpr uint8_t PAM_RAM_PAIR = 0x33;
    explicit I440fx(memory::PhysMemory& mem);
    // Power-on state of the PAM registers: everything below 1 MiB from the bus.
    void reset_pam();
    // Its state for snapshots (snapshot/archive.h): the PAM routing follows the registers.
    template <class A> void snapshot(A& a) {
        PciFunction::snapshot(a);
        if constexpr (A::loading) route();
    }

private:
    void route();
    memory::PhysMemory& mem_;
};

}  // namespace jitpc::devices
