// The long-mode system architecture: the MSRs of IA-32e mode, SYSCALL/SYSRET, SWAPGS, RDTSCP
// and 64-bit interrupt delivery.
#include <doctest/doctest.h>

#include "tests/unit/long_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;
using namespace jitpc::test;
using namespace jitpc::test::lm;

namespace {

constexpr uint32_t STAR = 0xC0000081, LSTAR = 0xC0000082, CSTAR = 0xC0000083, FMASK = 0xC0000084,
                   FS_BASE = 0xC0000100, GS_BASE = 0xC0000101, KERNEL_GS_BASE = 0xC0000102,
                   TSC_AUX = 0xC0000103;

// WRMSR of EDX:EAX = v to `msr` in flat 32-bit protected mode; true when it did not fault.
bool wrmsr(SystemFixture& f, uint32_t msr, uint64_t v) {
    f.record_faults();
    f.load({0x0F, 0x30, 0xF4});  // wrmsr; hlt
    f.reg(ECX) = msr;
    f.reg(EAX) = uint32_t(v);
    f.reg(EDX) = uint32_t(v >> 32);
    f.run(3);
    return f.reg(EBX) == 0xFFFF;
}
uint64_t rdmsr(SystemFixture& f, uint32_t msr) {
    f.load({0x0F, 0x32, 0xF4});  // rdmsr; hlt
    f.reg(ECX) = msr;
    f.run(2);
    return f.reg(EDX) << 32 | uint32_t(f.reg(EAX));
}

}  // namespace

TEST_CASE("the long-mode MSRs keep what WRMSR wrote; bad values #GP(0) and change nothing") {
    SystemFixture f(models::max);
    CHECK(wrmsr(f, STAR, 0x0023001000000000));
    CHECK(rdmsr(f, STAR) == 0x0023001000000000);
    for (uint32_t msr : {LSTAR, CSTAR, KERNEL_GS_BASE, FS_BASE, GS_BASE}) {
        CAPTURE(msr);
        CHECK(wrmsr(f, msr, 0xFFFF800000001000));
        CHECK(rdmsr(f, msr) == 0xFFFF800000001000);
        // Bit 47 set, bits 63:48 clear: not canonical with 48 linear-address bits.
        CHECK_FALSE(wrmsr(f, msr, 0x0000800000000000));
        CHECK(f.reg(EBX) == VEC_GP);
        CHECK(rdmsr(f, msr) == 0xFFFF800000001000);
    }
    for (uint32_t msr : {FMASK, TSC_AUX}) {
        CAPTURE(msr);
        CHECK(wrmsr(f, msr, 0x47700));
        CHECK_FALSE(wrmsr(f, msr, 0x100000000));
        CHECK(rdmsr(f, msr) == 0x47700);
    }
}

TEST_CASE("FS_BASE and GS_BASE are the segment registers' bases") {
    SystemFixture f(models::max);
    CHECK(wrmsr(f, GS_BASE, 0x123000));
    CHECK(f.cpu.seg[GS].base == 0x123000);
    CHECK(wrmsr(f, FS_BASE, 0x5000));
    f.load({0x8E, 0xE0, 0xF4});  // mov fs, eax; hlt: a segment load writes the base
    f.reg(EAX) = 0x10;
    f.run(2);
    CHECK(f.cpu.seg[FS].base == 0);
    CHECK(rdmsr(f, FS_BASE) == 0);
}

TEST_CASE("the long-mode MSRs are the max model's only") {
    SystemFixture f(models::pentium2);
    for (uint32_t msr : {STAR, LSTAR, CSTAR, FMASK, FS_BASE, GS_BASE, KERNEL_GS_BASE, TSC_AUX}) {
        CAPTURE(msr);
        CHECK_FALSE(wrmsr(f, msr, 0));
    }
}

