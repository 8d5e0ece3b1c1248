// Port I/O dispatch. Devices claim port ranges; unclaimed ports read as all-ones and are
// logged once each under -d guest_errors, never an error.
#pragma once

#include <cstdint>
#include <vector>

namespace jitpc::devices {

class PortDevice {
public:
    virtual ~PortDevice() = default;
    virtual uint32_t port_read(uint16_t port, unsigned size) = 0;
    virtual void port_write(uint16_t port, unsigned size, uint32_t value) = 0;
};

class IoBus {
public:
    IoBus();
    void claim(uint16_t first, uint16_t count, PortDevice* dev);
    bool claimed(uint16_t port) const { return ports_[port] != nullptr; }
    // The device's ports (the interrupt controller, the timer, I/O delay) stop counting in
    // `activity`: a guest that only takes timer interrupts touches nothing else.
    void mark_housekeeping(const PortDevice* dev);
    // Guest accesses to every other port, claimed or not (Machine's idle watch).
    uint64_t activity = 0;

    uint32_t io_read(uint16_t port, unsigned size);
    void io_write(uint16_t port, unsigned size, uint32_t value);

private:
    void log_unclaimed(uint16_t port, const char* access);

    std::vector<PortDevice*> ports_;
    std::vector<bool> logged_;
    std::vector<bool> housekeeping_;
};

}  // namespace jitpc::devices
