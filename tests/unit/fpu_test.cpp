#include <doctest/doctest.h>

#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

namespace {
constexpr uint32_t DATA = 0x20000;
}  // namespace

TEST_CASE_FIXTURE(test::CpuFixture, "FNINIT; FNSTSW; FNSTCW give 0 and 0x037F") {
    flat32();
    cpu.fpu.fsw = 0x1234;
    cpu.fpu.fcw = 0;
    load({0xDB, 0xE3,                    // fninit
          0xDD, 0x3D, 0, 0, 2, 0,        // fnstsw [DATA]
          0xD9, 0x3D, 2, 0, 2, 0,        // fnstcw [DATA+2]
          0xF4});
    run(10);
    CHECK(rd<uint16_t>(DATA) == 0);
    CHECK(rd<uint16_t>(DATA + 2) == 0x037F);
    CHECK(cpu.fpu.ftw == 0xFFFF);
}

TEST_CASE_FIXTURE(test::CpuFixture, "1 + 2 = 3 stored as a double") {
    flat32();
    load({0xDB, 0xE3, 0xD9, 0xE8, 0xD9, 0xE8, 0xD8, 0xC1,  // fninit; fld1; fld1; fadd st0,st1
          0xDE, 0xC1,                                      // faddp st1, st0  -> 3
          0xDD, 0x1D, 0, 0, 2, 0,                          // fstp qword [DATA]
          0xF4});
    run(20);
    uint64_t d;
    mem.read_bytes(DATA, &d, 8);
    CHECK(d == 0x4008000000000000ull);
    CHECK(cpu.fpu.ftw == 0xFFFF);
    CHECK(cpu.fpu.top() == 0);
}

TEST_CASE_FIXTURE(test::CpuFixture, "1/3 under each precision control matches the x87") {
    const struct { uint16_t cw; uint64_t mant; } cases[] = {
        {0x007F, 0xAAAAAB0000000000ull},  // 24-bit, rounded up
        {0x027F, 0xAAAAAAAAAAAAA800ull},  // 53-bit, rounded down
        {0x037F, 0xAAAAAAAAAAAAAAABull},  // 64-bit, rounded up
    };
    for (const auto& k : cases) {
        flat32();
        cpu.halted = 0;
        mem.write_bytes(DATA, &k.cw, 2);
        const uint32_t three = 3;
        mem.write_bytes(DATA + 4, &three, 4);
        load({0xDB, 0xE3, 0xD9, 0x2D, 0, 0, 2, 0,   // fninit; fldcw [DATA]
              0xD9, 0xE8, 0xDA, 0x35, 4, 0, 2, 0,   // fld1; fidiv dword [DATA+4]
              0xF4});
        run(10);
        const Float80& r = cpu.fpu.st[cpu.fpu.top()];
        CHECK(r.sexp == 0x3FFD);
        CHECK(r.mant == k.mant);
        CHECK((cpu.fpu.fsw & 0x20) != 0);  // PE
    }
}

TEST_CASE_FIXTURE(test::CpuFixture, "FIST rounds by RC") {
    const struct { uint16_t cw; int16_t up, down; } cases[] = {
        {0x037F, 2, -2}, {0x077F, 2, -3}, {0x0B7F, 3, -2}, {0x0F7F, 2, -2}};
    for (const auto& k : cases) {
        flat32();
        cpu.halted = 0;
        mem.write_bytes(DATA, &k.cw, 2);
        const uint32_t f25 = 0x40200000, fm25 = 0xC0200000;  // 2.5f, -2.5f
        mem.write_bytes(DATA + 4, &f25, 4);
        mem.write_bytes(DATA + 8, &fm25, 4);
        load({0xDB, 0xE3, 0xD9, 0x2D, 0, 0, 2, 0,
              0xD9, 0x05, 4, 0, 2, 0, 0xDF, 0x1D, 12, 0, 2, 0,   // fld [DATA+4]; fistp word
              0xD9, 0x05, 8, 0, 2, 0, 0xDF, 0x1D, 14, 0, 2, 0,
              0xF4});
        run(20);
        CHECK(int16_t(rd<uint16_t>(DATA + 12)) == k.up);
        CHECK(int16_t(rd<uint16_t>(DATA + 14)) == k.down);
    }
}

TEST_CASE_FIXTURE(test::CpuFixture, "FCOM sets C0/C2/C3 and FCOMI sets EFLAGS") {
    flat32();
    load({0xDB, 0xE3, 0xD9, 0xE8, 0xD9, 0xEE,   // fninit; fld1; fldz  (st0=0, st1=1)
          0xD8, 0xD1,                           // fcom st1 -> less: C0
          0xDF, 0xE0,                           // fnstsw ax
          0xDB, 0xF1,                           // fcomi st0, st1 -> CF
          0xF4});
    run(20);
    CHECK((reg(EAX) & 0x4500) == 0x0100);
    CHECK((flags() & (EFLAGS_CF | EFLAGS_ZF | EFLAGS_PF)) == EFLAGS_CF);
}

TEST_CASE_FIXTURE(test::CpuFixture, "FSUB and FSUBR keep their operand order") {
    flat32();
    load({0xDB, 0xE3, 0xD9, 0xE8, 0xD9, 0xEE,   // st0=0, st1=1
          0xD8, 0xE1,                           // fsub st0, st1 -> -1
          0xD9, 0xE8, 0xDE, 0xE1,               // fld1; fsubrp st1, st0: st1 = st0 - st1 = 1-(-1)
          0xF4});
    run(20);
    const Float80& r = cpu.fpu.st[cpu.fpu.top()];
    CHECK(r.sexp == 0x4000);  // +2
    CHECK(r.mant == 0x8000000000000000ull);
}

TEST_CASE_FIXTURE(test::CpuFixture, "stack underflow gives the indefinite with IE, SF, C1=0") {
    flat32();
    load({0xDB, 0xE3, 0xD9, 0xC1,  // fninit; fld st1 (empty)
          0xDF, 0xE0, 0xF4});      // fnstsw ax
    run(10);
    const Float80& r = cpu.fpu.st[cpu.fpu.top()];
    CHECK(r.sexp == 0xFFFF);
    CHECK(r.mant == 0xC000000000000000ull);
    CHECK((reg(EAX) & 0x0241) == 0x0041);
}

TEST_CASE_FIXTURE(test::CpuFixture, "FXCH swaps ST0 and ST(i)") {
    flat32();
    load({0xDB, 0xE3, 0xD9, 0xE8, 0xD9, 0xEE, 0xD9, 0xC9, 0xF4});  // fld1; fldz; fxch st1
    run(10);
    CHECK(cpu.fpu.st[cpu.fpu.top()].sexp == 0x3FFF);
}

TEST_CASE_FIXTURE(test::CpuFixture, "CR0.TS makes an FPU instruction raise #NM") {
    real16();
    wr32(7 * 4, 0x00000500);
    mem.write_bytes(0x500, "\xF4", 1);
    cpu.cr0 |= cr0::TS;
    load({0xD9, 0xE8});
    run(10);
    CHECK(cpu.rip == 0x501);
    CHECK(cpu.fpu.ftw == 0xFFFF);
}