TEST_CASE_FIXTURE(LongFixture, "SYSCALL enters ring 0 at LSTAR; SYSRET returns to 64-bit or compatibility mode") {
    cpu.star = uint64_t(0x20) << 48 | uint64_t(KCODE) << 32;
    cpu.lstar = 0xFFFFFFFF80001000;
    cpu.fmask = EFLAGS_IF | EFLAGS_TF | EFLAGS_DF;
    to_user64();
    cpu.flags.set(EFLAGS_IF | EFLAGS_DF | EFLAGS_CF, EFLAGS_WRITABLE);
    step64({0x0F, 0x05});  // syscall
    CHECK(cpu.rip == 0xFFFFFFFF80001000);
    CHECK(reg(ECX) == USER + 2);
    CHECK(reg(R11) == (EFLAGS_IF | EFLAGS_DF | EFLAGS_CF | 2));
    CHECK(cpu.flags.get() == (EFLAGS_CF | 2));
    CHECK(cpu.cpl == 0);
    CHECK(cpu.seg[CS].sel == KCODE);
    CHECK(cpu.seg[SS].sel == KDATA);
    CHECK(cpu.mode() == CpuMode::Long64);
    CHECK(reg(ESP) == USER_STACK);  // SYSCALL leaves RSP alone

    reg(R11) = EFLAGS_IF | EFLAGS_RF | EFLAGS_VM | 2;
    reg(ECX) = 0x00007FFF00001234;
    step64({0x48, 0x0F, 0x07});  // sysretq
    CHECK(cpu.rip == 0x00007FFF00001234);
    CHECK(cpu.cpl == 3);
    CHECK(cpu.seg[CS].sel == UCODE64);
    CHECK(cpu.seg[SS].sel == UDATA);
    CHECK(cpu.mode() == CpuMode::Long64);
    CHECK(cpu.flags.get() == (EFLAGS_IF | 2));  // RF and VM are not loaded

    load(KCODE, CS);
    cpu.set_cpl(0);
    step64({0x0F, 0x07});  // sysret (32-bit): EIP = ECX, compatibility mode
    CHECK(cpu.rip == 0x1234);
    CHECK(cpu.seg[CS].sel == UCODE32);
    CHECK(cpu.mode() == CpuMode::Compat32);
    CHECK(cpu.seg[SS].sel == UDATA);
}

TEST_CASE_FIXTURE(LongFixture, "SYSCALL and SYSRET are #UD outside 64-bit mode or with EFER.SCE clear") {
    fault_gates();
    cpu.efer &= ~efer::SCE;
    step64({0x0F, 0x05});
    CHECK(cpu.rip == HANDLER + VEC_UD);
    cpu.rip = CODE;
    step64({0x48, 0x0F, 0x07});
    CHECK(cpu.rip == HANDLER + VEC_UD);
    cpu.efer |= efer::SCE;
    load(KCODE32, CS);  // compatibility mode
    cpu.rip = CODE;
    reg(ESP) = 0x80000;
    step64({0x0F, 0x05});
    CHECK(cpu.rip == HANDLER + VEC_UD);
    CHECK(rd64(0x80000 - 32) == KCODE32);  // the frame's CS
}

TEST_CASE_FIXTURE(LongFixture, "SYSRET with a non-canonical RCX is #GP(0) in ring 0; SYSRET at CPL 3 is #GP(0)") {
    fault_gates();
    reg(ECX) = 0x0000800000000000;
    step64({0x48, 0x0F, 0x07});
    CHECK(cpu.rip == HANDLER + VEC_GP);
    CHECK(cpu.cpl == 0);
    CHECK(rd64(0x80000 - 48) == 0);     // error code
    CHECK(rd64(0x80000 - 40) == CODE);  // RIP names the SYSRET
    to_user64();
    reg(ECX) = 0x1000;
    step64({0x48, 0x0F, 0x07});
    CHECK(cpu.rip == HANDLER + VEC_GP);
    CHECK(rd64(RSP0 - 40) == USER);
}

TEST_CASE_FIXTURE(LongFixture, "SWAPGS exchanges GS.base and KernelGSbase; #GP(0) at CPL 3, #UD outside 64-bit mode") {
    fault_gates();
    cpu.seg[GS].base = 0x1111;
    cpu.kernel_gs_base = 0xFFFF888000000000;
    step64({0x0F, 0x01, 0xF8});
    CHECK(cpu.seg[GS].base == 0xFFFF888000000000);
    CHECK(cpu.kernel_gs_base == 0x1111);
    CHECK(cpu.rip == CODE + 3);
    to_user64();
    step64({0x0F, 0x01, 0xF8});
    CHECK(cpu.rip == HANDLER + VEC_GP);
    CHECK(cpu.seg[GS].base == 0xFFFF888000000000);
    load(KCODE32, CS);
    cpu.rip = CODE;
    step64({0x0F, 0x01, 0xF8});
    CHECK(cpu.rip == HANDLER + VEC_UD);
}

