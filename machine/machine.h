// A PC assembled from its parts: memory, CPU, I/O bus and devices, firmware or a direct kernel
// load, and the loop that runs the engine and reacts to halts, resets and exit requests.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "cpu/cpu.h"
#include "cpu/interp.h"
#include "devices/acpi_pm.h"
#include "devices/ata.h"
#include "devices/debug_ports.h"
#include "devices/i440fx.h"
#include "devices/i8042.h"
#include "devices/io_bus.h"
#include "devices/pci_bus.h"
#include "devices/piix3.h"
#include "devices/vga_text.h"
#include "devices/io_delay.h"
#include "devices/pic.h"
#include "devices/pit.h"
#include "devices/rtc.h"
#include "devices/system_control.h"
#include "devices/uart16550.h"
#include "machine/clock.h"
#include "machine/serial_input.h"
#include "memory/physmem.h"
#include "storage/disk_image.h"

namespace jitpc::machine {

struct Config {
    uint64_t ram_bytes = 128ull << 20;
    std::string bios_path;
    std::string kernel_path, append, initrd_path;
    std::FILE* debugcon = stdout;
    std::FILE* trace = nullptr;  // instruction trace destination, or none
    bool no_reboot = false;
    uint64_t max_instructions = 0;  // 0: unlimited
    std::FILE* serial[2] = {nullptr, nullptr};  // COM1, COM2 output; none when null
    SerialInput* com1_input = nullptr;           // host input to COM1, or none
    int64_t rtc_base = devices::Rtc::DEFAULT_BASE;
    std::string disks[2];   // -hda, -hdb: primary IDE master and slave
    bool snapshot = false;  // -snapshot: disk writes stay in memory
};

// Exit statuses, shared with the front end and documented in the README.
constexpr int EXIT_HOST_ERROR = 1;
constexpr int EXIT_HALTED = 2;        // HLT that nothing can ever wake
constexpr int EXIT_INSN_LIMIT = 3;    // -max-insns reached

class Machine {
public:
    explicit Machine(const Config& cfg);  // throws std::runtime_error with a user-facing message
    int run();

    memory::PhysMemory mem;
    devices::IoBus bus;
    cpu::Cpu cpu;
    cpu::Interpreter interp;
    Clock clock;
    devices::Pic pic;
    devices::Pit pit;
    devices::Rtc rtc;
    devices::Uart16550 com1, com2;
    devices::I8042 kbc;
    devices::PciBus pci;
    devices::I440fx host_bridge;
    devices::Piix3Isa isa_bridge;
    devices::Piix3Ide ide_function;
    devices::VgaText vga;
    devices::AcpiPm acpi_pm;
    // Opened before the channels that use them (member order).
    std::unique_ptr<storage::DiskImage> disk_images[2];
    devices::AtaChannel ide_primary, ide_secondary;
    // Ticks the clock skipped while the CPU was halted (part of icount, not instructions).
    uint64_t idle_ticks = 0;

private:
    void attach_trace(std::FILE* out);
    void power_off();
    void fill_cmos();
    void poll_input(uint64_t now);

    Config cfg_;
    devices::DebugConsole debugcon_;
    devices::DebugExit debug_exit_;
    devices::IoDelay io_delay_;
    devices::SystemControlA system_control_;
    int input_timer_ = -1;
};

}  // namespace jitpc::machine
