// Intel 82441FX (i440FX PMC) host bridge, bus 0 device 0 function 0. The PAM (0x59-0x5F) and SMRAM
// (0x72) registers are plain storage: the machine's memory map below 1 MiB is fixed (no shadow RAM
// switching, no SMM), so what the firmware writes there reads back and has no other effect.
#pragma once

#include "devices/pci_bus.h"

namespace jitpc::devices {

class I440fx : public PciFunction {
public:
    static constexpr unsigned DEVICE = 0, FUNCTION = 0;
    static constexpr unsigned PAM0 = 0x59, PAM_COUNT = 7, SMRAM = 0x72;
    I440fx();
};

}  // namespace jitpc::devices
