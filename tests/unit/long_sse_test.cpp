// The 64-bit forms of the max model's SSE, MMX, x87-state and system instructions that long
// mode adds (REX.W, XMM8-15, RIP-relative operands), run one at a time in 64-bit mode with
// known values.
#include <doctest/doctest.h>

#include <cstring>

#include "tests/unit/long_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;
using namespace jitpc::test;
using namespace jitpc::test::lm;

namespace {

constexpr uint32_t DATA = 0x40000;

struct Sse64 : LongFixture {
    Sse64() {
        cpu.cr4 |= cr4::OSFXSR | cr4::OSXMMEXCPT | cr4::OSXSAVE;
        fault_gates();
    }
    Xmm& xmm(unsigned r) { return cpu.sse.xmm[r]; }
    uint64_t bits(double d) {
        uint64_t v;
        std::memcpy(&v, &d, 8);
        return v;
    }
    uint32_t bits(float f) {
        uint32_t v;
        std::memcpy(&v, &f, 4);
        return v;
    }
    bool faulted(unsigned vec) const { return cpu.rip == HANDLER + vec; }
};

}  // namespace

TEST_CASE_FIXTURE(Sse64, "MOVQ between general registers and XMM8-15 or MM registers") {
    reg(EAX) = 0x8877665544332211;
    xmm(9) = Xmm{{1, 2}};
    step64({0x66, 0x4C, 0x0F, 0x6E, 0xC8});  // movq xmm9, rax: the high quadword cleared
    CHECK(xmm(9) == Xmm{{0x8877665544332211, 0}});
    step64({0x66, 0x4C, 0x0F, 0x7E, 0xC9});  // movq rcx, xmm9
    CHECK(reg(ECX) == 0x8877665544332211);
    reg(EDX) = 0xFEDCBA9876543210;
    step64({0x48, 0x0F, 0x6E, 0xCA});  // movq mm1, rdx
    CHECK(cpu.fpu.st[1].mant == 0xFEDCBA9876543210);
    CHECK(cpu.fpu.st[1].sexp == 0xFFFF);
    step64({0x48, 0x0F, 0x7E, 0xCB});  // movq rbx, mm1
    CHECK(reg(EBX) == 0xFEDCBA9876543210);
    CHECK(cpu.rip == CODE + 18);
}

TEST_CASE_FIXTURE(Sse64, "CVTSI2SS/SD from 64-bit integers, CVT(T)SS2SI/SD2SI to them") {
    reg(EAX) = uint64_t(-(int64_t(1) << 40));
    xmm(0) = Xmm{{0, 7}};
    step64({0xF2, 0x48, 0x0F, 0x2A, 0xC0});  // cvtsi2sd xmm0, rax: exact
    CHECK(xmm(0) == Xmm{{bits(-1099511627776.0), 7}});
    CHECK((cpu.sse.mxcsr & mxcsr::FLAGS) == 0);
    reg(EAX) = 0x7FFFFFFFFFFFFFFF;
    step64({0xF3, 0x48, 0x0F, 0x2A, 0xC8});  // cvtsi2ss xmm1, rax: rounds to 2^63, inexact
    CHECK(uint32_t(xmm(1).q[0]) == 0x5F000000u);
    CHECK((cpu.sse.mxcsr & mxcsr::FLAGS) == mxcsr::PE);

    cpu.sse.mxcsr = mxcsr::MASKS;  // round to nearest, flags clear
    xmm(0) = Xmm{{bits(1e18), 0}};
    step64({0xF2, 0x48, 0x0F, 0x2C, 0xC0});  // cvttsd2si rax, xmm0
    CHECK(reg(EAX) == 1000000000000000000ull);
    xmm(0) = Xmm{{bits(-1e19), 0}};
    step64({0xF2, 0x48, 0x0F, 0x2C, 0xC0});  // out of range: the 64-bit integer indefinite
    CHECK(reg(EAX) == 0x8000000000000000ull);
    CHECK((cpu.sse.mxcsr & mxcsr::FLAGS) == mxcsr::IE);
    xmm(1) = Xmm{{bits(2.5f), 0}};
    reg(EAX) = ~uint64_t(0);
    step64({0xF3, 0x48, 0x0F, 0x2D, 0xC1});  // cvtss2si rax, xmm1: to even
    CHECK(reg(EAX) == 2);
    xmm(1) = Xmm{{bits(-3.0e9f), 0}};
    step64({0xF3, 0x48, 0x0F, 0x2D, 0xC1});  // beyond 32 bits, within 64
    CHECK(reg(EAX) == uint64_t(int64_t(-3000000000)));
}

