// The 16550A as Linux's 8250 driver probes and drives it, on a virtual clock the test advances.
#include <doctest/doctest.h>

#include <vector>

#include "devices/uart16550.h"

using namespace jitpc;

namespace {

constexpr uint16_t COM1 = 0x3F8;

struct UartFixture {
    uint64_t ticks = 0;
    devices::Clock clock{ticks};
    bool irq = false;
    int irq_edges = 0;
    std::vector<uint8_t> sent;
    devices::Uart16550 uart{clock,
                            [this](bool level) {
                                irq = level;
                                ++irq_edges;
                            },
                            [this](uint8_t b) { sent.push_back(b); }};

    uint8_t in(unsigned reg) { return static_cast<uint8_t>(uart.port_read(COM1 + reg, 1)); }
    void out(unsigned reg, uint8_t v) { uart.port_write(COM1 + reg, 1, v); }
    void advance_to(uint64_t t) {
        ticks = t;
        clock.fire_due(t);
    }
};

}  // namespace

TEST_CASE_FIXTURE(UartFixture, "UART: Linux autoconfig sees a 16550A") {
    CHECK(in(5) == 0x60);  // LSR idle: THRE | TEMT
    CHECK(in(2) == 0x01);  // no interrupt, no FIFO
    out(7, 0x5A);
    CHECK(in(7) == 0x5A);
    out(7, 0xA5);
    CHECK(in(7) == 0xA5);

    out(1, 0x00);
    CHECK((in(1) & 0x0F) == 0x00);
    out(1, 0xFF);
    CHECK(in(1) == 0x0F);  // only the low nibble exists
    out(1, 0x00);

    out(2, 0x01);
    CHECK(in(2) == 0xC1);
    out(2, 0x21);  // 16750 64-byte bit: IIR bit 5 stays clear
    CHECK(in(2) == 0xC1);

    out(4, 0x1A);  // LOOP | OUT2 | RTS
    CHECK((in(6) & 0xF0) == 0x90);  // DCD | CTS
    out(4, 0x15);  // LOOP | OUT1 | DTR
    CHECK((in(6) & 0xF0) == 0x60);  // RI | DSR
    out(4, 0x00);
    CHECK((in(6) & 0xF0) == 0xB0);  // the host asserts DCD, DSR, CTS

    // LCR 0xBF exposes no EFR: offset 2 still reads IIR.
    out(3, 0xBF);
    CHECK(in(2) == 0xC1);
    out(3, 0x03);
}

TEST_CASE_FIXTURE(UartFixture, "UART: divisor latch behind DLAB") {
    out(3, 0x80);
    out(0, 0x01);
    out(1, 0x00);
    CHECK(in(0) == 0x01);
    CHECK(in(1) == 0x00);
    out(3, 0x03);
    CHECK(in(3) == 0x03);
    CHECK(in(1) == 0x00);  // IER again
    CHECK(sent.empty());   // the DLL write did not transmit
}

TEST_CASE_FIXTURE(UartFixture, "UART: loopback MSR delta bits") {
    in(6);
    out(4, 0x10);  // loopback, all outputs low: CTS, DSR, DCD drop
    CHECK(in(6) == 0x0B);
    CHECK(in(6) == 0x00);  // deltas clear on read
    out(4, 0x14);          // OUT1 -> RI rises: no TERI
    CHECK(in(6) == 0x40);
    out(4, 0x10);  // RI falls: TERI
    CHECK(in(6) == 0x04);
}

TEST_CASE_FIXTURE(UartFixture, "UART: THRI raises IIR=02 at once; an IIR read clears only it") {
    out(4, 0x08);  // OUT2 opens the IRQ gate
    out(1, 0x02);
    CHECK(irq);
    CHECK(in(2) == 0x02);
    CHECK_FALSE(irq);
    CHECK(in(2) == 0x01);

    // Linux's UART_BUG_THRE probe: toggling IER.THRI raises it again.
    out(1, 0x00);
    out(1, 0x02);
    CHECK(in(2) == 0x02);

    // A THR write sends at once and THRE re-asserts.
    out(0, 'A');
    CHECK(sent == std::vector<uint8_t>{'A'});
    CHECK(in(5) == 0x60);
    CHECK(irq);

    // With a higher-priority source reported, the IIR read leaves THRI pending.
    out(1, 0x03);
    uart.receive('x');
    CHECK(in(2) == 0x04);
    CHECK(in(0) == 'x');
    CHECK(in(2) == 0x02);
    CHECK(in(2) == 0x01);
}

