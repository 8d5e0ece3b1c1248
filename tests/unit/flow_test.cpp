// Stack, near control transfer, data movement and flag instructions, run as machine code.
#include <doctest/doctest.h>

#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

namespace {
constexpr uint8_t HLT = 0xF4;
}

TEST_CASE_FIXTURE(test::CpuFixture, "PUSH/POP registers, immediates and memory") {
    flat32();
    reg(EAX) = 0x11223344;
    load({0x50,                          // push eax
          0x6A, 0xFE,                    // push -2
          0x66, 0x68, 0x34, 0x12,        // push word 0x1234
          0x66, 0x5B,                    // pop bx
          0x59,                          // pop ecx
          0x8F, 0x05, 0, 0x20, 0, 0,     // pop dword [0x2000]
          HLT});
    run(100);
    CHECK(reg(EBX) == 0x1234);
    CHECK(reg(ECX) == 0xFFFFFFFE);
    CHECK(rd32(0x2000) == 0x11223344);
    CHECK(reg(ESP) == 0x80000);
}

TEST_CASE_FIXTURE(test::CpuFixture, "PUSH ESP pushes the old value; POP [ESP] uses the new ESP") {
    flat32();
    load({0x54,                    // push esp
          0x8F, 0x04, 0x24,        // pop dword [esp]
          0x5B,                    // pop ebx
          HLT});
    wr32(0x80000, 0xAAAAAAAA);
    run(100);
    // push esp stored 0x80000 at 0x7FFFC; pop [esp] read it, ESP=0x80000, stored at 0x80000.
    CHECK(rd32(0x80000) == 0x80000);
    CHECK(reg(EBX) == 0x80000);
    CHECK(reg(ESP) == 0x80004);
}

TEST_CASE_FIXTURE(test::CpuFixture, "POP ESP loads the popped value") {
    flat32();
    wr32(0x80000, 0x12345678);
    load({0x5C, HLT});
    run(1);
    CHECK(reg(ESP) == 0x12345678);
}

TEST_CASE_FIXTURE(test::CpuFixture, "PUSHA/POPA round trip and ESP slot") {
    flat32();
    for (unsigned r = 0; r < 8; ++r)
        if (r != ESP) reg(r) = 0x100 * (r + 1);
    load({0x60,                         // pushad
          0x31, 0xC0, 0x31, 0xDB,       // xor eax,eax; xor ebx,ebx
          0x31, 0xFF,                   // xor edi,edi
          0x61, HLT});                  // popad
    run(100);
    CHECK(rd32(0x80000 - 20) == 0x80000);  // ESP slot holds the original ESP
    CHECK(reg(EAX) == 0x100);
    CHECK(reg(EBX) == 0x400);
    CHECK(reg(EDI) == 0x800);
    CHECK(reg(ESP) == 0x80000);
}

TEST_CASE_FIXTURE(test::CpuFixture, "PUSHF clears VM/RF in the image; POPF at CPL 0 loads IOPL and IF") {
    flat32();
    wr32(0x80000 - 4, 0);
    load({0x68, 0xD5, 0x32, 0x01, 0x00,  // push 0x132D5 (RF, IOPL=3, IF, arith flags)
          0x9D,                          // popfd
          0x9C,                          // pushfd
          0x5B, HLT});                   // pop ebx
    run(100);
    CHECK((reg(EBX) & EFLAGS_IOPL) == EFLAGS_IOPL);
    CHECK((reg(EBX) & EFLAGS_IF) != 0);
    CHECK((reg(EBX) & EFLAGS_RF) == 0);
    CHECK((reg(EBX) & EFLAGS_ARITH) == (0xD5 & EFLAGS_ARITH));
}

TEST_CASE_FIXTURE(test::CpuFixture, "POPF at CPL 3 keeps IF and IOPL") {
    flat32();
    cpu.cpl = 3;
    cpu.flags.bits |= EFLAGS_IF;  // IOPL 0
    load({0x6A, 0x00,   // push 0
          0x9D, HLT});  // popfd
    run(2);
    CHECK((flags() & EFLAGS_IF) != 0);
    CHECK((flags() & EFLAGS_IOPL) == 0);
}

TEST_CASE_FIXTURE(test::CpuFixture, "real-mode POPF 16 loads the low word only") {
    real16();
    load({0x68, 0x01, 0x72,   // push 0x7201 (NT, IOPL=3, IF, CF)
          0x9D, HLT});        // popf
    run(2);
    CHECK((flags() & 0xFFFF) == 0x7203);
    CHECK(reg(ESP) == 0x8000);
}

