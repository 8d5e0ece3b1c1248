// The VGA text view over guest RAM at 0xB8000 and its register ports.
#include <doctest/doctest.h>

#include "devices/vga_text.h"

using namespace jitpc;

namespace {

struct VgaFixture {
    memory::PhysMemory mem{1u << 20};
    devices::VgaText vga{mem};

    void put(unsigned cell, const char* s, uint8_t attr = 0x07) {
        for (; *s; ++s, ++cell) {
            mem.write(0xB8000 + cell * 2, 1, uint8_t(*s));
            mem.write(0xB8000 + cell * 2 + 1, 1, attr);
        }
    }
    void crtc(uint8_t index, uint8_t v) {
        vga.port_write(0x3D4, 1, index);
        vga.port_write(0x3D5, 1, v);
    }
    uint8_t crtc(uint8_t index) {
        vga.port_write(0x3D4, 1, index);
        return uint8_t(vga.port_read(0x3D5, 1));
    }
};

}  // namespace

TEST_CASE_FIXTURE(VgaFixture, "VGA: characters and attributes written to 0xB8000 show") {
    put(0, "Hello");
    put(80 * 24 + 75, "end!!", 0x1F);
    const auto rows = vga.text_rows();
    REQUIRE(rows.size() == 25);
    CHECK(rows[0].substr(0, 6) == "Hello ");
    CHECK(rows[24].substr(75) == "end!!");
    CHECK(rows[1] == std::string(80, ' '));
    CHECK(vga.cell(24, 76).ch == 'n');
    CHECK(vga.cell(24, 76).attr == 0x1F);
    CHECK(vga.cell(0, 0).attr == 0x07);
}

TEST_CASE_FIXTURE(VgaFixture, "VGA: code page 437 maps to UTF-8") {
    mem.write(0xB8000, 1, 0xC9);      // box corner
    mem.write(0xB8002, 1, 0x01);      // smiley
    mem.write(0xB8004, 1, 0x82);      // e acute
    mem.write(0xB8006, 1, 0xFF);      // non-breaking space
    CHECK(vga.text_rows()[0].substr(0, 9) == "\u2554\u263A\u00E9 ");
}

TEST_CASE_FIXTURE(VgaFixture, "VGA: the CRTC start address scrolls the view and wraps") {
    put(80, "second");
    put(80 * 25, "below");
    crtc(0x0C, 0x00);
    crtc(0x0D, 80);
    auto rows = vga.text_rows();
    CHECK(rows[0].substr(0, 6) == "second");
    CHECK(rows[24].substr(0, 5) == "below");
    CHECK(crtc(0x0D) == 80);

    // A start near the end of the 16 Ki-cell window continues at its beginning.
    put(0x4000 - 2, "ab");
    put(0, "cd");
    crtc(0x0C, 0x3F);
    crtc(0x0D, 0xFE);
    CHECK(vga.text_rows()[0].substr(0, 4) == "abcd");
}

TEST_CASE_FIXTURE(VgaFixture, "VGA: cursor location, shape and disable bit") {
    crtc(0x0E, 0x00);
    crtc(0x0F, 0xA2);  // 162 = row 2, column 2
    auto c = vga.cursor();
    CHECK(c.row == 2);
    CHECK(c.col == 2);
    CHECK(c.visible);

    vga.port_write(0x3D4, 2, 0x0F | (5 << 8));  // out dx, ax: index then data
    CHECK(vga.cursor().col == 5);

    crtc(0x0C, 0x00);
    crtc(0x0D, 80);  // cursor before the start address: off screen
    CHECK_FALSE(vga.cursor().visible);
    crtc(0x0D, 0);

    crtc(0x0A, 0x20 | 0x0D);
    CHECK_FALSE(vga.cursor().visible);
    crtc(0x0A, 0x0F);  // start below end (0x0E)
    CHECK_FALSE(vga.cursor().visible);
    crtc(0x0A, 0x0D);
    CHECK(vga.cursor().visible);
}