TEST_CASE_FIXTURE(LongFixture, "RDTSCP returns the TSC in EDX:EAX and TSC_AUX in ECX") {
    cpu.tsc_aux = 0xABCD;
    reg(ECX) = ~uint64_t(0);
    cpu.tsc_offset = 0x500000000 - cpu.icount;
    step64({0x0F, 0x01, 0xF9});
    CHECK(reg(ECX) == 0xABCD);
    CHECK(reg(EDX) == 5);
    CHECK(reg(EAX) == 0);
}

TEST_CASE_FIXTURE(LongFixture, "INT n from ring 3 takes RSP0, pushes SS:RSP and leaves a null SS") {
    gate(0x80, 0xFFFFFFFF80002000, 3);
    to_user64();
    reg(ESP) = USER_STACK - 8;  // not 16-byte aligned: the new stack is aligned anyway
    cpu.flags.set(EFLAGS_IF, EFLAGS_WRITABLE);
    wr64(TSS + 4, RSP0 + 8);  // RSP0 misaligned too
    step64({0xCD, 0x80});
    CHECK(cpu.rip == 0xFFFFFFFF80002000);
    CHECK(cpu.cpl == 0);
    CHECK(cpu.seg[CS].sel == KCODE);
    CHECK(cpu.seg[SS].sel == 0);
    CHECK(reg(ESP) == RSP0 - 40);
    CHECK(rd64(RSP0 - 8) == UDATA);
    CHECK(rd64(RSP0 - 16) == USER_STACK - 8);
    CHECK(rd64(RSP0 - 24) == (EFLAGS_IF | 2));
    CHECK(rd64(RSP0 - 32) == UCODE64);
    CHECK(rd64(RSP0 - 40) == USER + 2);
    CHECK((cpu.flags.get() & EFLAGS_IF) == 0);
}

TEST_CASE_FIXTURE(LongFixture, "an IST gate switches stacks without a privilege change; the frame has the error code") {
    gate(VEC_GP, HANDLER, 0, 1);
    reg(ESP) = 0x80000 - 8;
    cpu.kernel_gs_base = 0;
    to_user64();
    load(KCODE, CS);  // ring 0 with a DPL 3 stack: the IST still switches
    cpu.set_cpl(0);
    step64({0x0F, 0x01, 0xF8});  // swapgs at CPL 0 succeeds; now fault one at CPL 3
    to_user64();
    step64({0x0F, 0x01, 0xF8});
    CHECK(cpu.rip == HANDLER);
    CHECK(reg(ESP) == IST1 - 48);
    CHECK(rd64(IST1 - 48) == 0);  // error code
    CHECK(rd64(IST1 - 40) == USER);
    CHECK(rd64(IST1 - 8) == UDATA);

    // Same privilege through IST1: SS stays, RSP comes from the IST, aligned.
    gate(0x40, HANDLER + 0x40, 0, 1);
    load(KCODE, CS);
    load(KDATA, SS);
    cpu.set_cpl(0);
    reg(ESP) = 0x80000;
    wr64(TSS + 0x24, IST1 + 4);
    step64({0xCD, 0x40});
    CHECK(cpu.rip == HANDLER + 0x40);
    CHECK(cpu.seg[SS].sel == KDATA);
    CHECK(reg(ESP) == IST1 - 40);
    CHECK(rd64(IST1 - 16) == 0x80000);
}