TEST_CASE_FIXTURE(test::CpuFixture, "PUSH/POP segment registers in real mode") {
    real16();
    cpu.load_seg_real(ES, 0x1234);
    load({0x06,         // push es
          0x1F,         // pop ds
          0x16,         // push ss
          0x17,         // pop ss
          HLT});
    run(4);
    CHECK(cpu.seg[DS].sel == 0x1234);
    CHECK(cpu.seg[DS].base == 0x12340);
    CHECK(reg(ESP) == 0x8000);
}

TEST_CASE_FIXTURE(test::CpuFixture, "ENTER with nesting level and LEAVE") {
    flat32();
    reg(EBP) = 0x80100;
    wr32(0x80100 - 4, 0xCAFE0001);
    load({0xC8, 0x10, 0x00, 0x02,   // enter 16, 2
          HLT});
    run(1);
    // push ebp (0x7FFFC), copy [ebp-4] (0x7FFF8), push frame (0x7FFF4), sub 16.
    CHECK(rd32(0x7FFFC) == 0x80100);
    CHECK(rd32(0x7FFF8) == 0xCAFE0001);
    CHECK(rd32(0x7FFF4) == 0x7FFFC);
    CHECK(reg(EBP) == 0x7FFFC);
    CHECK(reg(ESP) == 0x7FFF4 - 16);
    cpu.rip = cpu.next_rip;
    load({0xC9, HLT});  // leave
    run(1);
    CHECK(reg(ESP) == 0x80000);
    CHECK(reg(EBP) == 0x80100);
}

TEST_CASE_FIXTURE(test::CpuFixture, "a POP to memory that faults restores ESP") {
    real16();
    wr32(13 * 4, 0x00000500);  // #GP -> 0000:0500
    mem.write_bytes(0x500, "\xF4", 1);
    load({0x66, 0x8F, 0x06, 0xFE, 0xFF,  // pop dword [0xFFFE]: crosses the DS limit
          HLT});
    run(3);
    CHECK(cpu.rip == 0x501);
    CHECK(reg(ESP) == 0x8000 - 6);  // only the exception frame was pushed
    uint16_t frame[1];
    mem.read_bytes(0x8000 - 6, frame, 2);
    CHECK(frame[0] == 0);
}

TEST_CASE_FIXTURE(test::CpuFixture, "near CALL rel and indirect, RET") {
    flat32();
    reg(EDX) = CODE + 0x20;
    std::vector<uint8_t> code(0x40, 0x90);
    const uint8_t main[] = {0xE8, 0x0B, 0, 0, 0,   // call +11 -> 0x10010
                            0xFF, 0xD2,            // call edx -> 0x10020
                            HLT};
    const uint8_t f1[] = {0x41, 0xC3};               // inc ecx; ret
    const uint8_t f3[] = {0x43, 0xC2, 0x00, 0x00};   // inc ebx; ret 0
    std::copy(std::begin(main), std::end(main), code.begin());
    std::copy(std::begin(f1), std::end(f1), code.begin() + 0x10);
    std::copy(std::begin(f3), std::end(f3), code.begin() + 0x20);
    load(code);
    run(100);
    CHECK(reg(ECX) == 1);
    CHECK(reg(EBX) == 1);
    CHECK(reg(ESP) == 0x80000);
    CHECK(cpu.rip == CODE + 8);
    CHECK(rd32(0x80000 - 4) == CODE + 7);  // the return address of the second call
}

TEST_CASE_FIXTURE(test::CpuFixture, "RET imm16 releases the arguments") {
    flat32();
    std::vector<uint8_t> code(0x20, 0x90);
    const uint8_t main[] = {0x6A, 0x01, 0x6A, 0x02,  // push 1; push 2
                            0xE8, 0x07, 0, 0, 0,     // call 0x10010
                            HLT};
    const uint8_t f[] = {0xC2, 0x08, 0x00};          // ret 8
    std::copy(std::begin(main), std::end(main), code.begin());
    std::copy(std::begin(f), std::end(f), code.begin() + 0x10);
    load(code);
    run(100);
    CHECK(reg(ESP) == 0x80000);
    CHECK(cpu.rip == CODE + 10);
}

TEST_CASE_FIXTURE(test::CpuFixture, "LOOP uses CX with a 16-bit address size") {
    flat32();
    reg(ECX) = 0xABCD0003;
    load({0x40,               // inc eax
          0x67, 0xE2, 0xFC,   // loop (cx) -4
          HLT});
    run(100);
    CHECK(reg(EAX) == 3);
    CHECK(reg(ECX) == 0xABCD0000);
}

