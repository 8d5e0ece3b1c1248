#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

namespace {
constexpr uint32_t DATA = 0x20000;
std::vector<uint8_t> bytes(test::CpuFixture& f, uint32_t a, unsigned n) {
    std::vector<uint8_t> v(n);
    f.mem.read_bytes(a, v.data(), n);
    return v;
}
const Float80& st0(test::CpuFixture& f) { return f.cpu.fpu.st[f.cpu.fpu.top()]; }
const Float80& st1(test::CpuFixture& f) { return f.cpu.fpu.st[(f.cpu.fpu.top() + 1) & 7]; }
}  // namespace

// fld1; fldpi; then FNSAVE, FRSTOR and FNSAVE again at DATA+0x100: both images must match.
void save_restore_round_trip(test::CpuFixture& f, bool o16) {
    const uint8_t p = o16 ? 0x66 : 0x90;
    f.flat32();
    f.load({0xDB, 0xE3, 0xD9, 0xE8, 0xD9, 0xEB,      // fninit; fld1; fldpi
            p, 0xDD, 0x35, 0, 0, 2, 0,               // fnsave [DATA]
            p, 0xDD, 0x25, 0, 0, 2, 0,               // frstor [DATA]
            p, 0xDD, 0x35, 0, 1, 2, 0,               // fnsave [DATA+0x100]
            p, 0xDD, 0x25, 0, 1, 2, 0,               // frstor [DATA+0x100]
            0xF4});
    f.run(20);
    const unsigned env = o16 ? 14 : 28, n = env + 80;
    CHECK(bytes(f, DATA, n) == bytes(f, DATA + 0x100, n));
    const auto img = bytes(f, DATA, n);
    uint16_t fcw, fsw, ftw;
    std::memcpy(&fcw, &img[0], 2);
    std::memcpy(&fsw, &img[o16 ? 2 : 4], 2);
    std::memcpy(&ftw, &img[o16 ? 4 : 8], 2);
    CHECK(fcw == 0x037F);
    CHECK(((fsw >> 11) & 7) == 6);
    CHECK(ftw == 0x0FFF);  // R6 valid (pi), R7 valid (1), others empty
    uint16_t pi_exp;
    std::memcpy(&pi_exp, &img[env + 8], 2);
    CHECK(pi_exp == 0x4000);  // ST(0) = pi comes first
    CHECK(img[env + 10 + 9] == 0x3F);
    CHECK(f.cpu.fpu.top() == 6);
    CHECK(f.cpu.fpu.ftw == 0x0FFF);
    CHECK(st0(f).mant == 0xC90FDAA22168C235ull);
    if (!o16) {
        // 32-bit protected layout: FIP, FCS|FOP<<16 of the FLDPI, 0xFFFF reserved halves.
        uint32_t ip, csop, cwd;
        std::memcpy(&cwd, &img[0], 4);
        std::memcpy(&ip, &img[12], 4);
        std::memcpy(&csop, &img[16], 4);
        CHECK(cwd == 0xFFFF037F);
        CHECK(ip == test::CpuFixture::CODE + 4);
        CHECK(csop == (0x08u | (0x1EBu << 16)));
    }
}

TEST_CASE_FIXTURE(test::CpuFixture, "FNSAVE/FRSTOR round trip, 32-bit protected layout (108 bytes)") {
    save_restore_round_trip(*this, false);
}
TEST_CASE_FIXTURE(test::CpuFixture, "FNSAVE/FRSTOR round trip, 16-bit protected layout (94 bytes)") {
    save_restore_round_trip(*this, true);
}

TEST_CASE_FIXTURE(test::CpuFixture, "FNSAVE reinitialises; FNSTENV masks all exceptions") {
    flat32();
    load({0xDB, 0xE3, 0xD9, 0xE8,                    // fninit; fld1
          0xDD, 0x35, 0, 0, 2, 0,                    // fnsave [DATA]
          0xD9, 0x2D, 0, 1, 2, 0,                    // fldcw [DATA+0x100] (0x0360)
          0xD9, 0x35, 0, 2, 2, 0,                    // fnstenv [DATA+0x200]
          0xF4});
    const uint16_t cw = 0x0360;
    mem.write_bytes(DATA + 0x100, &cw, 2);
    run(20);
    CHECK(cpu.fpu.ftw == 0xFFFF);
    CHECK(cpu.fpu.fcw == 0x037F);  // 0x0360 | 0x40 (reserved bit), then all masks set
    CHECK(bytes(*this, DATA + 0x200, 2) == std::vector<uint8_t>{0x60, 0x03});
}

