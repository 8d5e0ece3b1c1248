#include "machine/machine.h"

#include <Zydis/Zydis.h>

#include <algorithm>
#include <array>
#include <functional>
#include <initializer_list>
#include <stdexcept>

#include "bios/disk_geometry.h"
#include "bios/firmware.h"
#include "bios/fw_cfg_files.h"
#include "bios/multiboot.h"
#include "cpu/decode.h"
#include "cpu/print.h"
#include "logging/log.h"

namespace jitpc::machine {

namespace {

// Host input to COM1 is looked at every INPUT_POLL_TICKS of guest time (100 us, a bit more than
// one character time at 115200 baud), one byte per look: see docs/ARCHITECTURE.md.
constexpr uint64_t INPUT_POLL_TICKS = 100'000;
// A guest halted for input lets a poll wait for it this long at most (50 ms) before its
// virtual time moves on: the bound on how late the monitor and gdb are served meanwhile.
constexpr uint64_t INPUT_WAIT_TICKS = 50'000'000;

// Longest line -d serial shows; the rest of a longer one is left out.
constexpr size_t SERIAL_LINE_MAX = 256;

devices::Uart16550::Sink output_sink(std::FILE* out) {
    return [out](uint8_t b) {
        if (!out) return;
        std::fputc(b, out);
        if (b == '\n') std::fflush(out);
    };
}

}  // namespace

// What the guest sends out of COM`port`: to `out`, into the serial digest (record/replay
// compares it) and, under -d serial, a line at each newline with the counts it was sent at.
devices::Uart16550::Sink Machine::serial_sink(std::FILE* out, int port) {
    return [this, write = output_sink(out), port, line = std::string()](uint8_t b) mutable {
        serial_digest = (serial_digest ^ b) * 0x100000001B3ull;  // FNV-1a
        static logging::Site lines{logging::SERIAL, "serial line"};
        if (lines.on()) {
            if (b == '\n') {
                lines.print("COM%d at %llu retired instructions, %llu ns: %s", port,
                            static_cast<unsigned long long>(retired()), static_cast<unsigned long long>(cpu.icount),
                            logging::printable(line).c_str());
                line.clear();
            } else if (b != '\r' && line.size() < SERIAL_LINE_MAX) {
                line += char(b);
            }
        }
        write(b);
    };
}

// Devices are members constructed in declaration order, which is also the order their timers
// are created in and so the order that breaks ties between events: PIT, RTC, COM1, COM2, then
// the local APIC timer, the ACPI PM timer's overflow, the HPET's three comparators, the host
// input poll (the i8042 and the PCI functions have no timers).
Machine::Machine(const Config& cfg)
    : mem(ram_layout(cfg)), cpu_bus(bus, lapic, run_control), cpu(mem, cpu_bus, *cfg.cpu_model), interp(cpu), clock(cpu.icount, &cpu.icount_limit),
      pic([this](bool level) {
          lapic.set_lint(0, level);
          ioapic.set_irq(0, level);
      }),
      pit(clock,
          [this](bool level) {
              irq0_.device = level;
              drive_legacy_irqs();
          }),
      rtc(clock,
          [this](bool level) {
              irq8_.device = level;
              drive_legacy_irqs();
          },
          cfg.rtc_base),
      com1(clock, isa_irq(4), serial_sink(cfg.serial[0], 1)),
      com2(clock, isa_irq(3), serial_sink(cfg.serial[1], 2)),
      lapic(clock, cfg.cpu_model->has(cpu::Feature::APIC),
            devices::LocalApic::Wiring{[this](bool level) { cpu.set_intr(level); }, [this] { return pic.ack(); },
                                       [this](uint8_t vector) { ioapic.eoi(vector); }, [this] { cpu.raise_nmi(); },
                                       [this] {
                                           init_pending_ = true;
                                           run_control.request_stop();
                                           cpu.request_exit();
                                       },
                                       [this](uint64_t from, uint64_t to) {
                                           if (from != devices::LocalApic::NO_WINDOW) mem.remove_overlay(from);
                                           if (to != devices::LocalApic::NO_WINDOW) mem.overlay_mmio(to, &lapic);
                                       }},
            cfg.cpu_model->has(cpu::Feature::TSC_DEADLINE), cfg.cpu_model->has(cpu::Feature::X2APIC)),
      ioapic([this](const devices::ApicMessage& m) { lapic.receive(m); }),
      kbc(devices::I8042::Wiring{isa_irq(1), isa_irq(12),
                                 [this](bool on) { cpu.set_a20(on); }, [this] { return cpu.a20 != 0; },
                                 [this](const char*) { run_control.request_reset(); }}),
      pci([this](bool) { run_control.request_reset(); }), host_bridge(mem),
      isa_bridge({[this](unsigned irq, bool level) { pic.set_irq(irq, level); },
                  [this](unsigned pin, bool level) { ioapic.set_irq(pin, level); }}),
      vga(mem),
      acpi_pm(clock, devices::AcpiPm::Wiring{isa_irq(devices::AcpiPm::SCI_IRQ),
                                      [this] { power_off(); }}),
      hpet(clock, devices::Hpet::Wiring{[this](unsigned gsi, bool level) { hpet_gsi(gsi, level); },
                                        [this] {
                                            hpet_legacy_ = hpet.legacy_replacement();
                                            drive_legacy_irqs();
                                        }}),
      fw_cfg(mem), drives(open_drives(cfg)),
      ide_primary(0x1F0, 0x3F6, isa_irq(14),
                  {drives.ide[0].get(), drives.ide_cdrom[0]},
                  {drives.ide[1].get(), drives.ide_cdrom[1]}),
      ide_secondary(0x170, 0x376, isa_irq(15),
                    {drives.ide[2].get(), drives.ide_cdrom[2]},
                    {drives.ide[3].get(), drives.ide_cdrom[3]}),
      cfg_(cfg),
      debugcon_(cfg.debugcon), debug_exit_(run_control), system_control_(cpu, run_control) {
    run_control.stop_flag = &interp.stop_request;
    if (cfg.jit) {
        jit = cfg.jit_cache_bytes ? std::make_unique<jit::Engine>(cpu, cfg.jit_cache_bytes)
                                  : std::make_unique<jit::Engine>(cpu);
        jit->exact = !cfg.jit_inexact;
        jit->resume = !cfg.jit_no_resume;
        interp.native = jit.get();
        interp.hot_runs = cfg.jit_threshold;
        if (cfg.perf_map) jit->write_perf_map(cfg.perf_map);
        if (cfg.jit_fallbacks) jit->fallbacks = std::make_unique<jit::FallbackProfile>();
    }
    if (cfg.profile) {
        profile_ = std::make_unique<profile::Writer>(cfg.profile, cfg.profile_interval);
        next_sample_ = cfg.profile_interval;
    }
    if (lapic.present()) mem.map_mmio(devices::IoApic::BASE, devices::IoApic::MMIO_SIZE, &ioapic);
    if (acpi_platform().hpet) mem.map_mmio(devices::Hpet::BASE, devices::Hpet::MMIO_SIZE, &hpet);
    pic.claim(bus);
    pit.claim(bus);
    io_delay_.claim(bus);
    bus.claim(0x70, 2, &rtc);
    bus.claim(0x3F8, 8, &com1);
    bus.claim(0x2F8, 8, &com2);
    // Two single ports: 0x61 between them is port B (the PIT's).
    bus.claim(0x60, 1, &kbc);
    bus.claim(0x64, 1, &kbc);
    pci.attach(devices::I440fx::DEVICE, devices::I440fx::FUNCTION, &host_bridge);
    pci.attach(devices::Piix3Isa::DEVICE, devices::Piix3Isa::FUNCTION, &isa_bridge);
    pci.attach(devices::Piix3Ide::DEVICE, devices::Piix3Ide::FUNCTION, &ide_function);
    bus.claim(devices::PciBus::PORT_BASE, devices::PciBus::PORT_COUNT, &pci);
    vga.claim_ports(bus);
    bus.claim(devices::AcpiPm::EVT_PORT, devices::AcpiPm::PORT_COUNT, &acpi_pm);
    bus.claim(devices::FwCfg::PORT_BASE, devices::FwCfg::PORT_COUNT, &fw_cfg);
    // 0x3F7 (the floppy controller's) stays out of the primary channel's control block.
    bus.claim(0x1F0, 8, &ide_primary);
    bus.claim(0x3F6, 1, &ide_primary);
    bus.claim(0x170, 8, &ide_secondary);
    bus.claim(0x376, 1, &ide_secondary);
    // The PIRQ# lines idle high (no PCI function asserts its INTx).
    for (unsigned n = 0; n < 4; ++n) isa_bridge.set_pirq(n, false);
    fill_cmos();
    bios::FwCfgFacts facts{mem.layout(), cfg.boot_order, {}, {}, 0x3F8, acpi_platform()};
    for (int i = 0; i < 4; ++i) {
        facts.ide_present[i] = drives.ide[i] != nullptr;
        facts.ide_cdrom[i] = drives.ide_cdrom[i];
    }
    bios::fill_fw_cfg(fw_cfg, facts);
    com1_input_ = cfg.com1_input;
    keyboard_input_ = cfg.keyboard_input;
    // Made whether or not it is armed, so every machine has the same timers (snapshots).
    input_timer_ = clock.add_timer([this](uint64_t now) { poll_input(now); });
    if (com1_input_ || keyboard_input_ || cfg.display) clock.arm(input_timer_, INPUT_POLL_TICKS);
    for (const devices::PortDevice* d : std::initializer_list<const devices::PortDevice*>{&pic, &pit, &io_delay_})
        bus.mark_housekeeping(d);
    cpu.on_deliver = [this](const cpu::Cpu& c, const cpu::Cpu::Event& e) { event_watch_(c, e); };
    bus.claim(0x92, 1, &system_control_);
    bus.claim(0xF4, 1, &debug_exit_);
    for (const auto& [first, count] : cfg.debug_exit_ports) {
        for (uint32_t p = first; p < uint32_t(first) + count; ++p)
            if (p > 0xFFFF || (p != 0xF4 && bus.claimed(uint16_t(p)))) {
                char port[8];
                std::snprintf(port, sizeof port, "0x%x", p);
                throw std::runtime_error(std::string("-device isa-debug-exit: port ") + port +
                                         (p > 0xFFFF ? " is not an I/O port" : " belongs to another device"));
            }
        bus.claim(first, count, &debug_exit_);
    }
    if (bus.claimed(cfg.debugcon_port)) {
        char port[8];
        std::snprintf(port, sizeof port, "0x%x", cfg.debugcon_port);
        throw std::runtime_error(std::string("-global isa-debugcon.iobase=") + port +
                                 ": that port belongs to another device");
    }
    bus.claim(cfg.debugcon_port, 1, &debugcon_);
    start_firmware();
    if (cfg.trace) attach_trace(cfg.trace);
    if (cfg.hang_dump) interp.history = &history_;
}

devices::IrqLine Machine::isa_irq(unsigned irq) {
    return [this, irq](bool level) {
        pic.set_irq(irq, level);
        ioapic.set_irq(irq ? irq : 2, level);
    };
}

// INIT (an IPI or an I/O APIC message) at the boundary after the instruction that sent it: the
// CPU restarts at the reset vector as after RESET, but keeps its x87 and SSE state and the TSC
// (SDM Vol. 3 table 9-1); the local APIC keeps its ID and base (10.4.7.3).
void Machine::cpu_init() {
    init_pending_ = false;
    const cpu::FpuState fpu = cpu.fpu;
    const cpu::SseState sse = cpu.sse;
    const uint64_t tsc_offset = cpu.tsc_offset;
    cpu.reset();
    cpu.fpu = fpu;
    cpu.sse = sse;
    cpu.tsc_offset = tsc_offset;
    lapic.init();
}

// QEMU's -drive rules: a drive without an index takes the next free slot of its interface;
// -hda/-hdb/-cdrom/-fda arrive here with their fixed indexes. Images are written only when the
// user did not ask for a snapshot, and CD-ROMs never.
Machine::Drives Machine::open_drives(const Config& cfg) {
    Drives d;
    for (const DriveConfig& dc : cfg.drives) {
        const bool floppy = dc.iface == DriveConfig::Interface::Floppy;
        std::unique_ptr<storage::DiskImage>* slots = floppy ? d.floppy : d.ide;
        const int count = floppy ? 2 : 4;
        int index = dc.index;
        if (index < 0)
            for (index = 0; index < count && slots[index]; ++index) {}
        if (index >= count)
            throw std::runtime_error("drive '" + dc.path + "': no free " +
                                     (floppy ? "floppy" : "IDE") + " slot left");
        if (slots[index])
            throw std::runtime_error("drive '" + dc.path + "': its slot is already taken");
        const auto mode = dc.cdrom                      ? storage::DiskImage::Mode::ReadOnly
                          : (cfg.snapshot || dc.snapshot) ? storage::DiskImage::Mode::Snapshot
                                                          : storage::DiskImage::Mode::ReadWrite;
        slots[index] = std::make_unique<storage::DiskImage>(dc.path, mode);
        // Odd diskette sizes are refused whatever boots (-kernel, -bios or the BIOS).
        if (floppy) bios::floppy_format(slots[index]->sectors(), dc.path);
        else d.ide_cdrom[index] = dc.cdrom;
    }
    return d;
}

// -bios runs the given ROM; everything else has the built-in BIOS, which starts a bzImage
// -kernel through the Linux 16-bit boot protocol or a boot sector from the boot order's first
// drive. A Multiboot -kernel starts directly in the state its specification promises, the BIOS
// underneath it only for a reset, which then reruns the firmware from the reset vector.
void Machine::start_firmware() {
    if (!cfg_.bios_path.empty()) {
        if (!cfg_.kernel_path.empty()) throw std::runtime_error("-kernel cannot be used with -bios");
        bios::load_firmware(mem, cfg_.bios_path);
        return;
    }
    const bool multiboot = !cfg_.kernel_path.empty() && bios::is_multiboot(cfg_.kernel_path);
    bios::BiosConfig bc;
    bc.ram = mem.layout();
    bc.acpi = acpi_platform();
    bc.boot_order = cfg_.boot_order;
    bc.kernel = {cfg_.kernel_path, cfg_.initrd_path, cfg_.append, multiboot};
    // Without a screen (-nographic), teletype output also goes where COM1's output goes.
    if (!cfg_.display) bc.text_mirror = output_sink(cfg_.serial[0]);
    int hard = 0;
    for (int i = 0; i < 4; ++i) {
        if (!drives.ide[i]) continue;
        if (drives.ide_cdrom[i]) {
            if (!bc.drives.cdrom) {
                bc.drives.cdrom = drives.ide[i].get();
                bc.drives.cdrom_slot = uint8_t(i);
            }
        } else if (hard < 2) {
            bc.drives.hard[hard++] = drives.ide[i].get();
        }
    }
    for (int i = 0; i < 2; ++i) bc.drives.floppy[i] = drives.floppy[i].get();
    bios = std::make_unique<bios::Bios>(cpu, mem, bus, std::move(bc));
    // The first start skips POST, a reset runs it (and its INT 19h loads the kernel again).
    if (!multiboot) return;
    // Started as firmware would leave the machine: 0xC0000-0xEFFFF is shadow RAM.
    for (unsigned i = 1; i < devices::I440fx::PAM_COUNT; ++i)
        host_bridge.config_write(devices::I440fx::PAM0 + i, 1, devices::I440fx::PAM_RAM_PAIR);
    bios::load_multiboot(mem, cpu, cfg_.kernel_path, cfg_.append, cfg_.initrd_path);
}

// The APIC-era chipset's timers come with the CPU models that have a local APIC (max); the
// pentium2 machine stays the PC it always was.
bios::AcpiPlatform Machine::acpi_platform() const {
    return {.apic = lapic.present(), .pm_timer = lapic.present(), .hpet = lapic.present()};
}

// The HPET's interrupts as GSIs: 2 is ISA IRQ 0 (the MADT's override) and 8 is IRQ 8, the
// legacy replacement routes; its other routes (GSIs 20-23) are I/O APIC pins. The route field
// reaches 31: as on QEMU, a route past the I/O APIC's pins is wired to nothing.
void Machine::hpet_gsi(unsigned gsi, bool level) {
    if (gsi == 2) irq0_.hpet = level;
    else if (gsi == 8) irq8_.hpet = level;
    else if (gsi < devices::IoApic::PINS) ioapic.set_irq(gsi, level);
    drive_legacy_irqs();
}

// IRQ 0 and IRQ 8 come from the PIT and the RTC, or from HPET timers 0 and 1 under legacy
// replacement; either way they reach the 8259 and the I/O APIC (IRQ 0 at pin 2, the MADT's
// override).
void Machine::drive_legacy_irqs() {
    const bool irq0 = hpet_legacy_ ? irq0_.hpet : irq0_.device;
    const bool irq8 = hpet_legacy_ ? irq8_.hpet : irq8_.device;
    pic.set_irq(0, irq0);
    ioapic.set_irq(2, irq0);
    pic.set_irq(8, irq8);
    ioapic.set_irq(8, irq8);
}

// RAM above 4 GiB only where the CPU model can address it (PAE or long mode).
memory::RamLayout Machine::ram_layout(const Config& cfg) {
    const bool high = cfg.cpu_model->has(cpu::Feature::PAE) || cfg.cpu_model->has(cpu::Feature::LM);
    return memory::RamLayout::of(cfg.ram_bytes, high);
}

// What a PC BIOS leaves in CMOS NVRAM for the RAM size and floppy drives (the standard AT layout, as Linux's
// and bootloaders' fallbacks and SeaBIOS read it), and the RAM above 4 GiB where QEMU puts it for SeaBIOS.
void Machine::fill_cmos() {
    const memory::RamLayout& ram = mem.layout();
    const uint64_t kib_above_1m = (ram.below_4g - (1u << 20)) >> 10;
    const uint64_t ext_kib = std::min<uint64_t>(kib_above_1m, 0xFFFF);  // 64 MiB - 1 KiB at most
    const uint64_t above_16m = ram.below_4g > (16u << 20) ? (ram.below_4g - (16u << 20)) >> 16 : 0;
    const uint64_t above_16m_units = std::min<uint64_t>(above_16m, 0xFFFF);
    const uint64_t above_4g_units = ram.above_4g >> 16;
    std::array<uint8_t, 0x2E> checked{};  // 0x10-0x2D, the range the checksum covers
    auto put = [&](uint8_t index, uint8_t v) {
        rtc.set_nvram(index, v);
        if (index >= 0x10 && index < 0x2E) checked[index] = v;
    };
    auto word = [&](uint8_t index, uint64_t v) {  // little-endian
        put(index, uint8_t(v));
        put(index + 1, uint8_t(v >> 8));
    };
    // Floppy drives: every attached one is reported as a 1.44 MB 3.5" drive (type 4), drive A
    // in the high nibble of 0x10; the equipment byte counts them (bits 7:6 = count - 1, bit 0).
    constexpr uint8_t FLOPPY_144M = 4;
    const unsigned floppies = (drives.floppy[0] ? 1 : 0) + (drives.floppy[1] ? 1 : 0);
    put(0x10, uint8_t((drives.floppy[0] ? FLOPPY_144M << 4 : 0) | (drives.floppy[1] ? FLOPPY_144M : 0)));
    const uint8_t floppy_bits = floppies ? uint8_t(0x01 | (floppies - 1) << 6) : 0;
    put(0x14, 0x02 | floppy_bits);  // equipment: math coprocessor, EGA/VGA display, floppies
    word(0x15, 640);      // base memory, KiB
    word(0x17, ext_kib);  // extended memory, KiB, and its POST copy at 0x30
    word(0x30, ext_kib);
    word(0x34, above_16m_units);  // memory above 16 MiB, 64 KiB units
    for (uint8_t i = 0; i < 3; ++i) put(0x5B + i, uint8_t(above_4g_units >> (8 * i)));  // 64 KiB units
    // The boot order where QEMU leaves it for SeaBIOS: devices 1 (floppy), 2 (hard disk),
    // 3 (CD-ROM), first in 0x3D's low nibble, second in its high one, third in 0x38's high one.
    auto boot_code = [&](size_t i) -> uint8_t {
        if (i >= cfg_.boot_order.size()) return 0;
        return uint8_t(std::string("acd").find(cfg_.boot_order[i]) + 1);
    };
    put(0x3D, uint8_t(boot_code(1) << 4 | boot_code(0)));
    put(0x38, uint8_t(boot_code(2) << 4));
    unsigned sum = 0;
    for (unsigned i = 0x10; i < 0x2E; ++i) sum += checked[i];
    put(0x2E, uint8_t(sum >> 8));  // the checksum is stored big-endian
    put(0x2F, uint8_t(sum));
}

// The deterministic input rule: at every INPUT_POLL_TICKS of guest time, each host input that
// has not ended gives at most one byte, and only when its device can take it: COM1 once the
// guest has raised DTR and RTS (it opened the port) and the receiver has room, the keyboard when the
// i8042's output buffer and keyboard queue are empty. A poll that finds the CPU halted with
// nothing due for a while lets the input wait that long (INPUT_WAIT_TICKS at most) and, when
// nothing came, skips the polls the wait covered: a terminal waits for a key meanwhile, so an
// idle guest's time passes at host speed instead of spinning a host core through polls. Which
// polls run follows from guest state and what the inputs gave, which a record logs. The
// display's refresh and the user's commands (which a terminal input answers at every poll) are
// host-side only.
void Machine::poll_input(uint64_t now) {
    for (std::FILE* out : cfg_.serial)
        if (out) std::fflush(out);
    // Only input or the next event can wake the CPU: it is halted and no interrupt is already
    // raised (a device whose timer fired at this same tick, before this poll, wakes it first).
    const uint64_t wake = clock.next_due();
    const uint64_t wait =
        !cpu.halted || cpu.intr_line() || wake <= now ? 0 : std::min(wake - now, INPUT_WAIT_TICKS);
    if (cfg_.display) cfg_.display->refresh(vga, wait != 0);
    using Deliver = std::function<void(uint8_t)>;
    bool waited_in_vain = false;
    // A user command, else (when `deliver` is given) one byte; an ended input drops out.
    auto serve = [&](SerialInput*& input, const Deliver& deliver) {
        SerialInput::Result r = input->command();
        if (r.kind == SerialInput::Kind::Nothing && deliver) {
            r = input->next(wait);
            waited_in_vain = wait && r.kind == SerialInput::Kind::Nothing;
        }
        switch (r.kind) {
        case SerialInput::Kind::Byte: deliver(r.byte); break;
        case SerialInput::Kind::Nothing: break;
        case SerialInput::Kind::End: input = nullptr; break;  // a halt can end the run now
        case SerialInput::Kind::Quit: power_off(); break;
        case SerialInput::Kind::Dump:
            dump_hang("Ctrl-A d", cfg_.hang_dump ? cfg_.hang_dump : stderr);
            break;
        }
    };
    if (com1_input_)
        serve(com1_input_, com1.ready_for_input() && com1.can_receive() ? Deliver([this](uint8_t b) { com1.receive(b); })
                                                             : Deliver());
    if (keyboard_input_ && !run_control.exit_requested)
        serve(keyboard_input_, kbc.ready_for_key() ? Deliver([this](uint8_t b) { kbc.key_scancode(b); })
                                                   : Deliver());
    if (run_control.exit_requested || !(com1_input_ || keyboard_input_ || cfg_.display)) return;
    // The polls the wait covered would have found the CPU as halted: the first after it comes
    // next.
    const uint64_t polls = waited_in_vain ? std::max<uint64_t>(1, (wait + INPUT_POLL_TICKS - 1) / INPUT_POLL_TICKS) : 1;
    clock.arm(input_timer_, now + polls * INPUT_POLL_TICKS);
}

void Machine::resume_input_poll() {
    if ((com1_input_ || keyboard_input_ || cfg_.display) && !clock.armed(input_timer_))
        clock.arm(input_timer_, (cpu.icount / INPUT_POLL_TICKS + 1) * INPUT_POLL_TICKS);
}

// Whether the input poll can wake a halted CPU: an input that has not ended feeds a device
// whose interrupt the guest has enabled.
bool Machine::input_can_wake() const {
    return (com1_input_ && com1.ready_for_input()) || (keyboard_input_ && kbc.key_interrupts());
}

// ACPI S5 (poweroff) and the user's Ctrl-A x: the run ends with status 0, as QEMU exits when
// its guest powers off.
void Machine::power_off() {
    run_control.request_exit(0);
}

// The last frame before the run's closing message, which then lands below it.
void Machine::end_display() {
    if (cfg_.display) cfg_.display->finish(vga);
}

void Machine::dump_hang(const char* why, std::FILE* out) {
    if (out) write_hang_dump(out, why, HangDumpView{cpu, mem, vga, interp.history, cfg_.dump_ranges});
}

void Machine::attach_trace(std::FILE* out) {
    interp.trace = [this, out](cpu::Cpu& c, const cpu::Insn&) {
        uint8_t bytes[16] = {};
        const uint64_t lin = c.code_linear();  // 64 bits: kernel code lies in the upper half
        memory::PhysAddr phys;
        char text[96] = "??";
        if (cpu.mmu.peek(lin, phys)) {
            mem.read_bytes(phys, bytes, sizeof bytes);
            ZydisDisassembledInstruction d;
            if (ZYAN_SUCCESS(ZydisDisassembleIntel(cpu::zydis_mode(c.mode()), c.rip, bytes, sizeof bytes, &d)))
                std::snprintf(text, sizeof text, "%s", d.text);
        }
        std::fprintf(out, "%s  %-40s %s EFL=%08x\n", cpu::ip_text(c).c_str(), text, cpu::gpr_text(c).c_str(),
                     c.flags.get());
    };
}

int Machine::run() {
    int status = run_loop();
    if (profile_) profile_->finish();
    for (RunObserver* o : cfg_.observers) status = o->ended(*this, status);
    return status;
}

uint64_t Machine::next_observer_stop() const {
    uint64_t at = devices::Clock::NEVER;
    for (const RunObserver* o : cfg_.observers) at = std::min(at, o->next_stop());
    return at;
}

// The observers whose stop count has come: RunObserver::GO_ON, or the status to end with.
int Machine::observe() {
    for (RunObserver* o : cfg_.observers)
        if (cpu.icount >= o->next_stop())
            if (const int status = o->at_stop(*this); status != RunObserver::GO_ON) return status;
    return RunObserver::GO_ON;
}

// The guest (power-off, isa-debug-exit) or the user (Ctrl-A x) ended the run.
int Machine::requested_exit() {
    if (cfg_.dump_at_exit) dump_hang("the guest ended the run", cfg_.hang_dump);
    return run_control.exit_status;
}

int Machine::run_loop() {
    const uint64_t budget = cfg_.max_instructions ? cfg_.max_instructions : devices::Clock::NEVER;
    for (;;) {
        if (cfg_.realtime) pacer_.wait_for(cpu.icount);
        // A profile sample falls at every interval of retired instructions (halted and PAUSE
        // ticks are none): the engine stops where the clock reaches the sample's count if
        // every tick until then retires one, as for a timer, which no guest can tell; a PAUSE
        // on the way leaves the count short, and the loop runs on to it.
        uint64_t sample_at = devices::Clock::NEVER;
        if (profile_) {
            if (retired() >= next_sample_) {
                profile_->add({cpu.code_linear(), cpu.cpl, uint8_t(cpu.mode())});
                next_sample_ += cfg_.profile_interval;
            }
            sample_at = cpu.icount + (next_sample_ - retired());
        }
        // Events due now are delivered before the next instruction; one of them (Ctrl-A x at
        // the input poll) may end the run there, before an observer stops at this count. The
        // observers see the limit's count too: gdb stops at the end of a replay that ended
        // there, and goes back.
        clock.fire_due(cpu.icount);
        if (run_control.exit_requested) return requested_exit();
        if (const int status = observe(); status != RunObserver::GO_ON) {
            ended_by_host = true;
            end_display();
            return status;
        }
        if (cpu.icount >= budget) {
            end_display();
            std::fprintf(stderr, "jitpc: instruction limit reached at %s\n", cpu::ip_text(cpu).c_str());
            dump_hang("instruction limit reached", cfg_.hang_dump);
            return EXIT_INSN_LIMIT;
        }
        const cpu::StopReason r = interp.run(std::min({clock.next_due(), budget, sample_at, next_observer_stop()}));
        if (run_control.exit_requested) return requested_exit();
        if (run_control.reset_requested || r == cpu::StopReason::Shutdown) {
            if (cfg_.no_reboot) {
                if (cpu.shutdown) dump_hang("triple fault (shutdown) with -no-reboot", cfg_.hang_dump);
                else if (cfg_.dump_at_exit) dump_hang("reset with -no-reboot", cfg_.hang_dump);
                return 0;
            }
            run_control.reset_requested = false;
            host_bridge.reset_pam();  // the chipset's reset, as QEMU's system reset does
            cpu.reset();
            lapic.reset();
            ioapic.reset();
            hpet.reset();
            continue;
        }
        if (init_pending_) {
            cpu_init();
            continue;
        }
        switch (r) {
        case cpu::StopReason::Halted: {
            // A halted CPU with interrupts enabled waits for the next event: the clock jumps
            // there without executing anything.
            const bool can_wake = (cpu.flags.bits & cpu::EFLAGS_IF) &&
                                  (!pic.all_masked() || lapic.can_interrupt() || ioapic.any_unmasked());
            const uint64_t wake_event = clock.next_due(input_can_wake() ? -1 : input_timer_);
            if (can_wake && wake_event != devices::Clock::NEVER) {
                idle_watch_.halted(cpu.icount, cpu.icount - idle_ticks, bus.activity, input_can_wake(),
                                   cpu.seg[cpu::CS].sel, cpu.rip, cpu.mode());
                const uint64_t to = std::min({clock.next_due(), budget, next_observer_stop()});
                idle_ticks += to - cpu.icount;
                cpu.icount = to;
                idle_watch_.pace(to);
                continue;
            }
            end_display();
            std::fprintf(stderr, "jitpc: guest halted at %s with nothing to wake it (%s)\n",
                         cpu::ip_text(cpu).c_str(),
                         !(cpu.flags.bits & cpu::EFLAGS_IF) ? "interrupts disabled"
                         : pic.all_masked()                   ? "every IRQ masked at the PIC"
                                                              : "no interrupt source");
            dump_hang("halted with nothing to wake it", cfg_.hang_dump);
            return EXIT_HALTED;
        }
        case cpu::StopReason::Shutdown:  // handled above
        case cpu::StopReason::Budget:
        case cpu::StopReason::Request: continue;
        }
    }
}

}  // namespace jitpc::machine
