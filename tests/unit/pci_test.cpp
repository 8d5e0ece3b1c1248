// PCI configuration mechanism #1, the 0xCF9 reset control, and the i440FX/PIIX3 functions as a
// guest's bus scan sees them.
#include <doctest/doctest.h>

#include <vector>

#include "devices/i440fx.h"
#include "devices/piix3.h"

using namespace jitpc;
using devices::PciBus;

namespace {
struct PciFixture {
    std::vector<bool> resets;  // one entry per reset request: was it a hard reset
    PciBus bus{[this](bool hard) { resets.push_back(hard); }};
    memory::PhysMemory mem{2u << 20};
    devices::I440fx host{mem};
    devices::Piix3Isa isa;
    devices::Piix3Ide ide;
    PciFixture() {
        bus.attach(0, 0, &host);
        bus.attach(1, 0, &isa);
        bus.attach(1, 1, &ide);
    }
    static uint32_t address(unsigned dev, unsigned fn, unsigned reg, unsigned busno = 0) {
        return 0x80000000u | busno << 16 | dev << 11 | fn << 8 | reg;
    }
    uint32_t in(uint16_t port, unsigned size) { return bus.port_read(port, size); }
    void out(uint16_t port, unsigned size, uint32_t v) { bus.port_write(port, size, v); }
    uint32_t cfg_read(unsigned dev, unsigned fn, unsigned reg, unsigned size = 4) {
        out(0xCF8, 4, address(dev, fn, reg & 0xFC));
        return in(uint16_t(0xCFC + (reg & 3)), size);
    }
    void cfg_write(unsigned dev, unsigned fn, unsigned reg, unsigned size, uint32_t v) {
        out(0xCF8, 4, address(dev, fn, reg & 0xFC));
        out(uint16_t(0xCFC + (reg & 3)), size, v);
    }
};
}  // namespace

TEST_CASE_FIXTURE(PciFixture, "a byte written to 0xCFB shows in a dword read of 0xCF8") {
    // Linux's pci_check_type1: outb(0x01, 0xCFB), save inl(0xCF8), probe with 0x80000000.
    out(0xCF8, 4, 0);
    out(0xCFB, 1, 0x01);
    CHECK(in(0xCF8, 4) == 0x01000000u);
    out(0xCF8, 4, 0x80000000u);
    CHECK(in(0xCF8, 4) == 0x80000000u);
    out(0xCFA, 2, 0xBEEF);
    CHECK(in(0xCF8, 4) == 0xBEEF0000u);
    CHECK(in(0xCFA, 1) == 0xEF);
    CHECK(resets.empty());
}

TEST_CASE_FIXTURE(PciFixture, "CONFIG_ADDRESS bits 1:0 read 0") {
    out(0xCF8, 4, 0x8000080Fu);
    CHECK(in(0xCF8, 4) == 0x8000080Cu);
    out(0xCF8, 1, 0x03);
    CHECK(in(0xCF8, 1) == 0x00);
}

TEST_CASE_FIXTURE(PciFixture, "0xCF9 is the reset control register, apart from CONFIG_ADDRESS") {
    out(0xCF8, 4, 0x80000000u);
    out(0xCF9, 1, 0x02);  // select a hard reset, no reset yet
    CHECK(resets.empty());
    CHECK(in(0xCF9, 1) == 0x02);
    CHECK(in(0xCF8, 4) == 0x80000000u);  // the byte did not land in CONFIG_ADDRESS
    out(0xCF9, 1, 0x06);
    REQUIRE(resets.size() == 1);
    CHECK(resets[0]);
    CHECK(in(0xCF9, 1) == 0x02);  // the reset pulse does not latch

    // Dword and word accesses at 0xCF8 cover byte 1 of CONFIG_ADDRESS, never the reset control.
    out(0xCF8, 4, 0x80000600u);
    out(0xCF8, 2, 0x0406);
    CHECK(resets.size() == 1);
    CHECK(in(0xCF8, 4) == 0x80000404u);
    CHECK(in(0xCF9, 1) == 0x02);

    out(0xCF9, 1, 0x04);  // soft (CPU-only) reset
    REQUIRE(resets.size() == 2);
    CHECK_FALSE(resets[1]);
    CHECK(in(0xCF9, 1) == 0x00);
}