TEST_CASE_FIXTURE(test::CpuFixture, "real-mode 16-bit FNSTENV stores a 20-bit linear FIP and FOP") {
    real16();
    load({0xDB, 0xE3, 0xD9, 0xE8,   // fninit; fld1 (FOP 0x1E8)
          0xD9, 0x36, 0, 0x30,      // fnstenv [0x3000]
          0xD9, 0x26, 0, 0x30,      // fldenv [0x3000]
          0xD9, 0x36, 0, 0x31,      // fnstenv [0x3100]
          0xF4});
    run(20);
    const auto e = bytes(*this, 0x3000, 14);
    const uint32_t lin = test::CpuFixture::CODE + 2;
    CHECK((e[6] | e[7] << 8) == (lin & 0xFFFF));
    CHECK((e[8] | e[9] << 8) == (((lin >> 16) << 12) | 0x1E8));
    // FNSTENV masked everything, so the reloaded control word differs only in the masks.
    CHECK(bytes(*this, 0x3100, 14) == e);
}

TEST_CASE_FIXTURE(test::CpuFixture, "FPREM 7 mod 2 gives 1 with quotient 3 in C1 and C3") {
    flat32();
    wr32(DATA, 2);
    wr32(DATA + 4, 7);
    load({0xDB, 0xE3, 0xDB, 0x05, 0, 0, 2, 0, 0xDB, 0x05, 4, 0, 2, 0,  // fild 2; fild 7
          0xD9, 0xF8, 0xDF, 0xE0, 0xF4});                              // fprem; fnstsw ax
    run(20);
    CHECK(st0(*this).sexp == 0x3FFF);
    CHECK(st0(*this).mant == 0x8000000000000000ull);
    CHECK((reg(EAX) & 0x4700) == 0x4200);  // C3 = Q1, C1 = Q0, C0 = Q2 = 0, C2 = 0 (complete)
}

TEST_CASE_FIXTURE(test::CpuFixture, "FSCALE 3 * 2^2 = 12, FXTRACT 12 = 1.5 * 2^3") {
    flat32();
    wr32(DATA, 2);
    wr32(DATA + 4, 3);
    load({0xDB, 0xE3, 0xDB, 0x05, 0, 0, 2, 0, 0xDB, 0x05, 4, 0, 2, 0,  // fild 2; fild 3
          0xD9, 0xFD, 0xD9, 0xF4, 0xF4});                              // fscale; fxtract
    run(20);
    CHECK(st0(*this).sexp == 0x3FFF);
    CHECK(st0(*this).mant == 0xC000000000000000ull);
    CHECK(st1(*this).sexp == 0x4000);
    CHECK(st1(*this).mant == 0xC000000000000000ull);
}

TEST_CASE_FIXTURE(test::CpuFixture, "FBSTP of -12345 and FBLD back") {
    flat32();
    wr32(DATA, uint32_t(-12345));
    load({0xDB, 0xE3, 0xDB, 0x05, 0, 0, 2, 0,   // fild -12345
          0xDF, 0x35, 0x10, 0, 2, 0,            // fbstp [DATA+0x10]
          0xDF, 0x25, 0x10, 0, 2, 0,            // fbld [DATA+0x10]
          0xDB, 0x1D, 0x20, 0, 2, 0,            // fistp dword [DATA+0x20]
          0xF4});
    run(20);
    CHECK(bytes(*this, DATA + 0x10, 10) ==
          std::vector<uint8_t>{0x45, 0x23, 0x01, 0, 0, 0, 0, 0, 0, 0x80});
    CHECK(rd32(DATA + 0x20) == uint32_t(-12345));
}

