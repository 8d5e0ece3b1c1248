#include <doctest/doctest.h>

#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

TEST_CASE_FIXTURE(test::CpuFixture, "a decoded block runs and retires one count per instruction") {
    flat32();
    load({0xB9, 0x0A, 0, 0, 0,   // mov ecx, 10
          0x31, 0xD2,            // xor edx, edx
          0x01, 0xCA,            // add edx, ecx
          0x49,                  // dec ecx
          0x75, 0xFB,            // jnz -5
          0xF4});                // hlt
    CHECK(run(1000) == StopReason::Halted);
    CHECK(reg(EDX) == 55);
    CHECK(cpu.icount == 2 + 3 * 10 + 1);
}

TEST_CASE_FIXTURE(test::CpuFixture, "a store that patches the next instruction takes effect") {
    flat32();
    // mov byte [CODE+9], 0x40 ; (inc eax patched into) nop ; hlt
    load({0xC6, 0x05, 0x09, 0x00, 0x01, 0x00, 0x40,   // mov byte [0x10009], 0x40
          0x90, 0x90,                               // nop nop (0x10007, 0x10008)
          0x90,                                     // 0x10009: becomes inc eax
          0xF4});
    reg(EAX) = 0;
    CHECK(run(100) == StopReason::Halted);
    CHECK(reg(EAX) == 1);
}

TEST_CASE_FIXTURE(test::CpuFixture, "an instruction outside the CPU table raises #UD precisely") {
    real16();
    // IVT entry 6 -> 0000:0500 where a HLT waits.
    wr32(6 * 4, 0x00000500);
    mem.write_bytes(0x500, "\xF4", 1);
    load({0x0F, 0x05});  // SYSCALL: not a P6 instruction
    run(10);
    CHECK(cpu.rip == 0x501);
    // The frame holds the faulting instruction's address.
    uint16_t frame[3];
    mem.read_bytes(0x8000 - 6, frame, 6);
    CHECK(frame[0] == 0);                 // IP of the SYSCALL
    CHECK(frame[1] == (CODE >> 4));       // CS
}
