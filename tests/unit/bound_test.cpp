// BOUND: signed range checks, #BR as a fault naming the instruction.
#include <doctest/doctest.h>

#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

namespace {

// Runs `bound ax, [0x1000]` (or EAX with 0x66) in real mode against the pair stored at 0x1000;
// returns the IP the CPU halted after: 5 (16-bit) or 6 (32-bit) past the BOUND's HLT, 0x501 in
// the #BR handler, 0x601 on a #UD.
uint32_t run_bound(test::CpuFixture& f, bool dword, uint32_t value, int32_t lower, int32_t upper) {
    f.real16();
    f.wr32(5 * 4, 0x00000500);          // IVT 5 (#BR) -> 0000:0500: hlt
    f.wr32(6 * 4, 0x00000600);          // IVT 6 (#UD) -> 0000:0600: hlt
    f.mem.write_bytes(0x500, "\xF4", 1);
    f.mem.write_bytes(0x600, "\xF4", 1);
    if (dword) {
        f.wr32(0x1000, uint32_t(lower));
        f.wr32(0x1004, uint32_t(upper));
        f.load({0x66, 0x62, 0x06, 0x00, 0x10, 0xF4});
    } else {
        f.wr32(0x1000, uint32_t(uint16_t(lower)) | uint32_t(upper) << 16);
        f.load({0x62, 0x06, 0x00, 0x10, 0xF4});
    }
    f.reg(EAX) = value;
    f.run(10);
    return f.cpu.rip;
}

}  // namespace

TEST_CASE_FIXTURE(test::CpuFixture, "BOUND passes inside the signed range and faults outside") {
    CHECK(run_bound(*this, false, 0x18, 0x10, 0x20) == 5);
    CHECK(run_bound(*this, false, 0x20, 0x10, 0x20) == 5);      // bounds are inclusive
    CHECK(run_bound(*this, false, 0x21, 0x10, 0x20) == 0x501);
    CHECK(run_bound(*this, false, 0xFFFF, -2, 5) == 5);         // -1 is signed-inside
    CHECK(run_bound(*this, false, 0xFFFD, -2, 5) == 0x501);
    CHECK(run_bound(*this, true, 0x80000000, INT32_MIN, 0) == 6);
    CHECK(run_bound(*this, true, 1, INT32_MIN, 0) == 0x501);
}

TEST_CASE_FIXTURE(test::CpuFixture, "#BR pushes the address of the BOUND itself") {
    run_bound(*this, true, 7, 0, 6);
    REQUIRE(cpu.rip == 0x501);
    uint16_t frame[3];
    mem.read_bytes(0x8000 - 6, frame, 6);
    CHECK(frame[0] == 0);                 // IP of the 0x66 prefix
    CHECK(frame[1] == (CODE >> 4));
}