TEST_CASE_FIXTURE(UartFixture, "UART: OUT2 gates the IRQ line, loopback closes it") {
    out(1, 0x02);
    CHECK_FALSE(irq);
    CHECK(irq_edges == 0);
    out(4, 0x08);
    CHECK(irq);
    out(4, 0x00);
    CHECK_FALSE(irq);
    out(4, 0x18);
    CHECK_FALSE(irq);
    CHECK(in(2) == 0x02);  // the source itself is there
}

TEST_CASE_FIXTURE(UartFixture, "UART: RX trigger level and the character timeout") {
    // 115200 baud 8N1 (10 bits per frame), FIFO on with an 8-byte trigger, as Linux sets it.
    out(3, 0x80);
    out(0, 0x01);
    out(1, 0x00);
    out(3, 0x03);
    out(2, 0x87);
    out(4, 0x0B);
    out(1, 0x01);
    CHECK(in(2) == 0xC1);

    ticks = 1000;
    uart.receive('a');
    CHECK(in(5) == 0x61);
    CHECK_FALSE(irq);
    // 4 frames of 10 bits at 78125/9 ns per bit: 347222.2 ns, so the first whole tick after.
    const uint64_t timeout = 1000 + 347223;
    advance_to(timeout - 1);
    CHECK_FALSE(irq);
    advance_to(timeout);
    CHECK(irq);
    CHECK(in(2) == 0xCC);
    CHECK(in(0) == 'a');
    CHECK_FALSE(irq);
    CHECK(in(2) == 0xC1);

    // Eight bytes reach the trigger: IIR = 0xC4 without waiting.
    for (uint8_t b = 0; b < 7; ++b) uart.receive(b);
    CHECK_FALSE(irq);
    uart.receive(7);
    CHECK(irq);
    CHECK(in(2) == 0xC4);
    CHECK(in(0) == 0);
    CHECK(in(2) == 0xC1);  // seven left: below the trigger, the timeout restarted
    advance_to(ticks + 347223);
    CHECK(in(2) == 0xCC);

    // 17 bytes overrun a 16-byte FIFO: OE, a line-status interrupt outranking the rest.
    out(2, 0x07);
    out(2, 0x01);
    out(1, 0x05);
    for (int n = 0; n < 17; ++n) uart.receive(static_cast<uint8_t>(n));
    CHECK(in(2) == 0xC6);
    CHECK(in(5) == 0x63);
    CHECK(in(5) == 0x61);  // OE clears on read
    CHECK_FALSE(uart.can_receive());
    CHECK(in(2) == 0xC4);
    CHECK(in(0) == 0);
    CHECK(uart.can_receive());
}

TEST_CASE_FIXTURE(UartFixture, "UART: timeout scales with divisor and frame format") {
    out(3, 0x80);
    out(0, 12);  // 9600 baud
    out(1, 0);
    out(3, 0x0F);  // 8 data bits, parity, 2 stop bits: 12 bits per frame
    out(2, 0xC1);
    out(4, 0x08);
    out(1, 0x01);
    uart.receive('z');
    // 4 * 12 bits * 12 * 78125/9 ns = 5 000 000 ns exactly.
    advance_to(4'999'999);
    CHECK_FALSE(irq);
    advance_to(5'000'000);
    CHECK(irq);
}

TEST_CASE_FIXTURE(UartFixture, "UART: loopback TX comes back as RX") {
    out(4, 0x10);
    out(0, 'q');
    CHECK(sent.empty());
    CHECK(in(5) == 0x61);
    CHECK(in(0) == 'q');
    CHECK(in(5) == 0x60);
    CHECK_FALSE(uart.can_receive());  // the line is disconnected: host input waits
    uart.receive('h');
    CHECK(in(5) == 0x60);
    out(4, 0x00);
    CHECK(uart.can_receive());
}
