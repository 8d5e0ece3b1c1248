// Shift/rotate, multiply/divide, bit and BCD instructions: results, defined flags, the fixed
// values of undefined flags (docs/undefined.md) and #DE delivery.
#include <doctest/doctest.h>

#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

namespace {

constexpr uint32_t CF = EFLAGS_CF, PF = EFLAGS_PF, AF = EFLAGS_AF, ZF = EFLAGS_ZF,
                   SF = EFLAGS_SF, OF = EFLAGS_OF;

struct Alu : test::CpuFixture {
    // Runs `code` (followed by HLT) in flat 32-bit mode with EFLAGS arithmetic bits `f0`.
    void exec(std::initializer_list<uint8_t> code, uint32_t f0 = 0) {
        std::vector<uint8_t> v(code);
        v.push_back(0xF4);
        flat32();
        cpu.flags.set(f0, EFLAGS_ARITH);
        cpu.code.flush();  // a test runs several snippets at the same address
        cpu.halted = 0;
        load(v);
        REQUIRE(run(100) == StopReason::Halted);
    }
    uint32_t arith() { return flags() & EFLAGS_ARITH; }
    // Real mode with IVT entry 0 -> 0000:0500 (a HLT): #DE ends at EIP 0x501.
    void exec_de(std::initializer_list<uint8_t> code) {
        cpu.cr0 &= ~cr0::PE;  // the test may have run flat32() snippets first
        real16();
        wr32(0, 0x00000500);
        mem.write_bytes(0x500, "\xF4", 1);
        std::vector<uint8_t> v(code);
        v.push_back(0xF4);
        cpu.code.flush();
        cpu.halted = 0;
        load(v);
        run(100);
    }
};

}  // namespace

TEST_CASE_FIXTURE(Alu, "SHL by 1 sets CF from the old MSB and OF from the sign change") {
    reg(EAX) = 0x40000001;
    exec({0xD1, 0xE0});  // shl eax, 1
    CHECK(reg(EAX) == 0x80000002);
    CHECK(arith() == (SF | OF));
    reg(EAX) = 0x80;
    exec({0xD0, 0xE0});  // shl al, 1
    CHECK((reg(EAX) & 0xFF) == 0);
    CHECK(arith() == (CF | ZF | PF | OF));
}

TEST_CASE_FIXTURE(Alu, "a masked count of 0 changes no flags") {
    reg(EAX) = 0x12345678;
    reg(ECX) = 32;
    exec({0xD3, 0xE0}, CF | OF | AF);  // shl eax, cl
    CHECK(reg(EAX) == 0x12345678);
    CHECK(arith() == (CF | OF | AF));
}

TEST_CASE_FIXTURE(Alu, "SHR/SAR by an immediate") {
    reg(EAX) = 0x80000003;
    exec({0xC1, 0xE8, 0x02});  // shr eax, 2
    CHECK(reg(EAX) == 0x20000000);
    CHECK(arith() == (CF | OF | PF));  // OF for count != 1: MSB of the original (fixed)
    reg(EAX) = 0x80000003;
    exec({0xC1, 0xF8, 0x02});  // sar eax, 2
    CHECK(reg(EAX) == 0xE0000000);
    CHECK(arith() == (CF | SF | PF));
}

TEST_CASE_FIXTURE(Alu, "SHL of a byte by more than its width leaves 0 and CF = 0") {
    reg(EAX) = 0xFF;
    reg(ECX) = 9;
    exec({0xD2, 0xE0});  // shl al, cl
    CHECK((reg(EAX) & 0xFF) == 0);
    CHECK(arith() == (ZF | PF));
    reg(EAX) = 0x01;
    reg(ECX) = 8;
    exec({0xD2, 0xE0});  // shl al, cl: CF = last bit out = old bit 0
    CHECK(arith() == (ZF | PF | CF | OF));
}

