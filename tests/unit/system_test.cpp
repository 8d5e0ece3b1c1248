#include <doctest/doctest.h>

#include "cpu/model.h"
#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

using test::SystemFixture;
using namespace test::pm;

TEST_CASE_FIXTURE(SystemFixture, "INT from ring 3 switches to the TSS stack and IRET returns") {
    // Ring 0: load TR, IRET to ring 3 from a prepared frame.
    load({0x66, 0xB8, 0x28, 0x00,  // mov ax, 0x28
          0x0F, 0x00, 0xD8,        // ltr ax
          0xCF});                  // iretd
    const uint32_t frame[] = {USER, 0x1B, 0x202, 0x70000, 0x23};
    mem.write_bytes(0x80000 - sizeof frame, frame, sizeof frame);
    reg(ESP) = 0x80000 - sizeof frame;
    put(USER, {0xCD, 0x80,                    // int 0x80
               0xB9, 0x05, 0x00, 0x00, 0x00,  // mov ecx, 5
               0xEB, 0xFE});                  // jmp $
    put(HANDLERS, {0x8C, 0xD0,   // mov eax, ss
                   0x89, 0xE2,   // mov edx, esp
                   0xCF});       // iretd
    gate(0x80, HANDLERS, 3);
    run(9);
    CHECK(cpu.cpl == 3);
    CHECK(cpu.seg[CS].sel == 0x1B);
    CHECK(cpu.seg[SS].sel == 0x23);
    CHECK(reg(ESP) == 0x70000);
    CHECK(reg(EAX) == 0x10);
    CHECK(reg(EDX) == RING0_STACK - 20);
    CHECK(reg(ECX) == 5);
    CHECK(cpu.rip == USER + 7);
    // Returning to ring 3 made the DPL 0 data segments unusable.
    CHECK(cpu.seg[DS].sel == 0);
    CHECK(cpu.seg[DS].rights == 0);
    // The ring-0 frame: EIP, CS, EFLAGS, ESP, SS.
    CHECK(rd32(RING0_STACK - 20) == USER + 2);
    CHECK(rd32(RING0_STACK - 16) == 0x1B);
    CHECK((rd32(RING0_STACK - 12) & EFLAGS_IF) != 0);
    CHECK(rd32(RING0_STACK - 8) == 0x70000);
    CHECK(rd32(RING0_STACK - 4) == 0x23);
    // LTR marked the TSS busy.
    CHECK((rd32(GDT + 0x28 + 4) & 0x0F00) == 0x0B00);
}

TEST_CASE_FIXTURE(SystemFixture, "an interrupt gate clears IF, a trap gate keeps it") {
    put(HANDLERS, {0xF4});
    gate(0x40, HANDLERS, 0);
    gate(0x41, HANDLERS, 0, true);
    cpu.flags.bits |= EFLAGS_IF;
    load({0xCD, 0x40});
    run(2);
    CHECK((cpu.flags.bits & EFLAGS_IF) == 0);
    CHECK(cpu.cpl == 0);
    CHECK(reg(ESP) == 0x80000 - 12);  // same privilege: EFLAGS, CS, EIP
    cpu.flags.bits |= EFLAGS_IF;
    cpu.halted = 0;
    reg(ESP) = 0x80000;
    load({0xCD, 0x41});
    run(2);
    CHECK((cpu.flags.bits & EFLAGS_IF) != 0);
}