TEST_CASE_FIXTURE(PciFixture, "a bus scan finds the i440FX and the two PIIX3 functions") {
    struct Expect {
        unsigned dev, fn;
        uint32_t id, class_rev;
        uint8_t header;
    };
    const Expect expect[] = {
        {0, 0, 0x12378086u, 0x06000002u, 0x00},
        {1, 0, 0x70008086u, 0x06010000u, 0x80},
        {1, 1, 0x70108086u, 0x01018000u, 0x00},
    };
    for (const Expect& e : expect) {
        CAPTURE(e.dev);
        CAPTURE(e.fn);
        CHECK(cfg_read(e.dev, e.fn, 0x00) == e.id);
        CHECK(cfg_read(e.dev, e.fn, 0x08) == e.class_rev);
        CHECK(cfg_read(e.dev, e.fn, 0x0E, 1) == e.header);
    }
    unsigned found = 0;
    for (unsigned dev = 0; dev < 32; ++dev)
        for (unsigned fn = 0; fn < 8; ++fn)
            if (cfg_read(dev, fn, 0x00) != 0xFFFFFFFFu) ++found;
    CHECK(found == 3);
    CHECK(cfg_read(2, 0, 0x00) == 0xFFFFFFFFu);
    CHECK(cfg_read(0, 1, 0x08, 2) == 0xFFFFu);
    CHECK(cfg_read(1, 2, 0x0E, 1) == 0xFFu);
}

TEST_CASE_FIXTURE(PciFixture, "other buses and a clear enable bit reach no function") {
    out(0xCF8, 4, address(0, 0, 0, 1));
    CHECK(in(0xCFC, 4) == 0xFFFFFFFFu);
    out(0xCF8, 4, address(0, 0, 0) & ~0x80000000u);
    CHECK(in(0xCFC, 4) == 0xFFFFFFFFu);
    out(0xCFC, 2, 0xFFFF);  // a write to the command register with the enable bit clear is dropped
    CHECK(cfg_read(0, 0, 0x04, 2) == 0x0006);
    // Writes to an empty slot are dropped without effect on the others.
    cfg_write(5, 0, 0x04, 2, 0xFFFF);
    CHECK(cfg_read(5, 0, 0x04, 2) == 0xFFFFu);
}

TEST_CASE_FIXTURE(PciFixture, "byte and word accesses at CONFIG_DATA offsets 1-3") {
    CHECK(cfg_read(1, 1, 0x01, 1) == 0x80);    // vendor ID high byte
    CHECK(cfg_read(1, 1, 0x02, 2) == 0x7010);
    CHECK(cfg_read(1, 1, 0x03, 1) == 0x70);
    CHECK(cfg_read(1, 1, 0x09, 1) == 0x80);    // prog-if
    CHECK(cfg_read(1, 1, 0x0B, 1) == 0x01);    // base class
    CHECK(cfg_read(1, 1, 0x0A, 2) == 0x0101);  // class, subclass
    cfg_write(1, 0, 0x61, 1, 0x0B);
    cfg_write(1, 0, 0x62, 2, 0x0A09);
    CHECK(cfg_read(1, 0, 0x60) == 0x0A090B80u);
    CHECK(isa.pirq_irq(0) == -1);
    CHECK(isa.pirq_irq(1) == 11);
    CHECK(isa.pirq_irq(2) == 9);
    CHECK(isa.pirq_irq(3) == 10);
    cfg_write(1, 0, 0x63, 1, 0x0D);  // IRQ 13 is not routable
    CHECK(isa.pirq_irq(3) == -1);
}

TEST_CASE("PIRQ lines reach their routed 8259 input and, active low, I/O APIC pins 16-19") {
    std::vector<std::pair<unsigned, bool>> pic, apic;
    devices::Piix3Isa isa{{[&](unsigned irq, bool l) { pic.push_back({irq, l}); },
                           [&](unsigned pin, bool l) { apic.push_back({pin, l}); }}};
    isa.config_write(devices::Piix3Isa::PIRQRC + 2, 1, 11);
    isa.set_pirq(2, true);
    isa.set_pirq(1, true);  // not routed (bit 7): the I/O APIC pin only
    isa.set_pirq(2, false);
    CHECK(pic == std::vector<std::pair<unsigned, bool>>{{11, true}, {11, false}});
    CHECK(apic == std::vector<std::pair<unsigned, bool>>{{18, false}, {17, false}, {18, true}});
}

TEST_CASE_FIXTURE(PciFixture, "an access reaching past 0xCFF reads 0xFF there and drops the rest") {
    out(0xCF8, 4, address(0, 0, 0x00));
    CHECK(in(0xCFF, 2) == 0xFF12u);  // device ID high byte, then nothing
    out(0xCF8, 4, address(1, 1, 0x3C));
    out(0xCFF, 2, 0xFFFF);
    CHECK(cfg_read(1, 1, 0x3C) == 0u);
}

TEST_CASE_FIXTURE(PciFixture, "PIRQ routing registers reset to 0x80 and drop reserved bits") {
    CHECK(cfg_read(1, 0, 0x60) == 0x80808080u);
    cfg_write(1, 0, 0x60, 4, 0xFFFFFFFFu);
    CHECK(cfg_read(1, 0, 0x60) == 0x8F8F8F8Fu);
}

