// IA-32e mode in the interpreter: activation and deactivation by CR0.PG with every #GP the SDM
// lists (MOV CR0/CR3/CR4, WRMSR EFER), 4-level paging through the upper half, canonical #GP
// and #SS, and 64-bit instructions (REX, imm64, RIP-relative, 128-bit MUL/DIV, zero-extended
// 32-bit writes). The 64-bit IDT is not there yet: a fault is read from the event the
// delivery starts with (Cpu::on_deliver), whatever the delivery does next.
#include <doctest/doctest.h>

#include <optional>

#include "cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;
using jitpc::test::SystemFixture;
namespace pm = jitpc::test::pm;

namespace {

constexpr uint32_t PML4 = 0x20000, PDPT = 0x21000, PD = 0x22000, PDPT_HI = 0x23000, PD_HI = 0x24000;
constexpr uint16_t SEL_CODE64 = 0x38;

// Flat protected mode on the max model with 4-level tables ready: 0-16 MiB identity-mapped by
// 2 MiB pages, and 0xFFFF800000000000 mapped to physical 2 MiB; GDT entry 0x38 a 64-bit code
// segment. CR4.PAE, CR3 and EFER.LME are set by the tests that want them.
struct LongFixture : SystemFixture {
    LongFixture() : SystemFixture(models::max) {
        wr32(pm::GDT + SEL_CODE64, 0x0000FFFF);
        wr32(pm::GDT + SEL_CODE64 + 4, 0x00AF9A00);  // L = 1, D = 0
        cpu.gdtr.limit = SEL_CODE64 + 7;
        wr64(PML4, PDPT | 7);
        wr64(PDPT, PD | 7);
        for (uint64_t n = 0; n < 8; ++n) wr64(PD + 8 * n, (n << 21) | 0x87);
        wr64(PML4 + 8 * 256, PDPT_HI | 7);
        wr64(PDPT_HI, PD_HI | 7);
        wr64(PD_HI, 0x200000 | 0x87);
        cpu.on_deliver = [this](const Cpu&, const Cpu::Event& e) {
            if (!event) event = e;
        };
    }
    void wr64(uint32_t paddr, uint64_t v) { mem.write_bytes(paddr, &v, 8); }
    void prepare() {
        cpu.cr4 |= cr4::PAE;
        cpu.cr3 = PML4;
        cpu.efer |= efer::LME;
    }
    // Runs code until it halts (or faults: `event`).
    void exec(std::initializer_list<uint8_t> code) {
        load(code);
        run(100);
    }
    // Activates IA-32e mode from flat protected mode: compatibility mode (CS 0x08 is 32-bit).
    void activate() {
        prepare();
        exec({0x0F, 0x20, 0xC0,              // mov eax, cr0
              0x0D, 0x00, 0x00, 0x00, 0x80,  // or eax, 0x80000000
              0x0F, 0x22, 0xC0,              // mov cr0, eax
              0xF4});                        // hlt
        REQUIRE(!event);
        REQUIRE(cpu.mode() == CpuMode::Compat32);
    }
    // ... then 64-bit mode, by a far jump to the 64-bit code segment; `code` runs there.
    void enter64(std::initializer_list<uint8_t> code) {
        activate();
        std::vector<uint8_t> bytes = {0xEA, 0x07, 0x00, 0x01, 0x00, 0x38, 0x00};  // jmp 0x38:CODE+7
        bytes.insert(bytes.end(), code);
        load(bytes);
        run(1);
        REQUIRE(!event);
        REQUIRE(cpu.mode() == CpuMode::Long64);
        run(100);
    }
    bool faulted(uint8_t vector, uint32_t error = 0) {
        return event && event->vector == vector && event->has_error && event->error_code == error;
    }
    std::optional<Cpu::Event> event;
};

const uint8_t MOV_CR0_PG[] = {0x0F, 0x20, 0xC0, 0x0D, 0x00, 0x00, 0x00, 0x80, 0x0F, 0x22, 0xC0, 0xF4};

}  // namespace