TEST_CASE_FIXTURE(SystemFixture, "segment loads raise #GP/#NP/#SS with the selector") {
    record_faults();
    struct Case { uint16_t sel; uint8_t sreg_modrm; unsigned vec; uint32_t err; };
    const Case cases[] = {
        {0x30, 0xD8, 11, 0x30},    // mov ds: not present -> #NP(sel)
        {0x30, 0xD0, 13, 0x30},    // mov ss: DPL 0 data but not present... checked after type
        {0x20, 0xD0, 13, 0x20},    // mov ss: DPL 3 data at CPL 0
        {0x7F8, 0xD8, 13, 0x7F8},  // beyond the GDT limit
        {0x0000, 0xD0, 13, 0},     // null SS
        {0x28, 0xC0, 13, 0x28},    // mov es: system descriptor
        {0x0C, 0xD8, 13, 0x0C},    // LDT selector without an LDT
    };
    for (const Case& k : cases) {
        CAPTURE(k.sel);
        reg(ESP) = 0x80000;
        load({0x66, 0xB8, uint8_t(k.sel), uint8_t(k.sel >> 8), 0x8E, k.sreg_modrm});
        reg(EBX) = 0xFFFF;
        cpu.halted = 0;
        run(5);
        CHECK(reg(EBX) == (k.sel == 0x30 && k.sreg_modrm == 0xD0 ? 12u : k.vec));
        CHECK(reg(EAX) == k.err);
        CHECK(rd32(0x80000 - 12) == CODE + 4);  // EIP pushed: the MOV
    }
}

TEST_CASE_FIXTURE(SystemFixture, "a null selector is allowed in DS and makes it unusable") {
    record_faults();
    load({0x31, 0xC0,        // xor eax, eax
          0x8E, 0xD8,        // mov ds, ax
          0x8B, 0x05, 0, 0, 0, 0});  // mov eax, [0]
    run(6);
    CHECK(cpu.seg[DS].sel == 0);
    CHECK(reg(EBX) == 13);
    CHECK(reg(EAX) == 0);
}

TEST_CASE_FIXTURE(SystemFixture, "INT n from ring 3 through a DPL 0 gate is #GP(vector*8+2)") {
    record_faults();
    gate(0x50, HANDLERS, 0);
    // Enter ring 3 by IRET with the TSS loaded.
    load({0x66, 0xB8, 0x28, 0x00, 0x0F, 0x00, 0xD8, 0xCF});
    const uint32_t frame[] = {USER, 0x1B, 0x2, 0x70000, 0x23};
    mem.write_bytes(0x80000 - sizeof frame, frame, sizeof frame);
    reg(ESP) = 0x80000 - sizeof frame;
    put(USER, {0xCD, 0x50});
    run(10);
    CHECK(reg(EBX) == 13);
    CHECK(reg(EAX) == 0x50 * 8 + 2);
    CHECK(rd32(RING0_STACK - 20) == USER);  // the fault names the INT instruction
}

TEST_CASE_FIXTURE(SystemFixture, "far JMP and far CALL/RET load CS") {
    record_faults();
    put(HANDLERS, {0xB9, 0x07, 0, 0, 0,  // mov ecx, 7
                   0xCB});               // retf
    load({0x9A, uint8_t(HANDLERS), uint8_t(HANDLERS >> 8), uint8_t(HANDLERS >> 16), 0, 0x08, 0x00,
          0xEA, 0x00, 0x00, 0x00, 0x00, 0x18, 0x00});  // call 0x08:HANDLERS ; jmp 0x18:0
    run(3);
    CHECK(reg(ECX) == 7);
    CHECK(cpu.rip == CODE + 7);
    CHECK(reg(ESP) == 0x80000);
    run(4);  // far JMP to a DPL 3 non-conforming segment at CPL 0: #GP(0x18)
    CHECK(reg(EBX) == 13);
    CHECK(reg(EAX) == 0x18);
}

TEST_CASE_FIXTURE(SystemFixture, "CPUID reports a family 6 model 3 GenuineIntel") {
    load({0x31, 0xC0, 0x0F, 0xA2});  // xor eax, eax ; cpuid
    run(2);
    CHECK(reg(EAX) == 2);
    CHECK(reg(EBX) == 0x756E6547);
    CHECK(reg(EDX) == 0x49656E69);
    CHECK(reg(ECX) == 0x6C65746E);
    const CpuidResult one = cpu.model.cpuid(1, 0);
    CHECK(one.eax == 0x633);
    CHECK(one.edx == 0x0000A93D);
    CHECK(cpu.model.cpuid(0x80000000, 0).eax == cpu.model.cpuid(2, 0).eax);
}

TEST_CASE_FIXTURE(SystemFixture, "the microcode signature MSR reads the revision in EDX") {
    load({0x0F, 0x30,          // wrmsr (ignored)
          0x0F, 0x32});        // rdmsr
    reg(ECX) = 0x8B;
    reg(EAX) = 0x1234;
    reg(EDX) = 0x5678;
    run(2);
    CHECK(reg(EAX) == 0);
    CHECK(reg(EDX) == 1);
}

