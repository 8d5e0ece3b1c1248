// IRQ 1 and INT 16h: host scancodes through the i8042 to the keys a booted program reads.
#include <doctest/doctest.h>

#include "tests/unit/boot_sector_fixture.h"

using namespace jitpc;
using test::Asm16;
using test::BootSectorMachine;

namespace {

constexpr uint16_t slot(unsigned i) { return uint16_t(BootSectorMachine::RESULTS + 2 * i); }

Asm16& int16(Asm16& a, uint8_t ah, unsigned result) {
    return a.mov(Asm16::AH, ah).intr(0x16).store(slot(result), Asm16::AX);
}

}  // namespace

TEST_CASE("INT 16h returns typed keys with Shift and Ctrl, grey keys in the extended form") {
    Asm16 a;
    a.sti();
    for (unsigned i = 0; i < 4; ++i) int16(a, 0x10, i);
    int16(a, 0x00, 4);
    a.mov(Asm16::AH, 0x01).intr(0x16).store_flags(slot(5));  // buffer now empty
    int16(a, 0x02, 6);
    a.exit();
    BootSectorMachine b(a);
    // At most 16 bytes: the keyboard's own buffer.
    b.keys({0x1E, 0x9E,              // a
            0x2A, 0x1E, 0x9E, 0xAA,  // A
            0xE0, 0x48, 0xE0, 0xC8,  // grey up arrow
            0x1D, 0x2E, 0xAE, 0x9D,  // Ctrl+C
            0x3B, 0xBB});            // F1
    REQUIRE(b.run() == BootSectorMachine::PASSED);
    CHECK(b.result(0) == 0x1E61);
    CHECK(b.result(1) == 0x1E41);
    CHECK(b.result(2) == 0x48E0);
    CHECK(b.result(3) == 0x2E03);
    CHECK(b.result(4) == 0x3B00);
    CHECK((b.result(5) & cpu::EFLAGS_ZF) != 0);
    CHECK((b.result(6) & 0xFF) == 0);
}

TEST_CASE("INT 16h peeks without consuming, converts grey keys for AH=00h, reports shifts, stores keys") {
    Asm16 a;
    a.sti();
    a.mov(Asm16::AH, 0x01).intr(0x16).store(slot(0), Asm16::AX).store_flags(slot(1));
    int16(a, 0x00, 2);
    int16(a, 0x00, 6);  // the grey up arrow as the 83-key interface sees it
    int16(a, 0x02, 3);
    a.mov(Asm16::AH, 0x05).mov(Asm16::CX, 0x1234).intr(0x16).store(slot(4), Asm16::AX);
    int16(a, 0x00, 5);
    a.exit();
    BootSectorMachine b(a);
    b.keys({0x3A, 0xBA,         // Caps Lock on
            0x36,               // right shift held
            0x10, 0x90,         // q: Shift with Caps Lock gives lower case
            0xE0, 0x48, 0xE0, 0xC8});
    REQUIRE(b.run() == BootSectorMachine::PASSED);
    CHECK(b.result(0) == 0x1071);
    CHECK((b.result(1) & cpu::EFLAGS_ZF) == 0);
    CHECK(b.result(2) == 0x1071);
    CHECK((b.result(3) & 0xFF) == 0x41);  // Caps Lock, right shift
    CHECK((b.result(4) & 0xFF) == 0);
    CHECK(b.result(5) == 0x1234);
    CHECK(b.result(6) == 0x4800);
    CHECK(b.rd<uint16_t>(0x41A) == b.rd<uint16_t>(0x41C));  // the ring is empty again
}

TEST_CASE("INT 16h AH=12h tells the left and right Ctrl and Alt apart") {
    Asm16 a;
    a.sti().hlt();
    int16(a, 0x12, 0);
    a.exit();
    BootSectorMachine b(a);
    b.keys({0x1D, 0xE0, 0x38});  // left Ctrl and right Alt held
    REQUIRE(b.run() == BootSectorMachine::PASSED);
    CHECK(b.result(0) == 0x090C);
}
