#include "devices/uart16550.h"

namespace jitpc::devices {

namespace {

enum : unsigned { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

constexpr uint8_t LCR_DLAB = 0x80;
constexpr uint8_t MCR_OUT2 = 0x08, MCR_LOOP = 0x10;
constexpr uint8_t IER_RDI = 0x01, IER_THRI = 0x02, IER_RLSI = 0x04, IER_MSI = 0x08;
constexpr uint8_t MSR_CTS = 0x10, MSR_DSR = 0x20, MSR_RI = 0x40, MSR_DCD = 0x80;

// One bit lasts divisor * 16 / 1.8432 MHz = divisor * 78125/9 ns; 1.5 stop bits make half
// bits the natural unit: a half bit is divisor * 78125/18 ticks.
constexpr uint64_t HALF_BITS_PER_18_TICKS = 18, TICKS_PER_18_HALF_BITS = 78125;

}  // namespace

Uart16550::Uart16550(Clock& clock, IrqLine irq, Sink sink)
    : clock_(clock), irq_(std::move(irq)), sink_(std::move(sink)) {
    timeout_timer_ = clock_.add_timer([this](uint64_t) {
        timeout_pending_ = fifo_enabled() && !rx_.empty();
        update_irq();
    });
}

uint32_t Uart16550::port_read(uint16_t port, unsigned size) {
    // Linux and the BIOS use byte accesses; the upper bytes of a wider one read as open bus.
    const uint32_t open_bus = size == 4 ? 0xFFFFFF00u : size == 2 ? 0xFF00u : 0;
    return read_reg(port & 7) | open_bus;
}

void Uart16550::port_write(uint16_t port, unsigned, uint32_t value) {
    write_reg(port & 7, static_cast<uint8_t>(value));
}

uint8_t Uart16550::read_reg(unsigned reg) {
    const bool dlab = lcr_ & LCR_DLAB;
    switch (reg) {
    case RBR_THR: return dlab ? static_cast<uint8_t>(divisor_) : read_rbr();
    case IER: return dlab ? static_cast<uint8_t>(divisor_ >> 8) : ier_;
    case IIR_FCR: {
        const uint8_t v = iir();
        if ((v & 0x0F) == 0x02) {  // reading IIR acknowledges only a reported THR-empty source
            thri_pending_ = false;
            update_irq();
        }
        return v;
    }
    case LCR: return lcr_;
    case MCR: return mcr_;
    case LSR: {
        const uint8_t v = lsr();
        overrun_ = false;
        update_irq();
        return v;
    }
    case MSR: {
        const uint8_t v = modem_inputs() | msr_delta_;
        msr_delta_ = 0;
        update_irq();
        return v;
    }
    default: return scr_;
    }
}

void Uart16550::write_reg(unsigned reg, uint8_t v) {
    const bool dlab = lcr_ & LCR_DLAB;
    switch (reg) {
    case RBR_THR:
        if (dlab) {
            divisor_ = static_cast<uint16_t>((divisor_ & 0xFF00) | v);
            return;
        }
        if (mcr_ & MCR_LOOP)
            push_rx(v);
        else
            sink_(v);
        thri_pending_ = true;  // sent at once: the THR is empty again
        break;
    case IER:
        if (dlab) {
            divisor_ = static_cast<uint16_t>((divisor_ & 0x00FF) | (v << 8));
            return;
        }
        // The THR is always empty, so enabling THRI raises its interrupt at once.
        if (v & ~ier_ & IER_THRI) thri_pending_ = true;
        ier_ = v & 0x0F;
        break;
    case IIR_FCR: write_fcr(v); break;
    case LCR: lcr_ = v; return;
    case MCR: set_mcr(v & 0x1F); break;
    case SCR: scr_ = v; return;
    default: return;  // LSR and MSR writes (factory test) are ignored
    }
    update_irq();
}

void Uart16550::write_fcr(uint8_t v) {
    const bool was_enabled = fifo_enabled();
    fcr_ = (v & 0x01) ? (v & 0xC9) : 0;  // the other bits are programmed only with FCR0 set
    if (was_enabled != fifo_enabled() || (v & 0x02)) {
        rx_.clear();
        timeout_pending_ = false;
    }
    restart_timeout();
}

void Uart16550::set_mcr(uint8_t v) {
    const uint8_t before = modem_inputs();
    mcr_ = v;
    const uint8_t after = modem_inputs(), changed = before ^ after;
    if (changed & MSR_CTS) msr_delta_ |= 0x01;
    if (changed & MSR_DSR) msr_delta_ |= 0x02;
    if (before & ~after & MSR_RI) msr_delta_ |= 0x04;  // TERI: trailing edge only
    if (changed & MSR_DCD) msr_delta_ |= 0x08;
}

// The host side of the line asserts CTS, DSR and DCD (as QEMU's does); in loopback the
// modem outputs feed the inputs instead.
uint8_t Uart16550::modem_inputs() const {
    if (!(mcr_ & MCR_LOOP)) return MSR_CTS | MSR_DSR | MSR_DCD;
    uint8_t in = 0;
    if (mcr_ & 0x01) in |= MSR_DSR;  // DTR
    if (mcr_ & 0x02) in |= MSR_CTS;  // RTS
    if (mcr_ & 0x04) in |= MSR_RI;   // OUT1
    if (mcr_ & 0x08) in |= MSR_DCD;  // OUT2
    return in;
}

uint8_t Uart16550::lsr() const {
    return (rx_.empty() ? 0 : 0x01) | (overrun_ ? 0x02 : 0) | 0x60;  // THRE and TEMT always
}

unsigned Uart16550::rx_trigger() const {
    static constexpr unsigned levels[4] = {1, 4, 8, 14};
    return fifo_enabled() ? levels[fcr_ >> 6] : 1;
}

uint8_t Uart16550::iir() const {
    uint8_t id = 0x01;
    if ((ier_ & IER_RLSI) && overrun_)
        id = 0x06;
    else if ((ier_ & IER_RDI) && rx_.size() >= rx_trigger())
        id = 0x04;
    else if ((ier_ & IER_RDI) && timeout_pending_)
        id = 0x0C;
    else if ((ier_ & IER_THRI) && thri_pending_)
        id = 0x02;
    else if ((ier_ & IER_MSI) && msr_delta_)
        id = 0x00;
    return id | (fifo_enabled() ? 0xC0 : 0);
}

uint8_t Uart16550::read_rbr() {
    if (rx_.empty()) return 0;
    const uint8_t b = rx_.front();
    rx_.pop_front();
    timeout_pending_ = false;
    restart_timeout();
    update_irq();
    return b;
}

// In loopback the serial input is disconnected from the line: a host byte is lost, which is
// why can_receive() holds input back meanwhile.
void Uart16550::receive(uint8_t byte) {
    if (!(mcr_ & MCR_LOOP)) push_rx(byte);
}

bool Uart16550::can_receive() const {
    return !(mcr_ & MCR_LOOP) && rx_.size() < rx_capacity();
}

void Uart16550::push_rx(uint8_t byte) {
    if (rx_.size() < rx_capacity())
        rx_.push_back(byte);
    else {
        overrun_ = true;
        // A 16450-style holding register is overwritten; a full FIFO drops the new byte.
        if (!fifo_enabled()) rx_.back() = byte;
    }
    restart_timeout();
    update_irq();
}

// The timeout fires 4 character times after the last byte received or read while the FIFO
// holds data. A frame is a start bit, 5-8 data bits, optional parity and 1, 1.5 or 2 stop bits.
void Uart16550::restart_timeout() {
    if (!fifo_enabled() || rx_.empty()) {
        clock_.disarm(timeout_timer_);
        return;
    }
    const unsigned data = 5 + (lcr_ & 3), parity = (lcr_ >> 3) & 1;
    const unsigned stop_half = !(lcr_ & 0x04) ? 2 : data == 5 ? 3 : 4;
    const uint64_t frame_half_bits = 2 * (1 + data + parity) + stop_half;
    const uint64_t divisor = divisor_ ? divisor_ : 0x10000;  // a zero divisor counts 65536
    clock_.arm(timeout_timer_, clock_.now() + unscale(4 * frame_half_bits * divisor,
                                                               HALF_BITS_PER_18_TICKS,
                                                               TICKS_PER_18_HALF_BITS));
}

// On a PC the UART's interrupt pin reaches the PIC only through a buffer enabled by OUT2;
// loopback mode forces the OUT pins inactive, which closes that buffer too.
void Uart16550::update_irq() {
    const bool level = !(iir() & 0x01) && (mcr_ & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;
    if (level == irq_level_) return;
    irq_level_ = level;
    irq_(level);
}

}  // namespace jitpc::devices