TEST_CASE_FIXTURE(VgaFixture, "VGA: CRTC storage, write protection and the mono alias") {
    crtc(0x13, 0x42);
    CHECK(crtc(0x13) == 0x42);
    CHECK(crtc(0x11) == 0x8E);      // mode 3, protect bit set
    crtc(0x01, 0x11);               // protected
    CHECK(crtc(0x01) == 0x4F);
    crtc(0x11, 0x0E);
    crtc(0x01, 0x11);
    CHECK(crtc(0x01) == 0x11);

    CHECK(vga.port_read(0x3CC, 1) == 0x67);
    CHECK(vga.port_read(0x3B5, 1) == 0xFF);  // colour mode: mono ports do not decode
    vga.port_write(0x3C2, 1, 0x66);          // monochrome addressing
    CHECK(vga.port_read(0x3CC, 1) == 0x66);
    vga.port_write(0x3B4, 1, 0x13);
    CHECK(vga.port_read(0x3B5, 1) == 0x42);
    CHECK(vga.port_read(0x3D5, 1) == 0xFF);
}

TEST_CASE_FIXTURE(VgaFixture, "VGA: attribute controller flip-flop reset by Input Status 1") {
    vga.port_write(0x3C0, 1, 0x10);  // index
    vga.port_write(0x3C0, 1, 0x08);  // data
    CHECK(vga.port_read(0x3C1, 1) == 0x08);
    vga.port_write(0x3C0, 1, 0x33);  // index 0x13 with the palette address source bit
    CHECK(vga.port_read(0x3C0, 1) == 0x33);
    vga.port_write(0x3C0, 1, 0x05);
    CHECK(vga.port_read(0x3C1, 1) == 0x05);
    vga.port_write(0x3C0, 1, 0x10);
    CHECK(vga.port_read(0x3C1, 1) == 0x08);  // register 0x10 kept its value

    // The flip-flop now expects data; reading Input Status 1 puts it back at index.
    vga.port_read(0x3DA, 1);
    vga.port_write(0x3C0, 1, 0x11);
    CHECK(vga.port_read(0x3C0, 1) == 0x11);
    vga.port_write(0x3C0, 1, 0x2A);
    CHECK(vga.port_read(0x3C1, 1) == 0x2A);
    vga.port_write(0x3C0, 1, 0x10);
    CHECK(vga.port_read(0x3C1, 1) == 0x08);
}

TEST_CASE_FIXTURE(VgaFixture, "VGA: Input Status 1 retrace pattern is a fixed sequence") {
    unsigned vr = 0, de = 0;
    uint8_t first[8];
    for (unsigned i = 0; i < 16; ++i) {
        const uint8_t s = uint8_t(vga.port_read(0x3DA, 1));
        if (i < 8) first[i] = s;
        else CHECK(s == first[i - 8]);
        vr += (s >> 3) & 1;
        de += s & 1;
        if (s & 8) CHECK((s & 1) == 1);
    }
    CHECK(vr == 4);
    CHECK(de == 10);
}

TEST_CASE_FIXTURE(VgaFixture, "VGA: DAC index auto-increments over 3-byte entries") {
    vga.port_write(0x3C8, 1, 0x10);
    for (uint8_t v : {0x01, 0x02, 0x03, 0x04, 0x05, 0xFF}) vga.port_write(0x3C9, 1, v);
    CHECK(vga.port_read(0x3C8, 1) == 0x12);
    CHECK(vga.port_read(0x3C7, 1) == 0x00);

    vga.port_write(0x3C7, 1, 0x10);
    CHECK(vga.port_read(0x3C7, 1) == 0x03);
    uint8_t got[6];
    for (auto& g : got) g = uint8_t(vga.port_read(0x3C9, 1));
    CHECK(got[0] == 0x01);
    CHECK(got[2] == 0x03);
    CHECK(got[3] == 0x04);
    CHECK(got[5] == 0x3F);  // 6-bit components

    // A partial entry is not stored.
    vga.port_write(0x3C8, 1, 0x20);
    vga.port_write(0x3C9, 1, 0x11);
    vga.port_write(0x3C8, 1, 0x20);
    vga.port_write(0x3C7, 1, 0x20);
    CHECK(vga.port_read(0x3C9, 1) == 0x00);
}

TEST_CASE_FIXTURE(VgaFixture, "VGA: sequencer and graphics controller are storage") {
    vga.port_write(0x3C4, 1, 0x02);
    CHECK(vga.port_read(0x3C5, 1) == 0x03);
    vga.port_write(0x3C5, 1, 0x0F);
    CHECK(vga.port_read(0x3C5, 1) == 0x0F);
    vga.port_write(0x3CE, 2, 0x06 | (0x05 << 8));
    CHECK(vga.port_read(0x3CE, 1) == 0x06);
    CHECK(vga.port_read(0x3CF, 1) == 0x05);
}