TEST_CASE_FIXTURE(LongFixture, "IDT gates: 16-bit and task gates, short IDTs, 32-bit targets and DPL fault with the IDT error code") {
    fault_gates();
    gate(0x41, HANDLER, 0, 0, 0x6);      // 16-bit interrupt gate
    gate(0x42, HANDLER, 0, 0, 0x5);      // task gate
    gate(0x43, HANDLER, 0, 0, 0xE, KCODE32);  // 32-bit code segment target
    gate(0x44, HANDLER, 0);              // DPL 0, from ring 3
    const struct { uint8_t vec; uint32_t err; bool user; } cases[] = {
        {0x41, 0x41 * 8 + 2, false}, {0x42, 0x42 * 8 + 2, false}, {0x43, KCODE32, false},
        {0x44, 0x44 * 8 + 2, true},
    };
    for (const auto& k : cases) {
        CAPTURE(k.vec);
        load(KCODE, CS);
        load(KDATA, SS);
        cpu.set_cpl(0);
        reg(ESP) = 0x80000;
        cpu.rip = CODE;
        if (k.user) to_user64();
        step64({0xCD, k.vec});
        CHECK(cpu.rip == HANDLER + VEC_GP);
        CHECK(rd64((k.user ? RSP0 : 0x80000) - 48) == k.err);
    }
    cpu.idtr.limit = 0x41 * 16 - 1;  // vector 0x41 lies beyond it
    load(KCODE, CS);
    cpu.set_cpl(0);
    reg(ESP) = 0x80000;
    step64({0xCD, 0x41});
    CHECK(cpu.rip == HANDLER + VEC_GP);
    CHECK(rd64(0x80000 - 48) == 0x41 * 8 + 2);
}

TEST_CASE_FIXTURE(LongFixture, "an interrupt from compatibility mode pushes the same 64-bit frame") {
    gate(0x40, HANDLER, 3);
    load(UCODE32, CS);
    load(UDATA, SS);
    cpu.set_cpl(3);
    reg(ESP) = USER_STACK;
    cpu.rip = 0x5000;
    REQUIRE(cpu.mode() == CpuMode::Compat32);
    step64({0xCD, 0x40});
    CHECK(cpu.mode() == CpuMode::Long64);
    CHECK(rd64(RSP0 - 32) == UCODE32);
    CHECK(rd64(RSP0 - 40) == 0x5002);
    CHECK(rd64(RSP0 - 16) == USER_STACK);
}

TEST_CASE_FIXTURE(LongFixture, "IRETQ returns to ring 3 in 64-bit mode and to compatibility mode, popping SS:RSP") {
    // The frame an interrupt from ring 3 leaves: RIP, CS, RFLAGS, RSP, SS.
    auto frame = [&](uint64_t rip, uint16_t cs, uint64_t rflags, uint64_t rsp, uint16_t ss) {
        reg(ESP) = RSP0 - 40;
        const uint64_t v[5] = {rip, cs, rflags, rsp, ss};
        for (unsigned k = 0; k < 5; ++k) wr64(RSP0 - 40 + 8 * k, v[k]);
    };
    frame(0x00007FFF12345678, UCODE64, EFLAGS_IF | 2, 0x00007FFF0000FF00, UDATA);
    step64({0x48, 0xCF});  // iretq
    CHECK(cpu.rip == 0x00007FFF12345678);
    CHECK(cpu.cpl == 3);
    CHECK(cpu.mode() == CpuMode::Long64);
    CHECK(reg(ESP) == 0x00007FFF0000FF00);
    CHECK(cpu.seg[SS].sel == UDATA);
    CHECK((cpu.flags.get() & EFLAGS_IF) != 0);

    load(KCODE, CS);
    load(KDATA, SS);
    cpu.set_cpl(0);
    frame(0x4000, UCODE32, 2, USER_STACK, UDATA);
    step64({0x48, 0xCF});
    CHECK(cpu.rip == 0x4000);
    CHECK(cpu.mode() == CpuMode::Compat32);
    CHECK(reg(ESP) == USER_STACK);

    // IRETQ in 64-bit mode pops SS:RSP also at the same level.
    load(KCODE, CS);
    load(KDATA, SS);
    cpu.set_cpl(0);
    frame(CODE + 0x100, KCODE, 2, 0x60000, KDATA);
    step64({0x48, 0xCF});
    CHECK(cpu.rip == CODE + 0x100);
    CHECK(reg(ESP) == 0x60000);
    CHECK(cpu.cpl == 0);
}

