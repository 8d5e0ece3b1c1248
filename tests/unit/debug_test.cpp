#include <doctest/doctest.h>

#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;
using namespace jitpc::test::pm;

namespace {

constexpr uint32_t DB_HANDLER = HANDLERS + 0x100;
constexpr uint32_t LOG_EIP = 0x5000, LOG_FLAGS = 0x5100;  // per #DB: pushed EIP and EFLAGS

// A #DB handler that counts in EBP and logs each frame's EIP and EFLAGS; `set_rf` makes it
// return with RF set in the image, as a debugger resuming from an instruction breakpoint does.
struct DebugFixture : test::SystemFixture {
    void db_handler(bool set_rf = false) {
        std::vector<uint8_t> h = {0x50,                                      // push eax
                                  0x45,                                      // inc ebp
                                  0x8B, 0x44, 0x24, 0x04,                    // mov eax, [esp+4]
                                  0x89, 0x04, 0xAD, 0x00, 0x50, 0x00, 0x00,  // mov [LOG_EIP+ebp*4]
                                  0x8B, 0x44, 0x24, 0x0C,                    // mov eax, [esp+12]
                                  0x89, 0x04, 0xAD, 0x00, 0x51, 0x00, 0x00}; // mov [LOG_FLAGS+..]
        if (set_rf) h.insert(h.end(), {0x81, 0x4C, 0x24, 0x0C, 0x00, 0x00, 0x01, 0x00});
        h.push_back(0x58);  // pop eax
        h.push_back(0xCF);  // iretd
        mem.write_bytes(DB_HANDLER, h.data(), h.size());
        gate(VEC_DB, DB_HANDLER, 0);
        reg(EBP) = 0;
    }
    // Code followed by "clear TF; hlt" (pushfd / and [esp], ~TF / popfd / hlt: three steps).
    void load_then_stop(std::vector<uint8_t> code) {
        code.insert(code.end(), {0x9C, 0x81, 0x24, 0x24, 0xFF, 0xFE, 0xFF, 0xFF, 0x9D, 0xF4});
        load(code);
    }
    uint32_t logged_eip(unsigned k) { return rd32(LOG_EIP + 4 * k); }
    uint32_t logged_flags(unsigned k) { return rd32(LOG_FLAGS + 4 * k); }
};

}  // namespace

TEST_CASE_FIXTURE(DebugFixture, "single-step traps once per instruction with BS and the next EIP") {
    db_handler();
    cpu.flags.bits |= EFLAGS_TF;
    load_then_stop({0x47, 0x47, 0x47, 0x47, 0x47});  // inc edi x5
    CHECK(run(1000) == StopReason::Halted);
    CHECK(reg(EDI) == 5);
    CHECK(reg(EBP) == 8);  // five INCs, then PUSHFD, AND and the POPFD that cleared TF
    for (unsigned k = 1; k <= 5; ++k) CHECK(logged_eip(k) == CODE + k);
    CHECK((logged_flags(1) & EFLAGS_TF) != 0);
    CHECK((cpu.dr[6] & dr6::BS) != 0);
    CHECK((cpu.flags.bits & EFLAGS_TF) == 0);
}

TEST_CASE_FIXTURE(DebugFixture, "POPF setting TF traps only after the following instruction") {
    db_handler();
    load_then_stop({0x9C,                                      // pushfd
                    0x81, 0x0C, 0x24, 0x00, 0x01, 0x00, 0x00,  // or dword [esp], TF
                    0x9D,                                      // popfd
                    0x47, 0x47});                              // inc edi x2
    run(1000);
    CHECK(reg(EDI) == 2);
    CHECK(reg(EBP) == 5);
    CHECK(logged_eip(1) == CODE + 10);  // after the first INC, not after the POPFD
}

TEST_CASE_FIXTURE(DebugFixture, "MOV SS holds the single-step trap until after the next instruction") {
    db_handler();
    cpu.flags.bits |= EFLAGS_TF;
    load_then_stop({0x8C, 0xD0,    // mov eax, ss
                    0x8E, 0xD0,    // mov ss, ax
                    0x47});        // inc edi
    run(1000);
    CHECK(reg(EBP) == 5);
    CHECK(logged_eip(1) == CODE + 2);
    CHECK(logged_eip(2) == CODE + 5);  // no trap at CODE + 4, right after MOV SS
}

TEST_CASE_FIXTURE(DebugFixture, "an instruction breakpoint faults before the instruction; RF resumes") {
    db_handler(true);
    cpu.dr[0] = CODE + 1;
    cpu.dr[6] = 0xFFFF0FF0;
    load({0x8B, 0xC0,   // mov eax, eax  (the breakpoint is inside it: no match)
          0x47, 0x47,   // inc edi x2
          0xF4});
    cpu.dr[0] = CODE + 3;
    cpu.dr[7] = 0x401;  // L0, execute, 1 byte
    cpu.debug_regs_changed();
    CHECK(run(100) == StopReason::Halted);
    CHECK(reg(EBP) == 1);
    CHECK(logged_eip(1) == CODE + 3);                // fault: EIP of the instruction
    CHECK((logged_flags(1) & EFLAGS_RF) == 0);       // not set for instruction breakpoints
    CHECK(reg(EDI) == 2);                            // resumed once thanks to RF
    CHECK((cpu.dr[6] & 0xF) == 1);
    CHECK((cpu.flags.bits & EFLAGS_RF) == 0);        // cleared once an instruction completed
}