TEST_CASE_FIXTURE(LongFixture, "CR0.PG with EFER.LME activates IA-32e mode: EFER.LMA, compatibility mode") {
    activate();
    CHECK((cpu.efer & efer::LMA) != 0);
    CHECK(cpu.halted);
    // Leaving: CR0.PG cleared from compatibility mode clears LMA; legacy protected mode again.
    exec({0x0F, 0x20, 0xC0,              // mov eax, cr0
          0x25, 0xFF, 0xFF, 0xFF, 0x7F,  // and eax, 0x7FFFFFFF
          0x0F, 0x22, 0xC0,              // mov cr0, eax
          0xF4});                        // hlt
    CHECK(!event);
    CHECK((cpu.efer & efer::LMA) == 0);
    CHECK(cpu.mode() == CpuMode::Prot32);
}

TEST_CASE_FIXTURE(LongFixture, "activation without CR4.PAE is #GP(0) and changes nothing") {
    prepare();
    cpu.cr4 &= ~uint64_t(cr4::PAE);
    load(std::vector<uint8_t>(std::begin(MOV_CR0_PG), std::end(MOV_CR0_PG)));
    run(3);
    CHECK(faulted(VEC_GP));
    CHECK((cpu.cr0 & cr0::PG) == 0);
    CHECK((cpu.efer & efer::LMA) == 0);
}

TEST_CASE_FIXTURE(LongFixture, "activation from a code segment with L set, or with a 16-bit TSS, is #GP(0)") {
    SUBCASE("CS.L") { cpu.seg[CS].attrs |= attr::L; }
    SUBCASE("16-bit TSS") { cpu.tr.attrs = attr::P | 3; }
    prepare();
    load(std::vector<uint8_t>(std::begin(MOV_CR0_PG), std::end(MOV_CR0_PG)));
    run(3);
    CHECK(faulted(VEC_GP));
    CHECK((cpu.efer & efer::LMA) == 0);
}

TEST_CASE_FIXTURE(LongFixture, "EFER.LME cannot change while paging is on") {
    activate();
    exec({0xB9, 0x80, 0x00, 0x00, 0xC0,  // mov ecx, 0xC0000080
          0x31, 0xD2,                    // xor edx, edx
          0x31, 0xC0,                    // xor eax, eax
          0x0F, 0x30,                    // wrmsr
          0xF4});                        // hlt
    CHECK(faulted(VEC_GP));
    CHECK((cpu.efer & (efer::LME | efer::LMA)) == (efer::LME | efer::LMA));
}

TEST_CASE_FIXTURE(LongFixture, "CR4.PAE cannot be cleared in IA-32e mode") {
    activate();
    exec({0x0F, 0x20, 0xE0,  // mov eax, cr4
          0x83, 0xE0, 0xDF,  // and eax, ~0x20
          0x0F, 0x22, 0xE0,  // mov cr4, eax
          0xF4});            // hlt
    CHECK(faulted(VEC_GP));
    CHECK((cpu.cr4 & cr4::PAE) != 0);
}

TEST_CASE_FIXTURE(LongFixture, "CR0.PG cannot be cleared from 64-bit mode") {
    enter64({0x0F, 0x20, 0xC0,              // mov rax, cr0
             0x48, 0x0F, 0xBA, 0xF0, 0x1F,  // btr rax, 31
             0x0F, 0x22, 0xC0,              // mov cr0, rax
             0xF4});                        // hlt
    CHECK(faulted(VEC_GP));
    CHECK((cpu.efer & efer::LMA) != 0);
}

TEST_CASE_FIXTURE(LongFixture, "MOV CR3 in IA-32e mode: bits at and above MAXPHYADDR are #GP(0)") {
    enter64({0x48, 0xB8, 0x00, 0x00, 0x02, 0x00, 0x00, 0x01, 0x00, 0x00,  // mov rax, 0x0000010000020000
             0x0F, 0x22, 0xD8,                                            // mov cr3, rax
             0xF4});                                                      // hlt
    CHECK(faulted(VEC_GP));
    CHECK(cpu.cr3 == PML4);
}