TEST_CASE_FIXTURE(test::CpuFixture, "FBSTP out of range stores the BCD indefinite") {
    flat32();
    const uint64_t big = 2000000000000000000ull;
    mem.write_bytes(DATA, &big, 8);
    load({0xDB, 0xE3, 0xDF, 0x2D, 0, 0, 2, 0,   // fild qword
          0xDF, 0x35, 0x10, 0, 2, 0, 0xF4});
    run(20);
    CHECK(bytes(*this, DATA + 0x10, 10) ==
          std::vector<uint8_t>{0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF});
    CHECK((cpu.fpu.fsw & 1) == 1);
}

// fldcw [DATA+0x20]; fld tbyte [DATA]; fmul st0, st0 with the value 2^(k) at DATA.
Float80 square_unmasked(test::CpuFixture& f, uint16_t sexp, uint16_t cw) {
    f.flat32();
    const Float80 v{0x8000000000000000ull, sexp};
    f.mem.write_bytes(DATA, &v.mant, 8);
    f.mem.write_bytes(DATA + 8, &v.sexp, 2);
    f.mem.write_bytes(DATA + 0x20, &cw, 2);
    f.load({0xDB, 0xE3, 0xD9, 0x2D, 0x20, 0, 2, 0, 0xDB, 0x2D, 0, 0, 2, 0, 0xD8, 0xC8, 0xF4});
    f.run(20);
    return st0(f);
}

TEST_CASE_FIXTURE(test::CpuFixture, "unmasked overflow to a register biases the exponent by -24576") {
    const Float80 r = square_unmasked(*this, 16383 + 16000, 0x0377);
    CHECK(r.sexp == 16383 + 32000 - 24576);
    CHECK(r.mant == 0x8000000000000000ull);
    CHECK((cpu.fpu.fsw & 0x88) == 0x88);  // OE and ES
}

TEST_CASE_FIXTURE(test::CpuFixture, "unmasked underflow to a register biases the exponent by +24576") {
    const Float80 r = square_unmasked(*this, 16383 - 16000, 0x036F);
    CHECK(r.sexp == 16383 - 32000 + 24576);
    CHECK((cpu.fpu.fsw & 0x90) == 0x90);  // UE and ES
}

TEST_CASE_FIXTURE(test::CpuFixture, "masked overflow gives infinity") {
    const Float80 r = square_unmasked(*this, 16383 + 16000, 0x037F);
    CHECK(r.sexp == 0x7FFF);
    CHECK((cpu.fpu.fsw & 0x88) == 0x08);
}

// fldcw [DATA+0x20]; fild dword [DATA+0x10] (the scale n); fld tbyte [DATA] (v); fscale.
Float80 scale(test::CpuFixture& f, Float80 v, int32_t n, uint16_t cw) {
    f.flat32();
    f.mem.write_bytes(DATA, &v.mant, 8);
    f.mem.write_bytes(DATA + 8, &v.sexp, 2);
    f.mem.write_bytes(DATA + 0x10, &n, 4);
    f.mem.write_bytes(DATA + 0x20, &cw, 2);
    f.load({0xDB, 0xE3, 0xD9, 0x2D, 0x20, 0, 2, 0, 0xDB, 0x05, 0x10, 0, 2, 0,
            0xDB, 0x2D, 0, 0, 2, 0, 0xD9, 0xFD, 0xF4});
    f.run(20);
    return st0(f);
}
constexpr uint64_t ONE_MANT = 0x8000000000000000ull;

TEST_CASE_FIXTURE(test::CpuFixture, "FSCALE unmasked overflow to a register biases the exponent by -24576") {
    const Float80 r = scale(*this, {ONE_MANT, 16383 + 16000}, 1000, 0x0377);
    CHECK(r.sexp == 16383 + 17000 - 24576);
    CHECK(r.mant == ONE_MANT);
    CHECK((cpu.fpu.fsw & 0xBF) == 0x88);  // OE and ES only: the scaled value is exact
    const Float80 m = scale(*this, {ONE_MANT, 16383 + 16000}, 1000, 0x037F);
    CHECK(m.sexp == 0x7FFF);
    CHECK(m.mant == ONE_MANT);
}

