#include "devices/i440fx.h"

namespace jitpc::devices {

I440fx::I440fx() : PciFunction(0x8086, 0x1237, 0x02, 0x060000, 0x00) {
    // Memory and bus-master enables are hardwired on; parity and SERR enables are writable.
    define(pci_reg::COMMAND, 2, pci_cmd::MEMORY | pci_cmd::BUS_MASTER, 0x0140);
    define(pci_reg::STATUS, 2, 0x0280);  // fast back-to-back capable, medium DEVSEL
    // PAM0 only has the high nibble (0xF0000-0xFFFFF); PAM1-6 have read/write enables for two
    // 16 KiB segments each.
    define(PAM0, 1, 0x00, 0x30);
    for (unsigned i = 1; i < PAM_COUNT; ++i) define(PAM0 + i, 1, 0x00, 0x33);
    // C_BASE_SEG (bits 2:0) is hardwired to 010 (0xA0000); the open/close/lock/enable bits store.
    define(SMRAM, 1, 0x02, 0x78);
}

}  // namespace jitpc::devices
