// FXAM, FTST and the FCOM family on every operand class (SDM Vol. 2 tables): the class or
// relation in C3/C2/C0, C1 (sign for FXAM, cleared by the compares), IE/DE/SF, and EFLAGS for
// FCOMI. C1 is set beforehand so that clearing it is observable.
#include <doctest/doctest.h>

#include <vector>

#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

namespace {
constexpr uint32_t DATA = 0x20000;
constexpr uint16_t C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000, IE = 1, DE = 2, SF = 0x40;
constexpr uint16_t LT = C0, EQ = C3, UN = C3 | C2 | C0, GT = 0;

struct Case {
    const char* name;
    Float80 v;
    uint16_t fxam;   // C3 C2 C0 class
    uint16_t ftst;   // C3 C2 C0 relation to +0 plus IE/DE
    bool qnan;       // FUCOM does not raise IE for it
};
constexpr uint64_t I = 0x8000000000000000ull;
const Case cases[] = {
    {"+normal", {I, 0x3FFF}, C2, GT, false},
    {"-normal", {I, 0xBFFF}, C2, LT, false},
    {"+zero", {0, 0}, C3, EQ, false},
    {"-zero", {0, 0x8000}, C3, EQ, false},
    {"+denormal", {1, 0}, C3 | C2, GT | DE, false},
    {"-denormal", {1, 0x8000}, C3 | C2, LT | DE, false},
    {"pseudo-denormal", {I, 0}, C3 | C2, GT | DE, false},
    {"+infinity", {I, 0x7FFF}, C2 | C0, GT, false},
    {"-infinity", {I, 0xFFFF}, C2 | C0, LT, false},
    {"QNaN", {0xC000000000000000ull, 0x7FFF}, C0, UN | IE, true},
    {"SNaN", {0xA000000000000000ull, 0xFFFF}, C0, UN | IE, false},
    {"unnormal", {0x4000000000000000ull, 0x3FFF}, 0, UN | IE, false},
    {"pseudo-NaN", {0x4000000000000000ull, 0x7FFF}, 0, UN | IE, false},
    {"pseudo-infinity", {0, 0x7FFF}, 0, UN | IE, false},
};

// fninit; fldz; fld tbyte [DATA]; then (with C1 preset) `op`; fnstsw ax; hlt.
uint16_t run_on(test::CpuFixture& f, const Float80& v, uint8_t op0, uint8_t op1) {
    f.flat32();
    f.mem.write_bytes(DATA, &v.mant, 8);
    f.mem.write_bytes(DATA + 8, &v.sexp, 2);
    f.load({0xDB, 0xE3, 0xD9, 0xEE, 0xDB, 0x2D, 0, 0, 2, 0, op0, op1, 0xDF, 0xE0, 0xF4});
    f.run(3);
    f.cpu.fpu.fsw |= C1;
    f.run(10);
    return uint16_t(f.reg(EAX));
}
}  // namespace

TEST_CASE_FIXTURE(test::CpuFixture, "FXAM: class in C3/C2/C0, sign in C1, no exception") {
    for (const Case& k : cases) {
        CAPTURE(k.name);
        const uint16_t s = run_on(*this, k.v, 0xD9, 0xE5);
        CHECK((s & (C3 | C2 | C0)) == k.fxam);
        CHECK(bool(s & C1) == bool(k.v.sexp & 0x8000));
        CHECK((s & 0x7F) == 0);
    }
}

TEST_CASE_FIXTURE(test::CpuFixture, "FTST and the FCOM/FUCOM forms against +0 on every class clear C1 and pop") {
    const struct { const char* name; uint8_t op0, op1; bool unordered; unsigned top; } ops[] = {
        {"ftst", 0xD9, 0xE4, false, 6},
        {"fcom st1", 0xD8, 0xD1, false, 6},
        {"fucom st1", 0xDD, 0xE1, true, 6},
        {"fcomp st1", 0xD8, 0xD9, false, 7},
        {"fcompp", 0xDE, 0xD9, false, 0},
        {"fucompp", 0xDA, 0xE9, true, 0},
    };
    for (const auto& o : ops) {
        for (const Case& k : cases) {
            CAPTURE(o.name);
            CAPTURE(k.name);
            const uint16_t s = run_on(*this, k.v, o.op0, o.op1);
            const uint16_t want = o.unordered && k.qnan ? k.ftst & ~IE : k.ftst;
            CHECK((s & (C3 | C2 | C1 | C0 | IE | DE | SF)) == want);
            // An unmasked exception would stop the pops; here IE is masked.
            CHECK(cpu.fpu.top() == o.top);
        }
    }
}

