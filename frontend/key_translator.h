// Host terminal bytes to PC keyboard scancodes (set 1, what an i8042 with translation on
// delivers; US layout). A character becomes the make and break codes of its key, wrapped in
// Left Shift or Left Ctrl make/break when the character needs them; ANSI escape sequences
// (arrows, Home/End, Insert/Delete, PgUp/PgDn, F1-F12) become their keys, E0-prefixed where the
// key is an extended one; ESC followed by a character is Alt+that key. Bytes no key produces
// (non-ASCII, unknown sequences) are dropped.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

namespace jitpc::frontend {

class KeyTranslator {
public:
    // Takes one terminal byte; completed keys append their scancodes to `out`.
    void feed(uint8_t byte);
    // No more bytes are coming for now (or ever): a lone ESC is the Escape key. An unfinished
    // escape sequence is kept, waiting for its remaining bytes.
    void pause();
    // True while a byte sequence is unfinished (ESC, or inside an escape sequence).
    bool in_sequence() const { return state_ != State::Ground; }

    std::deque<uint8_t> out;

private:
    enum class State { Ground, Escape, Csi, Ss3 };
    // Make/break of one key; `code` is its set-1 make code, E0-prefixed when `extended`.
    void key(uint8_t code, bool extended = false, uint8_t modifier = 0);
    void character(uint8_t byte, uint8_t extra_modifier);
    void csi_final(uint8_t final);

    State state_ = State::Ground;
    std::string params_;  // digits and ';' of a CSI sequence
};

}  // namespace jitpc::frontend
