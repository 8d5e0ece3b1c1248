// The 8042 keyboard controller driven the way Linux's i8042/atkbd drivers, GRUB and a BIOS
// drive it, with its IRQ lines, A20 gate and reset line observed through its wiring.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "devices/i8042.h"

using namespace jitpc;
using devices::I8042;

namespace {

struct KbcFixture {
    bool irq1 = false, irq12 = false;
    int irq1_edges = 0, irq12_edges = 0;
    bool a20 = false;
    std::vector<std::string> resets;
    I8042 kbc{I8042::Wiring{
        [this](bool l) { irq1_edges += l && !irq1; irq1 = l; },
        [this](bool l) { irq12_edges += l && !irq12; irq12 = l; },
        [this](bool on) { a20 = on; },
        [this] { return a20; },
        [this](const char* why) { resets.emplace_back(why); },
    }};

    uint8_t status() { return static_cast<uint8_t>(kbc.port_read(0x64, 1)); }
    uint8_t data() { return static_cast<uint8_t>(kbc.port_read(0x60, 1)); }
    void cmd(uint8_t c) { kbc.port_write(0x64, 1, c); }
    void out(uint8_t v) { kbc.port_write(0x60, 1, v); }
    // Reads every byte waiting, as a polling driver does: OBF must be set before each.
    std::vector<uint8_t> drain() {
        std::vector<uint8_t> bytes;
        for (int i = 0; i < 32 && (status() & I8042::ST_OBF); ++i) bytes.push_back(data());
        return bytes;
    }
    uint8_t command_reply(uint8_t c) {
        cmd(c);
        REQUIRE((status() & I8042::ST_OBF) != 0);
        return data();
    }
    void write_ccb(uint8_t v) {
        cmd(0x60);
        out(v);
    }
};

using Bytes = std::vector<uint8_t>;

}  // namespace

TEST_CASE_FIXTURE(KbcFixture, "i8042: power-on status and CCB, IBF never set") {
    CHECK(status() == (I8042::ST_UNLOCKED | I8042::ST_CMD));
    CHECK(command_reply(0x20) == 0x70);
    CHECK((status() & (I8042::ST_IBF | I8042::ST_SYS | I8042::ST_CMD)) == I8042::ST_CMD);
    out(0x00);  // any data write clears A2
    CHECK((status() & I8042::ST_CMD) == 0);
    CHECK((status() & I8042::ST_IBF) == 0);
}

TEST_CASE_FIXTURE(KbcFixture, "i8042: Linux probe sequence") {
    CHECK(drain().empty());  // i8042_flush
    // i8042_controller_selftest
    CHECK(command_reply(0xAA) == 0x55);
    CHECK((status() & I8042::ST_SYS) != 0);
    // i8042_controller_init: a stable CTR read, then the CTR written back with AUX bits kept
    CHECK(command_reply(0x20) == 0x74);
    CHECK(command_reply(0x20) == 0x74);
    write_ccb(0x67);  // XLATE | AUXDIS | SYS | AUXINT | KBDINT
    CHECK(command_reply(0x20) == 0x67);
    write_ccb(0xFF);  // reserved bits 3 and 7 read 0
    CHECK(command_reply(0x20) == 0x77);
    write_ccb(0x74);
    // i8042_check_aux: loopback answers with the AUX bit in the status register
    cmd(0xD3);
    out(0x5A);
    CHECK((status() & (I8042::ST_OBF | I8042::ST_AUX)) == (I8042::ST_OBF | I8042::ST_AUX));
    CHECK(data() == 0x5A);
    CHECK((status() & (I8042::ST_OBF | I8042::ST_AUX)) == 0);
    // AUX enable bit assignment test: 0xA7 sets CCB bit 5, 0xA8 clears it
    cmd(0xA7);
    CHECK((command_reply(0x20) & I8042::CCB_AUX_OFF) != 0);
    cmd(0xA8);
    CHECK((command_reply(0x20) & I8042::CCB_AUX_OFF) == 0);
    // AUX IRQ delivery test: loopback with AUX interrupts on raises IRQ 12, not IRQ 1
    write_ccb(0x46);
    irq1_edges = 0;
    cmd(0xD3);
    out(0xA5);
    CHECK(irq12);
    CHECK(irq12_edges == 1);
    CHECK_FALSE(irq1);
    CHECK(data() == 0xA5);
    CHECK_FALSE(irq12);
    CHECK(command_reply(0xA9) == 0x00);
    CHECK(command_reply(0xAB) == 0x00);
    CHECK(irq12_edges == 1);  // replies to other commands are keyboard-side data
    CHECK(irq1_edges == 0);   // whose interrupt this CCB leaves off
}

