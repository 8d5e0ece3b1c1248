// Dual 8259A programmable interrupt controller as wired in a PC: master at 0x20/0x21, slave at
// 0xA0/0xA1 cascaded on the master's IR2, and the PIIX edge/level control registers (ELCR) at
// 0x4D0/0x4D1.
//
// Choices where hardware differs or is vague:
//   - Edge-triggered inputs latch their request in IRR on the rising edge and keep it until the
//     INTA cycle even if the line drops meanwhile (as QEMU does; a real 8259A would forget it);
//     a new edge counts only after the source dropped its line. Level-triggered inputs (ELCR) make IRR follow the line, so a
//     request that vanishes before INTA yields the spurious vector (IRQ 7, or 15 on the slave).
//   - The master's IR2 is edge-triggered on the slave's INT output, which drops while the
//     slave's request is blocked by its own in-service level.
//   - Priority rotation (OCW2 R=1), set-priority and poll commands and 8080 mode are not
//     modelled: the EOI part of a rotate command is performed, the rest is logged once.
#pragma once

#include <cstdint>
#include <functional>

#include "devices/io_bus.h"
#include "devices/irq_line.h"

namespace jitpc::devices {

class Pic : public PortDevice {
public:
    // Receives the INTR output each time it changes (none in unit tests).
    explicit Pic(IrqLine intr_out = {});
    void claim(IoBus& bus);

    // Drives IRQ line 0-15 to `level` (devices call this whenever their output changes).
    void set_irq(unsigned line, bool level);
    // INTR to the CPU as last driven, and the INTA cycle returning the vector.
    bool intr() const { return intr_; }
    uint8_t ack();
    // Every line is masked: nothing a device does can interrupt a halted CPU.
    bool all_masked() const { return (chip_[0].imr | (chip_[1].imr == 0xFF ? 0x04 : 0)) == 0xFF; }

    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;

    // Its state for snapshots (snapshot/archive.h).
    template <class A> void snapshot(A& a) {
        a(chip_, intr_);
        for (const Chip& c : chip_)
            a.check(c.init_step == 0 || (c.init_step >= 2 && c.init_step <= 4), "a PIC's initialization step");
    }

private:
    struct Chip {
        uint8_t irr = 0, isr = 0, imr = 0, elcr = 0;
        uint8_t lines = 0;        // current input levels, for edge detection
        uint8_t vector_base = 0;  // ICW2
        uint8_t init_step = 0;    // 0: operational; 2/3/4: next ICW expected
        bool icw4_needed = false, single = false, auto_eoi = false;
        bool read_isr = false, special_mask = false;
        // Field by field, so that a loaded flag is checked to be 0 or 1 (the same bytes as the
        // struct's layout).
        template <class A> void snapshot(A& a) {
            a(irr, isr, imr, elcr, lines, vector_base, init_step, icw4_needed, single, auto_eoi, read_isr, special_mask);
        }

        // The IRQ this chip would signal now (priority against in-service levels), or -1.
        int output() const;
        void set_line(unsigned irq, bool level);
        void eoi(int irq);  // -1: non-specific (highest in-service level)
        // INTA: the IRQ taken (7 when the request vanished: spurious, ISR untouched).
        unsigned acknowledge();
    };
    void write_command(Chip& c, uint8_t v);
    void write_data(Chip& c, uint8_t v);
    // After every state change: the slave's INT into the master's IR2, then INTR.
    void update_outputs();
    void log_once(unsigned what, const char* msg);

    Chip chip_[2];
    IrqLine intr_out_;
    bool intr_ = false;
    unsigned logged_ = 0;
};

}  // namespace jitpc::devices
