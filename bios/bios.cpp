#include "bios/bios.h"

#include <stdexcept>

#include "logging/log.h"

namespace jitpc::bios {

extern const std::span<const uint8_t> bios_rom;  // bios/rom/bios.asm, assembled at build time

namespace {

// The stub's OUT is followed by a JNZ that retries when ZF is set (bios/rom/bios.asm).
void set_live_zf(cpu::Cpu& c, bool on) { c.flags.set(on ? cpu::EFLAGS_ZF : 0, cpu::EFLAGS_ZF); }

}  // namespace

void RealModeCall::edit_flags(uint32_t bit, bool on) {
    const uint16_t sp = uint16_t(c_.gpr[cpu::ESP]);
    const uint16_t ss = c_.seg[cpu::SS].sel;
    uint16_t flags = read<uint16_t>(ss, uint16_t(sp + 4));
    flags = on ? (flags | bit) : (flags & ~bit);
    write<uint16_t>(ss, uint16_t(sp + 4), flags);
}

void RealModeCall::retry_after_interrupt() { set_live_zf(c_, true); }

uint32_t RealModeCall::linear(uint16_t seg, uint32_t off) const {
    const uint32_t lin = (uint32_t(seg) << 4) + off;
    return c_.a20 ? lin : lin & ~(1u << 20);
}

void RealModeCall::read(uint16_t seg, uint32_t off, void* dst, size_t n) {
    mem_.read_bytes(linear(seg, off), dst, n);
}

void RealModeCall::write(uint16_t seg, uint32_t off, const void* src, size_t n) {
    mem_.write_bytes(linear(seg, off), src, n);
}

void RealModeCall::redirect(uint16_t seg, uint16_t off) {
    const uint16_t sp = uint16_t(c_.gpr[cpu::ESP]);
    const uint16_t ss = c_.seg[cpu::SS].sel;
    write<uint16_t>(ss, sp, off);
    write<uint16_t>(ss, uint16_t(sp + 2), seg);
}

Bios::Bios(cpu::Cpu& cpu, memory::PhysMemory& mem, devices::IoBus& bus, BiosConfig cfg)
    : cpu_(cpu), mem_(mem), bus_(bus), cfg_(std::move(cfg)) {
    if (bios_rom.size() != ROM_SIZE) throw std::logic_error("BIOS ROM image has the wrong size");
    mem.map_rom(ROM_BASE, bios_rom);
    mem.map_rom(uint32_t(0x100000000ull - ROM_SIZE), bios_rom);
    bus.claim(TRAP_PORT, 1, this);
    if (!cfg_.kernel.path.empty() && !cfg_.kernel.multiboot)
        kernel_.emplace(cfg_.kernel.path, cfg_.kernel.initrd_path, cfg_.kernel.cmdline);
}

uint32_t Bios::port_read(uint16_t, unsigned size) { return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }

void Bios::port_write(uint16_t, unsigned size, uint32_t) {
    cpu::Cpu& c = cpu_;
    const uint32_t code = c.seg[cpu::CS].base + c.rip;
    if (size != 1 || c.pe() || c.seg[cpu::CS].sel != 0xF000 || code < ROM_BASE ||
        code >= ROM_BASE + ROM_SIZE) {
        static logging::Site site{logging::GUEST_ERRORS, "BIOS trap port", 1};
        site.print("ignoring a write to the BIOS trap port from %04x:%08x", c.seg[cpu::CS].sel, uint32_t(c.rip));
        return;
    }
    RealModeCall call(c, mem_);
    const uint16_t sp = uint16_t(c.gpr[cpu::ESP]);
    const auto service = Service(call.read<uint16_t>(c.seg[cpu::SS].sel, sp));
    c.reg16(cpu::ESP) = uint16_t(sp + 2);
    set_live_zf(c, false);
    dispatch(service, call);
    // Registers, flags images and memory may all have changed under the running block.
    c.request_exit();
}

void Bios::dispatch(Service s, RealModeCall& call) {
    switch (s) {
    case Service::Video: return video(call);
    case Service::Equipment: return equipment(call);
    case Service::MemorySize: return memory_size(call);
    case Service::Disk: return disk(call);
    case Service::System: return system(call);
    case Service::Keyboard: return keyboard(call);
    case Service::NoBootDevice: return no_boot_device(call);
    case Service::Boot: return boot(call);
    case Service::Clock: return clock(call);
    case Service::Post: return post(call);
    case Service::KeyboardIrq: return keyboard_irq(call);
    }
    static logging::Site site{logging::GUEST_ERRORS, "BIOS trap service"};
    site.print("BIOS ROM trapped with unknown service %#x", unsigned(s));
}

void Bios::unsupported(RealModeCall& call, uint8_t vector, uint8_t status) {
    const unsigned key = vector << 8 | call.ah();
    static logging::Site site{logging::UNIMP, "BIOS call"};
    if (site.on() && !logged_unsupported_[key])
        site.print("BIOS call INT %02Xh AX=%04Xh is not implemented (logged once per AH)", vector,
                   call.reg16(cpu::EAX));
    logged_unsupported_[key] = true;
    call.fail(status);
}

}  // namespace jitpc::bios
