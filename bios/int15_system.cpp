// INT 15h: system services. The memory-size and block-move calls live in int15_memory.cpp.
#include "bios/bios.h"

namespace jitpc::bios {

namespace {

constexpr uint8_t UNSUPPORTED = 0x86;
constexpr uint16_t SYSTEM_CONTROL_PORT = 0x92;
constexpr uint8_t SYSTEM_CONTROL_A20 = 0x02;
// INT 15h AX=2403h: A20 can be switched by the keyboard controller and by port 92h.
constexpr uint16_t A20_SUPPORT_KBC = 1u << 0, A20_SUPPORT_PORT92 = 1u << 1;

}  // namespace

void Bios::system(RealModeCall& call) {
    const uint16_t ax = call.reg16(cpu::EAX);
    if (ax == 0xE820) return e820_next(call);
    if (ax == 0xE801) return memory_size_e801(call);
    switch (call.ah()) {
    case 0x24: return a20_gate(call);
    case 0x4F: return call.set_cf(true);  // keyboard intercept: keep the scan code in AL
    case 0x86: return wait_microseconds(call);
    case 0x87: return block_move(call);
    case 0x88: return memory_size_88h(call);
    case 0x90:  // device busy / interrupt complete: nothing to wait for
    case 0x91:
        call.set_ah(0);
        return call.ok();
    case 0xC0:
        call.cpu().load_seg(cpu::ES, uint16_t(ROM_BASE >> 4));
        call.set_reg16(cpu::EBX, uint16_t(ROM_CONFIG_TABLE));
        call.set_ah(0);
        return call.ok();
    default: return unsupported(call, 0x15, UNSUPPORTED);
    }
}

// AX=2400h disable, 2401h enable (through port 92h, as the gate is one state whoever set it),
// 2402h status in AL, 2403h which gates exist in BX.
void Bios::a20_gate(RealModeCall& call) {
    const uint8_t port = uint8_t(bus_.io_read(SYSTEM_CONTROL_PORT, 1));
    switch (call.al()) {
    case 0x00:
    case 0x01: {
        const uint8_t v = call.al() ? (port | SYSTEM_CONTROL_A20) : (port & ~SYSTEM_CONTROL_A20);
        bus_.io_write(SYSTEM_CONTROL_PORT, 1, v & ~1u);  // bit 0 would reset the machine
        break;
    }
    case 0x02: call.set_al((port & SYSTEM_CONTROL_A20) ? 1 : 0); break;
    case 0x03: call.set_reg16(cpu::EBX, A20_SUPPORT_KBC | A20_SUPPORT_PORT92); break;
    default: return unsupported(call, 0x15, UNSUPPORTED);
    }
    call.set_ah(0);
    call.ok();
}

// AH=86h: wait CX:DX microseconds of virtual time. The stub halts between tries, so the wait
// ends at the first interrupt after the deadline (the 18.2 Hz BIOS tick at the latest). One wait
// at a time: a call that arrives while one is pending is treated as its retry.
void Bios::wait_microseconds(RealModeCall& call) {
    const uint64_t now = cpu_.icount;  // 1 tick = 1 ns (devices/clock.h)
    if (!wait_until_) {
        const uint64_t us = uint64_t(call.reg16(cpu::ECX)) << 16 | call.reg16(cpu::EDX);
        wait_until_ = now + us * 1000;
    }
    if (now < *wait_until_) return call.retry_after_interrupt();
    wait_until_.reset();
    call.set_ah(0);
    call.ok();
}

}  // namespace jitpc::bios