TEST_CASE_FIXTURE(Alu, "ROL/ROR touch only CF and OF") {
    reg(EAX) = 0x81;
    exec({0xD0, 0xC0}, ZF | SF);  // rol al, 1
    CHECK((reg(EAX) & 0xFF) == 0x03);
    CHECK(arith() == (ZF | SF | CF | OF));
    reg(EAX) = 0x01;
    exec({0xD0, 0xC8});  // ror al, 1
    CHECK((reg(EAX) & 0xFF) == 0x80);
    CHECK(arith() == (CF | OF));
    reg(EAX) = 0x01;
    reg(ECX) = 8;
    exec({0xD2, 0xC0});  // rol al, 8: unchanged value, CF = bit 0
    CHECK((reg(EAX) & 0xFF) == 0x01);
    CHECK(arith() == (CF | OF));
}

TEST_CASE_FIXTURE(Alu, "RCL/RCR rotate through CF, narrow counts mod width + 1") {
    reg(EAX) = 0x80;
    exec({0xD0, 0xD0}, 0);  // rcl al, 1
    CHECK((reg(EAX) & 0xFF) == 0x00);
    CHECK(arith() == (CF | OF));
    reg(EAX) = 0x00;
    exec({0xD0, 0xD8}, CF);  // rcr al, 1
    CHECK((reg(EAX) & 0xFF) == 0x80);
    CHECK(arith() == OF);
    reg(EAX) = 0x55;
    reg(ECX) = 9;
    exec({0xD2, 0xD0}, OF);  // rcl al, 9 == rotate by 0: nothing changes
    CHECK((reg(EAX) & 0xFF) == 0x55);
    CHECK(arith() == OF);
    reg(EAX) = 0x00000001;
    reg(ECX) = 31;
    exec({0xD3, 0xD8}, CF);  // rcr eax, 31 (33-bit rotate)
    CHECK(reg(EAX) == 0x00000006);  // == rotate left by 2 through CF
    CHECK(arith() == 0);
}

TEST_CASE_FIXTURE(Alu, "SHLD/SHRD shift in bits of the source") {
    reg(EAX) = 0x12345678;
    reg(EBX) = 0x9ABCDEF0;
    exec({0x0F, 0xA4, 0xD8, 0x08});  // shld eax, ebx, 8
    CHECK(reg(EAX) == 0x3456789A);
    CHECK(arith() == (PF));
    reg(EAX) = 0x12345678;
    reg(EBX) = 0x9ABCDEF0;
    reg(ECX) = 4;
    exec({0x0F, 0xAD, 0xD8});  // shrd eax, ebx, cl
    CHECK(reg(EAX) == 0x01234567);
    CHECK(arith() == CF);
    // 16-bit count above 16: fixed result from the dst:src:dst pattern.
    reg(EAX) = 0x1234;
    reg(EBX) = 0xABCD;
    exec({0x66, 0x0F, 0xA4, 0xD8, 20});  // shld ax, bx, 20
    CHECK((reg(EAX) & 0xFFFF) == 0xBCD1);
}

TEST_CASE_FIXTURE(Alu, "a shift of memory by a zero count still faults like the RMW access") {
    flat32();
    cpu.seg[DS].limit = 0xFFF;  // [0x2000] lies beyond the DS limit
    cpu.seg[DS].attrs &= ~attr::G;
    cpu.seg[DS].refresh();
    reg(ECX) = 0;
    load({0xD3, 0x25, 0x00, 0x20, 0x00, 0x00, 0xF4});  // shl dword [0x2000], cl
    run(10);
    CHECK(cpu.rip != CODE + 7);  // never reached the HLT: #GP escalated
}

TEST_CASE_FIXTURE(Alu, "MUL and one-operand IMUL fill the accumulator pair") {
    reg(EAX) = 0x80000000;
    reg(EBX) = 4;
    exec({0xF7, 0xE3});  // mul ebx
    CHECK(reg(EAX) == 0);
    CHECK(reg(EDX) == 2);
    CHECK(arith() == (CF | OF | ZF | PF));
    reg(EAX) = 0x00F0;
    reg(EBX) = 0xFE;
    exec({0xF6, 0xEB});  // imul bl: -16 * -2 = 32
    CHECK((reg(EAX) & 0xFFFF) == 0x0020);
    CHECK(arith() == 0);
    reg(EAX) = 0x0040;
    reg(EBX) = 0x04;
    exec({0xF6, 0xEB});  // imul bl: 64 * 4 = 256 overflows a byte
    CHECK((reg(EAX) & 0xFFFF) == 0x0100);
    CHECK(arith() == (CF | OF | ZF | PF));
}

