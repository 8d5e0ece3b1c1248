// LDS/LES/LFS/LGS/LSS: the far pointer in memory, the segment checks of each mode, and faults
// that leave the register and the segment as they were.
#include <doctest/doctest.h>

#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

using test::SystemFixture;
using namespace test::pm;

TEST_CASE_FIXTURE(test::CpuFixture, "real mode: LDS/LES/LFS/LGS/LSS load the pointer at both sizes") {
    real16();
    wr32(0x1000, 0x12345678);
    wr32(0x1004, 0xBEEF9ABC);
    load({0x0F, 0xB5, 0x4F, 0x04,  // lgs cx, [bx+4]: offset 0x9ABC, selector 0xBEEF
          0x66, 0x0F, 0xB4, 0x07,  // lfs eax, [bx]: offset 0x12345678, selector 0x9ABC
          0xC4, 0x3F,              // les di, [bx]
          0x0F, 0xB2, 0x27,        // lss sp, [bx]
          0xC5, 0x37});            // lds si, [bx]
    reg(EBX) = 0x1000;
    reg(ECX) = 0xAAAA0000;
    reg(ESP) = 0x55558000;
    run(1);
    CHECK(reg(ECX) == 0xAAAA9ABC);  // a 16-bit load keeps the upper half
    CHECK(cpu.seg[GS].sel == 0xBEEF);
    CHECK(cpu.seg[GS].base == 0xBEEF0);
    run(1);
    CHECK(reg(EAX) == 0x12345678);
    CHECK(cpu.seg[FS].sel == 0x9ABC);
    CHECK(cpu.seg[FS].base == 0x9ABC0);
    run(1);
    CHECK(reg(EDI) == 0x5678);
    CHECK(cpu.seg[ES].sel == 0x1234);
    run(1);
    CHECK(reg(ESP) == 0x55555678);
    CHECK(cpu.seg[SS].sel == 0x1234);
    CHECK(cpu.seg[SS].base == 0x12340);
    CHECK(cpu.irq_shadow == 0);  // unlike MOV SS, LSS holds nothing off
    run(1);
    CHECK(reg(ESI) == 0x5678);
    CHECK(cpu.seg[DS].sel == 0x1234);
    CHECK(cpu.seg[DS].base == 0x12340);
}

TEST_CASE_FIXTURE(test::CpuFixture, "the register form of LSS/LFS/LGS is #UD; a pointer past the limit #GP") {
    real16();
    wr32(6 * 4, 0x00000600);   // IVT 6 (#UD) -> 0000:0600: hlt
    wr32(13 * 4, 0x00000700);  // IVT 13 (#GP) -> 0000:0700: hlt
    mem.write_bytes(0x600, "\xF4", 1);
    mem.write_bytes(0x700, "\xF4", 1);
    for (uint8_t op : {0xB2, 0xB4, 0xB5}) {
        CAPTURE(op);
        real16();
        load({0x0F, op, 0xC0});  // lss/lfs/lgs ax, ax
        run(2);
        CHECK(cpu.rip == 0x601);
        CHECK(cpu.seg[SS].sel == 0);
        CHECK(cpu.seg[FS].sel == 0);
    }
    // The selector word at 0xFFFE + 2 lies beyond DS's 64 KiB limit.
    real16();
    reg(EBX) = 0xFFFE;
    reg(ESI) = 0x1111;
    load({0xC5, 0x37});  // lds si, [bx]
    run(2);
    CHECK(cpu.rip == 0x701);
    CHECK(reg(ESI) == 0x1111);
    CHECK(cpu.seg[DS].sel == 0);
}

