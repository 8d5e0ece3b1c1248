// INT 19h (bootstrap loader) and INT 18h (no bootable device).
#include <cstdio>

#include "bios/bios.h"

namespace jitpc::bios {

void Bios::boot(RealModeCall& call) {
    if (kernel_) return start_linux(call);
    for (char dev : cfg_.boot_order) {
        if (dev != 'c' || !cfg_.drives.hard[0]) continue;
        uint8_t sector[512];
        if (!cfg_.drives.hard[0]->read(0, 1, sector)) continue;
        if (sector[510] != 0x55 || sector[511] != 0xAA) continue;
        call.write(0, 0x7C00, sector, sizeof sector);
        call.set_reg16(cpu::EDX, 0x80);
        call.redirect(0, 0x7C00);
        return;
    }
}

// The kernel's real-mode setup code starts with its segment in every data segment register,
// the stack below the command line and interrupts off, as a boot loader leaves it.
void Bios::start_linux(RealModeCall& call) {
    uint64_t ram_top = 0;
    for (const E820Entry& e : e820_.entries())
        if (e.type == e820::RAM && e.base + e.length <= 0x100000000ull) ram_top = e.base + e.length;
    kernel_->load(mem_, ram_top);
    cpu::Cpu& c = call.cpu();
    for (cpu::SegReg s : {cpu::DS, cpu::ES, cpu::FS, cpu::GS, cpu::SS})
        c.load_seg(s, LinuxKernel16::SETUP_SEGMENT);
    c.gpr[cpu::ESP] = LinuxKernel16::STACK_TOP - 6;  // room for the IRET frame
    call.write<uint16_t>(LinuxKernel16::SETUP_SEGMENT, LinuxKernel16::STACK_TOP - 2, 0x0002);
    call.redirect(LinuxKernel16::SETUP_SEGMENT + 0x20, 0);
}

void Bios::no_boot_device(RealModeCall&) { std::fprintf(stderr, "jitpc: no bootable device\n"); }

}  // namespace jitpc::bios
