#include <doctest/doctest.h>

#include <cstring>

#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

namespace {
constexpr uint8_t HLT = 0xF4;
}  // namespace

TEST_CASE_FIXTURE(test::CpuFixture, "rep movsd copies across several chunks, one tick per iteration") {
    flat32();
    for (uint32_t k = 0; k < 100; ++k) wr32(0x20000 + 4 * k, 0xA0000000 + k);
    load({0xF3, 0xA5, HLT});  // rep movsd
    reg(ESI) = 0x20000;
    reg(EDI) = 0x30000;
    reg(ECX) = 100;
    // A budget stops exactly between iterations with the instruction still pending.
    run(10);
    CHECK(reg(ECX) == 100 - 10);
    CHECK(cpu.rip == CODE);
    CHECK(cpu.icount == 10);
    // Without a budget in the way, one execution runs a chunk of 64 iterations.
    run(64);
    CHECK(reg(ECX) == 100 - 74);
    CHECK(cpu.icount == 74);
    CHECK(run(1000) == StopReason::Halted);
    CHECK(reg(ECX) == 0);
    CHECK(reg(ESI) == 0x20000 + 400);
    CHECK(reg(EDI) == 0x30000 + 400);
    CHECK(rd32(0x30000) == 0xA0000000);
    CHECK(rd32(0x30000 + 4 * 99) == 0xA0000000 + 99);
    CHECK(rd32(0x30000 + 400) == 0);
    CHECK(cpu.icount == 100 + 1);
}

TEST_CASE_FIXTURE(test::CpuFixture, "DF=1 walks downwards") {
    flat32();
    mem.write_bytes(0x20000, "wxyz", 4);
    load({0xF3, 0xA4, HLT});  // rep movsb
    cpu.flags.bits |= EFLAGS_DF;
    reg(ESI) = 0x20003;
    reg(EDI) = 0x30003;
    reg(ECX) = 3;
    CHECK(run(100) == StopReason::Halted);
    CHECK(reg(ESI) == 0x20000);
    CHECK(reg(EDI) == 0x30000);
    CHECK(rd<uint8_t>(0x30000) == 0);  // only the top three bytes moved
    CHECK(rd<uint8_t>(0x30001) == 'x');
    CHECK(rd<uint8_t>(0x30003) == 'z');
}

TEST_CASE_FIXTURE(test::CpuFixture, "repne scasb stops after the matching byte, past a chunk boundary") {
    flat32();
    for (uint32_t k = 0; k < 100; ++k) mem.write_bytes(0x20000 + k, "\x11", 1);
    mem.write_bytes(0x20000 + 80, "\x42", 1);
    load({0xF2, 0xAE, HLT});  // repne scasb
    reg(EAX) = 0x42;
    reg(EDI) = 0x20000;
    reg(ECX) = 100;
    CHECK(run(1000) == StopReason::Halted);
    CHECK(reg(EDI) == 0x20000 + 81);
    CHECK(reg(ECX) == 100 - 81);
    CHECK((flags() & EFLAGS_ZF) != 0);
    CHECK(cpu.icount == 81 + 1);
}

TEST_CASE_FIXTURE(test::CpuFixture, "repe cmpsb stops at the first difference with CMP's flags") {
    flat32();
    mem.write_bytes(0x20000, "abcdXf", 6);
    mem.write_bytes(0x30000, "abcdYf", 6);
    load({0xF3, 0xA6, HLT});  // repe cmpsb
    reg(ESI) = 0x20000;
    reg(EDI) = 0x30000;
    reg(ECX) = 6;
    CHECK(run(100) == StopReason::Halted);
    CHECK(reg(ESI) == 0x20005);
    CHECK(reg(EDI) == 0x30005);
    CHECK(reg(ECX) == 1);
    const uint32_t f = flags();
    CHECK((f & EFLAGS_ZF) == 0);
    CHECK((f & EFLAGS_CF) != 0);  // 'X' - 'Y' borrows
    CHECK((f & EFLAGS_SF) != 0);
    CHECK((f & EFLAGS_OF) == 0);
}

TEST_CASE_FIXTURE(test::CpuFixture, "repe cmpsd over equal data runs out the count with ZF set") {
    flat32();
    wr32(0x20000, 7);
    wr32(0x30000, 7);
    load({0xF3, 0xA7, HLT});  // repe cmpsd
    reg(ESI) = 0x20000;
    reg(EDI) = 0x30000;
    reg(ECX) = 1;
    CHECK(run(100) == StopReason::Halted);
    CHECK(reg(ECX) == 0);
    CHECK((flags() & EFLAGS_ZF) != 0);
}

