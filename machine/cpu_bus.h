// What the CPU sees of this machine (cpu::Bus): port I/O on the I/O bus, the INTA cycle,
// IA32_APIC_BASE, IA32_TSC_DEADLINE and CR8's TPR at the local APIC (which raises INTR, for itself or for the 8259 behind it),
// and shutdown and reset requests to the run control.
#pragma once

#include "cpu/bus.h"
#include "devices/io_bus.h"
#include "devices/local_apic.h"
#include "devices/run_control.h"

namespace jitpc::machine {

class CpuBus : public cpu::Bus {
public:
    CpuBus(devices::IoBus& io, devices::LocalApic& apic, devices::RunControl& run)
        : io_(io), apic_(apic), run_(run) {}
    uint32_t io_read(uint16_t port, unsigned size) override { return io_.io_read(port, size); }
    void io_write(uint16_t port, unsigned size, uint32_t value) override { io_.io_write(port, size, value); }
    uint8_t intr_ack() override { return apic_.ack(); }
    uint64_t apic_base() override { return apic_.base_msr(); }
    bool set_apic_base(uint64_t value) override { return apic_.write_base_msr(value); }
    bool read_x2apic(uint32_t index, uint64_t& value) override { return apic_.read_x2apic_msr(index, value); }
    bool write_x2apic(uint32_t index, uint64_t value) override { return apic_.write_x2apic_msr(index, value); }
    uint64_t tsc_deadline() override { return apic_.tsc_deadline(); }
    void set_tsc_deadline(uint64_t deadline, uint64_t tsc_offset) override {
        apic_.write_tsc_deadline(deadline, tsc_offset);
    }
    uint8_t apic_tpr() override { return apic_.tpr(); }
    void set_apic_tpr(uint8_t tpr) override { apic_.set_tpr(tpr); }
    void cpu_reset_request(const char*) override { run_.request_reset(); }

private:
    devices::IoBus& io_;
    devices::LocalApic& apic_;
    devices::RunControl& run_;
};

}  // namespace jitpc::machine