TEST_CASE_FIXTURE(LongFixture, "non-canonical addresses: #GP(0), and #SS(0) for stack references") {
    SUBCASE("load through RAX") {
        enter64({0x48, 0xB8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00,  // mov rax, 0x0000800000000000
                 0x48, 0x8B, 0x18,                                            // mov rbx, [rax]
                 0xF4});                                                      // hlt
        CHECK(faulted(VEC_GP));
    }
    SUBCASE("load through RBP") {
        enter64({0x48, 0xBD, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00,  // mov rbp, 0x0000800000000000
                 0x48, 0x8B, 0x5D, 0x08,                                      // mov rbx, [rbp + 8]
                 0xF4});                                                      // hlt
        CHECK(faulted(VEC_SS));
    }
    SUBCASE("a push whose last byte is canonical and first is not") {
        enter64({0x48, 0xBC, 0x04, 0x00, 0x00, 0x00, 0x00, 0x80, 0xFF, 0xFF,  // mov rsp, 0xFFFF800000000004
                 0x53,                                                        // push rbx
                 0xF4});                                                      // hlt
        CHECK(faulted(VEC_SS));
        CHECK(reg(ESP) == 0xFFFF800000000004);
    }
}

TEST_CASE_FIXTURE(LongFixture, "4-level paging maps the upper half; the stack lives there") {
    enter64({0x48, 0xB8, 0xF8, 0x0F, 0x00, 0x00, 0x00, 0x80, 0xFF, 0xFF,  // mov rax, 0xFFFF800000000FF8
             0x48, 0xC7, 0x00, 0xFE, 0xFF, 0xFF, 0xFF,                    // mov qword [rax], -2
             0x48, 0x8B, 0x18,                                            // mov rbx, [rax]
             0x48, 0xB9, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0xFF, 0xFF,  // mov rcx, 0xFFFF800000000000
             0x48, 0x8D, 0x91, 0xF8, 0x0F, 0x00, 0x00,                    // lea rdx, [rcx + 0xFF8]
             0x4C, 0x8B, 0x02,                                            // mov r8, [rdx]
             0x48, 0xBC, 0x00, 0x10, 0x00, 0x00, 0x00, 0x80, 0xFF, 0xFF,  // mov rsp, 0xFFFF800000001000
             0xE8, 0x01, 0x00, 0x00, 0x00,                                // call .f
             0xF4,                                                        // hlt
             0x41, 0x59,                                                  // .f: pop r9
             0x41, 0x51,                                                  // push r9
             0xC3});                                                      // ret
    CHECK(!event);
    CHECK(rd<uint64_t>(0x200FF8) == uint64_t(0x10000 + 7 + 55));  // the return address
    CHECK(reg(EBX) == uint64_t(-2));
    CHECK(reg(R8) == uint64_t(-2));
    CHECK(reg(R9) == 0x10000 + 7 + 55);
    CHECK(reg(ESP) == 0xFFFF800000001000);
}

TEST_CASE_FIXTURE(LongFixture, "64-bit integer instructions") {
    enter64({
          0x48, 0xB8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,  // mov rax, 0x1122334455667788
          0x48, 0x89, 0xC3,  // mov rbx, rax
          0x48, 0xC1, 0xEB, 0x20,  // shr rbx, 32
          0x49, 0xC7, 0xC0, 0xFF, 0xFF, 0xFF, 0xFF,  // mov r8, -1
          0x41, 0xB8, 0x05, 0x00, 0x00, 0x00,  // mov r8d, 5
          0x41, 0xB9, 0xFF, 0xFF, 0xFF, 0xFF,  // mov r9, 0xFFFFFFFF
          0x49, 0x83, 0xC1, 0x01,  // add r9, 1
          0x49, 0xC7, 0xC2, 0xFF, 0xFF, 0xFF, 0xFF,  // mov r10, -1
          0x41, 0xBB, 0x02, 0x00, 0x00, 0x00,  // mov r11, 2
          0x4C, 0x89, 0xD0,  // mov rax, r10
          0x49, 0xF7, 0xE3,  // mul r11
          0x49, 0x89, 0xD4,  // mov r12, rdx
          0x49, 0x89, 0xC5,  // mov r13, rax
          0xB8, 0x00, 0x00, 0x00, 0x00,  // mov rax, 0
          0xBA, 0x01, 0x00, 0x00, 0x00,  // mov rdx, 1
          0xB9, 0x03, 0x00, 0x00, 0x00,  // mov rcx, 3
          0x48, 0xF7, 0xF1,  // div rcx
          0x49, 0x89, 0xC6,  // mov r14, rax
          0x49, 0x89, 0xD7,  // mov r15, rdx
          0x48, 0x8D, 0x35, 0x00, 0x00, 0x00, 0x00,  // lea rsi, [rel here]
          0xBF, 0xF8, 0xFF, 0xFF, 0xFF,  // mov edi, -8
          0x48, 0x63, 0xFF,  // movsxd rdi, edi
          0xB8, 0x00, 0x00, 0x00, 0x80,  // mov eax, 0x80000000
          0x48, 0x98,  // cdqe
          0x48, 0x99,  // cqo
          0xB9, 0x78, 0x56, 0x34, 0x12,  // mov ecx, 0x12345678
          0x40, 0x88, 0xCC,  // mov spl, cl
          0xF4,  // hlt
    });
    CHECK(!event);
    CHECK(reg(EBX) == 0x11223344);
    CHECK(reg(R8) == 5);                   // a 32-bit write zero-extends
    CHECK(reg(R9) == 0x100000000);
    CHECK(reg(R12) == 1);                  // MUL's 128-bit product
    CHECK(reg(R13) == 0xFFFFFFFFFFFFFFFE);
    CHECK(reg(R14) == 0x5555555555555555);  // DIV of a 128-bit dividend
    CHECK(reg(R15) == 1);
    CHECK(reg(ESI) == 0x10000 + 7 + 0x60);  // RIP-relative: the next instruction's address
    CHECK(reg(EDI) == uint64_t(-8));
    CHECK(reg(EAX) == 0xFFFFFFFF80000000);
    CHECK(reg(EDX) == ~uint64_t(0));
    CHECK(reg(ESP) == ((0x80000 & ~uint64_t(0xFF)) | 0x78));  // SPL, not AH
}

