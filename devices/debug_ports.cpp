#include "devices/debug_ports.h"

namespace jitpc::devices {

void DebugConsole::port_write(uint16_t, unsigned, uint32_t value) {
    if (!out_) return;
    std::fputc(int(value & 0xFF), out_);
    if ((value & 0xFF) == '\n') std::fflush(out_);
}

void DebugExit::port_write(uint16_t, unsigned, uint32_t value) {
    run_.request_exit(int(((value & 0xFF) << 1) | 1));  // QEMU truncates to the exit byte
}

}  // namespace jitpc::devices
