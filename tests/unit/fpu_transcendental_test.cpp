#include <doctest/doctest.h>

#include "cpu/fpu/transcendental.h"
#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

namespace {
constexpr uint32_t DATA = 0x20000;
const Float80& st(test::CpuFixture& f, unsigned i) { return f.cpu.fpu.st[(f.cpu.fpu.top() + i) & 7]; }
// Distance in units of the last place between two positive normal extended values.
uint64_t ulps(const Float80& a, const Float80& b) {
    const auto ordinal = [](const Float80& v) {
        return (uint64_t(v.sexp & 0x7FFF) << 63) | (v.mant & 0x7FFFFFFFFFFFFFFFull);
    };
    const uint64_t x = ordinal(a), y = ordinal(b);
    return x > y ? x - y : y - x;
}
constexpr Float80 HALF{0x8000000000000000ull, 0x3FFE};
}  // namespace

TEST_CASE_FIXTURE(test::CpuFixture, "FSIN(+0) is +0 exactly; FCOS(0) is 1") {
    flat32();
    load({0xDB, 0xE3, 0xD9, 0xEE, 0xD9, 0xFE,   // fninit; fldz; fsin
          0xD9, 0xEE, 0xD9, 0xFF,               // fldz; fcos
          0xDF, 0xE0, 0xF4});                   // fnstsw ax
    run(20);
    CHECK(st(*this, 1).sexp == 0);
    CHECK(st(*this, 1).mant == 0);
    CHECK(st(*this, 0).sexp == 0x3FFF);
    CHECK(st(*this, 0).mant == 0x8000000000000000ull);
    CHECK((reg(EAX) & 0x3F) == 0);  // exact: no PE
}

TEST_CASE_FIXTURE(test::CpuFixture, "FSIN(pi/6) is 0.5 within 1 ulp") {
    flat32();
    wr32(DATA, 6);
    load({0xDB, 0xE3, 0xD9, 0xEB, 0xDA, 0x35, 0, 0, 2, 0,   // fldpi; fidiv dword [DATA]
          0xD9, 0xFE, 0xF4});                              // fsin
    run(20);
    CHECK(ulps(st(*this, 0), HALF) <= 1);
}

TEST_CASE_FIXTURE(test::CpuFixture, "FPATAN(1, 1) is pi/4 within 1 ulp and pops") {
    flat32();
    load({0xDB, 0xE3, 0xD9, 0xE8, 0xD9, 0xE8, 0xD9, 0xF3, 0xF4});  // fld1; fld1; fpatan
    run(20);
    CHECK(cpu.fpu.top() == 7);
    CHECK(ulps(st(*this, 0), Float80{0xC90FDAA22168C235ull, 0x3FFE}) <= 1);
}

TEST_CASE_FIXTURE(test::CpuFixture, "F2XM1(0.5) is sqrt(2) - 1 correctly rounded") {
    flat32();
    wr32(DATA, 0x3F000000);  // 0.5f
    load({0xDB, 0xE3, 0xD9, 0x05, 0, 0, 2, 0, 0xD9, 0xF0, 0xF4});  // fld dword; f2xm1
    run(20);
    CHECK(st(*this, 0).sexp == 0x3FFD);
    CHECK(st(*this, 0).mant == 0xD413CCCFE7799211ull);
}

TEST_CASE_FIXTURE(test::CpuFixture, "FYL2X(8, 1) is 3 exactly") {
    flat32();
    wr32(DATA, 8);
    load({0xDB, 0xE3, 0xD9, 0xE8, 0xDB, 0x05, 0, 0, 2, 0,   // fld1 (y); fild 8 (x)
          0xD9, 0xF1, 0xDF, 0xE0, 0xF4});                  // fyl2x; fnstsw ax
    run(20);
    CHECK(cpu.fpu.top() == 7);
    CHECK(st(*this, 0).sexp == 0x4000);
    CHECK(st(*this, 0).mant == 0xC000000000000000ull);
    CHECK((reg(EAX) & 0x20) == 0);
}

TEST_CASE_FIXTURE(test::CpuFixture, "FYL2X(0, y) raises ZE") {
    flat32();
    load({0xDB, 0xE3, 0xD9, 0xE8, 0xD9, 0xEE, 0xD9, 0xF1, 0xDF, 0xE0, 0xF4});  // fld1; fldz; fyl2x
    run(20);
    CHECK((reg(EAX) & 0x04) == 0x04);
    CHECK(st(*this, 0).sexp == 0xFFFF);  // -inf
}

TEST_CASE_FIXTURE(test::CpuFixture, "FSIN of 2^63 sets C2 and leaves the operand") {
    flat32();
    const uint64_t two63 = 0x43E0000000000000ull;
    mem.write_bytes(DATA, &two63, 8);
    load({0xDB, 0xE3, 0xDD, 0x05, 0, 0, 2, 0, 0xD9, 0xFE, 0xDF, 0xE0, 0xF4});
    run(20);
    CHECK((reg(EAX) & 0x0400) == 0x0400);
    CHECK(st(*this, 0).sexp == 0x403E);
}

TEST_CASE_FIXTURE(test::CpuFixture, "FPTAN pushes 1; FSINCOS leaves cos on top") {
    flat32();
    load({0xDB, 0xE3, 0xD9, 0xE8, 0xD9, 0xF2,   // fld1; fptan
          0xDD, 0xD8, 0xD9, 0xEE, 0xD9, 0xFB,   // fstp st0; fldz; fsincos
          0xF4});
    run(20);
    CHECK(st(*this, 0).mant == 0x8000000000000000ull);  // cos 0 = 1
    CHECK(st(*this, 1).mant == 0);                      // sin 0 = 0
    CHECK(st(*this, 2).sexp == 0x3FFF);                 // tan 1 = 1.5574...
    CHECK(st(*this, 2).mant == 0xC75922E5F71D2DC5ull);
}

TEST_CASE("transcendentals are correctly rounded on sample points") {
    // sin(1), cos(1), atan2(-1, -1) = -3pi/4 against 200-bit references.
    const Float80 one{0x8000000000000000ull, 0x3FFF}, mone{0x8000000000000000ull, 0xBFFF};
    CHECK(x87::sin(one, 0x037F).v.mant == 0xD76AA47848677021ull);
    CHECK(x87::cos(one, 0x037F).v.mant == 0x8A51407DA8345C92ull);
    CHECK(x87::sin(one, 0x007F).v.mant == 0xD76AA40000000000ull);  // 24-bit precision control
    const Float80 a = x87::atan2(mone, mone, 0x037F).v;
    CHECK(a.sexp == 0xC000);
    CHECK(a.mant == 0x96CBE3F9990E91A8ull);
}
