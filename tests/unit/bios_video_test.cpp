// INT 10h through the BIOS from a booted program, checked against the VGA device's view.
#include <doctest/doctest.h>

#include "tests/unit/boot_sector_fixture.h"

using namespace jitpc;
using test::Asm16;
using test::BootSectorMachine;

namespace {

constexpr uint16_t slot(unsigned i) { return uint16_t(BootSectorMachine::RESULTS + 2 * i); }

Asm16& teletype(Asm16& a, const char* s) {
    for (; *s; ++s) a.mov(Asm16::AX, uint16_t(0x0E00 | uint8_t(*s))).mov(Asm16::BH, 0).intr(0x10);
    return a;
}

devices::VgaText::Cell cell(BootSectorMachine& b, unsigned row, unsigned col) {
    return b.m->vga.cell(row, col);
}

}  // namespace

TEST_CASE("INT 10h teletype writes cells, handles CR/LF/BS and reports the cursor") {
    Asm16 a;
    teletype(a, "AB\r\nCDE\bF");
    a.mov(Asm16::AH, 0x03).mov(Asm16::BH, 0).intr(0x10).store(slot(0), Asm16::DX).store(slot(1), Asm16::CX);
    a.exit();
    BootSectorMachine b(a);
    REQUIRE(b.run() == BootSectorMachine::PASSED);
    CHECK(cell(b, 0, 0).ch == 'A');
    CHECK(cell(b, 0, 0).attr == 0x07);
    CHECK(cell(b, 0, 1).ch == 'B');
    CHECK(cell(b, 1, 0).ch == 'C');
    CHECK(cell(b, 1, 2).ch == 'F');  // the backspace moved back over E
    CHECK(b.result(0) == 0x0103);
    CHECK(b.result(1) == 0x0607);
    const auto cur = b.m->vga.cursor();
    CHECK(cur.row == 1);
    CHECK(cur.col == 3);
    CHECK(cur.visible);
}

TEST_CASE("INT 10h teletype scrolls at the bottom and wraps at the right edge") {
    Asm16 a;
    teletype(a, "top");
    a.mov(Asm16::AH, 0x02).mov(Asm16::BH, 0).mov(Asm16::DX, 0x184F).intr(0x10);  // row 24, col 79
    teletype(a, "XY");
    a.exit();
    BootSectorMachine b(a);
    REQUIRE(b.run() == BootSectorMachine::PASSED);
    CHECK(cell(b, 23, 79).ch == 'X');  // written on the last row, which then moved up
    CHECK(cell(b, 24, 0).ch == 'Y');
    CHECK(cell(b, 24, 1).ch == ' ');
    CHECK(cell(b, 0, 0).ch == ' ');  // "top" scrolled off
    const auto cur = b.m->vga.cursor();
    CHECK(cur.row == 24);
    CHECK(cur.col == 1);
}

TEST_CASE("INT 10h cursor position and shape reach the CRTC") {
    Asm16 a;
    a.mov(Asm16::AH, 0x02).mov(Asm16::BH, 0).mov(Asm16::DX, 0x050A).intr(0x10);
    a.mov(Asm16::AH, 0x03).mov(Asm16::BH, 0).intr(0x10).store(slot(0), Asm16::DX);
    a.exit();
    BootSectorMachine b(a);
    REQUIRE(b.run() == BootSectorMachine::PASSED);
    CHECK(b.result(0) == 0x050A);
    CHECK(b.rd<uint16_t>(0x450) == 0x050A);
    const auto cur = b.m->vga.cursor();
    CHECK(cur.row == 5);
    CHECK(cur.col == 10);
    CHECK(cur.visible);

    Asm16 hide;
    hide.mov(Asm16::AH, 0x01).mov(Asm16::CX, 0x2000).intr(0x10).exit();
    BootSectorMachine h(hide);
    REQUIRE(h.run() == BootSectorMachine::PASSED);
    CHECK_FALSE(h.m->vga.cursor().visible);
}

TEST_CASE("INT 10h write character, read character, scroll window, get mode") {
    Asm16 a;
    a.mov(Asm16::AH, 0x02).mov(Asm16::BH, 0).mov(Asm16::DX, 0x0102).intr(0x10);
    a.mov(Asm16::AX, 0x095A).mov(Asm16::BX, 0x001E).mov(Asm16::CX, 3).intr(0x10);  // "ZZZ" yellow on blue
    a.mov(Asm16::AH, 0x08).mov(Asm16::BH, 0).intr(0x10).store(slot(0), Asm16::AX);
    a.mov(Asm16::AH, 0x03).mov(Asm16::BH, 0).intr(0x10).store(slot(1), Asm16::DX);
    // The whole screen up one line; the new bottom line in attribute 0x70.
    a.mov(Asm16::AX, 0x0601).mov(Asm16::BX, 0x7000).mov(Asm16::CX, 0).mov(Asm16::DX, 0x184F).intr(0x10);
    a.mov(Asm16::AH, 0x0F).intr(0x10).store(slot(2), Asm16::AX).store(slot(3), Asm16::BX);
    a.exit();
    BootSectorMachine b(a);
    REQUIRE(b.run() == BootSectorMachine::PASSED);
    CHECK(b.result(0) == 0x1E5A);
    CHECK(b.result(1) == 0x0102);  // AH=09h leaves the cursor
    CHECK(cell(b, 0, 2).ch == 'Z');
    CHECK(cell(b, 0, 4).attr == 0x1E);
    CHECK(cell(b, 0, 5).ch == ' ');
    CHECK(cell(b, 24, 0).attr == 0x70);
    CHECK(b.result(2) == 0x5003);
    CHECK((b.result(3) >> 8) == 0);
}

