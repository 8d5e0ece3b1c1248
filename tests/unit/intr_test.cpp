// The INTR pin: the platform drives CpuState::events' EVENT_INTR and the run loop takes the interrupt at
// the next instruction boundary that allows it.
#include <doctest/doctest.h>

#include "tests/unit/cpu_fixture.h"

using namespace jitpc;

TEST_CASE_FIXTURE(test::CpuFixture, "a high INTR line is taken after STI's shadow, then the line is ignored with IF=0") {
    real16();
    bus.ack_vector = 0x40;
    wr32(0x40 * 4, ((CODE >> 4) << 16) | 0x100);  // IVT entry: handler at CS:0100
    const uint8_t hlt = 0xF4;
    mem.write_bytes(CODE + 0x100, &hlt, 1);
    load({0xFB, 0x90, 0x90, 0xF4});  // STI; NOP; NOP; HLT
    cpu.flags.bits &= ~cpu::EFLAGS_IF;
    cpu.set_intr(true);
    CHECK(cpu.exit_request);  // a rising line stops a running block
    CHECK(run(10) == cpu::StopReason::Halted);
    CHECK(cpu.icount == 3);  // STI, the NOP in its shadow, the handler's HLT
    CHECK(cpu.rip == 0x101);
    CHECK(rd<uint16_t>(0x8000 - 6) == 2);  // interrupted before the second NOP
    // The handler runs with IF=0: the line, still high, is not taken again.
    CHECK(cpu.intr_line());
    CHECK((cpu.flags.bits & cpu::EFLAGS_IF) == 0);
}
