// A PC assembled from its parts: memory, CPU, I/O bus and devices, firmware or a direct kernel
// load, and the loop that runs the engine and reacts to halts, resets and exit requests.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cpu/cpu.h"
#include "cpu/interp.h"
#include "jit/engine.h"
#include "devices/acpi_pm.h"
#include "devices/ata.h"
#include "devices/debug_ports.h"
#include "devices/fw_cfg.h"
#include "devices/hpet.h"
#include "devices/i440fx.h"
#include "devices/i8042.h"
#include "devices/io_apic.h"
#include "devices/io_bus.h"
#include "devices/pci_bus.h"
#include "devices/piix3.h"
#include "devices/vga_text.h"
#include "devices/io_delay.h"
#include "devices/local_apic.h"
#include "devices/pic.h"
#include "devices/pit.h"
#include "devices/rtc.h"
#include "devices/system_control.h"
#include "devices/uart16550.h"
#include "devices/clock.h"
#include "devices/run_control.h"
#include "machine/cpu_bus.h"
#include "machine/event_watch.h"
#include "machine/hang_dump.h"
#include "machine/host_display.h"
#include "machine/idle_watch.h"
#include "machine/realtime_pacer.h"
#include "machine/run_observer.h"
#include "machine/serial_input.h"
#include "bios/bios.h"
#include "memory/physmem.h"
#include "profile/format.h"
#include "storage/disk_image.h"

namespace jitpc::machine {

// One -drive (or -hda/-hdb/-cdrom/-fda, which are shorthands for it).
struct DriveConfig {
    enum class Interface { Ide, Floppy };
    std::string path;
    Interface iface = Interface::Ide;
    bool cdrom = false;     // an ATAPI CD-ROM (read-only, 2048-byte sectors)
    int index = -1;         // IDE 0-3 (primary master, primary slave, secondary master, slave)
                            // or floppy 0-1; -1 takes the next free one
    bool snapshot = false;  // writes stay in memory even without -snapshot
};

struct Config {
    const cpu::CpuModel* cpu_model = &cpu::models::max;  // -cpu; the default model
    uint64_t ram_bytes = 128ull << 20;
    std::string bios_path;
    std::string kernel_path, append, initrd_path;
    std::FILE* debugcon = stdout;
    uint16_t debugcon_port = 0xE9;  // -global isa-debugcon.iobase=
    // -device isa-debug-exit,iobase=,iosize=: more ports of the debug-exit device (port 0xF4
    // always has it), as (first port, count).
    std::vector<std::pair<uint16_t, uint16_t>> debug_exit_ports;
    std::FILE* trace = nullptr;  // instruction trace destination, or none
    bool no_reboot = false;
    uint64_t max_instructions = 0;  // 0: unlimited
    bool jit_inexact = false;       // -jit-inexact: no event deadline check in linked blocks
    bool jit_no_resume = false;     // -jit-no-resume: jit::Engine::resume off
    bool jit = true;                // -engine jit (default): translated blocks where the JIT can run them
    size_t jit_cache_bytes = 0;     // -jit-cache: translation cache size (0: the engine's default)
    // -jit-threshold: a block is translated once it ran this many times in the interpreter.
    // 16 (docs/ARCHITECTURE.md, "Tiering", has the measurements behind it).
    uint32_t jit_threshold = 16;
    std::FILE* serial[2] = {nullptr, nullptr};  // COM1, COM2 output; none when null
    SerialInput* com1_input = nullptr;           // host input to COM1, or none
    SerialInput* keyboard_input = nullptr;  // host keys as set-1 scancode bytes, or none
    HostDisplay* display = nullptr;         // where the VGA text screen is shown, or nowhere
    int64_t rtc_base = devices::Rtc::DEFAULT_BASE;
    std::vector<DriveConfig> drives;
    bool snapshot = false;  // -snapshot: disk writes stay in memory
    std::string boot_order = "cad";  // -boot: 'a' floppy, 'c' hard disk, 'd' CD-ROM
    std::FILE* hang_dump = nullptr;  // -dump-on-hang: where an abnormal end is explained
    bool dump_at_exit = false;  // -dump-on-exit: the guest's own end (0xF4, power-off) dumps too
    std::vector<MemRange> dump_ranges;  // -dump-mem: extra ranges in that dump
    bool realtime = false;  // -realtime: idle time passes at host speed (not reproducible)
    std::FILE* profile = nullptr;    // -profile: where guest samples are written, or nowhere
    uint64_t profile_interval = 10000;  // -profile-interval: retired instructions between samples
    std::FILE* perf_map = nullptr;   // -perfmap: the perf map of translated blocks, or none
    bool jit_fallbacks = false;      // -d jit_fallback: the JIT counts its fallbacks
    std::vector<RunObserver*> observers;  // record/replay, the monitor: stop where they ask
};

// Exit statuses, shared with the front end and documented in the README.
constexpr int EXIT_HOST_ERROR = 1;
constexpr int EXIT_HALTED = 2;        // HLT that nothing can ever wake
constexpr int EXIT_INSN_LIMIT = 3;    // -max-insns reached

class Machine {
public:
    explicit Machine(const Config& cfg);  // throws std::runtime_error with a user-facing message
    int run();
    const Config& config() const { return cfg_; }
    // After a snapshot of a run without host input was loaded into one with it: the input poll
    // starts at its next tick (polls fall on multiples of its period from power-on).
    void resume_input_poll();
    // The run loop's own state, for snapshots (snapshot/archive.h); the devices have theirs.
    template <class A> void snapshot(A& a) {
        // Which host inputs had ended (the inputs themselves are the host's): they stay ended.
        bool ended[2] = {cfg_.com1_input && !com1_input_, cfg_.keyboard_input && !keyboard_input_};
        a(idle_ticks, serial_digest, init_pending_, irq0_, irq8_, hpet_legacy_, ended);
        if constexpr (A::loading) {
            com1_input_ = ended[0] ? nullptr : cfg_.com1_input;
            keyboard_input_ = ended[1] ? nullptr : cfg_.keyboard_input;
        }
    }