TEST_CASE_FIXTURE(KbcFixture, "i8042: keyboard reset, identify and LEDs, translated and not") {
    write_ccb(0x45);  // translation on, keyboard enabled with its interrupt
    out(0xFF);
    CHECK(drain() == Bytes{0xFA, 0xAA});
    out(0xF2);
    CHECK(drain() == Bytes{0xFA, 0xAB, 0x41});
    out(0xF0);
    out(0x00);
    CHECK(drain() == Bytes{0xFA, 0xFA, 0x41});  // set 2, as translated
    write_ccb(0x05);
    out(0xF2);
    CHECK(drain() == Bytes{0xFA, 0xAB, 0x83});
    out(0xF0);
    out(0x03);
    out(0xF0);
    out(0x00);
    CHECK(drain() == Bytes{0xFA, 0xFA, 0xFA, 0xFA, 0x03});
    out(0xED);
    CHECK(drain() == Bytes{0xFA});
    out(0x06);
    CHECK(drain() == Bytes{0xFA});
    CHECK(kbc.leds() == 0x06);
    out(0xF3);
    out(0x00);
    out(0xF5);
    out(0xF4);
    out(0xEE);
    out(0x12);  // not a command
    CHECK(drain() == Bytes{0xFA, 0xFA, 0xFA, 0xFA, 0xEE, 0xFE});
    out(0xFE);  // resend
    CHECK(drain() == Bytes{0xFE});
    // A command byte in place of a parameter starts that command.
    out(0xED);
    out(0xF2);
    CHECK(drain() == Bytes{0xFA, 0xFA, 0xAB, 0x83});
    CHECK(kbc.leds() == 0);  // 0xF5 restored the defaults
    out(0xED);
    out(0x02);
    CHECK(drain() == Bytes{0xFA, 0xFA});
    CHECK(kbc.leds() == 0x02);
    out(0xFF);
    CHECK(drain() == Bytes{0xFA, 0xAA});
    CHECK(kbc.leds() == 0);
}

TEST_CASE_FIXTURE(KbcFixture, "i8042: IRQ 1 drops and rises once per byte") {
    write_ccb(0x45);
    out(0xF2);
    CHECK(irq1);
    CHECK(irq1_edges == 1);
    CHECK(data() == 0xFA);
    CHECK(irq1);
    CHECK(irq1_edges == 2);
    CHECK(data() == 0xAB);
    CHECK(irq1_edges == 3);
    CHECK(data() == 0x41);  // 0x83 translated
    CHECK_FALSE(irq1);
    CHECK(irq1_edges == 3);
    CHECK(data() == 0x41);  // an empty buffer reads the last byte again
    CHECK(irq1_edges == 3);
    CHECK_FALSE(irq12);
    // With CCB bit 0 clear the byte is there but no interrupt is raised.
    write_ccb(0x44);
    out(0xEE);
    CHECK((status() & I8042::ST_OBF) != 0);
    CHECK_FALSE(irq1);
    write_ccb(0x45);  // enabling the interrupt with a full buffer raises it
    CHECK(irq1);
    CHECK(data() == 0xEE);
    CHECK_FALSE(irq1);
}

