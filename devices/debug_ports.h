// QEMU-compatible debug ports: the 0xE9 debug console and isa-debug-exit at 0xF4.
#pragma once

#include <cstdio>

#include "devices/io_bus.h"
#include "devices/run_control.h"

namespace jitpc::devices {

// Port 0xE9: bytes written go to a host stream; reads return 0xE9 (Bochs's port E9 hack
// signature, which guests use to detect the console).
class DebugConsole : public PortDevice {
public:
    explicit DebugConsole(std::FILE* out) : out_(out) {}
    uint32_t port_read(uint16_t, unsigned) override { return 0xE9; }
    void port_write(uint16_t, unsigned, uint32_t value) override;

private:
    std::FILE* out_;
};

// Port 0xF4: writing V ends the run with exit status (V << 1) | 1, like QEMU's isa-debug-exit.
class DebugExit : public PortDevice {
public:
    explicit DebugExit(RunControl& run) : run_(run) {}
    uint32_t port_read(uint16_t, unsigned size) override { return size == 4 ? ~0u : (1u << (size * 8)) - 1; }
    void port_write(uint16_t, unsigned, uint32_t value) override;

private:
    RunControl& run_;
};

}  // namespace jitpc::devices