TEST_CASE_FIXTURE(LongFixture, "IRETQ: NT set, a non-canonical RIP and a null SS to ring 3 are #GP(0); a null SS in ring 0 is allowed") {
    fault_gates();
    auto frame = [&](uint64_t rip, uint16_t cs, uint64_t rflags, uint64_t rsp, uint16_t ss) {
        load(KCODE, CS);
        load(KDATA, SS);
        cpu.set_cpl(0);
        cpu.rip = CODE;
        reg(ESP) = RSP0 - 40;
        const uint64_t v[5] = {rip, cs, rflags, rsp, ss};
        for (unsigned k = 0; k < 5; ++k) wr64(RSP0 - 40 + 8 * k, v[k]);
    };
    // The #GP frame's error code, below the IRET frame on the 16-byte aligned stack.
    const uint64_t err_at = ((RSP0 - 40) & ~uint64_t(15)) - 48;
    frame(0x1000, UCODE64, 2, USER_STACK, 0);
    step64({0x48, 0xCF});
    CHECK(cpu.rip == HANDLER + VEC_GP);
    CHECK(rd64(err_at) == 0);
    frame(0x0000800000000000, UCODE64, 2, USER_STACK, UDATA);
    step64({0x48, 0xCF});
    CHECK(cpu.rip == HANDLER + VEC_GP);
    frame(0x1000, UCODE64, 2, USER_STACK, UDATA);
    cpu.flags.set(EFLAGS_NT, EFLAGS_WRITABLE);
    step64({0x48, 0xCF});
    CHECK(cpu.rip == HANDLER + VEC_GP);
    CHECK(rd64(err_at + 8) == CODE);  // no task switch: a fault on the IRETQ

    frame(0x1000, KCODE, 2, 0x60000, 0);
    step64({0x48, 0xCF});
    CHECK(cpu.rip == 0x1000);
    CHECK(cpu.seg[SS].sel == 0);
    CHECK(reg(ESP) == 0x60000);
}

TEST_CASE_FIXTURE(LongFixture, "a 64-bit call gate: CALL to ring 0 pushes SS:RSP and CS:RIP in 8 bytes; RETFQ returns") {
    // Call gate at 0x48, DPL 3, to KCODE:0xFFFFFFFF80003000.
    wr32(GDT + GATE, uint32_t(KCODE) << 16 | 0x3000);
    wr32(GDT + GATE + 4, 0x80000000 | 0x8000 | 3 << 13 | 0xC << 8);
    wr32(GDT + GATE + 8, 0xFFFFFFFF);
    wr32(GDT + GATE + 12, 0);
    wr32(USER + 0x100, 0);  // the far pointer: offset (ignored for gates), selector
    wr32(USER + 0x104, 0);
    wr32(USER + 0x108, GATE | 3);
    to_user64();
    reg(EBX) = USER + 0x100;
    step64({0x48, 0xFF, 0x1B});  // call far qword [rbx]: m16:64
    CHECK(cpu.rip == 0xFFFFFFFF80003000);
    CHECK(cpu.cpl == 0);
    CHECK(cpu.seg[SS].sel == 0);
    CHECK(reg(ESP) == RSP0 - 32);
    CHECK(rd64(RSP0 - 8) == UDATA);
    CHECK(rd64(RSP0 - 16) == USER_STACK);
    CHECK(rd64(RSP0 - 24) == UCODE64);
    CHECK(rd64(RSP0 - 32) == USER + 3);

    // RETFQ to ring 3 pops CS:RIP and RSP:SS from the stack of the null SS.
    step64({0x48, 0xCB});
    CHECK(cpu.rip == USER + 3);
    CHECK(cpu.cpl == 3);
    CHECK(cpu.seg[SS].sel == UDATA);
    CHECK(reg(ESP) == USER_STACK);
}

TEST_CASE_FIXTURE(LongFixture, "far transfers in IA-32e mode: a call gate's upper type, TSS targets and task gates #GP(sel)") {
    fault_gates();
    wr32(GDT + GATE, uint32_t(KCODE) << 16 | 0x3000);
    wr32(GDT + GATE + 4, 0x8000 | 0xC << 8);
    wr32(GDT + GATE + 8, 0);
    wr32(GDT + GATE + 12, 0x0C00);  // the upper half's type must be 0
    wr32(0x8000, 0);
    wr32(0x8004, GATE);
    reg(EBX) = 0x8000;
    step64({0xFF, 0x2B});  // jmp far [rbx]: m16:32
    CHECK(cpu.rip == HANDLER + VEC_GP);
    CHECK(rd64(0x80000 - 48) == GATE);

    cpu.rip = CODE;
    reg(ESP) = 0x80000;
    wr32(0x8004, TSS_SEL);
    step64({0xFF, 0x2B});
    CHECK(cpu.rip == HANDLER + VEC_GP);
    CHECK(rd64(0x80000 - 48) == TSS_SEL);
}

