// RESET (triple fault, platform reset) and the virtual clock.
#include <doctest/doctest.h>

#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

TEST_CASE_FIXTURE(test::CpuFixture, "a reset keeps the instruction count and restarts the TSC") {
    flat32();
    load({0x90, 0x90, 0x90, 0xF4});  // nop x3; hlt
    CHECK(run(100) == StopReason::Halted);
    const uint64_t retired = cpu.icount;
    REQUIRE(retired == 4);
    cpu.reset();
    // The run loop's budget (-max-insns) counts across resets: a reset loop still ends.
    CHECK(cpu.icount == retired);
    CHECK(cpu.tsc() == 0);
    CHECK(cpu.rip == 0xFFF0);
    CHECK(cpu.seg[CS].base == 0xFFFF0000);
}