TEST_CASE_FIXTURE(test::CpuFixture, "16-bit addressing wraps SI/DI at 0xFFFF and keeps the high halves") {
    real16();
    cpu.load_seg_real(DS, 0x2000);
    cpu.load_seg_real(ES, 0x3000);
    mem.write_bytes(0x2FFFF, "\x11", 1);
    mem.write_bytes(0x20000, "\x22", 1);
    load({0xF3, 0xA4, HLT});  // rep movsb (address size 16)
    reg(ESI) = 0x5555FFFF;
    reg(EDI) = 0x0000FFFF;
    reg(ECX) = 0xAAAA0002;
    CHECK(run(100) == StopReason::Halted);
    CHECK(reg(ESI) == 0x55550001);
    CHECK(reg(EDI) == 0x00000001);
    CHECK(reg(ECX) == 0xAAAA0000);
    CHECK(rd<uint8_t>(0x3FFFF) == 0x11);
    CHECK(rd<uint8_t>(0x30000) == 0x22);
}

TEST_CASE_FIXTURE(test::CpuFixture, "rep stosd with ECX=0 does nothing") {
    flat32();
    load({0xF3, 0xAB, HLT});  // rep stosd
    reg(EAX) = 0xDEADBEEF;
    reg(EDI) = 0x30000;
    reg(ECX) = 0;
    CHECK(run(100) == StopReason::Halted);
    CHECK(reg(EDI) == 0x30000);
    CHECK(rd32(0x30000) == 0);
    CHECK(cpu.icount == 2);
}

TEST_CASE_FIXTURE(test::CpuFixture, "stosw and lodsd: single iteration, segment override on the source") {
    flat32();
    cpu.seg[FS].base = 0x1000;
    wr32(0x21000, 0xCAFEF00D);
    load({0x66, 0xAB,         // stosw
          0x64, 0xAD, HLT});  // lods dword fs:[esi]
    reg(EAX) = 0x12345678;
    reg(EDI) = 0x30000;
    reg(ESI) = 0x20000;
    reg(ECX) = 5;
    CHECK(run(100) == StopReason::Halted);
    CHECK(rd32(0x30000) == 0x5678);
    CHECK(reg(EDI) == 0x30002);
    CHECK(reg(EAX) == 0xCAFEF00D);
    CHECK(reg(ESI) == 0x20004);
    CHECK(reg(ECX) == 5);
}

TEST_CASE_FIXTURE(test::CpuFixture, "rep outsb and rep insw move data through the port") {
    flat32();
    mem.write_bytes(0x20000, "ok!", 3);
    load({0xF3, 0x6E,         // rep outsb
          0xBF, 0x00, 0x00, 0x03, 0x00,  // mov edi, 0x30000
          0xB9, 0x02, 0x00, 0x00, 0x00,  // mov ecx, 2
          0x66, 0xF3, 0x6D, HLT});       // rep insw
    bus.port_value = 0xBEEF;
    reg(EDX) = 0xE9;
    reg(ESI) = 0x20000;
    reg(ECX) = 3;
    CHECK(run(100) == StopReason::Halted);
    REQUIRE(bus.writes.size() == 3);
    CHECK(bus.writes[0].port == 0xE9);
    CHECK(bus.writes[0].size == 1);
    CHECK(bus.writes[0].value == 'o');
    CHECK(bus.writes[2].value == '!');
    CHECK(reg(ESI) == 0x20003);
    CHECK(rd32(0x30000) == 0xBEEFBEEF);
    CHECK(reg(EDI) == 0x30004);
    CHECK(reg(ECX) == 0);
}

TEST_CASE_FIXTURE(test::CpuFixture, "a limit fault mid-copy leaves the completed iterations committed") {
    real16();
    cpu.load_seg_real(DS, 0x2000);
    cpu.load_seg_real(ES, 0x3000);
    // IVT entry 13 (#GP) -> 0000:0500 where a HLT waits.
    wr32(13 * 4, 0x00000500);
    mem.write_bytes(0x500, "\xF4", 1);
    load({0xF3, 0xA5, HLT});  // rep movsw
    reg(ESI) = 0xFFF9;        // the fourth word straddles the 64 KiB limit
    reg(EDI) = 0x100;
    reg(ECX) = 10;
    run(100);
    CHECK(cpu.rip == 0x501);
    CHECK(reg(ECX) == 7);
    CHECK(reg(ESI) == 0xFFFF);
    CHECK(reg(EDI) == 0x106);
    uint16_t frame[3];
    mem.read_bytes(0x8000 - 6, frame, 6);
    CHECK(frame[0] == 0);  // IP of the REP MOVSW, so it restarts
    CHECK(cpu.icount == 3 + 1);
}