TEST_CASE_FIXTURE(test::CpuFixture, "FSCALE unmasked underflow biases by +24576, also for an exact tiny result") {
    const Float80 r = scale(*this, {ONE_MANT, 0x8000 | (16383 - 16000)}, -1000, 0x036F);
    CHECK(r.sexp == (0x8000 | (16383 - 17000 + 24576)));
    CHECK((cpu.fpu.fsw & 0xBF) == 0x90);  // UE and ES
    // 2^-16382 / 2 is an exact denormal: masked it raises nothing, unmasked it is tiny.
    const Float80 t = scale(*this, {ONE_MANT, 1}, -1, 0x036F);
    CHECK(t.sexp == 24576);
    CHECK(t.mant == ONE_MANT);
    CHECK((cpu.fpu.fsw & 0xBF) == 0x90);
    const Float80 m = scale(*this, {ONE_MANT, 1}, -1, 0x037F);
    CHECK(m.sexp == 0);
    CHECK(m.mant == ONE_MANT >> 1);
    CHECK((cpu.fpu.fsw & 0xBF) == 0);
}

TEST_CASE_FIXTURE(test::CpuFixture, "FSCALE of a denormal: DE kept with the biased result; unmasked DE stops it") {
    const Float80 r = scale(*this, {1, 0}, -1, 0x036F);  // UE unmasked, DE masked
    CHECK(r.sexp == 16383 - 16445 - 1 + 24576);
    CHECK(r.mant == ONE_MANT);
    CHECK((cpu.fpu.fsw & 0xBF) == 0x92);  // DE, UE, ES
    const Float80 d = scale(*this, {1, 0}, -1, 0x036D);  // UE and DE unmasked
    CHECK(d.sexp == 0);
    CHECK(d.mant == 1);  // unchanged
    CHECK((cpu.fpu.fsw & 0xBF) == 0x82);  // DE and ES only: no result, so no UE or PE
}

TEST_CASE_FIXTURE(test::CpuFixture, "FSCALE beyond the biased range gives a signed infinity or zero") {
    const Float80 r = scale(*this, {ONE_MANT, 0x8000 | 16383}, 1 << 20, 0x0377);
    CHECK(r.sexp == 0xFFFF);
    CHECK(r.mant == ONE_MANT);
    CHECK((cpu.fpu.fsw & 0x2A8) == 0x2A8);  // OE, PE, ES, C1 (rounded up)
    const Float80 z = scale(*this, {ONE_MANT, 0x8000 | 16383}, -(1 << 20), 0x036F);
    CHECK(z.sexp == 0x8000);
    CHECK(z.mant == 0);
    CHECK((cpu.fpu.fsw & 0xB0) == 0xB0);  // UE, PE, ES
}

TEST_CASE_FIXTURE(test::CpuFixture, "FSQRT never overflows or underflows, even unmasked") {
    // sqrt of the smallest denormal, 2^-16445, is the normal 2^-8222.5.
    flat32();
    const Float80 v{1, 0};
    const uint16_t cw = 0x0367;  // OE, UE unmasked
    mem.write_bytes(DATA, &v.mant, 8);
    mem.write_bytes(DATA + 8, &v.sexp, 2);
    mem.write_bytes(DATA + 0x20, &cw, 2);
    load({0xDB, 0xE3, 0xD9, 0x2D, 0x20, 0, 2, 0, 0xDB, 0x2D, 0, 0, 2, 0, 0xD9, 0xFA, 0xF4});
    run(20);
    CHECK((cpu.fpu.fsw & 0xBF) == 0x22);  // DE, PE
    CHECK((st0(*this).sexp & 0x7FFF) == 16383 - 8223);
}

TEST_CASE_FIXTURE(test::CpuFixture, "FFREEP frees and pops; FSTP alias D9 D8+i stores and pops") {
    flat32();
    load({0xDB, 0xE3, 0xD9, 0xE8, 0xD9, 0xEE, 0xD9, 0xEB,   // fld1; fldz; fldpi
          0xDF, 0xC0,                                      // ffreep st0
          0xD9, 0xD9,                                      // fstp1 st1: st1 = 0, pop
          0xDB, 0xE0, 0xF4});                              // feni (no-op)
    run(20);
    CHECK(cpu.fpu.top() == 7);
    CHECK(cpu.fpu.ftw == 0x7FFF);  // R7 holds zero (tag 01), the rest empty
    CHECK(st0(*this).mant == 0);
}

