// Task switches with 16-bit (286) TSSs, to and from 32-bit ones, and the stack fields interrupt
// delivery takes from a 16-bit TSS.
#include <doctest/doctest.h>

#include "cpu/privilege.h"
#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

namespace {

constexpr uint32_t GDT = 0x1000, IDT = 0x2000, TSS32 = 0x3000, TSS_A = 0x4000, TSS_B = 0x5000;
constexpr uint32_t STACK16 = 0x60000, TASK_CODE = 0x7000, HANDLERS = 0x12000;
// A 16-bit task saves IP in 16 bits: code that runs as one lives below 64 KiB.
constexpr uint32_t LOW_CODE = 0x8000;
constexpr uint16_t SEL_TSS32 = 0x28, SEL_A = 0x30, SEL_B = 0x38, SEL_STACK16 = 0x40;

// Flat ring 0/3 segments, a 32-bit TSS, two 16-bit TSSs and a 16-bit stack segment.
struct TaskFixture : test::CpuFixture {
    TaskFixture() {
        flat32();
        const uint32_t flat[] = {0, 0, 0x0000FFFF, 0x00CF9A00, 0x0000FFFF, 0x00CF9200,
                                 0x0000FFFF, 0x00CFFA00, 0x0000FFFF, 0x00CFF200};
        mem.write_bytes(GDT, flat, sizeof flat);
        desc(SEL_TSS32, TSS32, 0x67, 0x89);
        desc(SEL_A, TSS_A, 0x2B, 0x81);
        desc(SEL_B, TSS_B, 0x2B, 0x81);
        desc(SEL_STACK16, STACK16, 0xFFFF, 0x92);
        cpu.gdtr = {GDT, 0x47};
        cpu.idtr = {IDT, 256 * 8 - 1};
        // The 32-bit task starts at HANDLERS on a flat stack.
        wr32(TSS32 + 0x20, HANDLERS);
        wr32(TSS32 + 0x24, 2);
        wr32(TSS32 + 0x38, 0x50000);
        for (unsigned sr = 0; sr < 6; ++sr) wr32(TSS32 + 0x48 + 4 * sr, sr == CS ? 0x08 : 0x10);
        task16(TSS_A);
        task16(TSS_B);
    }
    // Byte-granular 16-bit-default descriptor.
    void desc(uint16_t sel, uint32_t base, uint32_t limit, uint8_t access) {
        wr32(GDT + sel, (base << 16) | (limit & 0xFFFF));
        wr32(GDT + sel + 4, (base & 0xFF000000u) | ((base >> 16) & 0xFF) | (limit & 0xF0000) |
                                (uint32_t(access) << 8));
    }
    void wr16(uint32_t at, uint16_t v) { mem.write_bytes(at, &v, 2); }
    uint16_t rd16(uint32_t at) {
        uint16_t v;
        mem.read_bytes(at, &v, 2);
        return v;
    }
    // A 16-bit task at 0x08:TASK_CODE with AX..DI = 0x1111 * (n + 1), SP = 0x1000 on the
    // 16-bit stack and FLAGS = CF.
    void task16(uint32_t tss) {
        for (uint32_t off = 0; off < 0x2C; off += 2) wr16(tss + off, 0);
        wr16(tss + 0x0E, TASK_CODE);
        wr16(tss + 0x10, 0x0003);
        for (unsigned r = 0; r < 8; ++r) wr16(tss + 0x12 + 2 * r, uint16_t(0x1111 * (r + 1)));
        wr16(tss + 0x12 + 2 * ESP, 0x1000);
        wr16(tss + 0x22, 0x10);         // ES
        wr16(tss + 0x24, 0x08);         // CS
        wr16(tss + 0x26, SEL_STACK16);  // SS
        wr16(tss + 0x28, 0x10);         // DS
    }
    void put(uint32_t at, std::initializer_list<uint8_t> bytes) {
        const std::vector<uint8_t> v(bytes);
        mem.write_bytes(at, v.data(), v.size());
    }
    void load_low(std::initializer_list<uint8_t> bytes) {
        put(LOW_CODE, bytes);
        cpu.rip = LOW_CODE;
    }
    // A ring 0 handler for `vec` that halts with the error code in EAX and the vector in EBX.
    void record(unsigned vec) {
        const uint32_t at = HANDLERS + 0x100 + vec * 16;
        const uint8_t code[] = {0x8B, 0x04, 0x24, 0xBB, uint8_t(vec), 0, 0, 0, 0xF4};
        mem.write_bytes(at, code, sizeof code);
        wr32(IDT + vec * 8, (0x08u << 16) | (at & 0xFFFF));
        wr32(IDT + vec * 8 + 4, (at & 0xFFFF0000u) | 0x8E00);
    }
    unsigned type_of(uint16_t sel) { return (rd32(GDT + sel + 4) >> 8) & 0xF; }
};

}  // namespace