TEST_CASE_FIXTURE(DebugFixture, "other faults push EFLAGS with RF set") {
    record_faults();
    load({0x0F, 0x0B});  // ud2
    run(3);
    CHECK(reg(EBX) == 6);
    CHECK((rd32(0x80000 - 4) & EFLAGS_RF) != 0);
}

TEST_CASE_FIXTURE(DebugFixture, "a data write breakpoint traps after the store with Bn in DR6") {
    db_handler();
    load({0xC7, 0x05, 0x00, 0x60, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00,  // mov dword [0x6000], 0x11
          0xA1, 0x00, 0x60, 0x00, 0x00,                                // mov eax, [0x6000]
          0xC6, 0x05, 0x04, 0x60, 0x00, 0x00, 0x01,                    // mov byte [0x6004], 1
          0x88, 0x1D, 0x03, 0x60, 0x00, 0x00,                          // mov [0x6003], bl
          0xF4});
    cpu.dr[1] = 0x6002;         // LEN 4 aligns it down to 0x6000..0x6003
    cpu.dr[7] = 0x00D00404;     // L1, R/W1 = write, LEN1 = 4 bytes
    cpu.debug_regs_changed();
    CHECK(run(100) == StopReason::Halted);
    CHECK(rd32(0x6000) == 0x11);  // the store completed before the trap
    CHECK(reg(EBP) == 2);         // the load and the byte at 0x6004 do not match
    CHECK(logged_eip(1) == CODE + 10);
    CHECK(logged_eip(2) == CODE + 28);
    CHECK((cpu.dr[6] & 0xF) == 2);
    CHECK((cpu.dr[6] & dr6::BS) == 0);
}

TEST_CASE_FIXTURE(DebugFixture, "REP MOVSB single-steps every iteration") {
    db_handler();
    cpu.flags.bits |= EFLAGS_TF;
    reg(ESI) = 0x7000;
    reg(EDI) = 0x7100;
    reg(ECX) = 3;
    wr32(0x7000, 0x00332211);
    load_then_stop({0xF3, 0xA4});  // rep movsb
    run(1000);
    CHECK(reg(EBP) == 6);
    CHECK(logged_eip(1) == CODE);
    CHECK(logged_eip(2) == CODE);
    CHECK(logged_eip(3) == CODE + 2);
    CHECK(rd32(0x7100) == 0x00332211);
}

TEST_CASE_FIXTURE(DebugFixture, "ICEBP traps through vector 1 without touching DR6") {
    db_handler();
    cpu.dr[6] = 0xFFFF0FF0;
    load({0xF1, 0x47, 0xF4});  // int1; inc edi; hlt
    run(100);
    CHECK(reg(EBP) == 1);
    CHECK(logged_eip(1) == CODE + 1);
    CHECK(reg(EDI) == 1);
    CHECK(cpu.dr[6] == 0xFFFF0FF0);
}

TEST_CASE_FIXTURE(DebugFixture, "DR4 aliases DR6 unless CR4.DE; general detect faults with BD") {
    record_faults();
    load({0x0F, 0x21, 0xE0, 0xF4});  // mov eax, dr4
    run(2);
    CHECK(reg(EAX) == 0xFFFF0FF0);
    cpu.cr4 |= cr4::DE;
    load({0x0F, 0x21, 0xE0, 0xF4});
    run(3);
    CHECK(reg(EBX) == 6);

    db_handler();
    reg(ESP) = 0x80000;
    cpu.cr4 = 0;
    cpu.dr[7] = 0x2400;              // GD
    load({0x0F, 0x21, 0xF8, 0xF4});  // mov eax, dr7
    CHECK(run(100) == StopReason::Halted);
    CHECK(reg(EBP) == 1);
    CHECK(logged_eip(1) == CODE);
    CHECK((cpu.dr[6] & dr6::BD) != 0);
    CHECK(reg(EAX) == 0x400);        // GD was cleared on entry, the retry succeeded
}

TEST_CASE_FIXTURE(DebugFixture, "stepping INT n traps at the handler's first instruction only") {
    db_handler();
    put(HANDLERS, {0x43, 0x43, 0xCF});  // inc ebx x2; iretd: runs with TF clear
    gate(0x40, HANDLERS, 0);
    cpu.flags.bits |= EFLAGS_TF;
    load_then_stop({0xCD, 0x40,  // int 0x40
                    0x47});      // inc edi
    run(1000);
    CHECK(reg(EBX) == 2);
    CHECK(reg(EBP) == 5);  // INT, INC, PUSHFD, AND, POPFD
    CHECK(logged_eip(1) == HANDLERS);
    CHECK((logged_flags(1) & EFLAGS_TF) == 0);
    CHECK(logged_eip(2) == CODE + 3);
}