TEST_CASE_FIXTURE(Alu, "two- and three-operand IMUL truncate and flag overflow") {
    reg(EAX) = 0x10000;
    reg(EBX) = 0x10000;
    exec({0x0F, 0xAF, 0xC3});  // imul eax, ebx
    CHECK(reg(EAX) == 0);
    CHECK(arith() == (CF | OF | ZF | PF));
    reg(EBX) = 7;
    exec({0x6B, 0xC3, 0xFD});  // imul eax, ebx, -3
    CHECK(reg(EAX) == uint32_t(-21));
    CHECK(arith() == (SF | PF));
    reg(EBX) = 0x1234;
    exec({0x66, 0x69, 0xC3, 0x10, 0x00});  // imul ax, bx, 16
    CHECK((reg(EAX) & 0xFFFF) == 0x2340);
    CHECK(arith() == (CF | OF));
}

TEST_CASE_FIXTURE(Alu, "DIV and IDIV leave quotient and remainder, flags unchanged") {
    reg(EDX) = 1;
    reg(EAX) = 5;
    reg(EBX) = 2;
    exec({0xF7, 0xF3}, SF | CF);  // div ebx: 0x100000005 / 2
    CHECK(reg(EAX) == 0x80000002);
    CHECK(reg(EDX) == 1);
    CHECK(arith() == (SF | CF));
    reg(EAX) = uint32_t(-7);
    reg(EDX) = 0xFFFFFFFF;
    reg(EBX) = 2;
    exec({0xF7, 0xFB});  // idiv ebx: -7 / 2 = -3 rem -1
    CHECK(reg(EAX) == uint32_t(-3));
    CHECK(reg(EDX) == uint32_t(-1));
    reg(EAX) = 0xFF9C;  // -100
    reg(EBX) = 7;
    exec({0xF6, 0xFB});  // idiv bl
    CHECK((reg(EAX) & 0xFF) == uint8_t(-14));
    CHECK(((reg(EAX) >> 8) & 0xFF) == uint8_t(-2));
}

TEST_CASE_FIXTURE(Alu, "divide by zero raises #DE without writing the accumulator") {
    reg(EAX) = 0x1234;
    reg(EBX) = 0;
    exec_de({0xF6, 0xF3});  // div bl
    CHECK(cpu.rip == 0x501);
    CHECK((reg(EAX) & 0xFFFF) == 0x1234);
    uint16_t frame[3];
    mem.read_bytes(0x8000 - 6, frame, 6);
    CHECK(frame[0] == 0);  // IP of the DIV: #DE is a fault
}

TEST_CASE_FIXTURE(Alu, "quotient overflow raises #DE") {
    reg(EAX) = 0x1000;
    reg(EBX) = 0x10;
    exec_de({0xF6, 0xF3});  // div bl: 0x100 does not fit AL
    CHECK(cpu.rip == 0x501);
    CHECK((reg(EAX) & 0xFFFF) == 0x1000);
    reg(EAX) = 0;
    reg(EDX) = 0x80000000;
    reg(EBX) = 0xFFFFFFFF;
    exec_de({0x66, 0xF7, 0xFB});  // idiv ebx: INT64_MIN / -1
    CHECK(cpu.rip == 0x501);
    CHECK(reg(EDX) == 0x80000000);
}

