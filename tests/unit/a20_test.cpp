// The A20 gate: with it masked, real-mode addresses past 1 MiB wrap to the bottom of memory
// (FFFF:0010 is 0:0000), as on an 8086. Cpu::set_a20 is the hook the platform drives (port
// 0x92, the 8042 output port); until those devices exist only a unit test reaches it.
#include <doctest/doctest.h>

#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

namespace {

// Reads the word at FFFF:0010 into AX with the given A20 state.
uint16_t read_ffff_0010(test::CpuFixture& f, uint8_t a20) {
    f.real16();
    const uint16_t low = 0x1234, high = 0xBEEF;
    f.mem.write_bytes(0x000000, &low, 2);
    f.mem.write_bytes(0x100000, &high, 2);
    f.cpu.set_a20(a20);
    f.cpu.load_seg_real(DS, 0xFFFF);
    f.load({0xA1, 0x10, 0x00,   // mov ax, [0x0010]
            0xF4});             // hlt
    f.reg(EAX) = 0;
    CHECK(f.run(10) == StopReason::Halted);
    return static_cast<uint16_t>(f.reg(EAX));
}

}  // namespace

TEST_CASE_FIXTURE(test::CpuFixture, "A20 masked: FFFF:0010 aliases 0:0000") {
    CHECK(read_ffff_0010(*this, 0) == 0x1234);
}

TEST_CASE_FIXTURE(test::CpuFixture, "A20 enabled: FFFF:0010 is the first byte above 1 MiB") {
    CHECK(read_ffff_0010(*this, 1) == 0xBEEF);
}

TEST_CASE_FIXTURE(test::CpuFixture, "toggling A20 after a flush changes the alias at once") {
    CHECK(read_ffff_0010(*this, 1) == 0xBEEF);
    CHECK(read_ffff_0010(*this, 0) == 0x1234);
    CHECK(read_ffff_0010(*this, 1) == 0xBEEF);
}