TEST_CASE_FIXTURE(Sse64, "PEXTRQ and PINSRQ, to and from registers and memory") {
    xmm(2) = Xmm{{0x1111111122222222, 0x3333333344444444}};
    step64({0x66, 0x48, 0x0F, 0x3A, 0x16, 0xD0, 0x01});  // pextrq rax, xmm2, 1
    CHECK(reg(EAX) == 0x3333333344444444);
    reg(EBX) = DATA;
    step64({0x66, 0x48, 0x0F, 0x3A, 0x16, 0x13, 0x00});  // pextrq [rbx], xmm2, 0
    CHECK(rd64(DATA) == 0x1111111122222222);
    reg(ECX) = 0xAAAABBBBCCCCDDDD;
    xmm(3) = Xmm{{5, 6}};
    step64({0x66, 0x48, 0x0F, 0x3A, 0x22, 0xD9, 0x01});  // pinsrq xmm3, rcx, 1
    CHECK(xmm(3) == Xmm{{5, 0xAAAABBBBCCCCDDDD}});
    step64({0x66, 0x48, 0x0F, 0x3A, 0x22, 0x1B, 0x02});  // pinsrq xmm3, [rbx], 2: imm8 modulo 2
    CHECK(xmm(3) == Xmm{{0x1111111122222222, 0xAAAABBBBCCCCDDDD}});
}

TEST_CASE_FIXTURE(Sse64, "MOVMSKPS, CRC32 and MOVSXD r16 with REX.W or a 16-bit operand size") {
    xmm(0) = Xmm{{0x8000000000000000, 0x0000000080000000}};
    reg(EAX) = ~uint64_t(0);
    step64({0x48, 0x0F, 0x50, 0xC0});  // movmskps rax, xmm0: zero-extended
    CHECK(reg(EAX) == 0b0110);

    // CRC-32C of "123456789" with the usual inversions is 0xE3069283: eight bytes through
    // CRC32 r64, r/m64, the ninth through CRC32 r64, r/m8.
    uint64_t first8;
    std::memcpy(&first8, "12345678", 8);
    reg(EAX) = 0xFFFFFFFF;
    reg(ECX) = first8;
    step64({0xF2, 0x48, 0x0F, 0x38, 0xF1, 0xC1});  // crc32 rax, rcx
    reg(ECX) = '9';
    step64({0xF2, 0x48, 0x0F, 0x38, 0xF0, 0xC1});  // crc32 rax, cl
    CHECK((reg(EAX) ^ 0xFFFFFFFF) == 0xE3069283);
    CHECK((reg(EAX) >> 32) == 0);

    wr32(DATA, 0x1234F00D);
    reg(EBX) = DATA;
    reg(EAX) = 0x1111111111111111;
    step64({0x66, 0x63, 0x03});  // movsxd ax, [rbx]: a word, the rest of RAX kept
    CHECK(reg(EAX) == 0x111111111111F00D);
}

TEST_CASE_FIXTURE(Sse64, "LAR and LSL with a 64-bit destination; IA-32e mode's system types") {
    reg(EAX) = ~uint64_t(0);
    reg(ECX) = KDATA;
    step64({0x48, 0x0F, 0x02, 0xC1});  // lar rax, rcx: zero-extended
    CHECK(reg(EAX) == 0x00CF9200);
    CHECK((flags() & EFLAGS_ZF) != 0);
    reg(EAX) = ~uint64_t(0);
    step64({0x48, 0x0F, 0x03, 0xC1});  // lsl rax, ecx
    CHECK(reg(EAX) == 0xFFFFFFFF);
    reg(ECX) = TSS_SEL;
    step64({0x48, 0x0F, 0x03, 0xC1});  // a 64-bit TSS (busy): its limit
    CHECK(reg(EAX) == 0x67);
    CHECK((flags() & EFLAGS_ZF) != 0);
    // A 16-bit TSS descriptor (type 1) is no valid type in IA-32e mode: ZF = 0, RAX kept.
    wr32(GDT + 0x60, 0x00000067);
    wr32(GDT + 0x64, 0x00008100);
    cpu.gdtr.limit = 0x67;
    reg(ECX) = 0x60;
    reg(EAX) = 0x5555;
    step64({0x48, 0x0F, 0x02, 0xC1});
    CHECK(reg(EAX) == 0x5555);
    CHECK((flags() & EFLAGS_ZF) == 0);
    step64({0x48, 0x0F, 0x03, 0xC1});
    CHECK(reg(EAX) == 0x5555);
    CHECK((flags() & EFLAGS_ZF) == 0);
}

