#include "frontend/key_translator.h"

#include <cstdlib>

namespace jitpc::frontend {

namespace {

constexpr uint8_t ESC = 0x1B;
constexpr uint8_t BREAK = 0x80;
constexpr uint8_t EXTENDED = 0xE0;
constexpr uint8_t LSHIFT = 0x2A, LCTRL = 0x1D, LALT = 0x38;
constexpr uint8_t SC_ESC = 0x01, SC_BACKSPACE = 0x0E, SC_TAB = 0x0F, SC_ENTER = 0x1C;
constexpr uint8_t SC_UP = 0x48, SC_DOWN = 0x50, SC_LEFT = 0x4B, SC_RIGHT = 0x4D, SC_HOME = 0x47,
                  SC_END = 0x4F, SC_PGUP = 0x49, SC_PGDN = 0x51, SC_INSERT = 0x52, SC_DELETE = 0x53;
constexpr uint8_t SC_F1 = 0x3B, SC_F11 = 0x57, SC_F12 = 0x58;

struct Key {
    uint8_t code;  // set-1 make code; 0: no key
    bool shift;
};

// Printable ASCII 0x20-0x7E on a US keyboard.
Key printable(uint8_t c) {
    static constexpr char ROW_CODES[] = "1234567890-=";          // 0x02-0x0D
    static constexpr char SHIFTED_DIGITS[] = "!@#$%^&*()_+";
    static constexpr char QWERTY[] = "qwertyuiop[]";             // 0x10-0x1B
    static constexpr char SHIFT_QWERTY[] = "QWERTYUIOP{}";
    static constexpr char ASDF[] = "asdfghjkl;'`";               // 0x1E-0x29
    static constexpr char SHIFT_ASDF[] = "ASDFGHJKL:\"~";
    static constexpr char ZXCV[] = "\\zxcvbnm,./";               // 0x2B-0x35
    static constexpr char SHIFT_ZXCV[] = "|ZXCVBNM<>?";
    struct Row {
        const char* plain;
        const char* shifted;
        uint8_t first;
    };
    static constexpr Row ROWS[] = {{ROW_CODES, SHIFTED_DIGITS, 0x02},
                                   {QWERTY, SHIFT_QWERTY, 0x10},
                                   {ASDF, SHIFT_ASDF, 0x1E},
                                   {ZXCV, SHIFT_ZXCV, 0x2B}};
    if (c == ' ') return {0x39, false};
    for (const Row& r : ROWS)
        for (unsigned i = 0; r.plain[i]; ++i) {
            if (uint8_t(r.plain[i]) == c) return {uint8_t(r.first + i), false};
            if (uint8_t(r.shifted[i]) == c) return {uint8_t(r.first + i), true};
        }
    return {0, false};
}

}  // namespace

void KeyTranslator::key(uint8_t code, bool extended, uint8_t modifier) {
    if (modifier) out.push_back(modifier);
    if (extended) out.push_back(EXTENDED);
    out.push_back(code);
    if (extended) out.push_back(EXTENDED);
    out.push_back(code | BREAK);
    if (modifier) out.push_back(modifier | BREAK);
}

// A byte outside an escape sequence; `alt` wraps its key in Left Alt.
void KeyTranslator::character(uint8_t b, uint8_t alt) {
    Key k{0, false};
    uint8_t ctrl = 0;
    if (b == '\r' || b == '\n') k = {SC_ENTER, false};
    else if (b == '\t') k = {SC_TAB, false};
    else if (b == 0x7F || b == 0x08) k = {SC_BACKSPACE, false};
    else if (b == ESC) k = {SC_ESC, false};
    else if (b == 0) {  // Ctrl+Space (and Ctrl+@)
        k = {0x39, false};
        ctrl = LCTRL;
    } else if (b < 0x20) {
        k = printable(uint8_t(b + 0x60));  // Ctrl+letter (0x01-0x1A) and Ctrl+[ \ ] ^ _
        if (b >= 0x1E) k = printable(uint8_t(b == 0x1E ? '6' : '-'));
        ctrl = LCTRL;
        k.shift = false;
    } else if (b < 0x7F) k = printable(b);
    if (!k.code) return;
    if (alt) out.push_back(alt);
    if (ctrl) out.push_back(ctrl);
    key(k.code, false, k.shift ? LSHIFT : 0);
    if (ctrl) out.push_back(ctrl | BREAK);
    if (alt) out.push_back(alt | BREAK);
}

// The final byte of `ESC [ params final` (also `ESC O final`, whose params are empty).
void KeyTranslator::csi_final(uint8_t final) {
    switch (final) {
    case 'A': return key(SC_UP, true);
    case 'B': return key(SC_DOWN, true);
    case 'C': return key(SC_RIGHT, true);
    case 'D': return key(SC_LEFT, true);
    case 'H': return key(SC_HOME, true);
    case 'F': return key(SC_END, true);
    case 'P': case 'Q': case 'R': case 'S': return key(uint8_t(SC_F1 + (final - 'P')));
    case '~': break;
    default: return;
    }
    // VT220 keys: the first parameter names the key (modifiers after ';' are ignored).
    switch (std::atoi(params_.c_str())) {
    case 1: case 7: return key(SC_HOME, true);
    case 2: return key(SC_INSERT, true);
    case 3: return key(SC_DELETE, true);
    case 4: case 8: return key(SC_END, true);
    case 5: return key(SC_PGUP, true);
    case 6: return key(SC_PGDN, true);
    case 11: case 12: case 13: case 14: return key(uint8_t(SC_F1 + std::atoi(params_.c_str()) - 11));
    case 15: return key(SC_F1 + 4);
    case 17: case 18: case 19: case 20: case 21:
        return key(uint8_t(SC_F1 + 5 + std::atoi(params_.c_str()) - 17));
    case 23: return key(SC_F11);
    case 24: return key(SC_F12);
    default: return;
    }
}

void KeyTranslator::feed(uint8_t b) {
    switch (state_) {
    case State::Ground:
        if (b == ESC) state_ = State::Escape;
        else character(b, 0);
        return;
    case State::Escape:
        if (b == '[') {
            state_ = State::Csi;
            params_.clear();
        } else if (b == 'O') {
            state_ = State::Ss3;
            params_.clear();
        } else if (b == ESC) {
            key(SC_ESC);  // the first ESC was the Escape key; the second may start a sequence
        } else {
            state_ = State::Ground;
            character(b, LALT);
        }
        return;
    case State::Csi:
        if ((b >= '0' && b <= '9') || b == ';') {
            params_ += char(b);
            return;
        }
        state_ = State::Ground;
        csi_final(b);
        return;
    case State::Ss3:
        state_ = State::Ground;
        csi_final(b);
        return;
    }
}

void KeyTranslator::pause() {
    if (state_ != State::Escape) return;
    state_ = State::Ground;
    key(SC_ESC);
}

}  // namespace jitpc::frontend