TEST_CASE_FIXTURE(LongFixture, "LTR and LLDT read 16-byte descriptors in IA-32e mode") {
    fault_gates();
    // A 64-bit TSS at 0x0000001234567000 and an LDT at 0x0000000A00000000, both available.
    wr32(GDT + TSS_SEL, 0x70000067);
    wr32(GDT + TSS_SEL + 4, 0x34008956);
    wr32(GDT + TSS_SEL + 8, 0x12);
    wr32(GDT + GATE, 0x0000FFFF);
    wr32(GDT + GATE + 4, 0x00008200);
    wr32(GDT + GATE + 8, 0xA);
    wr32(GDT + GATE + 12, 0);
    reg(EAX) = TSS_SEL;
    step64({0x0F, 0x00, 0xD8});  // ltr ax
    CHECK(cpu.tr.base == 0x0000001234567000);
    CHECK(cpu.tr.sel == TSS_SEL);
    reg(EAX) = GATE;
    step64({0x0F, 0x00, 0xD0});  // lldt ax
    CHECK(cpu.ldtr.base == 0x0000000A00000000);

    // A 16-bit TSS does not exist in IA-32e mode; a TSS descriptor cut by the GDT limit faults.
    wr32(GDT + TSS_SEL + 4, 0x34008156);
    reg(EAX) = TSS_SEL;
    cpu.rip = CODE;
    step64({0x0F, 0x00, 0xD8});
    CHECK(cpu.rip == HANDLER + VEC_GP);
    wr32(GDT + TSS_SEL + 4, 0x34008956);
    cpu.gdtr.limit = TSS_SEL + 7;
    cpu.rip = CODE;
    step64({0x0F, 0x00, 0xD8});
    CHECK(cpu.rip == HANDLER + VEC_GP);
}

TEST_CASE_FIXTURE(LongFixture, "MOV SS with a null selector: allowed below ring 3 in 64-bit mode, #GP(0) otherwise") {
    fault_gates();
    reg(EAX) = 0;
    step64({0x8E, 0xD0});  // mov ss, eax
    CHECK(cpu.rip == CODE + 2);
    CHECK(cpu.seg[SS].sel == 0);
    load(KDATA, SS);
    load(KCODE32, CS);  // compatibility mode
    cpu.rip = CODE;
    step64({0x8E, 0xD0});
    CHECK(cpu.rip == HANDLER + VEC_GP);
    CHECK(cpu.seg[SS].sel == KDATA);
}

TEST_CASE_FIXTURE(LongFixture, "CMPXCHG16B compares RDX:RAX, stores RCX:RBX or loads the operand; unaligned is #GP(0)") {
    fault_gates();
    wr64(0x8000, 0x1111111122222222);
    wr64(0x8008, 0x3333333344444444);
    reg(EAX) = 0x1111111122222222;
    reg(EDX) = 0x3333333344444444;
    reg(EBX) = 0xAAAAAAAABBBBBBBB;
    reg(ECX) = 0xCCCCCCCCDDDDDDDD;
    reg(ESI) = 0x8000;
    step64({0x48, 0x0F, 0xC7, 0x0E});  // cmpxchg16b [rsi]
    CHECK(cpu.flags.zf());
    CHECK(rd64(0x8000) == 0xAAAAAAAABBBBBBBB);
    CHECK(rd64(0x8008) == 0xCCCCCCCCDDDDDDDD);
    step64({0x48, 0x0F, 0xC7, 0x0E});  // now different: the operand lands in RDX:RAX
    CHECK_FALSE(cpu.flags.zf());
    CHECK(reg(EAX) == 0xAAAAAAAABBBBBBBB);
    CHECK(reg(EDX) == 0xCCCCCCCCDDDDDDDD);
    CHECK(rd64(0x8000) == 0xAAAAAAAABBBBBBBB);
    reg(ESI) = 0x8008;
    const uint64_t rip = cpu.rip;
    step64({0x48, 0x0F, 0xC7, 0x0E});
    CHECK(cpu.rip == HANDLER + VEC_GP);
    CHECK(rd64(reg(ESP) + 8) == rip);
    CHECK(rd64(0x8008) == 0xCCCCCCCCDDDDDDDD);
}