TEST_CASE_FIXTURE(KbcFixture, "i8042: host scancodes, scanning and the keyboard-disable bit") {
    write_ccb(0x45);
    kbc.key_scancode(0x1E);
    kbc.key_scancode(0x9E);
    CHECK(irq1_edges == 1);
    CHECK(drain() == Bytes{0x1E, 0x9E});  // set 1 bytes pass untranslated
    CHECK(irq1_edges == 2);
    cmd(0xAD);
    kbc.key_scancode(0x1E);
    CHECK((status() & I8042::ST_OBF) == 0);
    CHECK(command_reply(0x20) == 0x55);  // controller replies still come
    cmd(0xAE);
    CHECK(drain() == Bytes{0x1E});
    cmd(0xAD);
    for (uint8_t i = 0; i < 20; ++i) kbc.key_scancode(0x10 + i);
    cmd(0xAE);
    const Bytes held = drain();
    REQUIRE(held.size() == 16);  // the keyboard's buffer
    CHECK(held.front() == 0x10);
    CHECK(held.back() == 0x1F);
    out(0xF5);
    kbc.key_scancode(0x1E);
    CHECK(drain() == Bytes{0xFA});
    out(0xF4);
    kbc.key_scancode(0x1F);
    CHECK(drain() == Bytes{0xFA, 0x1F});
    // A byte for the keyboard re-enables the keyboard interface.
    cmd(0xAD);
    out(0xEE);
    CHECK(drain() == Bytes{0xEE});
    CHECK((command_reply(0x20) & I8042::CCB_KBD_OFF) == 0);
}

TEST_CASE_FIXTURE(KbcFixture, "i8042: the absent mouse times out") {
    write_ccb(0x47);
    cmd(0xD4);
    out(0xF2);
    const uint8_t st = status();
    CHECK((st & (I8042::ST_OBF | I8042::ST_AUX | I8042::ST_TIMEOUT)) ==
          (I8042::ST_OBF | I8042::ST_AUX | I8042::ST_TIMEOUT));
    CHECK(irq12);
    CHECK_FALSE(irq1);
    CHECK(data() == 0xFE);
    CHECK((status() & (I8042::ST_OBF | I8042::ST_AUX | I8042::ST_TIMEOUT)) == 0);
    CHECK_FALSE(irq12);
    // 0xD2 writes the keyboard's side of the output buffer.
    cmd(0xD2);
    out(0x5C);
    CHECK((status() & (I8042::ST_AUX | I8042::ST_OBF)) == I8042::ST_OBF);
    CHECK(irq1);
    CHECK(data() == 0x5C);
}

TEST_CASE_FIXTURE(KbcFixture, "i8042: A20 through the output port and 0xDD/0xDF") {
    cmd(0xD1);
    out(0xDF);
    CHECK(a20);
    CHECK(resets.empty());
    CHECK(command_reply(0xD0) == 0xCF);  // bits 4-5 show the (empty) output buffer
    cmd(0xD1);
    out(0xDD);
    CHECK_FALSE(a20);
    CHECK(command_reply(0xD0) == 0xCD);
    cmd(0xDF);
    CHECK(a20);
    cmd(0xFF);  // the null pulse some A20 routines send after 0xD1
    CHECK(a20);
    cmd(0xDD);
    CHECK_FALSE(a20);
    a20 = true;  // port 0x92 turned it on: the output port shows the shared gate
    CHECK((command_reply(0xD0) & 0x02) != 0);
    CHECK(resets.empty());
    CHECK(command_reply(0xC0) == 0xA0);
}

TEST_CASE_FIXTURE(KbcFixture, "i8042: reset through 0xFE, the pulse commands and output port bit 0") {
    cmd(0xFE);
    CHECK(resets.size() == 1);
    cmd(0xFC);
    CHECK(resets.size() == 2);
    cmd(0xFD);
    cmd(0xFF);
    CHECK(resets.size() == 2);
    cmd(0xD1);
    out(0x02);
    CHECK(resets.size() == 3);
    CHECK(a20);
    CHECK((status() & I8042::ST_OBF) == 0);
}

TEST_CASE_FIXTURE(KbcFixture, "i8042: internal RAM and a command cancelling a pending one") {
    cmd(0x65);
    out(0x9C);
    CHECK(command_reply(0x25) == 0x9C);
    cmd(0x60);  // a new command abandons the CCB write: the next data byte is for the keyboard
    cmd(0xAE);
    out(0xEE);
    CHECK(drain() == Bytes{0xEE});
    CHECK(command_reply(0x20) == 0x60);
}
