// INT 1Ah and the ROM's IRQ 0 tick, under virtual time.
#include <doctest/doctest.h>

#include "tests/unit/boot_sector_fixture.h"

using namespace jitpc;
using test::Asm16;
using test::BootSectorMachine;

namespace {

constexpr uint16_t slot(unsigned i) { return uint16_t(BootSectorMachine::RESULTS + 2 * i); }

}  // namespace

TEST_CASE("the BIOS tick at 0x46C advances at 18.2065 Hz of virtual time") {
    Asm16 a;
    a.sti().hlt().bytes({0xEB, 0xFD});  // sti; hlt; jmp to the hlt
    BootSectorMachine b(a);
    REQUIRE(b.run() == machine::EXIT_INSN_LIMIT);  // 2 virtual seconds
    const double seconds = double(b.m->cpu.icount) / 1e9;
    const double expected = seconds * 1193181.8 / 65536;  // PIT input clock over count 65536
    const uint32_t ticks = b.rd<uint32_t>(0x46C);
    CHECK(ticks >= uint32_t(expected) - 1);
    CHECK(ticks <= uint32_t(expected) + 1);
}

TEST_CASE("INT 1Ah AH=00h reads the ticks and the midnight flag once") {
    Asm16 a;
    a.sti().hlt();
    a.mov(Asm16::AH, 0x00).intr(0x1A).store(slot(6), Asm16::DX);
    for (int i = 0; i < 5; ++i) a.hlt();
    a.mov(Asm16::AH, 0x00).intr(0x1A).store(slot(0), Asm16::CX).store(slot(1), Asm16::DX);
    // One tick before midnight, then one tick: the count wraps and the flag is set.
    a.cli().bytes({0x66, 0xC7, 0x06, 0x6C, 0x04, 0xAF, 0x00, 0x18, 0x00});  // mov dword [0x46C], 0x1800AF
    a.sti().hlt();
    a.mov(Asm16::AH, 0x00).intr(0x1A).store(slot(2), Asm16::AX).store(slot(3), Asm16::CX)
        .store(slot(4), Asm16::DX);
    a.mov(Asm16::AH, 0x00).intr(0x1A).store(slot(5), Asm16::AX);
    a.exit();
    BootSectorMachine b(a);
    REQUIRE(b.run() == BootSectorMachine::PASSED);
    CHECK(b.result(0) == 0);
    CHECK(b.result(1) == b.result(6) + 5);  // one per halt: IRQ 0 is the only source
    CHECK((b.result(2) & 0xFF) == 1);
    CHECK(b.result(3) == 0);
    CHECK(b.result(4) == 0);
    CHECK((b.result(5) & 0xFF) == 0);  // the flag was cleared by the first read
}

TEST_CASE("INT 1Ah reads the RTC's date and time in BCD and sets them") {
    Asm16 a;
    a.mov(Asm16::AH, 0x04).intr(0x1A).store(slot(0), Asm16::CX).store(slot(1), Asm16::DX).store_flags(slot(2));
    a.mov(Asm16::AH, 0x02).intr(0x1A).store(slot(3), Asm16::CX).store(slot(4), Asm16::DX);
    a.mov(Asm16::AH, 0x03).mov(Asm16::CX, 0x2359).mov(Asm16::DX, 0x4500).intr(0x1A);
    a.mov(Asm16::AH, 0x05).mov(Asm16::CX, 0x2031).mov(Asm16::DX, 0x1231).intr(0x1A);
    a.mov(Asm16::AH, 0x02).intr(0x1A).store(slot(5), Asm16::CX).store(slot(6), Asm16::DX);
    a.mov(Asm16::AH, 0x04).intr(0x1A).store(slot(7), Asm16::CX).store(slot(8), Asm16::DX);
    a.mov(Asm16::AX, 0xB101).intr(0x1A).store(slot(9), Asm16::AX).store_flags(slot(10));
    a.exit();
    BootSectorMachine b(a);
    REQUIRE(b.run() == BootSectorMachine::PASSED);
    CHECK(b.result(0) == 0x2026);  // devices::Rtc::DEFAULT_BASE: 2026-01-01 00:00:00
    CHECK(b.result(1) == 0x0101);
    CHECK((b.result(2) & cpu::EFLAGS_CF) == 0);
    CHECK(b.result(3) == 0x0000);
    CHECK(b.result(4) == 0x0000);
    CHECK(b.result(5) == 0x2359);
    CHECK((b.result(6) >> 8) == 0x45);
    CHECK(b.result(7) == 0x2031);
    CHECK(b.result(8) == 0x1231);
    CHECK((b.result(9) >> 8) == 0x86);
    CHECK((b.result(10) & cpu::EFLAGS_CF) != 0);
}

TEST_CASE("INT 1Ah AH=02h during an RTC update waits for it and reads the new second") {
    Asm16 a;
    a.sti();
    for (int i = 0; i < 17; ++i) a.hlt();  // about 0.93 s of virtual time
    // Poll register A until UIP: the last 244 us before the first second boundary.
    a.bytes({0xB0, 0x0A, 0xE6, 0x70, 0xE4, 0x71, 0xA8, 0x80, 0x74, 0xF6});
    a.mov(Asm16::AH, 0x02).intr(0x1A).store(slot(0), Asm16::DX).store_flags(slot(1));
    a.exit();
    BootSectorMachine b(a);
    REQUIRE(b.run() == BootSectorMachine::PASSED);
    CHECK((b.result(0) >> 8) == 0x01);
    CHECK((b.result(1) & cpu::EFLAGS_CF) == 0);
}
