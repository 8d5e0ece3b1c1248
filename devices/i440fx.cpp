#include "devices/i440fx.h"

namespace jitpc::devices {

namespace {
constexpr unsigned SUBSYSTEM_VENDOR = 0x2C, SUBSYSTEM = 0x2E;
constexpr uint32_t SEGMENT = 0x4000;  // PAM1-6: one 16 KiB segment per nibble
}  // namespace

I440fx::I440fx(memory::PhysMemory& mem) : PciFunction(0x8086, 0x1237, 0x02, 0x060000, 0x00), mem_(mem) {
    // Memory and bus-master enables are hardwired on; parity and SERR enables are writable.
    define(pci_reg::COMMAND, 2, pci_cmd::MEMORY | pci_cmd::BUS_MASTER, 0x0140);
    define(pci_reg::STATUS, 2, 0x0280);  // fast back-to-back capable, medium DEVSEL
    define(SUBSYSTEM_VENDOR, 2, 0x1AF4);
    define(SUBSYSTEM, 2, 0x1100);
    // PAM0 only has the high nibble (0xF0000-0xFFFFF); PAM1-6 have read/write enables for two
    // 16 KiB segments each.
    define(PAM0, 1, 0x00, 0x30);
    for (unsigned i = 1; i < PAM_COUNT; ++i) define(PAM0 + i, 1, 0x00, 0x33);
    watch(PAM0, PAM_COUNT);
    on_decode_change([this] { route(); });
    // C_BASE_SEG (bits 2:0) is hardwired to 010 (0xA0000); the open/close/lock/enable bits store.
    define(SMRAM, 1, 0x02, 0x78);
    route();
}

void I440fx::reset_pam() {
    for (unsigned i = 0; i < PAM_COUNT; ++i) config_write(PAM0 + i, 1, 0);
}

void I440fx::route() {
    auto apply = [&](uint32_t base, uint32_t size, unsigned field) {
        mem_.set_shadow(base, size, field & PAM_READ, field & PAM_WRITE);
    };
    apply(0xF0000, 0x10000, config_read(PAM0, 1) >> 4);
    for (unsigned i = 1; i < PAM_COUNT; ++i) {
        const unsigned v = config_read(PAM0 + i, 1);
        const uint32_t base = memory::PhysMemory::SHADOW_BASE + (i - 1) * 2 * SEGMENT;
        apply(base, SEGMENT, v & 0xF);
        apply(base + SEGMENT, SEGMENT, v >> 4);
    }
}

}  // namespace jitpc::devices