TEST_CASE_FIXTURE(test::CpuFixture, "FPREM with a large exponent gap is partial: C2 set") {
    flat32();
    const Float80 big{0x8000000000000000ull, 16383 + 100};
    mem.write_bytes(DATA, &big.mant, 8);
    mem.write_bytes(DATA + 8, &big.sexp, 2);
    wr32(DATA + 16, 3);
    load({0xDB, 0xE3, 0xDB, 0x05, 16, 0, 2, 0, 0xDB, 0x2D, 0, 0, 2, 0,  // fild 3; fld tbyte 2^100
          0xD9, 0xF8, 0xDF, 0xE0, 0xF4});                              // fprem; fnstsw ax
    run(20);
    CHECK((reg(EAX) & 0x0400) == 0x0400);
}

TEST_CASE_FIXTURE(test::CpuFixture, "FXAM classes: unsupported, denormal, empty") {
    const struct { Float80 v; uint16_t cc; } cases[] = {
        {{0x4000000000000000ull, 0x3FFF}, 0},                // unnormal: unsupported
        {{0x0000000000000001ull, 0x8000}, 0x4400 | 0x200},   // negative denormal, C1 = sign
        {{0xC000000000000000ull, 0x7FFF}, 0x0100},           // NaN
        {{0x8000000000000000ull, 0x7FFF}, 0x0500},           // infinity
    };
    for (const auto& k : cases) {
        flat32();
        cpu.halted = 0;
        mem.write_bytes(DATA, &k.v.mant, 8);
        mem.write_bytes(DATA + 8, &k.v.sexp, 2);
        load({0xDB, 0xE3, 0xD9, 0xE8, 0xDD, 0xD8,          // fld1; fstp st0 (R7 empty again)
              0xDB, 0x2D, 0, 0, 2, 0, 0xD9, 0xE5,          // fld tbyte; fxam
              0xDF, 0xE0, 0xF4});
        run(20);
        CHECK((reg(EAX) & 0x4700) == k.cc);
    }
    flat32();
    cpu.halted = 0;
    load({0xDB, 0xE3, 0xD9, 0xE5, 0xDF, 0xE0, 0xF4});  // fxam on an empty ST0
    run(20);
    CHECK((reg(EAX) & 0x4500) == 0x4100);
}

TEST_CASE_FIXTURE(test::CpuFixture, "FRSTOR waits: a pending unmasked exception raises #MF first") {
    real16();
    wr32(16 * 4, 0x00000500);
    mem.write_bytes(0x500, "\xF4", 1);
    cpu.cr0 |= cr0::NE;
    const uint16_t cw = 0x037B;  // ZE unmasked
    mem.write_bytes(0x3000, &cw, 2);
    load({0xDB, 0xE3, 0xD9, 0x2E, 0, 0x30,   // fninit; fldcw [0x3000]
          0xD9, 0xEE, 0xD9, 0xE8, 0xD8, 0xF1, // fldz; fld1; fdiv st0, st1 -> pending ZE
          0xDD, 0x26, 0, 0x31});             // frstor [0x3100]
    run(20);
    CHECK(cpu.rip == 0x501);
    CHECK((cpu.fpu.fsw & 0x84) == 0x84);  // ZE, ES still set: FRSTOR did not run
    CHECK(cpu.fpu.top() == 6);
}

TEST_CASE_FIXTURE(test::CpuFixture, "real-mode 32-bit FNSTENV (28 bytes) splits FIP around FOP") {
    real16();
    load({0xDB, 0xE3, 0xD9, 0xE8,         // fninit; fld1 at CODE + 2
          0x66, 0xD9, 0x36, 0, 0x30,      // o32 fnstenv [0x3000]
          0xF4});
    run(20);
    const uint32_t lin = test::CpuFixture::CODE + 2;
    CHECK(rd32(0x3000) == 0xFFFF037F);
    CHECK(rd32(0x3000 + 12) == (0xFFFF0000u | (lin & 0xFFFF)));
    CHECK(rd32(0x3000 + 16) == (((lin >> 16) << 12) | 0x1E8));
}