TEST_CASE_FIXTURE(LongFixture, "MOVNTI stores 64 bits with REX.W; LAHF and SAHF exist in 64-bit mode") {
    reg(EAX) = 0x0123456789ABCDEF;
    reg(EBX) = 0x9000;
    step64({0x48, 0x0F, 0xC3, 0x03});  // movnti [rbx], rax
    CHECK(rd64(0x9000) == 0x0123456789ABCDEF);
    reg(EAX) = uint64_t(EFLAGS_CF | EFLAGS_ZF | 2) << 8;
    step64({0x9E});  // sahf
    CHECK(cpu.flags.cf());
    CHECK(cpu.flags.zf());
    reg(EAX) = 0;
    step64({0x9F});  // lahf
    CHECK(reg(EAX) == uint64_t(EFLAGS_CF | EFLAGS_ZF | 2) << 8);
}

TEST_CASE_FIXTURE(LongFixture, "IRETD in 64-bit mode pops SS:ESP too; RETF to compatibility mode checks the limit, not canonical form") {
    // A 4-byte frame to ring 0's own 64-bit code: EIP, CS, EFLAGS, ESP, SS.
    const uint32_t v[5] = {0x4000, KCODE, 2, 0x60000, KDATA};
    reg(ESP) = 0x7F000;
    for (unsigned k = 0; k < 5; ++k) wr32(0x7F000 + 4 * k, v[k]);
    step64({0xCF});  // iretd
    CHECK(cpu.rip == 0x4000);
    CHECK(reg(ESP) == 0x60000);

    // RETF (32-bit operand) to a 32-bit code segment at the same level.
    wr32(0x60000, 0x5000);
    wr32(0x60004, KCODE32);
    step64({0xCB});  // retf
    CHECK(cpu.rip == 0x5000);
    CHECK(cpu.mode() == CpuMode::Compat32);
    CHECK(reg(ESP) == 0x60008);
}

TEST_CASE_FIXTURE(LongFixture, "64-bit mode: MOV DRn moves 64 bits; breakpoints match 64-bit linear addresses") {
    fault_gates();
    reg(EAX) = 0x0000000100000040;
    step64({0x0F, 0x23, 0xC0});  // mov dr0, rax
    CHECK(cpu.dr[0] == 0x0000000100000040);
    step64({0x0F, 0x21, 0xC1});  // mov rcx, dr0
    CHECK(reg(ECX) == 0x0000000100000040);
    reg(EAX) = (uint64_t(1) << 32) | 0x400;
    step64({0x0F, 0x23, 0xF8});  // mov dr7, rax: bit 32 set
    CHECK(cpu.rip == HANDLER + 13);
    CHECK(cpu.dr[7] == 0x400);
    // L0, a write breakpoint of 8 bytes: the address above 4 GiB, not its low half.
    cpu.dr[7] = 0x400 | 1 | (1u << 16) | (2u << 18);
    cpu.debug_regs_changed();
    cpu.watch_data(0x40, 1, true);
    CHECK(cpu.db_pending == 0);
    cpu.watch_data(0x0000000100000044, 1, true);
    CHECK(cpu.db_pending == 1);
}

TEST_CASE_FIXTURE(LongFixture, "CR8 is the local APIC's TPR[7:4]") {
    fault_gates();
    reg(EAX) = 0xA;
    step64({0x44, 0x0F, 0x22, 0xC0});  // mov cr8, rax: TPR = 0xA0, bits 3:0 cleared
    CHECK(bus.tpr == 0xA0);
    bus.tpr = 0x5F;                    // a TPR write through the APIC's page
    step64({0x44, 0x0F, 0x20, 0xC1});  // mov rcx, cr8
    CHECK(reg(ECX) == 5);
    reg(EAX) = 0x10;                   // bits 63:4 are reserved
    step64({0x44, 0x0F, 0x22, 0xC0});
    CHECK(cpu.rip == HANDLER + 13);
    CHECK(bus.tpr == 0x5F);
}