TEST_CASE_FIXTURE(SystemFixture, "MSRs: SYSENTER_CS round trip, unknown MSR #GP(0)") {
    record_faults();
    load({0xB9, 0x74, 0x01, 0, 0,        // mov ecx, 0x174
          0xB8, 0x08, 0, 0, 0,           // mov eax, 8
          0x0F, 0x30,                    // wrmsr
          0x31, 0xC0,                    // xor eax, eax
          0x0F, 0x32,                    // rdmsr
          0x89, 0xC6,                    // mov esi, eax
          0xB9, 0x00, 0x10, 0, 0,        // mov ecx, 0x1000
          0x0F, 0x32});                  // rdmsr -> #GP(0)
    reg(EDX) = 0;
    run(12);
    CHECK(reg(ESI) == 8);
    CHECK(reg(EBX) == 13);
    CHECK(reg(EAX) == 0);
}

TEST_CASE_FIXTURE(SystemFixture, "control registers: reserved CR4 bit and CR0.PG without PE fault") {
    record_faults();
    load({0xB8, 0x20, 0, 0, 0,  // mov eax, CR4.PAE (not supported)
          0x0F, 0x22, 0xE0});   // mov cr4, eax
    run(5);
    CHECK(reg(EBX) == 13);
    CHECK(cpu.cr4 == 0);
    reg(ESP) = 0x80000;
    reg(EBX) = 0xFFFF;
    cpu.halted = 0;
    load({0xB8, 0x10, 0, 0, 0,  // mov eax, PSE
          0x0F, 0x22, 0xE0,     // mov cr4, eax
          0x0F, 0x20, 0xC1,     // mov ecx, cr0
          0xF4});
    run(5);
    CHECK(cpu.cr4 == cr4::PSE);
    CHECK(reg(ECX) == cpu.cr0);
    CHECK(reg(EBX) == 0xFFFF);
}

TEST_CASE_FIXTURE(test::CpuFixture, "real-mode INT and IRET use the IVT") {
    real16();
    wr32(0x21 * 4, 0x00000600);
    mem.write_bytes(0x600, "\xBB\x34\x12\xCF", 4);  // mov bx, 0x1234 ; iret
    load({0xFB,              // sti
          0xCD, 0x21,        // int 0x21
          0xB9, 0x01, 0x00,  // mov cx, 1
          0xF4});
    CHECK(run(10) == StopReason::Halted);
    CHECK(reg(EBX) == 0x1234);
    CHECK(reg(ECX) == 1);
    CHECK(reg(ESP) == 0x8000);
    CHECK((flags() & EFLAGS_IF) != 0);
}

TEST_CASE_FIXTURE(SystemFixture, "CLI at CPL 3 with IOPL 0 is #GP(0)") {
    record_faults();
    load({0x66, 0xB8, 0x28, 0x00, 0x0F, 0x00, 0xD8, 0xCF});
    const uint32_t frame[] = {USER, 0x1B, 0x202, 0x70000, 0x23};
    mem.write_bytes(0x80000 - sizeof frame, frame, sizeof frame);
    reg(ESP) = 0x80000 - sizeof frame;
    put(USER, {0xFA});
    run(10);
    CHECK(reg(EBX) == 13);
    CHECK(reg(EAX) == 0);
    CHECK(rd32(RING0_STACK - 20) == USER);
}

