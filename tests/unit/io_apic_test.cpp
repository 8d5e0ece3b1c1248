// The I/O APIC: its indirect registers, each field of a redirection entry as a message to the
// local APIC, edge and level inputs, polarity, masking, and remote IRR with both EOI paths.
#include <doctest/doctest.h>

#include <vector>

#include "devices/io_apic.h"

using namespace jitpc;
using devices::ApicMessage;
using devices::IoApic;

namespace {
struct IoApicFixture {
    std::vector<ApicMessage> sent;
    IoApic ioapic{[this](const ApicMessage& m) { sent.push_back(m); }};
    uint32_t rd(uint8_t reg) {
        ioapic.mmio_write(IoApic::IOREGSEL, 4, reg);
        return ioapic.mmio_read(IoApic::IOWIN, 4);
    }
    void wr(uint8_t reg, uint32_t v) {
        ioapic.mmio_write(IoApic::IOREGSEL, 4, reg);
        ioapic.mmio_write(IoApic::IOWIN, 4, v);
    }
    void entry(unsigned pin, uint32_t low, uint32_t high = 0) {
        wr(uint8_t(IoApic::REDTBL + 2 * pin + 1), high);
        wr(uint8_t(IoApic::REDTBL + 2 * pin), low);
    }
    uint32_t low(unsigned pin) { return rd(uint8_t(IoApic::REDTBL + 2 * pin)); }
};
}  // namespace

TEST_CASE_FIXTURE(IoApicFixture, "reset values: ID, version, arbitration, every entry masked") {
    CHECK(rd(IoApic::ID) == 0);
    CHECK(rd(IoApic::VER) == 0x00170020);  // 24 entries, version 0x20
    CHECK(rd(IoApic::ARB) == 0);
    for (unsigned pin = 0; pin < IoApic::PINS; ++pin) {
        CHECK(low(pin) == IoApic::MASKED);
        CHECK(rd(uint8_t(IoApic::REDTBL + 2 * pin + 1)) == 0);
    }
    CHECK(rd(IoApic::REDTBL + 2 * IoApic::PINS) == 0);  // past the table
}

TEST_CASE_FIXTURE(IoApicFixture, "IOREGSEL, ID and arbitration ID; VER and ARB are read-only") {
    ioapic.mmio_write(IoApic::IOREGSEL, 1, 0x12);
    CHECK(ioapic.mmio_read(IoApic::IOREGSEL, 4) == 0x12);
    wr(IoApic::ID, 0xFFFFFFFF);
    CHECK(rd(IoApic::ID) == 0x0F000000);
    CHECK(rd(IoApic::ARB) == 0x0F000000);
    wr(IoApic::VER, 0);
    CHECK(rd(IoApic::VER) == 0x00170020);
    wr(IoApic::ARB, 0);
    CHECK(rd(IoApic::ARB) == 0x0F000000);
    // A byte read of IOWIN sees the register's bytes.
    ioapic.mmio_write(IoApic::IOREGSEL, 4, IoApic::VER);
    CHECK(ioapic.mmio_read(IoApic::IOWIN, 1) == 0x20);
    CHECK(ioapic.mmio_read(IoApic::IOWIN + 2, 1) == 0x17);
    ioapic.reset();
    CHECK(rd(IoApic::ID) == 0);
}

TEST_CASE_FIXTURE(IoApicFixture, "redirection entry: writable bits, read-only status bits") {
    entry(5, 0xFFFFFFFF, 0xFFFFFFFF);
    CHECK(low(5) == 0x1AFFF);  // no delivery status, no remote IRR, nothing above the mask
    CHECK(rd(IoApic::REDTBL + 11) == 0xFF000000);
    entry(5, 0x30);
    CHECK(low(5) == 0x30);
    CHECK(sent.empty());
}

TEST_CASE_FIXTURE(IoApicFixture, "edge: one message per rising edge, the entry's fields in it") {
    entry(2, 0x830, 0x03000000);  // logical, fixed, vector 0x30, destination 3
    ioapic.set_irq(2, true);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].vector == 0x30);
    CHECK(sent[0].mode == devices::FIXED);
    CHECK(sent[0].logical);
    CHECK(sent[0].dest == 3);
    CHECK(!sent[0].level);
    ioapic.set_irq(2, true);  // no new edge
    CHECK(sent.size() == 1);
    ioapic.set_irq(2, false);
    ioapic.set_irq(2, true);
    CHECK(sent.size() == 2);
    CHECK((low(2) & IoApic::REMOTE_IRR) == 0);
}