TEST_CASE_FIXTURE(TaskFixture, "LTR accepts a 16-bit TSS and marks it busy") {
    load({0x66, 0xB8, SEL_A, 0x00, 0x0F, 0x00, 0xD8, 0xF4});  // mov ax, SEL_A ; ltr ax ; hlt
    CHECK(run(10) == StopReason::Halted);
    CHECK(cpu.tr.sel == SEL_A);
    CHECK(cpu.tr.base == TSS_A);
    CHECK(cpu.tr.limit == 0x2B);
    CHECK(type_of(SEL_A) == sys_type::TSS16_BUSY);
}

TEST_CASE_FIXTURE(TaskFixture, "JMP from a 32-bit to a 16-bit TSS loads the 16-bit fields") {
    put(TASK_CODE, {0xF4});
    load({0x66, 0xB8, SEL_TSS32, 0x00, 0x0F, 0x00, 0xD8,  // mov ax, 0x28 ; ltr ax
          0xEA, 0, 0, 0, 0, SEL_A, 0x00});               // jmp SEL_A:0
    cpu.flags.set(EFLAGS_AC | EFLAGS_ID | EFLAGS_FIXED1, EFLAGS_WRITABLE);
    reg(EBX) = 0xCAFEBABE;
    CHECK(run(10) == StopReason::Halted);
    CHECK(cpu.tr.sel == SEL_A);
    CHECK(cpu.rip == TASK_CODE + 1);
    for (unsigned r = 0; r < 8; ++r) {
        const uint32_t low = r == ESP ? 0x1000 : 0x1111 * (r + 1);
        CHECK(reg(r) == (0xFFFF0000u | low));
    }
    CHECK(flags() == 0x0003);  // the upper word (AC, ID) is gone
    CHECK(cpu.seg[SS].sel == SEL_STACK16);
    CHECK(cpu.seg[SS].base == STACK16);
    CHECK(cpu.seg[FS].sel == 0);
    CHECK(cpu.seg[FS].rights == 0);
    CHECK(cpu.seg[GS].sel == 0);
    CHECK(cpu.seg[GS].rights == 0);
    CHECK((cpu.cr0 & cr0::TS) != 0);
    // The outgoing task was saved in the 32-bit format.
    CHECK(rd32(TSS32 + 0x20) == CODE + 14);
    CHECK((rd32(TSS32 + 0x24) & (EFLAGS_AC | EFLAGS_ID)) == (EFLAGS_AC | EFLAGS_ID));
    CHECK(rd32(TSS32 + 0x28 + 4 * EBX) == 0xCAFEBABE);
    CHECK(rd32(TSS32 + 0x48 + 4 * FS) == 0x10);
    CHECK(type_of(SEL_TSS32) == sys_type::TSS32_AVAIL);
    CHECK(type_of(SEL_A) == sys_type::TSS16_BUSY);
    CHECK(rd16(TSS_A) == 0);  // JMP writes no back link
}

TEST_CASE_FIXTURE(TaskFixture, "CALL from a 16-bit to a 32-bit TSS and IRET back") {
    wr32(TSS_A + 0x2C, 0xDEADBEEF);  // just past the 16-bit TSS
    put(HANDLERS, {0xBB, 0x77, 0, 0, 0,  // mov ebx, 0x77
                   0xCF});               // iretd
    load_low({0x66, 0xB8, SEL_A, 0x00, 0x0F, 0x00, 0xD8,  // mov ax, SEL_A ; ltr ax
              0x9A, 0, 0, 0, 0, SEL_TSS32, 0x00,         // call SEL_TSS32:0
              0xF4});
    cpu.flags.set(EFLAGS_AC | EFLAGS_FIXED1, EFLAGS_WRITABLE);
    reg(EBX) = 0xABCD1234;
    reg(ECX) = 0x5555AAAA;
    CHECK(run(10) == StopReason::Halted);
    CHECK(cpu.rip == LOW_CODE + 15);
    CHECK(cpu.tr.sel == SEL_A);
    // Restored from the 16-bit save: low halves kept, upper halves 0xFFFF, FLAGS word only.
    CHECK(reg(EBX) == 0xFFFF1234);
    CHECK(reg(ECX) == 0xFFFFAAAA);
    CHECK(reg(EAX) == (0xFFFF0000u | SEL_A));
    CHECK((flags() & (EFLAGS_AC | EFLAGS_NT)) == 0);
    CHECK(cpu.seg[FS].sel == 0);
    // The caller's 16-bit save: IP, FLAGS, words only, LDT field and beyond untouched.
    CHECK(rd16(TSS_A + 0x0E) == LOW_CODE + 14);
    CHECK(rd16(TSS_A + 0x12 + 2 * EBX) == 0x1234);
    CHECK(rd16(TSS_A + 0x12 + 2 * ESP) == 0x0000);  // ESP 0x80000 in 16 bits
    CHECK(rd16(TSS_A + 0x24) == 0x08);
    CHECK(rd16(TSS_A + 0x2A) == 0);
    CHECK(rd32(TSS_A + 0x2C) == 0xDEADBEEF);
    // The callee: back link, its own 32-bit save by IRET with NT clear.
    CHECK(rd16(TSS32) == SEL_A);
    CHECK(rd32(TSS32 + 0x28 + 4 * EBX) == 0x77);
    CHECK((rd32(TSS32 + 0x24) & EFLAGS_NT) == 0);
    CHECK(type_of(SEL_TSS32) == sys_type::TSS32_AVAIL);
    CHECK(type_of(SEL_A) == sys_type::TSS16_BUSY);
}

