#include "bios/keymap_us.h"

#include <array>

namespace jitpc::bios {

namespace {

constexpr uint8_t LAST_MAKE = 0x58;

// Printable keys of the main block, from scan code 0x02, unshifted and shifted (space: none).
constexpr char MAIN_NORMAL[] = "1234567890-=\0\0qwertyuiop[]\0\0asdfghjkl;'`\0\\zxcvbnm,./";
constexpr char MAIN_SHIFT[] = "!@#$%^&*()_+\0\0QWERTYUIOP{}\0\0ASDFGHJKL:\"~\0|ZXCVBNM<>?";
constexpr uint8_t MAIN_FIRST = 0x02;

// Ctrl on the main block's punctuation (letters give their control code).
constexpr struct {
    uint8_t make, ascii;
} MAIN_CTRL[] = {{0x03, 0x00}, {0x07, 0x1E}, {0x0C, 0x1F}, {0x1A, 0x1B}, {0x1B, 0x1D}, {0x2B, 0x1C}};

// Alt on the digit row and - =: the codes 0x78-0x83.
constexpr uint8_t ALT_DIGIT_FIRST = 0x02, ALT_DIGIT_LAST = 0x0D, ALT_DIGIT_CODE = 0x78;

// The keypad's 0x47-0x53: Ctrl codes of each key (scan code, ASCII 0), and the digits.
constexpr uint8_t KEYPAD_FIRST = 0x47, KEYPAD_LAST = 0x53;
constexpr uint8_t KEYPAD_CTRL[] = {0x77, 0x8D, 0x84, 0x8E, 0x73, 0x8F, 0x74,
                                   0x90, 0x75, 0x91, 0x76, 0x92, 0x93};
constexpr char KEYPAD_SHIFT[] = "789-456+1230.";
// Alt on the grey cursor block (E0 47-53), by position in the keypad range; 0: none.
constexpr uint8_t GREY_ALT[] = {0x97, 0x98, 0x99, 0, 0x9B, 0, 0x9D, 0, 0x9F, 0xA0, 0xA1, 0xA2, 0xA3};

constexpr uint16_t code(uint8_t scan, uint8_t ascii) { return uint16_t(scan << 8 | ascii); }

using Table = std::array<KeyCodes, LAST_MAKE + 1>;

Table build() {
    Table t{};
    for (uint8_t i = 0; i < sizeof MAIN_NORMAL - 1; ++i) {
        const uint8_t make = uint8_t(MAIN_FIRST + i);
        if (!MAIN_NORMAL[i]) continue;
        t[make] = {code(make, uint8_t(MAIN_NORMAL[i])), code(make, uint8_t(MAIN_SHIFT[i])), 0,
                   code(make, 0)};
        if (is_letter(make)) t[make].ctrl = code(make, uint8_t(MAIN_NORMAL[i] - 'a' + 1));
    }
    for (const auto& c : MAIN_CTRL) t[c.make].ctrl = code(c.make, c.ascii);
    for (uint8_t make = ALT_DIGIT_FIRST; make <= ALT_DIGIT_LAST; ++make)
        t[make].alt = code(uint8_t(ALT_DIGIT_CODE + make - ALT_DIGIT_FIRST), 0);
    t[0x01] = {code(0x01, 0x1B), code(0x01, 0x1B), code(0x01, 0x1B), code(0x01, 0)};
    t[0x0E] = {code(0x0E, 0x08), code(0x0E, 0x08), code(0x0E, 0x7F), code(0x0E, 0)};
    t[0x0F] = {code(0x0F, 0x09), code(0x0F, 0), code(0x94, 0), code(0xA5, 0)};
    t[0x1C] = {code(0x1C, 0x0D), code(0x1C, 0x0D), code(0x1C, 0x0A), code(0x1C, 0)};
    t[0x37] = {code(0x37, '*'), code(0x37, '*'), code(0x96, 0), code(0x37, 0)};
    t[0x39] = {code(0x39, ' '), code(0x39, ' '), code(0x39, ' '), code(0x39, ' ')};
    for (uint8_t make = 0x3B; make <= 0x44; ++make)  // F1-F10
        t[make] = {code(make, 0), code(uint8_t(make + 0x19), 0), code(uint8_t(make + 0x23), 0),
                   code(uint8_t(make + 0x2D), 0)};
    for (uint8_t i = 0; i < 2; ++i)  // F11, F12
        t[0x57 + i] = {code(uint8_t(0x85 + i), 0), code(uint8_t(0x87 + i), 0),
                       code(uint8_t(0x89 + i), 0), code(uint8_t(0x8B + i), 0)};
    for (uint8_t make = KEYPAD_FIRST; make <= KEYPAD_LAST; ++make) {
        const unsigned i = make - KEYPAD_FIRST;
        const bool arithmetic = make == 0x4A || make == 0x4E;
        const uint8_t ascii = uint8_t(KEYPAD_SHIFT[i]);
        t[make] = {code(make, arithmetic ? ascii : 0), code(make, ascii), code(KEYPAD_CTRL[i], 0),
                   arithmetic ? code(make, 0) : uint16_t(0)};
    }
    return t;
}

const Table& table() {
    static const Table t = build();
    return t;
}

}  // namespace

bool is_letter(uint8_t make) {
    return (make >= 0x10 && make <= 0x19) || (make >= 0x1E && make <= 0x26) ||
           (make >= 0x2C && make <= 0x32);
}

bool is_keypad_digit(uint8_t make) {
    return make >= KEYPAD_FIRST && make <= KEYPAD_LAST && make != 0x4A && make != 0x4E;
}

KeyCodes key_codes(uint8_t make) { return make <= LAST_MAKE ? table()[make] : KeyCodes{}; }

KeyCodes extended_key_codes(uint8_t make) {
    constexpr uint8_t E0 = 0xE0;
    if (make == 0x1C) return {code(E0, 0x0D), code(E0, 0x0D), code(E0, 0x0A), code(0xA6, 0)};
    if (make == 0x35) return {code(E0, '/'), code(E0, '/'), code(0x95, 0), code(0xA4, 0)};
    if (!is_keypad_digit(make)) return {};
    const unsigned i = make - KEYPAD_FIRST;
    return {code(make, E0), code(make, E0), code(KEYPAD_CTRL[i], E0), code(GREY_ALT[i], 0)};
}

}  // namespace jitpc::bios