TEST_CASE_FIXTURE(IoApicFixture, "edge on a masked pin is lost; polarity low sends on the falling edge") {
    entry(4, IoApic::MASKED | 0x31);
    ioapic.set_irq(4, true);
    entry(4, 0x31);
    CHECK(sent.empty());
    ioapic.set_irq(4, false);
    entry(4, IoApic::POLARITY_LOW | 0x31);
    ioapic.set_irq(4, true);
    CHECK(sent.empty());
    ioapic.set_irq(4, false);  // active low: this is the edge
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].vector == 0x31);
}

TEST_CASE_FIXTURE(IoApicFixture, "level: remote IRR holds further messages until the EOI broadcast") {
    entry(9, IoApic::LEVEL | 0x41);
    ioapic.set_irq(9, true);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].level);
    CHECK((low(9) & IoApic::REMOTE_IRR) != 0);
    ioapic.set_irq(9, false);
    ioapic.set_irq(9, true);
    CHECK(sent.size() == 1);  // remote IRR still set
    ioapic.eoi(0x42);         // another vector
    CHECK((low(9) & IoApic::REMOTE_IRR) != 0);
    ioapic.eoi(0x41);  // the line is still asserted: delivered again at once
    CHECK(sent.size() == 2);
    CHECK((low(9) & IoApic::REMOTE_IRR) != 0);
    ioapic.set_irq(9, false);
    ioapic.eoi(0x41);
    CHECK(sent.size() == 2);
    CHECK((low(9) & IoApic::REMOTE_IRR) == 0);
}

TEST_CASE_FIXTURE(IoApicFixture, "level: the EOI register and switching to edge clear remote IRR") {
    ioapic.set_irq(10, true);  // inactive for active low
    entry(10, IoApic::LEVEL | IoApic::POLARITY_LOW | 0x50);
    CHECK(sent.empty());
    ioapic.set_irq(10, false);
    REQUIRE(sent.size() == 1);
    ioapic.set_irq(10, true);
    ioapic.mmio_write(IoApic::EOI, 4, 0x50);
    CHECK((low(10) & IoApic::REMOTE_IRR) == 0);
    ioapic.set_irq(10, false);
    CHECK(sent.size() == 2);
    entry(10, IoApic::POLARITY_LOW | 0x50);  // edge: remote IRR goes
    CHECK((low(10) & IoApic::REMOTE_IRR) == 0);
}

TEST_CASE_FIXTURE(IoApicFixture, "level: an asserted line is delivered when its pin is unmasked") {
    entry(11, IoApic::MASKED | IoApic::LEVEL | 0x60);
    ioapic.set_irq(11, true);
    CHECK(sent.empty());
    entry(11, IoApic::LEVEL | 0x60);
    REQUIRE(sent.size() == 1);
    entry(11, IoApic::LEVEL | 0x60);  // rewriting keeps remote IRR: no second message
    CHECK(sent.size() == 1);
}

TEST_CASE_FIXTURE(IoApicFixture, "delivery modes: lowest priority, NMI, ExtINT; SMI is not sent") {
    entry(0, 0x700);
    entry(1, 0x400 | IoApic::LEVEL);
    entry(3, 0x100 | 0x70, 0xFF000000);
    entry(6, 0x200 | 0x20);
    for (unsigned pin : {0u, 1u, 3u, 6u}) ioapic.set_irq(pin, true);
    REQUIRE(sent.size() == 3);
    CHECK(sent[0].mode == devices::EXTINT);
    CHECK(sent[1].mode == devices::NMI);
    CHECK(!sent[1].level);  // NMI is an edge whatever the trigger bit says
    CHECK((low(1) & IoApic::REMOTE_IRR) == 0);
    CHECK(sent[2].mode == devices::LOWEST);
    CHECK(sent[2].vector == 0x70);
    CHECK(sent[2].dest == 0xFF);
}

TEST_CASE_FIXTURE(IoApicFixture, "narrow writes to IOWIN are ignored; any_unmasked") {
    ioapic.mmio_write(IoApic::IOREGSEL, 4, IoApic::REDTBL);
    ioapic.mmio_write(IoApic::IOWIN, 2, 0x30);
    CHECK(low(0) == IoApic::MASKED);
    CHECK(!ioapic.any_unmasked());
    entry(7, 0x30);
    CHECK(ioapic.any_unmasked());
}