TEST_CASE_FIXTURE(test::CpuFixture, "FCOMI sets ZF/PF/CF, clears OF/SF/AF and C1, leaves C0/C2/C3") {
    for (const Case& k : cases) {
        CAPTURE(k.name);
        cpu.flags.set(EFLAGS_OF | EFLAGS_SF | EFLAGS_AF, EFLAGS_ARITH);
        const uint16_t s = run_on(*this, k.v, 0xDB, 0xF1);
        const uint32_t fl = flags();
        const uint16_t rel = k.ftst & UN;
        CHECK(bool(fl & EFLAGS_CF) == bool(rel & C0));
        CHECK(bool(fl & EFLAGS_PF) == bool(rel & C2));
        CHECK(bool(fl & EFLAGS_ZF) == bool(rel & C3));
        CHECK((fl & (EFLAGS_OF | EFLAGS_SF | EFLAGS_AF)) == 0);
        CHECK((s & (C3 | C2 | C1 | C0)) == 0);
        CHECK((s & (IE | DE)) == (k.ftst & (IE | DE)));
    }
}

TEST_CASE_FIXTURE(test::CpuFixture, "FTST and FCOM on an empty ST0: unordered, IE and SF, C1 = 0") {
    for (const uint8_t op1 : {uint8_t(0xE4), uint8_t(0xE5)}) {  // D9 E4 ftst, D9 E5 fxam
        flat32();
        load({0xDB, 0xE3, 0xD9, op1, 0xDF, 0xE0, 0xF4});
        run(1);
        cpu.fpu.fsw |= C1;
        run(10);
        const uint16_t s = uint16_t(reg(EAX));
        if (op1 == 0xE4) CHECK((s & (C3 | C2 | C1 | C0 | IE | SF)) == (UN | IE | SF));
        else CHECK((s & (C3 | C2 | C1 | C0 | IE)) == (C3 | C0));  // FXAM: empty (sign +), no exception
    }
    flat32();
    load({0xDB, 0xE3, 0xD9, 0xE8, 0xD8, 0xD1, 0xDF, 0xE0, 0xF4});  // fld1; fcom st1 (empty)
    run(2);
    cpu.fpu.fsw |= C1;
    run(10);
    CHECK((reg(EAX) & (C3 | C2 | C1 | C0 | IE | SF)) == (UN | IE | SF));
}

TEST_CASE_FIXTURE(test::CpuFixture, "FLD, FLD1, FILD clear C1; a stack overflow sets it") {
    wr32(DATA, 5);
    for (const auto& load_op : {std::vector<uint8_t>{0xD9, 0xE8},                      // fld1
                                std::vector<uint8_t>{0xD9, 0xC0},                      // fld st0
                                std::vector<uint8_t>{0xDB, 0x05, 0, 0, 2, 0}}) {       // fild dword
        flat32();
        std::vector<uint8_t> code{0xDB, 0xE3, 0xD9, 0xEE};  // fninit; fldz
        code.insert(code.end(), load_op.begin(), load_op.end());
        code.insert(code.end(), {0xDF, 0xE0, 0xF4});
        load(code);
        run(2);
        cpu.fpu.fsw |= C1;
        run(10);
        CHECK((reg(EAX) & (C1 | IE)) == 0);
        // Eight more pushes: the last overflows (masked: indefinite, IE, SF, C1 = 1).
        flat32();
        code = {0xDB, 0xE3};
        for (int n = 0; n < 8; ++n) code.insert(code.end(), {0xD9, 0xEE});
        code.insert(code.end(), load_op.begin(), load_op.end());
        code.insert(code.end(), {0xDF, 0xE0, 0xF4});
        load(code);
        run(20);
        CHECK((reg(EAX) & (C1 | IE | SF)) == (C1 | IE | SF));
    }
}