TEST_CASE_FIXTURE(SystemFixture, "CALL through a call gate to ring 0 copies parameters; RETF n returns") {
    const uint32_t target = HANDLERS + 0x100;
    wr32(GDT + 0x38, (0x08u << 16) | (target & 0xFFFF));
    wr32(GDT + 0x3C, (target & 0xFFFF0000u) | 0xEC00 | 1);  // 32-bit call gate, DPL 3, 1 param
    cpu.gdtr.limit = 0x3F;
    load({0x66, 0xB8, 0x28, 0x00, 0x0F, 0x00, 0xD8, 0xCF});  // ltr ax ; iretd to ring 3
    const uint32_t frame[] = {USER, 0x1B, 0x2, 0x6FFFC, 0x23};
    mem.write_bytes(0x80000 - sizeof frame, frame, sizeof frame);
    reg(ESP) = 0x80000 - sizeof frame;
    wr32(0x6FFFC, 0xCAFE);
    put(USER, {0x9A, 0, 0, 0, 0, 0x3B, 0x00,   // call 0x3B:0
               0xB9, 0x05, 0, 0, 0,           // mov ecx, 5
               0xEB, 0xFE});
    put(target, {0x8B, 0x44, 0x24, 0x08,  // mov eax, [esp+8]
                 0x8C, 0xD2,              // mov edx, ss
                 0xCA, 0x04, 0x00});      // retf 4
    run(10);
    CHECK(reg(EAX) == 0xCAFE);
    CHECK(reg(EDX) == 0x10);
    CHECK(reg(ECX) == 5);
    CHECK(cpu.cpl == 3);
    CHECK(cpu.seg[CS].sel == 0x1B);
    CHECK(cpu.seg[SS].sel == 0x23);
    CHECK(reg(ESP) == 0x70000);
    // Inner frame: EIP, CS, param, ESP, SS.
    CHECK(rd32(RING0_STACK - 20) == USER + 7);
    CHECK(rd32(RING0_STACK - 12) == 0xCAFE);
    CHECK(rd32(RING0_STACK - 8) == 0x6FFFC);
}

TEST_CASE_FIXTURE(SystemFixture, "I/O bitmap in the TSS allows and denies ports at CPL 3") {
    record_faults();
    // TSS with limit covering a bitmap at 0x68: port 0x80 allowed, 0x81 denied.
    wr32(GDT + 0x28, (TSS << 16) | 0x87);
    wr32(TSS + 0x64, 0x00680000);
    for (uint32_t k = 0; k < 0x20; k += 4) wr32(TSS + 0x68 + k, 0xFFFFFFFF);
    wr32(TSS + 0x68 + 0x10, 0xFFFFFFFE);  // bit for port 0x80
    load({0x66, 0xB8, 0x28, 0x00, 0x0F, 0x00, 0xD8, 0xCF});
    const uint32_t frame[] = {USER, 0x1B, 0x2, 0x70000, 0x23};
    mem.write_bytes(0x80000 - sizeof frame, frame, sizeof frame);
    reg(ESP) = 0x80000 - sizeof frame;
    put(USER, {0xE6, 0x80,    // out 0x80, al
               0xE6, 0x81});  // out 0x81, al -> #GP(0)
    run(10);
    REQUIRE(bus.writes.size() == 1);
    CHECK(bus.writes[0].port == 0x80);
    CHECK(reg(EBX) == 13);
    CHECK(rd32(RING0_STACK - 20) == USER + 2);
}

TEST_CASE_FIXTURE(SystemFixture, "IRETD enters v86 mode; INT n from v86 saves and zeroes segments") {
    load({0x66, 0xB8, 0x28, 0x00, 0x0F, 0x00, 0xD8, 0xCF});  // ltr ax ; iretd
    const uint32_t frame[] = {0, USER >> 4, EFLAGS_VM | EFLAGS_IOPL | 2, 0x100, 0x6000,
                              0x1111, 0x2222, 0x3333, 0x4444};
    mem.write_bytes(0x80000 - sizeof frame, frame, sizeof frame);
    reg(ESP) = 0x80000 - sizeof frame;
    put(USER, {0xCD, 0x80,          // int 0x80
               0xB9, 0x05, 0x00,    // mov cx, 5
               0xEB, 0xFE});
    put(HANDLERS, {0x8C, 0xD8,              // mov eax, ds
                   0x8B, 0x54, 0x24, 0x20,  // mov edx, [esp+32]: saved GS
                   0xCF});                  // iretd
    gate(0x80, HANDLERS, 3);
    run(9);
    CHECK(cpu.vm86());
    CHECK(cpu.cpl == 3);
    CHECK(reg(EAX) == 0);
    CHECK(reg(EDX) == 0x4444);
    CHECK((reg(ECX) & 0xFFFF) == 5);
    CHECK(cpu.seg[DS].sel == 0x2222);
    CHECK(cpu.seg[DS].base == 0x22220);
    CHECK(cpu.seg[GS].sel == 0x4444);
    CHECK(cpu.seg[SS].base == 0x60000);
    CHECK(reg(ESP) == 0x100);
    CHECK(cpu.rip == 5);
}