TEST_CASE_FIXTURE(test::CpuFixture, "LOOPE stops on ZF=0, LOOPNE on ZF=1, JECXZ tests ECX") {
    flat32();
    reg(ECX) = 10;
    reg(EAX) = reg(EDX) = 0;
    load({0x40,               // inc eax
          0x83, 0xF8, 0x04,   // cmp eax, 4
          0xE0, 0xFA,         // loopne -6
          0x31, 0xDB,         // xor ebx, ebx (ZF=1)
          0xE1, 0x02,         // loope +2 (taken: ECX 6 -> 5)
          0x43, 0x43,         // inc ebx; inc ebx (skipped)
          0x31, 0xC9,         // xor ecx, ecx
          0xE3, 0x01,         // jecxz +1
          0x42,               // inc edx (skipped)
          HLT});
    run(100);
    CHECK(reg(EAX) == 4);
    CHECK(reg(EBX) == 0);
    CHECK(reg(EDX) == 0);
    CHECK(cpu.rip == CODE + 18);
}

TEST_CASE_FIXTURE(test::CpuFixture, "a CALL outside the CS limit faults before pushing") {
    real16();
    wr32(13 * 4, 0x00000500);
    mem.write_bytes(0x500, "\xF4", 1);
    load({0x66, 0xE8, 0x00, 0x00, 0x01, 0x00});  // call near32 to 0x10006 (> 0xFFFF)
    run(3);
    CHECK(cpu.rip == 0x501);
    CHECK(reg(ESP) == 0x8000 - 6);
}

TEST_CASE_FIXTURE(test::CpuFixture, "MOVZX/MOVSX, LEA, CBW/CWDE/CWD/CDQ") {
    flat32();
    reg(EBX) = 0x1234F680;
    reg(ESI) = 0x100;
    load({0x0F, 0xB6, 0xC3,          // movzx eax, bl
          0x0F, 0xBF, 0xCB,          // movsx ecx, bx
          0x66, 0x0F, 0xBE, 0xD3,    // movsx dx, bl
          0x8D, 0x7C, 0xB6, 0x05,    // lea edi, [esi+esi*4+5]
          0x67, 0x8D, 0x68, 0xFF,    // lea ebp, [bx+si-1] (16-bit address)
          HLT});
    reg(EDX) = 0xAAAAAAAA;
    run(5);
    CHECK(reg(EAX) == 0x80);
    CHECK(reg(ECX) == 0xFFFFF680);
    CHECK(reg(EDX) == 0xAAAAFF80);
    CHECK(reg(EDI) == 0x505);
    CHECK(reg(EBP) == ((0xF680 + 0x100 - 1) & 0xFFFF));
}

TEST_CASE_FIXTURE(test::CpuFixture, "sign-extension of the accumulator") {
    flat32();
    reg(EAX) = 0x12348000;
    load({0x98,          // cwde
          0x99,          // cdq
          0x66, 0x98,    // cbw (AL=0 -> AX=0)
          0x66, 0x99,    // cwd
          HLT});
    run(2);
    CHECK(reg(EAX) == 0xFFFF8000);
    CHECK(reg(EDX) == 0xFFFFFFFF);
    run(2);
    CHECK(reg(EAX) == 0xFFFF0000);
    CHECK(reg(EDX) == 0xFFFF0000);
}

TEST_CASE_FIXTURE(test::CpuFixture, "XCHG with memory, XLAT, BSWAP") {
    flat32();
    wr32(0x2000, 0x11111111);
    wr32(0x3000, 0x00C0FFEE);
    reg(EAX) = 0x22222222;
    reg(EBX) = 0x3000;
    reg(ECX) = 0x01020304;
    reg(EDX) = 0x5566AABB;
    load({0x87, 0x05, 0, 0x20, 0, 0,   // xchg [0x2000], eax
          0xB0, 0x01,                  // mov al, 1
          0xD7,                        // xlat -> [0x3001] = 0xFF
          0x0F, 0xC9,                  // bswap ecx
          0x66, 0x0F, 0xCA,            // bswap dx (fixed: low word 0)
          HLT});
    run(5);
    CHECK(rd32(0x2000) == 0x22222222);
    CHECK(reg(EAX) == 0x111111FF);
    CHECK(reg(ECX) == 0x04030201);
    CHECK(reg(EDX) == 0x55660000);
}

TEST_CASE_FIXTURE(test::CpuFixture, "CMOVcc reads memory even when false; SETcc") {
    real16();
    wr32(13 * 4, 0x00000500);
    mem.write_bytes(0x500, "\xF4", 1);
    reg(EAX) = 1;
    load({0x39, 0xC0,                    // cmp ax, ax (ZF=1)
          0x0F, 0x94, 0xC3,              // sete bl
          0x0F, 0x95, 0xC7,              // setne bh
          0x0F, 0x44, 0xC8,              // cmove cx, ax
          0x0F, 0x45, 0x16, 0xFF, 0xFF,  // cmovne dx, [0xFFFF]: crosses the limit -> #GP
          HLT});
    reg(ECX) = 0;
    run(6);
    CHECK((reg(EBX) & 0xFFFF) == 0x0001);
    CHECK((reg(ECX) & 0xFFFF) == 1);
    CHECK(cpu.rip == 0x501);
}

