// The US keyboard layout as INT 16h reports keys: set-1 make codes to the BIOS's
// (scan code << 8 | ASCII) words in the unshifted, Shift, Ctrl and Alt states, as every AT BIOS
// since the 101-key keyboard has produced them.
#pragma once

#include <cstdint>

namespace jitpc::bios {

struct KeyCodes {
    uint16_t normal, shift, ctrl, alt;  // 0: the combination produces no key
};

// Keys without the 0xE0 prefix; scan codes above 0x58 and modifiers give all zeros.
KeyCodes key_codes(uint8_t make);
// Keys sent with the 0xE0 prefix (the grey cursor block, keypad Enter and /).
KeyCodes extended_key_codes(uint8_t make);

// Letters follow Caps Lock; the keypad's 0x47-0x53 give digits (their Shift column) when Num
// Lock and Shift disagree.
bool is_letter(uint8_t make);
bool is_keypad_digit(uint8_t make);

}  // namespace jitpc::bios