TEST_CASE_FIXTURE(SystemFixture, "INT n in v86 mode with IOPL < 3 is #GP(0)") {
    record_faults();
    load({0x66, 0xB8, 0x28, 0x00, 0x0F, 0x00, 0xD8, 0xCF});
    const uint32_t frame[] = {0, USER >> 4, EFLAGS_VM | 2, 0x100, 0x6000, 0, 0, 0, 0};
    mem.write_bytes(0x80000 - sizeof frame, frame, sizeof frame);
    reg(ESP) = 0x80000 - sizeof frame;
    put(USER, {0xCD, 0x80});
    gate(0x80, HANDLERS + 0x200, 3);
    run(10);
    CHECK(reg(EBX) == 13);
    CHECK(reg(EAX) == 0);
    CHECK(!cpu.vm86());
    // Frame: error code, EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS.
    CHECK(rd32(RING0_STACK - 32) == (USER >> 4));
    CHECK((rd32(RING0_STACK - 28) & EFLAGS_VM) != 0);
    CHECK(rd32(RING0_STACK - 20) == 0x6000);
}

TEST_CASE_FIXTURE(SystemFixture, "far CALL to a TSS switches tasks and IRET with NT returns") {
    constexpr uint32_t TSS_B = 0x4000;
    second_tss(TSS_B, HANDLERS + 0x300, 0x50000);
    put(HANDLERS + 0x300, {0xBB, 0x77, 0, 0, 0,  // mov ebx, 0x77
                           0xCF});               // iretd: back to the caller task
    load({0x66, 0xB8, 0x28, 0x00, 0x0F, 0x00, 0xD8,   // mov ax, 0x28 ; ltr ax
          0x9A, 0, 0, 0, 0, 0x40, 0x00,             // call 0x40:0
          0xB9, 0x09, 0, 0, 0,                      // mov ecx, 9
          0xF4});
    reg(EBX) = 0x11;
    CHECK(run(20) == StopReason::Halted);
    CHECK(reg(ECX) == 9);
    CHECK(reg(EBX) == 0x11);                    // restored from the caller's TSS
    CHECK(rd32(TSS_B + 0x28 + 3 * 4) == 0x77);  // the callee's EBX saved by its IRET
    CHECK((rd32(TSS_B) & 0xFFFF) == 0x28);      // back link
    CHECK(cpu.tr.sel == 0x28);
    CHECK((rd32(GDT + 0x44) & 0x0200) == 0);    // callee no longer busy
    CHECK((rd32(GDT + 0x2C) & 0x0200) != 0);    // caller busy again
    CHECK((flags() & EFLAGS_NT) == 0);
    CHECK((cpu.cr0 & cr0::TS) != 0);
    CHECK(reg(ESP) == 0x80000);
}

TEST_CASE_FIXTURE(SystemFixture, "LAR, LSL, VERR, VERW and ARPL probe descriptors") {
    load({0x0F, 0x02, 0xC1,   // lar eax, ecx
          0x0F, 0x03, 0xD1,   // lsl edx, ecx
          0x0F, 0x00, 0xE1,   // verr cx
          0x0F, 0x00, 0xE9,   // verw cx
          0x63, 0xC8,         // arpl ax, cx
          0x0F, 0x02, 0xF7}); // lar esi, edi (null selector)
    reg(ECX) = 0x1B;
    reg(EDI) = 0;
    reg(ESI) = 0x5A5A;
    run(1);
    CHECK(reg(EAX) == 0x00CFFA00);
    CHECK((flags() & EFLAGS_ZF) != 0);
    run(1);
    CHECK(reg(EDX) == 0xFFFFFFFF);
    run(1);
    CHECK((flags() & EFLAGS_ZF) != 0);  // code segment 0x18 is readable
    run(1);
    CHECK((flags() & EFLAGS_ZF) == 0);  // but not writable
    reg(EAX) = 0x10;
    run(1);
    CHECK(reg(EAX) == 0x13);
    CHECK((flags() & EFLAGS_ZF) != 0);
    run(1);
    CHECK((flags() & EFLAGS_ZF) == 0);
    CHECK(reg(ESI) == 0x5A5A);
}