TEST_CASE_FIXTURE(Sse64, "FXSAVE64 stores 64-bit FIP and FDP and XMM0-15; FXRSTOR64 loads them") {
    cpu.fpu.fip = 0x0000123456789ABC;
    cpu.fpu.fdp = 0x0000FEDCBA987654;
    cpu.fpu.fcs = 0x33;
    cpu.fpu.fds = 0x2B;
    for (unsigned r = 0; r < 16; ++r) xmm(r) = Xmm{{0x0101010101010101ull * r, ~uint64_t(r)}};
    reg(EBX) = DATA;
    step64({0x48, 0x0F, 0xAE, 0x03});  // fxsave64 [rbx]
    CHECK(rd64(DATA + 8) == 0x0000123456789ABC);
    CHECK(rd64(DATA + 16) == 0x0000FEDCBA987654);
    CHECK(rd32(DATA + 24) == cpu.sse.mxcsr);
    for (unsigned r = 0; r < 16; ++r) {
        CAPTURE(r);
        CHECK(rd64(DATA + 160 + 16 * r) == 0x0101010101010101 * r);
        CHECK(rd64(DATA + 168 + 16 * r) == ~uint64_t(r));
    }
    step64({0x0F, 0xAE, 0x03});  // fxsave [rbx]: 32-bit FIP and FDP, with FCS and FDS
    CHECK(rd32(DATA + 8) == 0x56789ABC);
    CHECK(rd<uint16_t>(DATA + 12) == 0x33);
    CHECK(rd32(DATA + 16) == 0xBA987654);
    CHECK(rd<uint16_t>(DATA + 20) == 0x2B);
    CHECK(rd64(DATA + 160 + 16 * 15) == 0x0F0F0F0F0F0F0F0F);  // XMM8-15 in 64-bit mode too

    wr32(DATA + 8, 0x11112222);
    wr32(DATA + 12, 0x00007777);
    wr32(DATA + 16, 0x33334444);
    wr32(DATA + 20, 0x00005555);
    wr32(DATA + 160 + 16 * 12, 0xC0FFEE);
    step64({0x48, 0x0F, 0xAE, 0x0B});  // fxrstor64 [rbx]
    CHECK(cpu.fpu.fip == 0x0000777711112222);
    CHECK(cpu.fpu.fdp == 0x0000555533334444);
    CHECK(cpu.fpu.fcs == 0);
    CHECK(cpu.fpu.fds == 0);
    CHECK(xmm(12).q[0] == 0x0C0C0C0C00C0FFEE);
    CHECK(cpu.rip == CODE + 11);
}

TEST_CASE_FIXTURE(Sse64, "XSAVE64 and XRSTOR64: the FXSAVE64 layout in the legacy region") {
    cpu.sse.xcr0 = xcr0::X87 | xcr0::SSE;
    cpu.fpu.fip = 0x00007FFF00001000;
    xmm(14) = Xmm{{0xABCD, 0xEF}};
    reg(EBX) = DATA;
    reg(EAX) = 3;
    reg(EDX) = 0;
    step64({0x48, 0x0F, 0xAE, 0x23});  // xsave64 [rbx]
    CHECK(rd64(DATA + 8) == 0x00007FFF00001000);
    CHECK(rd64(DATA + 160 + 16 * 14) == 0xABCD);
    CHECK(rd64(DATA + 512) == 3);  // XSTATE_BV: both in use
    cpu.fpu.fip = 0;
    xmm(14) = Xmm{};
    step64({0x48, 0x0F, 0xAE, 0x2B});  // xrstor64 [rbx]
    CHECK(cpu.fpu.fip == 0x00007FFF00001000);
    CHECK(xmm(14) == Xmm{{0xABCD, 0xEF}});
}

TEST_CASE_FIXTURE(Sse64, "an FXSAVE64 area running into non-canonical addresses is #GP(0)") {
    // FS's base puts the area's first byte at the top of the lower canonical half: the rest
    // lies beyond it, so nothing may be stored.
    cpu.seg[FS].base = 0x00007FFFFFFFFF00;
    step64({0x64, 0x48, 0x0F, 0xAE, 0x04, 0x25, 0, 0, 0, 0});  // fxsave64 fs:[0]
    CHECK(faulted(13));
    CHECK(rd64(uint32_t(reg(ESP))) == 0);  // the error code
}

TEST_CASE_FIXTURE(Sse64, "SSE on XMM8-15 and RIP-relative operands") {
    xmm(8) = Xmm{{uint64_t(bits(1.5f)) | uint64_t(bits(2.0f)) << 32, 0}};
    xmm(15) = Xmm{{uint64_t(bits(0.25f)) | uint64_t(bits(-2.0f)) << 32, 0}};
    step64({0x45, 0x0F, 0x58, 0xC7});  // addps xmm8, xmm15
    CHECK(uint32_t(xmm(8).q[0]) == bits(1.75f));
    CHECK(uint32_t(xmm(8).q[0] >> 32) == 0);
    // movdqu xmm13, [rip + 0x100]: from the next instruction's address.
    wr32(CODE + 4 + 9 + 0x100, 0xDEADBEEF);
    step64({0xF3, 0x44, 0x0F, 0x6F, 0x2D, 0x00, 0x01, 0x00, 0x00});
    CHECK(xmm(13).q[0] == 0xDEADBEEF);
}