    memory::PhysMemory mem;
    devices::IoBus bus;
    devices::RunControl run_control;
    CpuBus cpu_bus;  // the CPU's view: this bus, the local APIC (below), the run control
    cpu::Cpu cpu;
    cpu::Interpreter interp;
    std::unique_ptr<jit::Engine> jit;  // -engine jit
    devices::Clock clock;
    devices::Pic pic;
    devices::Pit pit;
    devices::Rtc rtc;
    devices::Uart16550 com1, com2;
    devices::LocalApic lapic;
    devices::IoApic ioapic;  // mapped on models with an APIC
    devices::I8042 kbc;
    devices::PciBus pci;
    devices::I440fx host_bridge;
    devices::Piix3Isa isa_bridge;
    devices::Piix3Ide ide_function;
    devices::VgaText vga;
    devices::AcpiPm acpi_pm;
    devices::Hpet hpet;  // mapped on models with an APIC only
    devices::FwCfg fw_cfg;
    // The images of IDE slots 0-3 and floppy drives A and B; opened before the channels and
    // the BIOS that use them (member order).
    struct Drives {
        std::unique_ptr<storage::DiskImage> ide[4], floppy[2];
        bool ide_cdrom[4] = {};
    };
    Drives drives;
    devices::AtaChannel ide_primary, ide_secondary;
    std::unique_ptr<bios::Bios> bios;  // built-in firmware, unless -bios
    // Ticks the clock skipped while the CPU was halted (part of icount, not instructions).
    uint64_t idle_ticks = 0;
    // Retired instructions: the virtual clock less the ticks in which none retired (halted,
    // and PAUSE's beyond its own: CpuState::spin_ticks).
    uint64_t retired() const { return cpu.icount - idle_ticks - cpu.spin_ticks; }
    // The run was ended by an observer (the monitor's quit), not by the guest or a limit.
    bool ended_by_host = false;
    // A running hash of the bytes the guest sent out of COM1 and COM2.
    uint64_t serial_digest = 0xCBF29CE484222325ull;

private:
    // ISA IRQ `irq` as boards wire it: to the 8259 pair and to the I/O APIC (IRQ 0 on pin 2).
    devices::IrqLine isa_irq(unsigned irq);
    devices::Uart16550::Sink serial_sink(std::FILE* out, int port);
    void cpu_init();
    void attach_trace(std::FILE* out);
    static Drives open_drives(const Config& cfg);
    void start_firmware();
    void power_off();
    static memory::RamLayout ram_layout(const Config& cfg);
    void fill_cmos();
    bios::AcpiPlatform acpi_platform() const;
    void hpet_gsi(unsigned gsi, bool level);
    void drive_legacy_irqs();
    int run_loop();
    int requested_exit();
    uint64_t next_observer_stop() const;
    int observe();
    void poll_input(uint64_t now);
    void dump_hang(const char* why, std::FILE* out);
    void end_display();
    bool input_can_wake() const;

    Config cfg_;
    devices::DebugConsole debugcon_;
    devices::DebugExit debug_exit_;
    devices::IoDelay io_delay_;
    devices::SystemControlA system_control_;
    // The host input poll (COM1, keyboard) and display refresh; inputs drop out at their end.
    int input_timer_ = -1;
    bool init_pending_ = false;  // an INIT message waits for the instruction boundary
    SerialInput* com1_input_ = nullptr;
    SerialInput* keyboard_input_ = nullptr;
    RealtimePacer pacer_;
    EventWatch event_watch_;
    IdleWatch idle_watch_;
    cpu::BlockHistory history_;  // recorded only with -dump-on-hang
    // -profile: the samples, and the retired-instruction count of the next.
    std::unique_ptr<profile::Writer> profile_;
    uint64_t next_sample_ = 0;
    // ISA IRQ 0 and 8 have two sources each: the PIT's OUT0 and the RTC's IRQ, or in HPET
    // legacy replacement mode the HPET's timers 0 and 1.
    struct LegacyIrq {
        bool device = false, hpet = false;
        template <class A> void snapshot(A& a) { a(device, hpet); }
    };
    LegacyIrq irq0_, irq8_;
    bool hpet_legacy_ = false;
};

}  // namespace jitpc::machine
