// Linux/x86 boot protocol, 16-bit entry: what QEMU's -kernel does with a bzImage. The setup
// code runs in real mode with the BIOS underneath it, so its own E820, EDD, video and A20
// calls happen exactly as under a boot loader.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "memory/physmem.h"

namespace jitpc::bios {

class LinuxKernel16 {
public:
    // Reads and checks the bzImage and the initrd (which may be empty: none). Throws
    // std::runtime_error with a user-facing message for anything a loader cannot start.
    LinuxKernel16(const std::string& kernel_path, const std::string& initrd_path, std::string cmdline);

    // Where the real-mode part starts and the stack it gets: CS = segment + 0x20, IP = 0,
    // DS = ES = FS = GS = SS = segment.
    static constexpr uint16_t SETUP_SEGMENT = 0x1000;
    static constexpr uint16_t STACK_TOP = 0xFFF0;

    // Copies the setup code, the protected-mode kernel, the command line and the initrd into
    // guest memory and fills the setup header's loader fields. `ram_top` is the end of the RAM
    // the kernel may use below 4 GiB (the initrd goes just below it).
    void load(memory::PhysMemory& mem, uint64_t ram_top) const;

private:
    std::string path_;
    std::vector<uint8_t> image_, initrd_;
    std::string cmdline_;
    uint32_t setup_bytes_ = 0;
    uint16_t version_ = 0;
};

}  // namespace jitpc::bios