// Found by the 64-bit host oracle (jitpc-difftest --mode 64): what a 32-bit register keeps of its
// upper half, and an addressing form Zydis 4.0 misreads.
TEST_CASE_FIXTURE(LongFixture, "64-bit mode: upper halves and a SIB without base under 67 and REX.B") {
    wr64(0x9000, 0x1122334455667788);
    enter64({
          0x48, 0xB9, 0, 0, 0, 0, 2, 0, 0, 0,  // mov rcx, 0x200000000
          0x67, 0xE3, 0x00,                    // jecxz $+0 (ECX is 0: taken)
          0x48, 0xC7, 0xC2, 0xFF, 0xFF, 0xFF, 0xFF,  // mov rdx, -1
          0x31, 0xC0,                          // xor eax, eax
          0x0F, 0xB1, 0xF2,                    // cmpxchg edx, esi (EAX != EDX: fails)
          0x49, 0xC7, 0xC0, 0xFF, 0xFF, 0xFF, 0xFF,  // mov r8, -1
          0x41, 0xC1, 0xE8, 0x20,              // shr r8d, 32 (masked to 0)
          0x49, 0xC7, 0xC1, 0xFF, 0xFF, 0xFF, 0xFF,  // mov r9, -1
          0x4D, 0x0F, 0xAD, 0xC9,              // shrd r9, r9, cl (CL 0)
          0x49, 0xC7, 0xC2, 0xFF, 0xFF, 0xFF, 0xFF,  // mov r10, -1
          0x45, 0x0F, 0xAD, 0xD2,              // shrd r10d, r10d, cl (CL 0)
          0x41, 0xBD, 0x00, 0x80, 0x00, 0x00,  // mov r13d, 0x8000
          0x67, 0x4D, 0x8B, 0x1C, 0x25, 0x00, 0x90, 0x00, 0x00,  // mov r11, [dword 0x9000]
          0xF4,
    });
    CHECK(!event);
    CHECK(reg(ECX) == 0x200000000);  // JECXZ does not write RCX
    CHECK(reg(EDX) == ~uint64_t(0));  // a failing CMPXCHG leaves a register destination alone
    CHECK(reg(EAX) == 0xFFFFFFFF);
    CHECK(reg(R8) == 0xFFFFFFFF);     // a 32-bit shift by 0 still clears the upper half
    CHECK(reg(R9) == ~uint64_t(0));   // (a 64-bit one changes nothing)
    CHECK(reg(R10) == 0xFFFFFFFF);
    CHECK(reg(R11) == 0x1122334455667788);  // [disp32], not [r13d]
}

