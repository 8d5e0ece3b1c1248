// Host keyboard and display: the terminal-byte to scancode table (frontend/key_translator), the
// rule that delivers the scancodes to the i8042 (Machine::poll_input, docs/ARCHITECTURE.md) and
// the terminal display's colours.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "frontend/key_translator.h"
#include "frontend/terminal_display.h"
#include "machine/machine.h"

using namespace jitpc;

namespace {

std::vector<uint8_t> keys(const std::string& bytes, bool pause = true) {
    frontend::KeyTranslator t;
    for (char c : bytes) t.feed(uint8_t(c));
    if (pause) t.pause();
    return {t.out.begin(), t.out.end()};
}

using Codes = std::vector<uint8_t>;

// Hands out the given bytes, counting how often the machine asked.
struct CountingInput : machine::SerialInput {
    std::vector<uint8_t> bytes;
    size_t calls = 0;
    Result next(uint64_t) override {
        if (calls >= bytes.size()) return {Kind::End};
        return {Kind::Byte, bytes[calls++]};
    }
};

// A 64 KiB ROM whose reset vector runs `code`, as a file for Config::bios_path.
std::string rom_file(const std::string& name, const std::vector<uint8_t>& code) {
    const auto path = std::filesystem::temp_directory_path() / name;
    std::vector<uint8_t> rom(0x10000);
    std::copy(code.begin(), code.end(), rom.begin() + 0xFFF0);
    std::FILE* f = std::fopen(path.c_str(), "wb");
    REQUIRE(f);
    std::fwrite(rom.data(), 1, rom.size(), f);
    std::fclose(f);
    return path.string();
}

}  // namespace

TEST_CASE("plain and shifted characters are their US keys") {
    CHECK(keys("a") == Codes{0x1E, 0x9E});
    CHECK(keys("A") == Codes{0x2A, 0x1E, 0x9E, 0xAA});
    CHECK(keys("1!") == Codes{0x02, 0x82, 0x2A, 0x02, 0x82, 0xAA});
    CHECK(keys("0") == Codes{0x0B, 0x8B});
    CHECK(keys(" ") == Codes{0x39, 0xB9});
    CHECK(keys("/?") == Codes{0x35, 0xB5, 0x2A, 0x35, 0xB5, 0xAA});
    CHECK(keys("\\|") == Codes{0x2B, 0xAB, 0x2A, 0x2B, 0xAB, 0xAA});
    CHECK(keys("`~") == Codes{0x29, 0xA9, 0x2A, 0x29, 0xA9, 0xAA});
    CHECK(keys("'\"") == Codes{0x28, 0xA8, 0x2A, 0x28, 0xA8, 0xAA});
    CHECK(keys("=+") == Codes{0x0D, 0x8D, 0x2A, 0x0D, 0x8D, 0xAA});
    CHECK(keys("m") == Codes{0x32, 0xB2});
    CHECK(keys("p") == Codes{0x19, 0x99});
    CHECK(keys("l") == Codes{0x26, 0xA6});
}

TEST_CASE("control characters: Enter, Tab, Backspace, Ctrl+letter") {
    CHECK(keys("\r") == Codes{0x1C, 0x9C});
    CHECK(keys("\n") == Codes{0x1C, 0x9C});
    CHECK(keys("\t") == Codes{0x0F, 0x8F});
    CHECK(keys("\x7f") == Codes{0x0E, 0x8E});
    CHECK(keys("\x08") == Codes{0x0E, 0x8E});
    CHECK(keys("\x03") == Codes{0x1D, 0x2E, 0xAE, 0x9D});  // Ctrl+C
    CHECK(keys("\x1a") == Codes{0x1D, 0x2C, 0xAC, 0x9D});  // Ctrl+Z
    CHECK(keys("\x1c") == Codes{0x1D, 0x2B, 0xAB, 0x9D});  // Ctrl+backslash
}

