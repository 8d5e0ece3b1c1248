#include "devices/io_bus.h"

#include "devices/local_apic.h"
#include "logging/log.h"

namespace jitpc::devices {

IoBus::IoBus() : ports_(65536, nullptr), logged_(65536, false), housekeeping_(65536, false) {}

void IoBus::claim(uint16_t first, uint16_t count, PortDevice* dev) {
    for (uint32_t p = first; p < uint32_t(first) + count && p < 65536; ++p) ports_[p] = dev;
}

void IoBus::mark_housekeeping(const PortDevice* dev) {
    for (size_t p = 0; p < ports_.size(); ++p)
        if (ports_[p] == dev) housekeeping_[p] = true;
}

uint32_t IoBus::io_read(uint16_t port, unsigned size) {
    if (!housekeeping_[port]) ++activity;
    if (PortDevice* d = ports_[port]) return d->port_read(port, size);
    log_unclaimed(port, "read");
    return size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
}

void IoBus::io_write(uint16_t port, unsigned size, uint32_t value) {
    if (!housekeeping_[port]) ++activity;
    if (PortDevice* d = ports_[port]) return d->port_write(port, size, value);
    log_unclaimed(port, "write");
}

// Once per port: a driver polling an absent port would otherwise fill the budget alone.
void IoBus::log_unclaimed(uint16_t port, const char* access) {
    static logging::Site site{logging::GUEST_ERRORS, "unclaimed I/O port"};
    if (!site.on() || logged_[port]) return;
    logged_[port] = true;
    site.print("%s of unclaimed I/O port 0x%04x (logged once per port)", access, port);
}

uint8_t IoBus::intr_ack() { return apic->ack(); }
uint64_t IoBus::apic_base() { return apic->base_msr(); }
bool IoBus::set_apic_base(uint64_t value) { return apic->write_base_msr(value); }
uint64_t IoBus::tsc_deadline() { return apic->tsc_deadline(); }
void IoBus::set_tsc_deadline(uint64_t deadline, uint64_t tsc_offset) { apic->write_tsc_deadline(deadline, tsc_offset); }

void IoBus::cpu_reset_request(const char*) {
    reset_requested = true;
    request_stop();
}

}  // namespace jitpc::devices
