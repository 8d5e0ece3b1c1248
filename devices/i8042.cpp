#include "devices/i8042.h"

#include <cstddef>
#include <utility>

#include "logging/log.h"

namespace jitpc::devices {

namespace {

constexpr uint8_t CCB_POWER_ON = 0x70;
constexpr uint8_t CCB_WRITABLE = 0x77;  // bits 3 and 7 are reserved and read 0
constexpr uint8_t OUT_RESET = 0x01, OUT_A20 = 0x02, OUT_KBD_OBF = 0x10, OUT_AUX_OBF = 0x20;
// Input port: keyboard not inhibited (bit 7), no manufacturing jumper (bit 5), colour display.
constexpr uint8_t INPUT_PORT = 0xA0;

// The keyboard's own buffer: host bytes beyond it, while the guest keeps the port disabled or
// does not read, are lost as on a real keyboard.
constexpr size_t KBD_BUFFER = 16;

constexpr uint8_t KBD_ACK = 0xFA, KBD_RESEND = 0xFE, KBD_BAT_OK = 0xAA, KBD_ECHO = 0xEE;

// The controller's set-2 to set-1 translation of the bytes a keyboard's replies contain below
// 0x84: the identify byte 0x83 and the scancode set numbers. Bytes from 0x84 up pass as is.
uint8_t translate(uint8_t b) {
    switch (b) {
    case 0x01: return 0x43;
    case 0x02: return 0x41;
    case 0x03: return 0x3F;
    case 0x83: return 0x41;
    default: return b;
    }
}

}  // namespace

I8042::I8042(Wiring wiring) : wire_(std::move(wiring)) { ccb() = CCB_POWER_ON; }

uint8_t I8042::status() {
    uint8_t s = ST_UNLOCKED | (ccb() & CCB_SYS);
    if (last_was_command_) s |= ST_CMD;
    if (obf_) {
        s |= ST_OBF;
        if (out_.aux) s |= ST_AUX;
        if (out_.timeout) s |= ST_TIMEOUT;
    }
    return s;
}

uint32_t I8042::port_read(uint16_t port, unsigned size) {
    const uint32_t open_bus = size == 4 ? 0xFFFFFF00u : size == 2 ? 0xFF00u : 0;
    if (port == 0x64) return open_bus | status();
    // An empty output buffer reads as the byte last read, as the latch keeps it.
    const uint8_t value = out_.value;
    if (obf_) {
        obf_ = false;
        update_irq();
        refill();
    }
    return open_bus | value;
}

void I8042::port_write(uint16_t port, unsigned, uint32_t value) {
    const auto v = static_cast<uint8_t>(value);
    last_was_command_ = port == 0x64;
    if (port == 0x64) {
        pending_ = 0;
        command(v);
    } else if (pending_) {
        const uint8_t cmd = pending_;
        pending_ = 0;
        controller_data(cmd, v);
    } else {
        keyboard_byte(v);
    }
}

void I8042::command(uint8_t cmd) {
    if (cmd >= 0x20 && cmd <= 0x3F) return reply(ram_[cmd & 0x1F]);
    if ((cmd >= 0x60 && cmd <= 0x7F) || (cmd >= 0xD1 && cmd <= 0xD4)) {
        pending_ = cmd;
        return;
    }
    // Pulse output port bits 0-3 low where the command's low nibble is 0: only the reset line
    // (bit 0) has a lasting effect; a momentary A20 drop changes nothing the CPU can observe.
    if (cmd >= 0xF0) {
        if (!(cmd & OUT_RESET)) wire_.reset("reset through the 8042 (pulse output port)");
        return;
    }
    switch (cmd) {
    case 0xA7: ccb() |= CCB_AUX_OFF; break;
    case 0xA8: ccb() &= ~CCB_AUX_OFF; break;
    case 0xA9: reply(0x00); break;  // AUX clock and data lines test: no fault
    case 0xAA:
        ccb() = CCB_POWER_ON | CCB_SYS;
        reply(0x55);
        break;
    case 0xAB: reply(0x00); break;  // keyboard lines test: no fault
    case 0xAD: ccb() |= CCB_KBD_OFF; break;
    case 0xAE: ccb() &= ~CCB_KBD_OFF; refill(); break;
    case 0xC0: reply(INPUT_PORT); break;
    case 0xD0: {
        uint8_t out = (output_port_high_ & ~(OUT_KBD_OBF | OUT_AUX_OBF)) | OUT_RESET;
        if (wire_.a20()) out |= OUT_A20;
        if (obf_) out |= out_.aux ? OUT_AUX_OBF : OUT_KBD_OBF;
        reply(out);
        break;
    }
    case 0xDD: wire_.set_a20(false); break;
    case 0xDF: wire_.set_a20(true); break;
    default: {  // vendor commands (password, mode, test inputs): no effect, no reply
        static logging::Site site{logging::UNIMP, "i8042 command"};
        site.print("i8042: controller command %02Xh not modelled: ignored", cmd);
        break;
    }
    }
    update_irq();
}

void I8042::controller_data(uint8_t cmd, uint8_t value) {
    switch (cmd) {
    case 0xD1: write_output_port(value); break;
    case 0xD2: reply(value); break;
    case 0xD3: reply(value, true); break;
    // No mouse answers: the controller gives up on the AUX transfer and reports a timeout.
    case 0xD4: reply(KBD_RESEND, true, true); break;
    default:  // 0x60-0x7F: write internal RAM
        ram_[cmd & 0x1F] = cmd == 0x60 ? (value & CCB_WRITABLE) : value;
        if (cmd == 0x60) refill();
        break;
    }
    update_irq();
}

void I8042::write_output_port(uint8_t value) {
    output_port_high_ = value & 0xFC;
    wire_.set_a20(value & OUT_A20);
    if (!(value & OUT_RESET)) wire_.reset("reset through the 8042 (output port bit 0)");
}

void I8042::keyboard_byte(uint8_t value) {
    ccb() &= ~CCB_KBD_OFF;
    const uint8_t cmd = kbd_pending_;
    kbd_pending_ = 0;
    // A byte with bit 7 set while a parameter is expected is a new command instead.
    if (!cmd || (value & 0x80)) {
        keyboard_command(value);
    } else {
        keyboard_reply(KBD_ACK);
        if (cmd == 0xED) leds_ = value & 0x07;
        if (cmd == 0xF0) {
            if (value == 0) keyboard_reply(scancode_set_);
            else if (value <= 3) scancode_set_ = value;
        }
    }
    refill();
}

void I8042::keyboard_command(uint8_t cmd) {
    switch (cmd) {
    case 0xED:
    case 0xF0:
    case 0xF3:
        kbd_pending_ = cmd;
        keyboard_reply(KBD_ACK);
        break;
    case 0xEE: keyboard_reply(KBD_ECHO); break;
    case 0xF2:
        keyboard_reply(KBD_ACK);
        keyboard_reply(0xAB);
        keyboard_reply(0x83);
        break;
    case 0xF4:
        scanning_ = true;
        keyboard_reply(KBD_ACK);
        break;
    case 0xF5:
        keyboard_defaults();
        scanning_ = false;
        keyboard_reply(KBD_ACK);
        break;
    case 0xF6:
        keyboard_defaults();
        keyboard_reply(KBD_ACK);
        break;
    case 0xFE: keyboard_reply(last_sent_); break;
    case 0xFF:
        keyboard_defaults();
        scanning_ = true;
        keyboard_reply(KBD_ACK);
        keyboard_reply(KBD_BAT_OK);
        break;
    default: {
        static logging::Site site{logging::UNIMP, "keyboard command"};
        site.print("i8042: keyboard command %02Xh not modelled: RESEND", cmd);
        keyboard_reply(KBD_RESEND);
        break;
    }
    }
}

void I8042::keyboard_defaults() {
    scancode_set_ = 2;
    leds_ = 0;
}

void I8042::keyboard_reply(uint8_t value) {
    last_sent_ = value;
    queue(keyboard_q_, Byte{ccb() & CCB_XLATE ? translate(value) : value, false, false});
}

void I8042::key_scancode(uint8_t byte) {
    if (!scanning_ || keyboard_q_.size() >= KBD_BUFFER) return;
    keyboard_q_.push_back(Byte{byte, false, false});
    refill();
    update_irq();
}

void I8042::reply(uint8_t value, bool aux, bool timeout) {
    queue(controller_q_, Byte{value, aux, timeout});
    refill();
}

void I8042::queue(std::deque<Byte>& q, Byte b) {
    if (q.size() < QUEUE_LIMIT) {
        q.push_back(b);
        return;
    }
    static logging::Site site{logging::GUEST_ERRORS, "i8042 queue full"};
    site.print("i8042: %zu replies unread; reply %02Xh dropped", q.size(), b.value);
}

// Loads the next byte into an empty output buffer: controller replies first, then keyboard
// bytes while the keyboard port is enabled.
void I8042::refill() {
    if (obf_) return;
    std::deque<Byte>* q = !controller_q_.empty()                             ? &controller_q_
                          : !keyboard_q_.empty() && !(ccb() & CCB_KBD_OFF) ? &keyboard_q_
                                                                             : nullptr;
    if (!q) return;
    out_ = q->front();
    q->pop_front();
    obf_ = true;
    update_irq();
}

void I8042::update_irq() {
    const bool kbd = obf_ && !out_.aux && (ccb() & CCB_KBD_INT);
    const bool aux = obf_ && out_.aux && (ccb() & CCB_AUX_INT);
    if (kbd != irq1_ && wire_.irq1) wire_.irq1(kbd);
    if (aux != irq12_ && wire_.irq12) wire_.irq12(aux);
    irq1_ = kbd;
    irq12_ = aux;
}

}  // namespace jitpc::devices