TEST_CASE_FIXTURE(Alu, "BT/BTS/BTR/BTC on registers copy the bit to CF") {
    reg(EAX) = 0x00000010;
    exec({0x0F, 0xBA, 0xE8, 0x24}, ZF | OF);  // bts eax, 36 (mod 32 = 4)
    CHECK(reg(EAX) == 0x10);
    CHECK(arith() == (CF | ZF | OF));
    reg(EBX) = 4;
    exec({0x0F, 0xB3, 0xD8});  // btr eax, ebx
    CHECK(reg(EAX) == 0);
    CHECK(arith() == CF);
    reg(EBX) = 31;
    exec({0x0F, 0xBB, 0xD8}, CF);  // btc eax, ebx
    CHECK(reg(EAX) == 0x80000000);
    CHECK(arith() == 0);
}

TEST_CASE_FIXTURE(Alu, "a register bit offset reaches memory beyond the operand, both ways") {
    wr32(0x2000, 0);
    wr32(0x2008, 0);
    reg(EBX) = 65;  // dword at +8, bit 1
    exec({0x0F, 0xAB, 0x1D, 0x00, 0x20, 0x00, 0x00});  // bts [0x2000], ebx
    CHECK(rd32(0x2008) == 2);
    CHECK(rd32(0x2000) == 0);
    CHECK(arith() == 0);
    wr32(0x1FFC, 0x80000000);
    reg(EBX) = uint32_t(-1);  // dword at -4, bit 31
    exec({0x0F, 0xA3, 0x1D, 0x00, 0x20, 0x00, 0x00});  // bt [0x2000], ebx
    CHECK(arith() == CF);
}

TEST_CASE_FIXTURE(Alu, "BSF/BSR find the lowest/highest set bit; zero leaves the destination") {
    reg(EBX) = 0x00F00100;
    exec({0x0F, 0xBC, 0xC3}, ZF);  // bsf eax, ebx
    CHECK(reg(EAX) == 8);
    CHECK(arith() == 0);
    exec({0x0F, 0xBD, 0xC3});  // bsr eax, ebx
    CHECK(reg(EAX) == 23);
    reg(EAX) = 0x5555;
    reg(EBX) = 0;
    exec({0x0F, 0xBD, 0xC3}, CF);  // bsr eax, ebx
    CHECK(reg(EAX) == 0x5555);
    CHECK(arith() == (ZF | CF));
}

TEST_CASE_FIXTURE(Alu, "DAA/DAS adjust packed BCD") {
    reg(EAX) = 0x79 + 0x35;  // 79 + 35 in BCD gives 0xAE before adjustment
    exec({0x27});            // daa
    CHECK((reg(EAX) & 0xFF) == 0x14);
    CHECK(arith() == (CF | AF | PF));
    reg(EAX) = 0x35 - 0x47 + 0x100;  // 0xEE with a borrow
    exec({0x2F}, CF);                 // das
    CHECK((reg(EAX) & 0xFF) == 0x88);
    CHECK(arith() == (CF | AF | SF | PF));
}

TEST_CASE_FIXTURE(Alu, "AAA/AAS adjust unpacked BCD through AH") {
    reg(EAX) = 0x0008 + 0x0009;  // AL = 0x11, AF from the add
    exec({0x37}, AF);            // aaa
    CHECK((reg(EAX) & 0xFFFF) == 0x0107);
    CHECK(arith() == (CF | AF));
    reg(EAX) = 0x01FF;  // 0x100 - 1 after a borrow
    exec({0x3F}, AF);   // aas
    CHECK((reg(EAX) & 0xFFFF) == 0x0009);
    CHECK(arith() == (CF | AF | PF));
}

TEST_CASE_FIXTURE(Alu, "AAM/AAD with any base; AAM 0 raises #DE") {
    reg(EAX) = 63;
    exec({0xD4, 0x0A});  // aam
    CHECK((reg(EAX) & 0xFFFF) == 0x0603);
    CHECK(arith() == PF);
    reg(EAX) = 0x0203;
    exec({0xD5, 0x10});  // aad 16
    CHECK((reg(EAX) & 0xFFFF) == 0x0023);
    CHECK(arith() == 0);
    reg(EAX) = 0x1234;
    exec_de({0xD4, 0x00});  // aam 0
    CHECK(cpu.rip == 0x501);
    CHECK((reg(EAX) & 0xFFFF) == 0x1234);
}