TEST_CASE_FIXTURE(DebugFixture, "a data breakpoint in REP STOSB traps after the matching iteration") {
    db_handler();
    reg(EDI) = 0x6000;
    reg(ECX) = 8;
    reg(EAX) = 0xAB;
    load({0xF3, 0xAA, 0xF4});  // rep stosb; hlt
    cpu.dr[0] = 0x6004;
    cpu.dr[7] = 0x00010401;    // L0, write, 1 byte
    cpu.debug_regs_changed();
    CHECK(run(100) == StopReason::Halted);
    CHECK(reg(EBP) == 1);
    CHECK(logged_eip(1) == CODE);  // iterations remained: EIP still names the REP STOSB
    CHECK(reg(ECX) == 0);
    CHECK(rd32(0x6004) == 0xABABABAB);
}

TEST_CASE_FIXTURE(DebugFixture, "I/O breakpoints need CR4.DE") {
    db_handler();
    cpu.dr[2] = 0x80;
    cpu.dr[7] = 0x02000410;  // L2, R/W2 = I/O, 1 byte
    cpu.debug_regs_changed();
    load({0xE6, 0x80, 0xF4});  // out 0x80, al; hlt
    run(100);
    CHECK(reg(EBP) == 0);
    cpu.cr4 |= cr4::DE;
    cpu.debug_regs_changed();
    load({0xE6, 0x80, 0xF4});
    run(100);
    CHECK(reg(EBP) == 1);
    CHECK(logged_eip(1) == CODE + 2);
    CHECK((cpu.dr[6] & 4) != 0);
}

TEST_CASE_FIXTURE(DebugFixture, "a far CALL's pushes hit a stack write breakpoint; RETF reading it does not") {
    db_handler();
    put(HANDLERS, {0xCB});  // retf
    cpu.dr[3] = 0x80000 - 8;
    cpu.dr[7] = 0x10000440;  // L3, R/W3 = write, 1 byte: the pushed EIP
    cpu.debug_regs_changed();
    load({0x9A, uint8_t(HANDLERS), uint8_t(HANDLERS >> 8), uint8_t(HANDLERS >> 16),
          uint8_t(HANDLERS >> 24), 0x08, 0x00,  // call 0x08:HANDLERS
          0xF4});
    CHECK(run(100) == StopReason::Halted);
    // One trap, after the CALL (EIP = its target).
    CHECK(reg(EBP) == 1);
    CHECK(logged_eip(1) == HANDLERS);
    CHECK((cpu.dr[6] & 8) != 0);
}

TEST_CASE_FIXTURE(DebugFixture, "a task switch traps with BT for the T bit and clears DR7 local enables") {
    db_handler();
    constexpr uint32_t TSS_B = 0x4000;
    second_tss(TSS_B, HANDLERS + 0x300, 0x50000);
    wr32(TSS_B + 0x64, 1);                 // T
    put(HANDLERS + 0x300, {0xF4});
    load({0x66, 0xB8, 0x28, 0x00, 0x0F, 0x00, 0xD8,  // mov ax, 0x28 ; ltr ax
          0xEA, 0, 0, 0, 0, 0x40, 0x00});            // jmp 0x40:0
    cpu.dr[6] = 0xFFFF0FF0;
    cpu.dr[0] = 0x9000;
    cpu.dr[7] = 0x0000060B;  // L0, G0, G1 and GE (no address matches)
    cpu.debug_regs_changed();
    CHECK(run(100) == StopReason::Halted);
    CHECK(reg(EBP) == 1);
    CHECK(logged_eip(1) == HANDLERS + 0x300);
    CHECK(cpu.dr[7] == 0x0000060A);  // the switch cleared the local enables only
    CHECK((cpu.dr[6] & dr6::BT) != 0);
    CHECK(cpu.rip == HANDLERS + 0x301);
}

TEST_CASE_FIXTURE(test::CpuFixture, "real mode: single-step through the IVT, IRET resumes stepping") {
    constexpr uint16_t HANDLER = 0x0500;
    const uint8_t handler[] = {0x45, 0xCF};  // inc bp; iret
    mem.write_bytes(HANDLER, handler, sizeof handler);
    wr32(1 * 4, HANDLER);  // vector 1 -> 0000:0500
    real16();
    cpu.flags.bits |= EFLAGS_TF;
    load({0x47, 0x47, 0x47,   // inc di x3
          0x9C, 0x58,         // pushf; pop ax
          0x25, 0xFF, 0xFE,   // and ax, ~TF
          0x50, 0x9D,         // push ax; popf
          0xF4});
    CHECK(run(100) == StopReason::Halted);
    CHECK(reg(EDI) == 3);
    CHECK(reg(EBP) == 8);
    CHECK((cpu.flags.bits & EFLAGS_TF) == 0);
}