TEST_CASE_FIXTURE(test::CpuFixture, "CMPXCHG writes back on mismatch; XADD; CMPXCHG8B") {
    flat32();
    wr32(0x2000, 5);
    wr32(0x3000, 0x11);
    wr32(0x3004, 0x22);
    reg(EAX) = 4;
    reg(ECX) = 9;
    load({0x0F, 0xB1, 0x0D, 0, 0x20, 0, 0,   // cmpxchg [0x2000], ecx (4 != 5)
          0x0F, 0xB1, 0x0D, 0, 0x20, 0, 0,   // again: now EAX=5, equal
          HLT});
    run(1);
    CHECK(reg(EAX) == 5);
    CHECK(rd32(0x2000) == 5);
    CHECK((flags() & EFLAGS_ZF) == 0);
    CHECK((flags() & EFLAGS_CF) != 0);  // 4 - 5 borrows
    run(1);
    CHECK(rd32(0x2000) == 9);
    CHECK((flags() & EFLAGS_ZF) != 0);

    cpu.rip = 0;
    load({0x0F, 0xC1, 0xD9,               // xadd ecx, ebx
          0x0F, 0xC7, 0x0D, 0, 0x30, 0, 0,  // cmpxchg8b [0x3000]
          HLT});
    reg(ECX) = 0xFFFFFFFF;
    reg(EBX) = 2;
    reg(EAX) = 0x11;
    reg(EDX) = 0x22;
    run(1);
    CHECK(reg(ECX) == 1);
    CHECK(reg(EBX) == 0xFFFFFFFF);
    CHECK((flags() & EFLAGS_CF) != 0);
    reg(ECX) = 0xBB;
    reg(EBX) = 0xAA;
    run(1);
    CHECK(rd32(0x3000) == 0xAA);
    CHECK(rd32(0x3004) == 0xBB);
    CHECK((flags() & EFLAGS_ZF) != 0);
}

TEST_CASE_FIXTURE(test::CpuFixture, "CLC/STC/CMC/CLD/STD, LAHF/SAHF, SALC") {
    flat32();
    reg(EAX) = 0;
    load({0xF9,          // stc
          0xD6,          // salc -> AL = FF
          0xF5,          // cmc
          0x88, 0xC3,    // mov bl, al
          0xD6,          // salc -> AL = 0
          0xFD,          // std
          0xB4, 0xC1,    // mov ah, 0xC1 (SF ZF CF)
          0x9E,          // sahf
          0xF8,          // clc
          0x9F,          // lahf
          0xFC,          // cld
          HLT});
    run(6);
    CHECK((reg(EBX) & 0xFF) == 0xFF);
    CHECK((reg(EAX) & 0xFF) == 0);
    CHECK((flags() & EFLAGS_DF) != 0);
    run(6);
    CHECK(((reg(EAX) >> 8) & 0xFF) == 0xC2);
    CHECK((flags() & EFLAGS_DF) == 0);
    CHECK((flags() & (EFLAGS_SF | EFLAGS_ZF)) == (EFLAGS_SF | EFLAGS_ZF));
}

TEST_CASE_FIXTURE(test::SystemFixture, "ENTER checks the final stack pointer before committing") {
    record_faults();
    cpu.seg[SS].limit = 0xFFFFF;  // 1 MiB, byte granular: the allocation wraps below 0
    cpu.seg[SS].refresh();
    reg(ESP) = 0x40;
    reg(EBP) = 0x1234;
    load({0xC8, 0x00, 0x01, 0x00});  // enter 0x100, 0
    run(3);
    CHECK(reg(EBX) == 12);  // #SS(0)
    CHECK(reg(EAX) == 0);
    CHECK(reg(EBP) == 0x1234);
    CHECK(rd32(0x40 - 12) == test::CpuFixture::CODE);  // the frame's EIP: the ENTER
}

TEST_CASE_FIXTURE(test::CpuFixture, "o32 ENTER on a 16-bit stack uses all of ESP as the frame pointer") {
    real16();
    reg(ESP) = 0x12348000;
    reg(EBP) = 0xAAAABBBB;
    load({0x66, 0xC8, 0x00, 0x00, 0x01, HLT});  // o32 enter 0, 1
    run(1);
    CHECK(rd32(0x7FFC) == 0xAAAABBBB);
    CHECK(rd32(0x7FF8) == 0x12347FFC);  // frame-ptr := eSP
    CHECK(reg(EBP) == 0x12347FFC);
    CHECK(reg(ESP) == 0x12347FF8);
}
