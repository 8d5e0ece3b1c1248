// National Semiconductor 16550A UART (COM1/COM2), as Linux's 8250 autoconfig and tty layer
// probe it. Transmission is instantaneous in virtual time: a THR write hands the byte to the
// sink at once and THRE/TEMT never drop, so the THR-empty interrupt re-asserts right after the
// write (as in QEMU). Received bytes come from the host through receive(); in FIFO mode a FIFO
// below its trigger level raises the character-timeout interrupt after 4 character times of
// the programmed baud rate, timed on the virtual clock.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>

#include "devices/clock.h"
#include "devices/io_bus.h"
#include "devices/irq_line.h"

namespace jitpc::devices {

class Uart16550 : public PortDevice {
public:
    using Sink = std::function<void(uint8_t)>;

    // Registers are decoded from the low 3 bits of the port, so the device serves any
    // 8-aligned base (0x3F8, 0x2F8).
    Uart16550(Clock& clock, IrqLine irq, Sink sink);

    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;

    // Host side: a byte arrives on the serial line. can_receive() says whether it would fit
    // (the front end holds input back instead of overrunning the guest).
    void receive(uint8_t byte);
    bool can_receive() const;
    // MCR.DTR and MCR.RTS both set: the guest has the port open and is ready to receive (the
    // RS-232 hardware handshake). Drivers raise both when a port is opened for use (Linux's
    // 8250 on open, GRUB, BIOS INT 14h) but not while probing it, so host input is never fed
    // into a FIFO the driver is about to clear.
    bool ready_for_input() const { return (mcr_ & 0x03) == 0x03; }

    // Its state for snapshots (snapshot/archive.h).
    template <class A> void snapshot(A& a) {
        a(rx_, divisor_, ier_, fcr_, lcr_, mcr_, scr_, msr_delta_, overrun_, thri_pending_, timeout_pending_,
          irq_level_);
        a.check(rx_.size() <= rx_capacity(), "a UART's receive FIFO");
    }

private:
    uint8_t read_reg(unsigned reg);
    void write_reg(unsigned reg, uint8_t v);
    uint8_t iir() const;
    uint8_t lsr() const;
    uint8_t modem_inputs() const;
    void set_mcr(uint8_t v);
    void write_fcr(uint8_t v);
    uint8_t read_rbr();
    void push_rx(uint8_t byte);
    size_t rx_capacity() const { return fifo_enabled() ? 16 : 1; }
    bool fifo_enabled() const { return fcr_ & 0x01; }
    unsigned rx_trigger() const;
    void restart_timeout();
    void update_irq();

    Clock& clock_;
    IrqLine irq_;
    Sink sink_;
    int timeout_timer_;

    std::deque<uint8_t> rx_;
    uint16_t divisor_ = 12;  // 9600 baud, what PC BIOSes program
    uint8_t ier_ = 0, fcr_ = 0, lcr_ = 0, mcr_ = 0, scr_ = 0;
    uint8_t msr_delta_ = 0;
    bool overrun_ = false;
    bool thri_pending_ = false;
    bool timeout_pending_ = false;
    bool irq_level_ = false;
};

}  // namespace jitpc::devices