TEST_CASE("INT 10h VGA detection answers; VBE is absent and writes nothing") {
    Asm16 a;
    a.mov(Asm16::AX, 0x1A00).intr(0x10).store(slot(0), Asm16::AX).store(slot(1), Asm16::BX);
    a.mov(Asm16::AH, 0x12).mov(Asm16::BX, 0xFF10).intr(0x10).store(slot(2), Asm16::BX);
    // ES:DI = 0000:3000, the VBE info block a probing loader would pass.
    a.bytes({0x31, 0xC0, 0x8E, 0xC0}).mov(Asm16::DI, 0x3000);  // xor ax, ax; mov es, ax
    a.mov(Asm16::AX, 0x4F00).intr(0x10).store(slot(3), Asm16::AX);
    a.exit();
    BootSectorMachine b(a);
    REQUIRE(b.run() == BootSectorMachine::PASSED);
    CHECK((b.result(0) & 0xFF) == 0x1A);
    CHECK(b.result(1) == 0x0008);
    CHECK(b.result(2) == 0x0003);
    CHECK(b.result(3) != 0x004F);
    for (uint32_t i = 0; i < 512; i += 4) CHECK(b.rd<uint32_t>(0x3000 + i) == 0);
}

TEST_CASE("INT 10h write string with attributes and cursor update") {
    Asm16 a;
    // "hi" at 0000:0700, written at row 2 col 3 in attribute 0x4F, cursor moved after it.
    a.bytes({0xC7, 0x06, 0x00, 0x07, 'h', 'i'});  // mov word [0x700], "hi"
    a.bytes({0x31, 0xC0, 0x8E, 0xC0});               // xor ax, ax; mov es, ax
    a.mov(Asm16::BP, 0x0700).mov(Asm16::AX, 0x1301).mov(Asm16::BX, 0x004F).mov(Asm16::CX, 2)
        .mov(Asm16::DX, 0x0203).intr(0x10);
    a.exit();
    BootSectorMachine b(a);
    REQUIRE(b.run() == BootSectorMachine::PASSED);
    CHECK(cell(b, 2, 3).ch == 'h');
    CHECK(cell(b, 2, 4).ch == 'i');
    CHECK(cell(b, 2, 4).attr == 0x4F);
    CHECK(b.m->vga.cursor().col == 5);
}

TEST_CASE("INT 10h graphics modes are refused without effect") {
    Asm16 a;
    teletype(a, "kept");
    a.mov(Asm16::AX, 0x0013).intr(0x10);
    a.mov(Asm16::AH, 0x0F).intr(0x10).store(slot(0), Asm16::AX);
    a.exit();
    BootSectorMachine b(a);
    REQUIRE(b.run() == BootSectorMachine::PASSED);
    CHECK(b.result(0) == 0x5003);
    CHECK(cell(b, 0, 0).ch == 'k');
}

TEST_CASE("INT 10h page select moves the CRTC start address and each page keeps its cursor") {
    Asm16 a;
    teletype(a, "0");
    a.mov(Asm16::AX, 0x0501).intr(0x10);
    a.mov(Asm16::AX, 0x0E50).mov(Asm16::BH, 1).intr(0x10);  // 'P' on page 1
    a.mov(Asm16::AH, 0x0F).intr(0x10).store(slot(0), Asm16::BX);
    a.mov(Asm16::AX, 0x1003).mov(Asm16::BL, 0).intr(0x10);  // bright backgrounds, not blink
    a.exit();
    BootSectorMachine b(a);
    REQUIRE(b.run() == BootSectorMachine::PASSED);
    CHECK(cell(b, 0, 0).ch == 'P');
    CHECK(b.rd<uint8_t>(0xB8000) == '0');
    CHECK((b.result(0) >> 8) == 1);
    CHECK(b.rd<uint16_t>(0x44E) == 0x1000);
    CHECK(b.rd<uint16_t>(0x450) == 0x0001);  // page 0's cursor
    CHECK(b.rd<uint16_t>(0x452) == 0x0001);  // page 1's
    CHECK(b.m->vga.cursor().col == 1);
    CHECK((b.rd<uint8_t>(0x465) & 0x20) == 0);
}