TEST_CASE("escape sequences become extended keys") {
    CHECK(keys("\x1b[A") == Codes{0xE0, 0x48, 0xE0, 0xC8});
    CHECK(keys("\x1b[B") == Codes{0xE0, 0x50, 0xE0, 0xD0});
    CHECK(keys("\x1b[C") == Codes{0xE0, 0x4D, 0xE0, 0xCD});
    CHECK(keys("\x1b[D") == Codes{0xE0, 0x4B, 0xE0, 0xCB});
    CHECK(keys("\x1bOH") == Codes{0xE0, 0x47, 0xE0, 0xC7});
    CHECK(keys("\x1b[F") == Codes{0xE0, 0x4F, 0xE0, 0xCF});
    CHECK(keys("\x1b[3~") == Codes{0xE0, 0x53, 0xE0, 0xD3});
    CHECK(keys("\x1b[2~") == Codes{0xE0, 0x52, 0xE0, 0xD2});
    CHECK(keys("\x1b[5~") == Codes{0xE0, 0x49, 0xE0, 0xC9});
    CHECK(keys("\x1b[6~") == Codes{0xE0, 0x51, 0xE0, 0xD1});
    CHECK(keys("\x1b[1;5A") == Codes{0xE0, 0x48, 0xE0, 0xC8});  // modifiers ignored
    CHECK(keys("\x1bOP") == Codes{0x3B, 0xBB});                 // F1
    CHECK(keys("\x1b[15~") == Codes{0x3F, 0xBF});               // F5
    CHECK(keys("\x1b[21~") == Codes{0x44, 0xC4});               // F10
    CHECK(keys("\x1b[24~") == Codes{0x58, 0xD8});               // F12
}

TEST_CASE("a lone ESC is the Escape key once input pauses; ESC+char is Alt") {
    CHECK(keys("\x1b", false).empty());
    CHECK(keys("\x1b") == Codes{0x01, 0x81});
    CHECK(keys("\x1bx") == Codes{0x38, 0x2D, 0xAD, 0xB8});
    CHECK(keys("\x1b\x1b[A") == Codes{0x01, 0x81, 0xE0, 0x48, 0xE0, 0xC8});
    // An unfinished sequence waits for the rest.
    frontend::KeyTranslator t;
    for (char c : std::string("\x1b[1")) t.feed(uint8_t(c));
    t.pause();
    CHECK(t.out.empty());
    CHECK(t.in_sequence());
    t.feed('~');
    CHECK(Codes(t.out.begin(), t.out.end()) == Codes{0xE0, 0x47, 0xE0, 0xC7});
}

TEST_CASE("bytes no key produces are dropped") {
    CHECK(keys("\xc3\xa9").empty());
    CHECK(keys("\x1b[Z").empty());
}

TEST_CASE("one key byte per input poll, only while the i8042 output buffer is free") {
    // mov al, 0xAE; out 0x64, al (enable the keyboard port); then either spin, or spin reading
    // port 0x60 (which empties the output buffer).
    const std::vector<uint8_t> spin = {0xB0, 0xAE, 0xE6, 0x64, 0xEB, 0xFE};
    const std::vector<uint8_t> drain = {0xB0, 0xAE, 0xE6, 0x64, 0xE4, 0x60, 0xEB, 0xFC};
    for (const bool reads : {false, true}) {
        CAPTURE(reads);
        CountingInput in;
        in.bytes = {0x1E, 0x9E, 0x30, 0xB0};
        machine::Config cfg;
        cfg.debugcon = nullptr;
        cfg.bios_path = rom_file(reads ? "jitpc_kbd_drain.rom" : "jitpc_kbd_spin.rom", reads ? drain : spin);
        cfg.keyboard_input = &in;
        // Polls at ticks 100,000, 200,000 and 300,000.
        cfg.max_instructions = 350'000;
        machine::Machine m(cfg);
        CHECK(m.run() == machine::EXIT_INSN_LIMIT);
        std::filesystem::remove(cfg.bios_path);
        if (reads) {
            CHECK(in.calls == 3);
            CHECK(m.cpu.gpr[cpu::EAX] == 0x30);  // the third byte, read last
        } else {
            CHECK(in.calls == 1);
            CHECK((m.kbc.port_read(0x64, 1) & devices::I8042::ST_OBF));
            CHECK(m.kbc.port_read(0x60, 1) == 0x1E);
        }
    }
}

TEST_CASE("VGA attributes become ANSI colours in the terminal display") {
    using frontend::TerminalDisplay;
    CHECK(TerminalDisplay::sgr(0x07) == "\x1b[0;37;40m");  // light grey on black
    CHECK(TerminalDisplay::sgr(0x1F) == "\x1b[0;97;44m");  // bright white on blue
    CHECK(TerminalDisplay::sgr(0x4E) == "\x1b[0;93;41m");  // yellow on red
    CHECK(TerminalDisplay::sgr(0xA1) == "\x1b[0;34;42m");  // blink bit not shown
}
