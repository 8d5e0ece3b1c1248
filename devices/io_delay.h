// Ports 0x80 (POST code) and 0xED: guests write them only to wait an I/O cycle, so they are
// claimed silently (reads return all-ones) instead of being logged as unknown.
#pragma once

#include "devices/io_bus.h"

namespace jitpc::devices {

class IoDelay : public PortDevice {
public:
    void claim(IoBus& bus) {
        bus.claim(0x80, 1, this);
        bus.claim(0xED, 1, this);
    }
    uint32_t port_read(uint16_t, unsigned size) override { return size == 4 ? ~0u : (1u << (size * 8)) - 1; }
    void port_write(uint16_t, unsigned, uint32_t) override {}
};

}  // namespace jitpc::devices
