// The dual 8259A: initialization, priorities, EOI, IMR, ELCR and spurious interrupts.
#include <doctest/doctest.h>

#include "devices/pic.h"

using namespace jitpc;

namespace {
struct PicFixture {
    // The INTR line as the PIC drove it, and how many times it changed.
    bool line = false;
    unsigned edges = 0;
    devices::Pic pic{[this](bool level) {
        CHECK(level != line);  // driven only when the output changes
        line = level;
        ++edges;
    }};
    PicFixture() {
        // What a BIOS or Linux does: vectors 0x20/0x28, cascade on IR2, 8086 mode, all unmasked.
        for (uint8_t v : {0x11, 0x20, 0x04, 0x01}) out(v == 0x11 ? 0x20 : 0x21, v);
        for (uint8_t v : {0x11, 0x28, 0x02, 0x01}) out(v == 0x11 ? 0xA0 : 0xA1, v);
        out(0x21, 0);
        out(0xA1, 0);
    }
    void out(uint16_t port, uint8_t v) { pic.port_write(port, 1, v); }
    uint8_t in(uint16_t port) { return uint8_t(pic.port_read(port, 1)); }
    uint8_t isr(uint16_t base) { out(base, 0x0B); return in(base); }
    uint8_t irr(uint16_t base) { out(base, 0x0A); return in(base); }
};
}  // namespace

TEST_CASE_FIXTURE(PicFixture, "IMR reads back what was written and masks requests") {
    out(0x21, 0xFF);
    out(0xA1, 0xA5);
    CHECK(in(0x21) == 0xFF);
    CHECK(in(0xA1) == 0xA5);
    pic.set_irq(3, true);
    CHECK_FALSE(pic.intr());
    CHECK(irr(0x20) == 0x08);
    out(0x21, 0xF7);
    CHECK(pic.intr());
    CHECK(pic.ack() == 0x23);
}

TEST_CASE_FIXTURE(PicFixture, "edge requests: priority, nesting, non-specific and specific EOI") {
    pic.set_irq(3, true);
    pic.set_irq(1, true);
    REQUIRE(pic.intr());
    CHECK(pic.ack() == 0x21);
    CHECK(isr(0x20) == 0x02);
    CHECK(irr(0x20) == 0x08);
    CHECK_FALSE(pic.intr());  // IRQ 3 waits behind IRQ 1 in service
    pic.set_irq(0, true);     // a higher priority nests
    CHECK(pic.ack() == 0x20);
    CHECK(isr(0x20) == 0x03);
    out(0x20, 0x61);  // specific EOI for IRQ 1
    CHECK(isr(0x20) == 0x01);
    out(0x20, 0x20);  // non-specific EOI ends IRQ 0
    CHECK(isr(0x20) == 0x00);
    CHECK(pic.ack() == 0x23);
    // A line still high is no new request: the source must drop it first.
    out(0x20, 0x20);
    pic.set_irq(3, true);
    CHECK_FALSE(pic.intr());
    pic.set_irq(3, false);
    pic.set_irq(3, true);
    CHECK(pic.intr());
}

TEST_CASE_FIXTURE(PicFixture, "slave requests cascade through IR2") {
    pic.set_irq(10, true);
    REQUIRE(pic.intr());
    CHECK(pic.ack() == 0x2A);
    CHECK(isr(0x20) == 0x04);
    CHECK(isr(0xA0) == 0x04);
    CHECK_FALSE(pic.intr());
    out(0xA0, 0x20);
    out(0x20, 0x20);
    CHECK(isr(0x20) == 0);
    CHECK(isr(0xA0) == 0);
}

TEST_CASE_FIXTURE(PicFixture, "ELCR: writable bits and level-triggered lines") {
    out(0x4D0, 0xFF);
    out(0x4D1, 0xFF);
    CHECK(in(0x4D0) == 0xF8);  // IRQ 0, 1, 2 are always edge
    CHECK(in(0x4D1) == 0xDE);  // IRQ 8 and 13 too
    out(0x4D0, 0x20);
    pic.set_irq(5, true);
    CHECK(pic.ack() == 0x25);
    CHECK(irr(0x20) == 0x20);  // still requested while the line is high
    out(0x20, 0x20);
    CHECK(pic.intr());         // and taken again after EOI without a new edge
    pic.set_irq(5, false);
    CHECK_FALSE(pic.intr());
    CHECK(irr(0x20) == 0);
}

TEST_CASE_FIXTURE(PicFixture, "a request that vanishes before INTA gives spurious IRQ 7 and 15") {
    out(0x4D0, 0x20);
    out(0x4D1, 0x02);
    pic.set_irq(5, true);
    REQUIRE(pic.intr());
    pic.set_irq(5, false);
    CHECK(pic.ack() == 0x27);
    CHECK(isr(0x20) == 0);  // spurious IRQ 7 is not put in service
    pic.set_irq(9, true);
    REQUIRE(pic.intr());
    pic.set_irq(9, false);
    CHECK(pic.ack() == 0x2F);
    CHECK(isr(0xA0) == 0);
    CHECK(isr(0x20) == 0x04);  // the master did acknowledge its cascade input
}

TEST_CASE_FIXTURE(PicFixture, "ICW1 resets IMR and ISR; auto-EOI leaves ISR clear") {
    pic.set_irq(4, true);
    CHECK(pic.ack() == 0x24);
    for (uint8_t v : {0x11, 0x40, 0x04, 0x03}) out(v == 0x11 ? 0x20 : 0x21, v);
    CHECK(in(0x21) == 0);
    CHECK(isr(0x20) == 0);
    pic.set_irq(6, true);
    CHECK(pic.ack() == 0x46);
    CHECK(isr(0x20) == 0);
}

TEST_CASE_FIXTURE(PicFixture, "special mask mode lets lower priorities past a masked in-service level") {
    pic.set_irq(1, true);
    CHECK(pic.ack() == 0x21);
    pic.set_irq(3, true);
    CHECK_FALSE(pic.intr());
    out(0x21, 0x02);  // mask IRQ 1 while it is in service
    CHECK_FALSE(pic.intr());
    out(0x20, 0x68);  // OCW3: set special mask mode
    CHECK(pic.intr());
    CHECK(pic.ack() == 0x23);
    out(0x20, 0x48);  // reset special mask mode: IRQ 1 and 3 in service, nothing else passes
    CHECK(isr(0x20) == 0x0A);
}

TEST_CASE_FIXTURE(PicFixture, "INTR is driven whenever the output changes: IRQ, IMR, INTA, EOI, ELCR") {
    CHECK(edges == 0);  // programming alone raises nothing
    pic.set_irq(3, true);
    CHECK(line);
    out(0x21, 0x08);  // masking drops it
    CHECK_FALSE(line);
    out(0x21, 0x00);
    CHECK(line);
    CHECK(pic.ack() == 0x23);  // INTA drops it: IRQ 3 is in service
    CHECK_FALSE(line);
    pic.set_irq(3, false);
    pic.set_irq(3, true);  // a new edge waits behind the in-service level
    CHECK_FALSE(line);
    out(0x20, 0x20);  // EOI lets it through
    CHECK(line);
    CHECK(pic.ack() == 0x23);
    out(0x20, 0x20);
    CHECK_FALSE(line);
    out(0x4D0, 0x08);  // IRQ 3 turned level-triggered while its line is high
    CHECK(line);
    pic.set_irq(3, false);
    CHECK_FALSE(line);
    CHECK(edges == 8);
    CHECK(pic.intr() == line);
}
