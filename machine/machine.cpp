#include "machine/machine.h"

#include <Zydis/Zydis.h>

#include <algorithm>
#include <stdexcept>

#include "bios/firmware.h"
#include "bios/multiboot.h"

namespace jitpc::machine {

Machine::Machine(const Config& cfg)
    : mem(cfg.ram_bytes), cpu(mem, bus), interp(cpu), clock(cpu.icount, &cpu.icount_limit), pit(clock, pic), cfg_(cfg),
      debugcon_(cfg.debugcon), debug_exit_(bus), system_control_(cpu, bus) {
    bus.stop_flag = &interp.stop_request;
    bus.pic = &pic;
    pic.claim(bus);
    pit.claim(bus);
    io_delay_.claim(bus);
    bus.claim(0x92, 1, &system_control_);
    bus.claim(0xE9, 1, &debugcon_);
    bus.claim(0xF4, 1, &debug_exit_);
    if (!cfg.bios_path.empty()) bios::load_firmware(mem, cfg.bios_path);
    if (!cfg.kernel_path.empty())
        bios::load_multiboot(mem, cpu, cfg.kernel_path, cfg.append, cfg.initrd_path);
    else if (cfg.bios_path.empty())
        throw std::runtime_error("nothing to boot: give -kernel or -bios");
    if (cfg.trace) attach_trace(cfg.trace);
}

void Machine::attach_trace(std::FILE* out) {
    interp.trace = [this, out](cpu::Cpu& c, const cpu::Insn&) {
        uint8_t bytes[16] = {};
        const uint32_t lin = c.seg[cpu::CS].base + c.eip;
        uint32_t phys;
        char text[96] = "??";
        if (cpu.mmu.peek(lin, phys)) {
            mem.read_bytes(phys, bytes, sizeof bytes);
            ZydisDisassembledInstruction d;
            const auto mode = c.code32() ? ZYDIS_MACHINE_MODE_LEGACY_32 : ZYDIS_MACHINE_MODE_LEGACY_16;
            if (ZYAN_SUCCESS(ZydisDisassembleIntel(mode, c.eip, bytes, sizeof bytes, &d)))
                std::snprintf(text, sizeof text, "%s", d.text);
        }
        std::fprintf(out, "%04x:%08x  %-40s EAX=%08x EBX=%08x ECX=%08x EDX=%08x ESI=%08x EDI=%08x EBP=%08x ESP=%08x EFL=%08x\n",
                     c.seg[cpu::CS].sel, c.eip, text, c.gpr[0], c.gpr[3], c.gpr[1], c.gpr[2],
                     c.gpr[6], c.gpr[7], c.gpr[5], c.gpr[4], c.flags.get());
    };
}

int Machine::run() {
    const uint64_t budget = cfg_.max_instructions ? cfg_.max_instructions : Clock::NEVER;
    for (;;) {
        // Events due now are delivered before the next instruction.
        clock.fire_due(cpu.icount);
        if (cpu.icount >= budget) {
            std::fprintf(stderr, "jitpc: instruction limit reached at %04x:%08x\n",
                         cpu.seg[cpu::CS].sel, cpu.eip);
            return EXIT_INSN_LIMIT;
        }
        const cpu::StopReason r = interp.run(std::min(clock.next_due(), budget));
        if (bus.exit_requested) return bus.exit_status;
        if (bus.reset_requested || r == cpu::StopReason::Shutdown) {
            if (cfg_.no_reboot) return 0;
            bus.reset_requested = false;
            cpu.reset();
            continue;
        }
        switch (r) {
        case cpu::StopReason::Halted: {
            // A halted CPU with interrupts enabled waits for the next event: the clock jumps
            // there without executing anything.
            const bool can_wake = (cpu.flags.bits & cpu::EFLAGS_IF) && !pic.all_masked();
            if (can_wake && clock.next_due() != Clock::NEVER) {
                const uint64_t to = std::min(clock.next_due(), budget);
                idle_ticks += to - cpu.icount;
                cpu.icount = to;
                continue;
            }
            std::fprintf(stderr, "jitpc: guest halted at %04x:%08x with nothing to wake it (%s)\n",
                         cpu.seg[cpu::CS].sel, cpu.eip,
                         !(cpu.flags.bits & cpu::EFLAGS_IF) ? "interrupts disabled"
                         : pic.all_masked()                   ? "every IRQ masked at the PIC"
                                                              : "no interrupt source");
            return EXIT_HALTED;
        }
        case cpu::StopReason::Shutdown:  // handled above
        case cpu::StopReason::Budget:
        case cpu::StopReason::Request: continue;
        }
    }
}

}  // namespace jitpc::machine