TEST_CASE_FIXTURE(SystemFixture, "protected mode: LxS applies every descriptor check before writing") {
    record_faults();
    struct Case {
        uint8_t op[2];    // opcode bytes (one or two)
        uint16_t sel;
        unsigned vec;     // 0: loads
        uint32_t err;
        unsigned sreg;
    };
    const Case cases[] = {
        {{0xC5, 0}, 0x10, 0, 0, DS},           // lds: DPL 0 data
        {{0x0F, 0xB2}, 0x10, 0, 0, SS},        // lss: writable data, DPL = CPL
        {{0xC4, 0}, 0x00, 0, 0, ES},           // les: null is allowed (ES unusable)
        {{0x0F, 0xB2}, 0x00, 13, 0, SS},       // lss: null SS -> #GP(0)
        {{0x0F, 0xB2}, 0x08, 13, 0x08, SS},    // lss: code segment
        {{0x0F, 0xB2}, 0x20, 13, 0x20, SS},    // lss: DPL 3 data at CPL 0
        {{0x0F, 0xB2}, 0x33, 13, 0x30, SS},    // lss: RPL 3 at CPL 0
        {{0x0F, 0xB2}, 0x30, 12, 0x30, SS},    // lss: not present -> #SS(sel)
        {{0x0F, 0xB4}, 0x30, 11, 0x30, FS},    // lfs: not present -> #NP(sel)
        {{0x0F, 0xB5}, 0x28, 13, 0x28, GS},    // lgs: system descriptor (TSS)
        {{0xC5, 0}, 0x7F8, 13, 0x7F8, DS},     // lds: beyond the GDT limit
        {{0xC4, 0}, 0x0C, 13, 0x0C, ES},       // les: LDT selector without an LDT
    };
    for (const Case& k : cases) {
        CAPTURE(k.sel);
        CAPTURE(unsigned(k.op[0]));
        wr32(0x5000, 0xCAFEF00D);
        wr32(0x5004, k.sel);
        std::vector<uint8_t> code(k.op, k.op + (k.op[0] == 0x0F ? 2 : 1));
        const uint8_t rest[] = {0x35, 0x00, 0x50, 0x00, 0x00};  // esi, [0x5000]
        code.insert(code.end(), rest, rest + sizeof rest);
        load(code);
        for (unsigned sr : {ES, SS, DS, FS, GS}) cpu.load_seg_protected(sr, 0x10);
        reg(ESP) = 0x80000;
        reg(ESI) = 0x5A5A5A5A;
        reg(EBX) = 0xFFFF;
        cpu.halted = 0;
        run(3);
        if (k.vec == 0) {
            CHECK(reg(ESI) == 0xCAFEF00D);
            CHECK(cpu.seg[k.sreg].sel == k.sel);
            CHECK(reg(EBX) == 0xFFFF);
        } else {
            CHECK(reg(EBX) == k.vec);
            CHECK(reg(EAX) == k.err);
            CHECK(reg(ESI) == 0x5A5A5A5A);
            CHECK(cpu.seg[k.sreg].sel == 0x10);
            CHECK(rd32(0x80000 - 12) == CODE);  // EIP pushed: the LxS
        }
    }
}

TEST_CASE_FIXTURE(SystemFixture, "a null selector loaded by LDS makes DS unusable") {
    record_faults();
    wr32(0x5000, 0x1234);
    wr32(0x5004, 0);
    load({0xC5, 0x35, 0x00, 0x50, 0x00, 0x00,  // lds esi, [0x5000]
          0x8B, 0x06});                        // mov eax, [esi]
    run(3);
    CHECK(reg(ESI) == 0x1234);
    CHECK(reg(EBX) == 13);
    CHECK(reg(EAX) == 0);
}

TEST_CASE_FIXTURE(SystemFixture, "LDS/LSS in v86 mode load real-mode style segments") {
    load({0x66, 0xB8, 0x28, 0x00, 0x0F, 0x00, 0xD8, 0xCF});  // mov ax, 0x28 ; ltr ax ; iretd
    const uint32_t frame[] = {0, USER >> 4, EFLAGS_VM | EFLAGS_IOPL | 2, 0x100, 0x6000,
                              0, 0x0500, 0, 0};
    mem.write_bytes(0x80000 - sizeof frame, frame, sizeof frame);
    reg(ESP) = 0x80000 - sizeof frame;
    wr32(0x5010, 0xABCD0042);  // DS = 0x500: offset 0x10 is linear 0x5010
    put(USER, {0xC5, 0x3E, 0x10, 0x00,           // lds di, [0x10]
               0x66, 0x0F, 0xB2, 0x26, 0x10, 0x00,  // lss esp, [0x10]: reads through DS = 0xABCD
               0xEB, 0xFE});
    wr32(0xABCD0 + 0x10, 0x00000200);
    wr32(0xABCD0 + 0x14, 0x00007000);
    run(6);
    CHECK(cpu.vm86());
    CHECK((reg(EDI) & 0xFFFF) == 0x0042);
    CHECK(cpu.seg[DS].sel == 0xABCD);
    CHECK(cpu.seg[DS].base == 0xABCD0);
    CHECK(reg(ESP) == 0x200);
    CHECK(cpu.seg[SS].sel == 0x7000);
    CHECK(cpu.seg[SS].base == 0x70000);
    CHECK(cpu.seg[SS].limit == 0xFFFF);
}