TEST_CASE_FIXTURE(TaskFixture, "CALL between two 16-bit TSSs nests and IRET returns") {
    put(TASK_CODE, {0xBA, 0x42, 0, 0, 0,  // mov edx, 0x42
                    0xCF});               // iretd
    load_low({0x66, 0xB8, SEL_A, 0x00, 0x0F, 0x00, 0xD8,  // mov ax, SEL_A ; ltr ax
              0x9A, 0, 0, 0, 0, SEL_B, 0x00,             // call SEL_B:0
              0xF4});
    CHECK(run(10) == StopReason::Halted);
    CHECK(cpu.tr.sel == SEL_A);
    CHECK(rd16(TSS_B) == SEL_A);
    CHECK(rd16(TSS_B + 0x12 + 2 * EDX) == 0x42);
    CHECK(rd16(TSS_B + 0x0E) == TASK_CODE + 6);
    CHECK((rd16(TSS_B + 0x10) & EFLAGS_NT) == 0);
    CHECK(type_of(SEL_B) == sys_type::TSS16_AVAIL);
    CHECK(type_of(SEL_A) == sys_type::TSS16_BUSY);
}

TEST_CASE_FIXTURE(TaskFixture, "a 16-bit TSS with a limit below 0x2B is #TS(selector)") {
    desc(SEL_A, TSS_A, 0x2A, 0x81);
    record(10);
    load({0x66, 0xB8, SEL_TSS32, 0x00, 0x0F, 0x00, 0xD8,  // mov ax, 0x28 ; ltr ax
          0xEA, 0, 0, 0, 0, SEL_A, 0x00});               // jmp SEL_A:0
    CHECK(run(10) == StopReason::Halted);
    CHECK(reg(EBX) == 10);
    CHECK(reg(EAX) == SEL_A);
    CHECK(cpu.tr.sel == SEL_TSS32);
    CHECK(type_of(SEL_A) == sys_type::TSS16_AVAIL);
}

TEST_CASE_FIXTURE(TaskFixture, "a task gate to a 16-bit TSS pushes the error code as a word") {
    put(TASK_CODE, {0xF4});
    wr32(IDT + 13 * 8, uint32_t(SEL_B) << 16);
    wr32(IDT + 13 * 8 + 4, 0x8500);
    wr32(STACK16 + 0x1000 - 8, 0x5A5A5A5A);
    load({0x66, 0xB8, SEL_TSS32, 0x00, 0x0F, 0x00, 0xD8,  // mov ax, 0x28 ; ltr ax
          0x66, 0xB8, 0xF8, 0x0F,                         // mov ax, 0x0FF8
          0x8E, 0xD8});                                   // mov ds, ax: beyond the GDT
    CHECK(run(10) == StopReason::Halted);
    CHECK(cpu.tr.sel == SEL_B);
    CHECK(reg(ESP) == 0xFFFF0FFE);
    CHECK(rd16(STACK16 + 0x0FFE) == 0x0FF8);
    CHECK(rd32(STACK16 + 0x1000 - 8) == 0x5A5A5A5A);
    CHECK(rd32(TSS32 + 0x20) == CODE + 11);  // the faulting MOV is the return point
    CHECK((flags() & EFLAGS_NT) != 0);
    CHECK(rd16(TSS_B) == SEL_TSS32);
}