// REP MOVS and STOS run stretches that stay in one page of RAM at once (string.cpp, bulk()):
// what they leave must be what iterating one by one leaves.
TEST_CASE_FIXTURE(test::CpuFixture, "rep movsb one byte ahead of its source repeats the first byte, across pages") {
    flat32();
    for (uint32_t k = 0; k < 600; ++k) mem.write_bytes(0x20F00 + k, &k, 1);
    load({0xF3, 0xA4, HLT});  // rep movsb
    reg(ESI) = 0x20FF0;
    reg(EDI) = 0x20FF1;
    reg(ECX) = 300;
    CHECK(run(1000) == StopReason::Halted);
    CHECK(reg(ECX) == 0);
    CHECK(reg(ESI) == 0x20FF0 + 300);
    CHECK(reg(EDI) == 0x20FF1 + 300);
    for (uint32_t k = 0; k <= 300; ++k) CHECK(rd<uint8_t>(0x20FF0 + k) == 0xF0);
    CHECK(rd<uint8_t>(0x20FF1 + 300) == uint8_t(0xF1 + 300));
    CHECK(cpu.icount == 300 + 1);
}

TEST_CASE_FIXTURE(test::CpuFixture, "rep movsd onto its source one dword below, and rep stosw across pages") {
    flat32();
    for (uint32_t k = 0; k < 1100; ++k) wr32(0x40000 + 4 * k, 0x5000 + k);
    load({0xF3, 0xA5, HLT});  // rep movsd
    reg(ESI) = 0x40004;
    reg(EDI) = 0x40000;
    reg(ECX) = 1099;
    CHECK(run(1) == StopReason::Budget);  // the first iteration only
    CHECK(reg(ECX) == 1098);
    CHECK(run(5000) == StopReason::Halted);
    for (uint32_t k = 0; k < 1099; ++k) CHECK(rd32(0x40000 + 4 * k) == 0x5001 + k);
    CHECK(reg(EDI) == 0x40000 + 4 * 1099);
    CHECK(cpu.icount == 1099 + 1);

    load({0x66, 0xF3, 0xAB, HLT});  // rep stosw
    cpu.icount = 0;
    reg(EAX) = 0xBEEF;
    reg(EDI) = 0x50FF0;
    reg(ECX) = 3000;
    CHECK(run(2998) == StopReason::Budget);
    CHECK(reg(ECX) == 2);
    CHECK(run(10) == StopReason::Halted);
    for (uint32_t k = 0; k < 3000; ++k) CHECK(rd<uint16_t>(0x50FF0 + 2 * k) == 0xBEEF);
    CHECK(rd<uint16_t>(0x50FF0 + 6000) == 0);
    CHECK(cpu.icount == 3000 + 1);
}

TEST_CASE_FIXTURE(test::SystemFixture, "rep stosd into a page that is not present faults at the page's first dword") {
    using namespace cpu;
    constexpr uint32_t PD = 0x60000, PT = 0x61000;
    wr32(PD, PT | 3);
    for (uint32_t p = 0; p < 1024; ++p) wr32(PT + 4 * p, p == 0x31 ? 0 : (p << 12) | 3);
    cpu.cr3 = PD;
    cpu.cr0 |= cr0::PG;
    cpu.mmu.flush_all();
    recording_handler(VEC_PF);
    load({0xF3, 0xAB, HLT});  // rep stosd
    reg(EAX) = 0x12345678;
    reg(EDI) = 0x30F00;
    reg(ECX) = 200;
    run(1000);
    CHECK(reg(EBX) == VEC_PF);
    CHECK(cpu.cr2 == 0x31000);
    CHECK(reg(EAX) == 2);  // error code: write, not present, supervisor
    CHECK(reg(ECX) == 200 - 64);
    CHECK(reg(EDI) == 0x31000);
    CHECK(rd32(0x30FFC) == 0x12345678);
    CHECK(cpu.icount == 64 + 3);  // the completed iterations and the handler's three
}
