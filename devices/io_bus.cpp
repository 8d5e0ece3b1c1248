#include "devices/io_bus.h"

#include <cstdio>

#include "devices/pic.h"

namespace jitpc::devices {

IoBus::IoBus() : ports_(65536, nullptr), logged_(65536, false) {}

void IoBus::claim(uint16_t first, uint16_t count, PortDevice* dev) {
    for (uint32_t p = first; p < uint32_t(first) + count && p < 65536; ++p) ports_[p] = dev;
}

uint32_t IoBus::io_read(uint16_t port, unsigned size) {
    if (PortDevice* d = ports_[port]) return d->port_read(port, size);
    if (!logged_[port]) {
        logged_[port] = true;
        std::fprintf(stderr, "jitpc: read of unclaimed I/O port 0x%04x (logged once)\n", port);
    }
    return size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
}

void IoBus::io_write(uint16_t port, unsigned size, uint32_t value) {
    if (PortDevice* d = ports_[port]) return d->port_write(port, size, value);
    if (!logged_[port]) {
        logged_[port] = true;
        std::fprintf(stderr, "jitpc: write of unclaimed I/O port 0x%04x (logged once)\n", port);
    }
}

uint8_t IoBus::intr_ack() { return pic->ack(); }

void IoBus::cpu_reset_request(const char*) {
    reset_requested = true;
    request_stop();
}

}  // namespace jitpc::devices
