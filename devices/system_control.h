// System control port A (0x92, "fast A20 and reset"): bit 1 gates A20, writing bit 0 = 1
// resets the CPU; bit 0 reads back as 0 (the reset pulse is not latched).
#pragma once

#include "cpu/cpu.h"
#include "devices/io_bus.h"
#include "devices/run_control.h"

namespace jitpc::devices {

class SystemControlA : public PortDevice {
public:
    SystemControlA(cpu::Cpu& cpu, RunControl& run) : cpu_(cpu), run_(run) {}
    uint32_t port_read(uint16_t, unsigned) override { return cpu_.a20 ? 0x02 : 0x00; }
    void port_write(uint16_t, unsigned, uint32_t value) override {
        cpu_.set_a20(value & 0x02);
        if (value & 0x01) run_.request_reset();
    }

private:
    cpu::Cpu& cpu_;
    RunControl& run_;
};

}  // namespace jitpc::devices