TEST_CASE_FIXTURE(LongFixture, "a null SS loads in 64-bit mode at CPL 0, not in compatibility mode") {
    SUBCASE("64-bit mode") {
        enter64({0x31, 0xC0,   // xor eax, eax
                 0x8E, 0xD0,   // mov ss, ax
                 0xF4});       // hlt
        CHECK(!event);
        CHECK(cpu.seg[SS].sel == 0);
    }
    SUBCASE("compatibility mode") {
        activate();
        exec({0x31, 0xC0, 0x8E, 0xD0, 0xF4});
        CHECK(faulted(VEC_GP));
    }
}

TEST_CASE_FIXTURE(LongFixture, "Linux's move to the upper half: LGDT of a 64-bit base, the stack there, RETFQ") {
    // The GDT's copy at 0xFFFF800000000000 (physical 2 MiB), as Linux's per-CPU GDT sits in the
    // kernel's mapping; the same offset in the low 4 GiB holds no descriptor. The far return
    // reads its descriptor there and releases its two slots of a stack in the upper half.
    std::vector<uint8_t> gdt(SEL_CODE64 + 8);
    mem.read_bytes(pm::GDT, gdt.data(), gdt.size());
    mem.write_bytes(0x200000, gdt.data(), gdt.size());
    wr64(SEL_CODE64, 0);
    wr32(0x8000, SEL_CODE64 + 7);  // LGDT's operand: the limit, then the 64-bit base
    wr64(0x8002, 0xFFFF800000000000);
    enter64({0xBB, 0x00, 0x80, 0x00, 0x00,                                  // mov ebx, 0x8000
             0x0F, 0x01, 0x13,                                              // lgdt [rbx]
             0x48, 0xBC, 0x00, 0x10, 0x00, 0x00, 0x00, 0x80, 0xFF, 0xFF,  // mov rsp, 0xFFFF800000001000
             0x6A, SEL_CODE64,                                              // push 0x38
             0x68, 0x22, 0x00, 0x01, 0x00,                                  // push CODE + 7 + 27
             0x48, 0xCB,                                                    // retfq
             0xF4});                                                        // hlt
    CHECK(!event);
    CHECK(cpu.gdtr.base == 0xFFFF800000000000);
    CHECK(cpu.mode() == CpuMode::Long64);
    CHECK(cpu.rip == 0x10000 + 7 + 28);
    CHECK(reg(ESP) == 0xFFFF800000001000);
}

TEST_CASE_FIXTURE(LongFixture, "FXSAVE, x87 and SSE memory operands in the upper half with a null DS (Linux's kernel state)") {
    cpu.cr4 |= cr4::OSFXSR;
    enter64({0x48, 0xB8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x80, 0xFF, 0xFF,  // mov rax, 0xFFFF800000000100
             0x31, 0xC9,                                                  // xor ecx, ecx
             0x8E, 0xD9,                                                  // mov ds, ecx
             0xDB, 0xE3,                                                  // fninit
             0x0F, 0xAE, 0x00,                                            // fxsave [rax]
             0x48, 0xC7, 0x80, 0x00, 0x02, 0x00, 0x00, 0xFE, 0xFF, 0xFF, 0xFF,  // mov qword [rax + 0x200], -2
             0x0F, 0x28, 0x88, 0x00, 0x02, 0x00, 0x00,                    // movaps xmm1, [rax + 0x200]
             0x0F, 0x29, 0x88, 0x10, 0x02, 0x00, 0x00,                    // movaps [rax + 0x210], xmm1
             0x48, 0xB9, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x3F,  // mov rcx, 0x3FF0000000000000
             0x48, 0x89, 0x88, 0x20, 0x02, 0x00, 0x00,                    // mov [rax + 0x220], rcx
             0xDD, 0x80, 0x20, 0x02, 0x00, 0x00,                          // fld qword [rax + 0x220]
             0xDD, 0x98, 0x30, 0x02, 0x00, 0x00,                          // fstp qword [rax + 0x230]
             0xF4});                                                      // hlt
    CHECK(!event);
    CHECK(cpu.seg[DS].sel == 0);
    CHECK(rd<uint16_t>(0x200100) == 0x037F);  // FCW in the image
    CHECK(rd<uint64_t>(0x200310) == uint64_t(-2));
    CHECK(rd<uint64_t>(0x200330) == 0x3FF0000000000000);
}
