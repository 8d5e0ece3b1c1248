// Port I/O dispatch. Devices claim port ranges; unclaimed ports read as all-ones and are
// logged once each under -d guest_errors, never an error.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cpu/bus.h"

namespace jitpc::devices {

class LocalApic;

class PortDevice {
public:
    virtual ~PortDevice() = default;
    virtual uint32_t port_read(uint16_t port, unsigned size) = 0;
    virtual void port_write(uint16_t port, unsigned size, uint32_t value) = 0;
};

class IoBus : public cpu::Bus {
public:
    IoBus();
    void claim(uint16_t first, uint16_t count, PortDevice* dev);
    bool claimed(uint16_t port) const { return ports_[port] != nullptr; }
    // The device's ports (the interrupt controller, the timer, I/O delay) stop counting in
    // `activity`: a guest that only takes timer interrupts touches nothing else.
    void mark_housekeeping(const PortDevice* dev);
    // Guest accesses to every other port, claimed or not (Machine's idle watch).
    uint64_t activity = 0;

    uint32_t io_read(uint16_t port, unsigned size) override;
    void io_write(uint16_t port, unsigned size, uint32_t value) override;
    void cpu_reset_request(const char* why) override;
    // The CPU's INTA cycle and IA32_APIC_BASE go to the local APIC, which raises INTR (for
    // itself, or for the 8259 behind it).
    uint8_t intr_ack() override;
    uint64_t apic_base() override;
    bool set_apic_base(uint64_t value) override;
    uint64_t tsc_deadline() override;
    void set_tsc_deadline(uint64_t deadline, uint64_t tsc_offset) override;
    LocalApic* apic = nullptr;

    // Set when the guest asked the machine to stop (debug-exit port, shutdown, power-off).
    // Makes the running engine return at the next instruction boundary.
    void request_stop() {
        if (stop_flag) *stop_flag = true;
    }
    volatile bool* stop_flag = nullptr;
    // A reset was asked for (triple fault, port 0x92, …): the machine resets or, with
    // -no-reboot, exits.
    bool reset_requested = false;
    bool exit_requested = false;
    int exit_status = 0;

private:
    void log_unclaimed(uint16_t port, const char* access);

    std::vector<PortDevice*> ports_;
    std::vector<bool> logged_;
    std::vector<bool> housekeeping_;
};

}  // namespace jitpc::devices