TEST_CASE_FIXTURE(TaskFixture, "interrupts from ring 3 take SP0/SS0 from a 16-bit TSS") {
    constexpr uint32_t USER = 0x11000;
    wr16(TSS_A + 0x02, 0x9000);  // SP0
    wr16(TSS_A + 0x04, 0x10);    // SS0
    load({0x66, 0xB8, SEL_A, 0x00, 0x0F, 0x00, 0xD8,  // mov ax, SEL_A ; ltr ax
          0xCF});                                    // iretd to ring 3
    const uint32_t frame[] = {USER, 0x1B, 0x202, 0x70000, 0x23};
    mem.write_bytes(0x80000 - sizeof frame, frame, sizeof frame);
    reg(ESP) = 0x80000 - sizeof frame;
    put(USER, {0xCD, 0x80});                         // int 0x80
    put(HANDLERS, {0x8C, 0xD0, 0x89, 0xE2, 0xF4});  // mov eax, ss ; mov edx, esp ; hlt
    wr32(IDT + 0x80 * 8, (0x08u << 16) | (HANDLERS & 0xFFFF));
    wr32(IDT + 0x80 * 8 + 4, (HANDLERS & 0xFFFF0000u) | 0xEE00);
    CHECK(run(10) == StopReason::Halted);
    CHECK(cpu.cpl == 0);
    CHECK(reg(EAX) == 0x10);
    CHECK(reg(EDX) == 0x9000 - 20);
    CHECK(rd32(0x9000 - 20) == USER + 2);
    CHECK(rd32(0x9000 - 8) == 0x70000);
}

TEST_CASE_FIXTURE(TaskFixture, "16-bit TSS stack fields: SPn zero-extended, #TS(TR) past the limit") {
    wr16(TSS_A + 0x02, 0x1234);
    wr16(TSS_A + 0x04, 0x10);
    wr16(TSS_A + 0x0A, 0xFFF0);  // SP2
    wr16(TSS_A + 0x0C, 0x22);    // SS2
    load({0x66, 0xB8, SEL_A, 0x00, 0x0F, 0x00, 0xD8, 0xF4});
    CHECK(run(10) == StopReason::Halted);
    uint16_t ss = 0;
    uint32_t esp = 0xFFFFFFFF;
    tss_stack(cpu, 0, ss, esp);
    CHECK(ss == 0x10);
    CHECK(esp == 0x1234);
    tss_stack(cpu, 2, ss, esp);
    CHECK(ss == 0x22);
    CHECK(esp == 0xFFF0);
    cpu.tr.limit = 0x0C;  // SS2 at 0x0C..0x0D no longer fits
    try {
        tss_stack(cpu, 2, ss, esp);
        FAIL("no #TS");
    } catch (const GuestFault& f) {
        CHECK(f.vector == VEC_TS);
        CHECK(f.error_code == SEL_A);
    }
    cpu.tr.limit = 0x0D;
    CHECK_NOTHROW(tss_stack(cpu, 2, ss, esp));
}

TEST_CASE_FIXTURE(TaskFixture, "JMP to a busy 16-bit TSS is #GP(selector)") {
    desc(SEL_A, TSS_A, 0x2B, 0x83);
    record(13);
    load({0x66, 0xB8, SEL_TSS32, 0x00, 0x0F, 0x00, 0xD8,  // mov ax, 0x28 ; ltr ax
          0xEA, 0, 0, 0, 0, SEL_A, 0x00});               // jmp SEL_A:0
    CHECK(run(10) == StopReason::Halted);
    CHECK(reg(EBX) == 13);
    CHECK(reg(EAX) == SEL_A);
    CHECK(cpu.tr.sel == SEL_TSS32);
}

TEST_CASE_FIXTURE(TaskFixture, "IRET with NT to a 16-bit TSS that is not busy is #TS(link)") {
    record(10);
    wr16(TSS32, SEL_A);  // back link to an available TSS
    load({0x66, 0xB8, SEL_TSS32, 0x00, 0x0F, 0x00, 0xD8,  // mov ax, 0x28 ; ltr ax
          0xCF});                                        // iretd
    cpu.flags.set(EFLAGS_NT | EFLAGS_FIXED1, EFLAGS_WRITABLE);
    CHECK(run(10) == StopReason::Halted);
    CHECK(reg(EBX) == 10);
    CHECK(reg(EAX) == SEL_A);
    CHECK(cpu.tr.sel == SEL_TSS32);
    CHECK(type_of(SEL_A) == sys_type::TSS16_AVAIL);
}
