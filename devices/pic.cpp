#include "devices/pic.h"

#include <utility>

#include "logging/log.h"

namespace jitpc::devices {

namespace {
// ELCR bits that exist: IRQ 0, 1, 2 (master) and 8, 13 (slave) are always edge-triggered.
constexpr uint8_t ELCR_MASK[2] = {0xF8, 0xDE};
constexpr unsigned CASCADE_IRQ = 2;

enum LogOnce : unsigned {
    LOG_ROTATE = 1, LOG_PRIORITY = 2, LOG_POLL = 4, LOG_8080 = 8, LOG_SINGLE = 16, LOG_LTIM = 32,
};
}  // namespace

int Pic::Chip::output() const {
    const uint8_t pending = irr & ~imr;
    if (!pending) return -1;
    const int irq = __builtin_ctz(pending);
    // In special mask mode only unmasked in-service levels hold lower priorities back.
    const uint8_t blocking = special_mask ? uint8_t(isr & ~imr) : isr;
    if (blocking & ((2u << irq) - 1)) return -1;
    return irq;
}

void Pic::Chip::set_line(unsigned irq, bool level) {
    const uint8_t bit = uint8_t(1u << irq);
    const bool was = lines & bit;
    lines = level ? uint8_t(lines | bit) : uint8_t(lines & ~bit);
    if (elcr & bit) irr = level ? uint8_t(irr | bit) : uint8_t(irr & ~bit);
    else if (level && !was) irr |= bit;
}

void Pic::Chip::eoi(int irq) {
    if (irq < 0) {
        if (!isr) return;
        irq = __builtin_ctz(isr);
    }
    isr &= uint8_t(~(1u << irq));
}

unsigned Pic::Chip::acknowledge() {
    const int irq = output();
    if (irq < 0) return 7;
    const uint8_t bit = uint8_t(1u << irq);
    if (!(elcr & bit)) irr &= uint8_t(~bit);
    if (!auto_eoi) isr |= bit;
    return unsigned(irq);
}

Pic::Pic(IrqLine intr_out) : intr_out_(std::move(intr_out)) {
    // Until the guest programs them, both chips keep everything masked.
    chip_[0].imr = chip_[1].imr = 0xFF;
}

void Pic::claim(IoBus& bus) {
    bus.claim(0x20, 2, this);
    bus.claim(0xA0, 2, this);
    bus.claim(0x4D0, 2, this);
}

void Pic::log_once(unsigned what, const char* msg) {
    if (logged_ & what) return;
    logged_ |= what;
    static logging::Site site{logging::UNIMP, "8259 PIC"};
    site.print("8259 PIC: %s is not modelled (logged once)", msg);
}

void Pic::update_outputs() {
    // IR2 is an edge input like any other: the slave's INT rising latches the request, so a
    // slave request that vanishes before INTA still reaches the slave as spurious IRQ 15.
    chip_[0].set_line(CASCADE_IRQ, chip_[1].output() >= 0);
    const bool intr = chip_[0].output() >= 0;
    if (intr == intr_) return;
    intr_ = intr;
    if (intr_out_) intr_out_(intr);
}

void Pic::set_irq(unsigned line, bool level) {
    if (line >= 16 || line == CASCADE_IRQ) return;
    chip_[line >> 3].set_line(line & 7, level);
    update_outputs();
}

uint8_t Pic::ack() {
    Chip& m = chip_[0];
    const unsigned irq = m.acknowledge();
    uint8_t vec;
    if (irq == CASCADE_IRQ) {
        // The master's IR2 bit stays in service while the slave's handler runs (it sends EOI
        // to both), including for the slave's spurious IRQ 15.
        vec = uint8_t(chip_[1].vector_base | chip_[1].acknowledge());
    } else {
        vec = uint8_t(m.vector_base | irq);
    }
    update_outputs();
    return vec;
}

void Pic::write_command(Chip& c, uint8_t v) {
    if (v & 0x10) {  // ICW1: start of the initialization sequence
        c.icw4_needed = v & 1;
        c.single = v & 2;
        if (c.single) log_once(LOG_SINGLE, "single (non-cascaded) mode");
        if (v & 8) log_once(LOG_LTIM, "ICW1 level-triggered mode (the ELCR decides)");
        c.imr = c.isr = 0;
        c.irr = c.lines & c.elcr;  // edge sense resets: a line already high needs a new edge
        c.auto_eoi = c.read_isr = c.special_mask = false;
        c.init_step = 2;
        return;
    }
    if (v & 0x08) {  // OCW3
        if (v & 0x04) log_once(LOG_POLL, "poll command");
        if (v & 0x02) c.read_isr = v & 1;
        if (v & 0x40) c.special_mask = v & 0x20;
        return;
    }
    // OCW2: R SL EOI in bits 7-5, level in 2-0.
    const unsigned op = v >> 5;
    if (op & 4) log_once(op == 6 ? LOG_PRIORITY : LOG_ROTATE, op == 6 ? "set priority" : "priority rotation");
    switch (op) {
    case 1: case 5: c.eoi(-1); break;        // non-specific EOI (with rotate)
    case 3: case 7: c.eoi(v & 7); break;     // specific EOI (with rotate)
    default: break;
    }
}

void Pic::write_data(Chip& c, uint8_t v) {
    switch (c.init_step) {
    case 0: c.imr = v; return;
    case 2:
        c.vector_base = v & 0xF8;
        c.init_step = c.single ? (c.icw4_needed ? 4 : 0) : 3;
        return;
    case 3:  // ICW3: cascade wiring, fixed in a PC
        c.init_step = c.icw4_needed ? 4 : 0;
        return;
    default:  // ICW4
        if (!(v & 1)) log_once(LOG_8080, "8080/8085 mode");
        c.auto_eoi = v & 2;
        c.init_step = 0;
        return;
    }
}

uint32_t Pic::port_read(uint16_t port, unsigned) {
    if (port >= 0x4D0) return chip_[port & 1].elcr;
    const Chip& c = chip_[port >= 0xA0];
    if (port & 1) return c.imr;
    return c.read_isr ? c.isr : c.irr;
}

void Pic::port_write(uint16_t port, unsigned, uint32_t value) {
    const uint8_t v = uint8_t(value);
    if (port >= 0x4D0) {
        Chip& c = chip_[port & 1];
        c.elcr = v & ELCR_MASK[port & 1];
        // Level-triggered inputs report their line as it is now.
        c.irr = uint8_t((c.irr & ~c.elcr) | (c.lines & c.elcr));
    } else {
        Chip& c = chip_[port >= 0xA0];
        if (port & 1) write_data(c, v);
        else write_command(c, v);
    }
    update_outputs();
}

}  // namespace jitpc::devices