TEST_CASE_FIXTURE(PciFixture, "BAR4 sizing of the IDE bus-master block") {
    CHECK(cfg_read(1, 1, 0x20) == 0x00000001u);  // unassigned, I/O space
    cfg_write(1, 1, 0x20, 4, 0xFFFFFFFFu);
    CHECK(cfg_read(1, 1, 0x20) == 0xFFFFFFF1u);
    cfg_write(1, 1, 0x20, 4, 0xC000);             // the I/O type bit cannot be cleared
    CHECK(cfg_read(1, 1, 0x20) == 0xC001u);
    cfg_write(1, 1, 0x20, 4, 0xC00E);             // address bits below the size do not store
    CHECK(cfg_read(1, 1, 0x20) == 0xC001u);
    CHECK(ide.bar_address(4) == 0xC000u);
    for (unsigned bar = 0; bar < 6; ++bar) {
        if (bar == 4) continue;
        CAPTURE(bar);
        cfg_write(1, 1, 0x10 + 4 * bar, 4, 0xFFFFFFFFu);
        CHECK(cfg_read(1, 1, 0x10 + 4 * bar) == 0u);  // legacy mode: reserved, read 0
    }
    CHECK(cfg_read(0, 0, 0x10) == 0u);
}

TEST_CASE_FIXTURE(PciFixture, "command register writes and the decode-change listener") {
    unsigned changes = 0;
    ide.on_decode_change([&] { ++changes; });
    CHECK(cfg_read(1, 1, 0x04, 2) == 0x0000);
    CHECK(ide.bus_master_base() == 0);
    cfg_write(1, 1, 0x20, 4, 0xC000);
    CHECK(changes == 1);
    cfg_write(1, 1, 0x04, 2, 0xFFFF);  // only I/O space and bus master exist
    CHECK(cfg_read(1, 1, 0x04, 2) == 0x0005);
    CHECK(changes == 2);
    CHECK(ide.bus_master_base() == 0xC000);
    cfg_write(1, 1, 0x04, 2, 0x0005);  // no change, no notification
    CHECK(changes == 2);

    CHECK_FALSE(ide.channel_decoded(0));
    cfg_write(1, 1, 0x40, 2, 0x8000);  // what firmware does to enable the primary channel
    CHECK(changes == 3);
    CHECK(ide.channel_decoded(0));
    CHECK_FALSE(ide.channel_decoded(1));
    cfg_write(1, 1, 0x43, 1, 0x80);
    CHECK(ide.channel_decoded(1));
    cfg_write(1, 1, 0x04, 1, 0x04);  // I/O space off: neither channel decodes
    CHECK_FALSE(ide.channel_decoded(0));
    CHECK(ide.bus_master_base() == 0);

    // The host bridge and ISA bridge keep their hardwired enables.
    cfg_write(0, 0, 0x04, 2, 0x0000);
    CHECK(cfg_read(0, 0, 0x04, 2) == 0x0006);
    cfg_write(0, 0, 0x04, 2, 0xFFFF);
    CHECK(cfg_read(0, 0, 0x04, 2) == 0x0146);
    cfg_write(1, 0, 0x04, 2, 0x0000);
    CHECK(cfg_read(1, 0, 0x04, 2) == 0x0007);
}

TEST_CASE_FIXTURE(PciFixture, "read-only fields stay put") {
    for (unsigned reg : {0x00u, 0x08u}) {
        for (unsigned fn = 0; fn < 2; ++fn) {
            uint32_t before = cfg_read(1, fn, reg);
            cfg_write(1, fn, reg, 4, ~before);
            CHECK(cfg_read(1, fn, reg) == before);
        }
    }
    cfg_write(1, 0, 0x0E, 1, 0x00);  // the multifunction bit is hardwired
    CHECK(cfg_read(1, 0, 0x0E, 1) == 0x80);
    uint32_t status = cfg_read(1, 1, 0x06, 2);
    cfg_write(1, 1, 0x06, 2, 0xFFFF);
    CHECK(cfg_read(1, 1, 0x06, 2) == status);
    cfg_write(1, 1, 0x3C, 2, 0xFFFF);  // no interrupt pin: line and pin read 0
    CHECK(cfg_read(1, 1, 0x3C, 2) == 0);
}

TEST_CASE_FIXTURE(PciFixture, "i440FX PAM and SMRAM registers store their writable bits") {
    CHECK(cfg_read(0, 0, 0x72, 1) == 0x02);
    cfg_write(0, 0, 0x72, 1, 0xFF);
    CHECK(cfg_read(0, 0, 0x72, 1) == 0x7A);
    cfg_write(0, 0, 0x58, 4, 0xFFFFFFFFu);  // DRAMT (unimplemented), PAM0-2
    CHECK(cfg_read(0, 0, 0x58) == 0x33333000u);
    cfg_write(0, 0, 0x5C, 4, 0x11223344u);
    CHECK(cfg_read(0, 0, 0x5C) == 0x11223300u);
}
