// System control port A (0x92, "fast A20 and reset"): bit 1 gates A20, writing bit 0 = 1
// resets the CPU; bit 0 reads back as 0 (the reset pulse is not latched).
#pragma once

#include "cpu/cpu.h"
#include "devices/io_bus.h"

namespace jitpc::devices {

class SystemControlA : public PortDevice {
public:
    SystemControlA(cpu::Cpu& cpu, IoBus& bus) : cpu_(cpu), bus_(bus) {}
    uint32_t port_read(uint16_t, unsigned) override { return cpu_.a20 ? 0x02 : 0x00; }
    void port_write(uint16_t, unsigned, uint32_t value) override {
        cpu_.set_a20(value & 0x02);
        if (value & 0x01) bus_.cpu_reset_request("reset through port 0x92");
    }

private:
    cpu::Cpu& cpu_;
    IoBus& bus_;
};

}  // namespace jitpc::devices