TEST_CASE_FIXTURE(SystemFixture, "SYSENTER and SYSEXIT switch between flat ring 0 and ring 3") {
    cpu.sysenter_cs = 0x08;
    cpu.sysenter_esp = 0x60000;
    cpu.sysenter_eip = HANDLERS + 0x400;
    put(HANDLERS + 0x400, {0x89, 0xE6,                                  // mov esi, esp
                           0xBA, uint8_t(USER + 2), uint8_t((USER + 2) >> 8),
                           uint8_t((USER + 2) >> 16), 0,               // mov edx, USER+2
                           0xB9, 0x00, 0x00, 0x07, 0x00,               // mov ecx, 0x70000
                           0x0F, 0x35});                               // sysexit
    put(USER, {0x0F, 0x34,  // sysenter
               0xEB, 0xFE});
    load({0xEB, 0xFE});
    cpu.rip = USER;
    run(6);
    CHECK(reg(ESI) == 0x60000);
    CHECK(cpu.cpl == 3);
    CHECK(cpu.seg[CS].sel == 0x1B);
    CHECK(cpu.seg[SS].sel == 0x23);
    CHECK(reg(ESP) == 0x70000);
    CHECK(cpu.rip == USER + 2);
}

TEST_CASE_FIXTURE(SystemFixture, "RDPMC reads the performance counters WRMSR wrote; ECX > 1 is #GP(0)") {
    record_faults();
    load({0xB9, 0xC2, 0, 0, 0,        // mov ecx, 0xC2 (PerfCtr1)
          0xB8, 0x00, 0, 0, 0x80,     // mov eax, 0x80000000
          0x0F, 0x30,                 // wrmsr: sign-extended to 40 bits
          0x31, 0xC0,                 // xor eax, eax
          0xB9, 0x01, 0, 0, 0,        // mov ecx, 1
          0x0F, 0x33,                 // rdpmc
          0x41,                       // inc ecx
          0x0F, 0x33});               // rdpmc: counter 2 does not exist
    run(7);
    CHECK(reg(EAX) == 0x80000000);
    CHECK(reg(EDX) == 0xFF);
    run(3);
    CHECK(reg(EBX) == 13);
    // CR4.PCE lets ring 3 read them.
    cpu.cr4 |= cr4::PCE;
    cpu.cpl = 3;
    load({0x31, 0xC9, 0x0F, 0x33});  // xor ecx, ecx; rdpmc
    reg(EBX) = 0xFFFF;
    cpu.halted = 0;
    run(2);
    CHECK(reg(EBX) == 0xFFFF);
    CHECK(cpu.rip == CODE + 4);
}

TEST_CASE_FIXTURE(SystemFixture, "ARPL to memory writes, and so faults in a read-only segment, only when it adjusts") {
    record_faults();
    wr32(GDT + 0x38, 0x0000FFFF);
    wr32(GDT + 0x3C, 0x00CF9000);  // read-only data, DPL 0
    cpu.gdtr.limit = 0x3F;
    cpu.load_seg_protected(DS, 0x38);
    wr32(0x5000, 0x0013);
    load({0x63, 0x0D, 0x00, 0x50, 0x00, 0x00});  // arpl [0x5000], cx
    reg(ECX) = 0x11;
    run(1);
    CHECK(reg(EBX) == 0xFFFF);
    CHECK((flags() & EFLAGS_ZF) == 0);
    CHECK(cpu.rip == CODE + 6);
    reg(ECX) = 0x13;
    wr32(0x5000, 0x0010);
    load({0x63, 0x0D, 0x00, 0x50, 0x00, 0x00});
    run(3);
    CHECK(reg(EBX) == 13);
    CHECK(rd32(0x5000) == 0x0010);
}
