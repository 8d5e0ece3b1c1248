// Intel 8042 keyboard controller (data port 0x60, status/command port 0x64) with an MF2
// keyboard on its first port and an AUX (PS/2 mouse) port with nothing plugged in.
//
// Every reply is immediate in virtual time: a command or keyboard byte's answer is in the
// output buffer when the write returns, so IBF never reads 1 and polling loops end at once.
// The controller holds one output byte; controller replies, keyboard bytes and AUX bytes wait
// in queues behind it. Each byte loaded into the output buffer raises IRQ 1 (keyboard) or
// IRQ 12 (AUX) when its CCB interrupt bit is set, and reading port 0x60 drops the line before
// the next byte raises it again, so an edge-triggered PIC sees one edge per byte.
//
// Choices where controllers differ (also in docs/undefined.md, "Devices: i8042"):
//   - Power-on CCB 0x70 (translation on, both ports disabled, no interrupts, SYS clear); the
//     self-test 0xAA answers 0x55 and leaves CCB 0x74 (the same with SYS set, as after a BAT).
//   - The AUX port exists (0xA9 answers 0x00, 0xD3 loopback works) but no mouse is plugged
//     in: a byte sent with 0xD4 comes back as 0xFE with the AUX and timeout status bits set,
//     which Linux's i8042 driver hands to psmouse as SERIO_TIMEOUT, failing its probe at once.
//   - A byte written to port 0x60 for the keyboard clears the keyboard-disable bit (CCB bit
//     4), as on the controllers QEMU follows; while that bit is set, keyboard bytes wait.
//   - Keyboard replies are translated to set 1 when CCB bit 6 is set (identify FA AB 41, the
//     scancode set as 0x43/0x41/0x3F); host key bytes come in set 1 and are never translated.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>

#include "devices/io_bus.h"
#include "devices/irq_line.h"

namespace jitpc::devices {

class I8042 : public PortDevice {
public:

    // What the controller drives outside itself; the machine connects these to the PIC, the
    // CPU's A20 gate and the reset request.
    struct Wiring {
        IrqLine irq1, irq12;
        std::function<void(bool enabled)> set_a20;
        std::function<bool()> a20;
        std::function<void(const char* why)> reset;
    };

    explicit I8042(Wiring wiring);

    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;

    // Host keyboard: one set-1 byte (make, break or 0xE0 prefix), dropped while the keyboard
    // is not scanning or its 16-byte buffer is full. It reaches the guest as is, so a guest
    // that turns translation off and decodes set 2 misreads host keys (BIOSes and Linux keep
    // translation on).
    void key_scancode(uint8_t byte);
    // Whether a host key byte would go straight to the output buffer: the keyboard scans, and
    // the output buffer and the keyboard's queue are empty (the host input rule delivers one
    // byte per poll only then; see docs/ARCHITECTURE.md).
    bool ready_for_key() const { return scanning_ && !obf_ && keyboard_q_.empty(); }
    // Whether a key byte would interrupt the guest (keyboard port enabled, IRQ 1 on).
    bool key_interrupts() const { return (ram_[0] & CCB_KBD_INT) && !(ram_[0] & CCB_KBD_OFF); }
    // The keyboard's LED state as last set by the guest (bit 0 scroll, 1 num, 2 caps lock).
    uint8_t leds() const { return leds_; }

    // Status register bits.
    static constexpr uint8_t ST_OBF = 0x01, ST_IBF = 0x02, ST_SYS = 0x04, ST_CMD = 0x08,
                             ST_UNLOCKED = 0x10, ST_AUX = 0x20, ST_TIMEOUT = 0x40;
    // Controller command byte (CCB) bits.
    static constexpr uint8_t CCB_KBD_INT = 0x01, CCB_AUX_INT = 0x02, CCB_SYS = 0x04,
                             CCB_KBD_OFF = 0x10, CCB_AUX_OFF = 0x20, CCB_XLATE = 0x40;

    // Its state for snapshots (snapshot/archive.h).
    template <class A> void snapshot(A& a) {
        a(ram_, controller_q_, keyboard_q_, out_, obf_, last_was_command_, pending_, output_port_high_, scanning_,
          kbd_pending_, scancode_set_, leds_, last_sent_, irq1_, irq12_);
        a.check(controller_q_.size() <= QUEUE_LIMIT && keyboard_q_.size() <= QUEUE_LIMIT, "an i8042 queue");
    }

private:
    struct Byte {
        uint8_t value;
        bool aux;      // shows in the status register as AUX data (bit 5), raises IRQ 12
        bool timeout;  // status bit 6 while this byte is in the output buffer
        template <class A> void snapshot(A& a) { a(value, aux, timeout); }
    };
    // Bytes waiting behind the output buffer, per queue: a guest that sends command after
    // command without reading a reply loses the replies past it (a real 8042 holds one byte).
    static constexpr size_t QUEUE_LIMIT = 32;

    void command(uint8_t cmd);
    void controller_data(uint8_t cmd, uint8_t value);
    void keyboard_byte(uint8_t value);
    void keyboard_command(uint8_t cmd);
    void keyboard_defaults();
    void keyboard_reply(uint8_t value);
    void reply(uint8_t value, bool aux = false, bool timeout = false);
    void queue(std::deque<Byte>& q, Byte b);
    void write_output_port(uint8_t value);

    uint8_t& ccb() { return ram_[0]; }
    uint8_t status();
    void refill();
    void update_irq();

    Wiring wire_;
    std::array<uint8_t, 32> ram_{};  // internal RAM; byte 0 is the CCB
    std::deque<Byte> controller_q_, keyboard_q_;
    Byte out_{0, false, false};
    bool obf_ = false;
    bool last_was_command_ = true;  // status bit 3 (A2 of the last write)
    uint8_t pending_ = 0;            // controller command waiting for its data byte, or 0
    uint8_t output_port_high_ = 0xCC;  // output port bits 2-7 as last written

    // Keyboard.
    bool scanning_ = true;
    uint8_t kbd_pending_ = 0;  // keyboard command waiting for its parameter, or 0
    uint8_t scancode_set_ = 2;
    uint8_t leds_ = 0;
    uint8_t last_sent_ = 0xFA;  // for the resend command 0xFE

    bool irq1_ = false, irq12_ = false;
};

}  // namespace jitpc::devices
