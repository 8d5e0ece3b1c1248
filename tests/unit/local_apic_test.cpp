// The local APIC: registers, priorities and EOI, the LVT pins with the 8259 behind LINT0, the
// self-IPI, errors, IA32_APIC_BASE, and the timer against the virtual clock.
#include <doctest/doctest.h>

#include <vector>

#include "devices/local_apic.h"

using namespace jitpc;
using devices::LocalApic;

namespace {
struct ApicFixture {
    uint64_t now = 0;
    devices::Clock clock{now};
    bool intr = false;
    unsigned pic_acks = 0;
    std::vector<uint8_t> eois;
    unsigned nmis = 0, inits = 0;
    LocalApic apic{clock, true,
                   LocalApic::Wiring{[this](bool level) { intr = level; },
                                     [this] {
                                         ++pic_acks;
                                         return uint8_t(0x20);
                                     },
                                     [this](uint8_t v) { eois.push_back(v); }, [this] { ++nmis; },
                                     [this] { ++inits; }, {}}};
    uint32_t rd(uint32_t reg) { return apic.mmio_read(reg, 4); }
    void wr(uint32_t reg, uint32_t v) { apic.mmio_write(reg, 4, v); }
    void enable() { wr(LocalApic::SVR, 0x1FF); }
    void advance(uint64_t ticks) {
        now += ticks;
        clock.fire_due(now);
    }
    bool bit(uint32_t base, unsigned v) { return rd(base + (v / 32) * 0x10) >> (v % 32) & 1; }
};
}  // namespace

TEST_CASE_FIXTURE(ApicFixture, "reset values: ID, version, DFR, SVR, LVTs, APIC_BASE") {
    CHECK(rd(LocalApic::ID) == 0);
    CHECK(rd(LocalApic::VER) == 0x00050014);
    CHECK(rd(LocalApic::DFR) == 0xFFFFFFFF);
    CHECK(rd(LocalApic::SVR) == 0xFF);
    CHECK(rd(LocalApic::LVT_TIMER) == LocalApic::LVT_MASKED);
    CHECK(rd(LocalApic::LVT_LINT0) == 0x700);  // virtual wire
    CHECK(rd(LocalApic::LVT_LINT1) == LocalApic::LVT_MASKED);
    CHECK(rd(LocalApic::LVT_ERROR) == LocalApic::LVT_MASKED);
    CHECK(apic.base_msr() == 0xFEE00900);
}

TEST_CASE_FIXTURE(ApicFixture, "writable bits of ID, TPR, LDR, DFR, SVR, ICR and the divide register") {
    wr(LocalApic::ID, 0xFFFFFFFF);
    CHECK(rd(LocalApic::ID) == 0xFF000000);
    wr(LocalApic::TPR, 0x1234);
    CHECK(rd(LocalApic::TPR) == 0x34);
    wr(LocalApic::LDR, 0x12345678);
    CHECK(rd(LocalApic::LDR) == 0x12000000);
    wr(LocalApic::DFR, 0);
    CHECK(rd(LocalApic::DFR) == 0x0FFFFFFF);
    wr(LocalApic::SVR, 0xFFFFFFFF);
    CHECK(rd(LocalApic::SVR) == 0x1FF);
    wr(LocalApic::ICR_HI, 0xFFFFFFFF);
    CHECK(rd(LocalApic::ICR_HI) == 0xFF000000);
    wr(LocalApic::TIMER_DIVIDE, 0xFF);
    CHECK(rd(LocalApic::TIMER_DIVIDE) == 0xB);
    // Read-only registers keep their value.
    wr(LocalApic::VER, 0);
    CHECK(rd(LocalApic::VER) == 0x00050014);
    // A byte read sees the register's low byte; the rest of the 16-byte slot reads 0.
    CHECK(apic.mmio_read(LocalApic::SVR, 1) == 0xFF);
    CHECK(apic.mmio_read(LocalApic::SVR + 4, 4) == 0);
}

TEST_CASE_FIXTURE(ApicFixture, "software-disabled, LVT entries stay masked; disabling masks them all") {
    wr(LocalApic::LVT_TIMER, 0x40);
    CHECK(rd(LocalApic::LVT_TIMER) == (LocalApic::LVT_MASKED | 0x40));
    enable();
    wr(LocalApic::LVT_TIMER, 0x40);
    CHECK(rd(LocalApic::LVT_TIMER) == 0x40);
    wr(LocalApic::SVR, 0xFF);
    CHECK(rd(LocalApic::LVT_TIMER) == (LocalApic::LVT_MASKED | 0x40));
    CHECK(rd(LocalApic::LVT_LINT0) == (LocalApic::LVT_MASKED | 0x700));
}

TEST_CASE_FIXTURE(ApicFixture, "a self-IPI sets IRR, INTA moves it to ISR, EOI clears it") {
    enable();
    wr(LocalApic::ICR_LO, 0x40000 | 0x51);  // shorthand self, fixed, vector 0x51
    CHECK(intr);
    CHECK(bit(LocalApic::IRR, 0x51));
    CHECK(apic.ack() == 0x51);
    CHECK_FALSE(intr);
    CHECK_FALSE(bit(LocalApic::IRR, 0x51));
    CHECK(bit(LocalApic::ISR, 0x51));
    CHECK(rd(LocalApic::PPR) == 0x50);
    wr(LocalApic::EOI, 0);
    CHECK_FALSE(bit(LocalApic::ISR, 0x51));
    CHECK(eois.empty());  // edge-triggered: no broadcast
    CHECK(rd(LocalApic::PPR) == 0);
}

TEST_CASE_FIXTURE(ApicFixture, "IPIs by physical and logical destination; all-but-self misses") {
    enable();
    wr(LocalApic::ICR_HI, 0x01000000);  // physical 1: not us (ID 0)
    wr(LocalApic::ICR_LO, 0x60);
    CHECK_FALSE(bit(LocalApic::IRR, 0x60));
    wr(LocalApic::ICR_LO, 0xC0000 | 0x61);  // all excluding self
    CHECK_FALSE(bit(LocalApic::IRR, 0x61));
    wr(LocalApic::LDR, 0x04000000);  // flat logical ID bit 2
    wr(LocalApic::ICR_HI, 0x04000000);
    wr(LocalApic::ICR_LO, 0x800 | 0x62);
    CHECK(bit(LocalApic::IRR, 0x62));
    wr(LocalApic::ICR_HI, 0);
    wr(LocalApic::ICR_LO, 0x63);  // physical 0: us
    CHECK(bit(LocalApic::IRR, 0x63));
}

TEST_CASE_FIXTURE(ApicFixture, "priority: TPR and the in-service class hold back lower classes") {
    enable();
    wr(LocalApic::TPR, 0x50);
    wr(LocalApic::ICR_LO, 0x40000 | 0x45);
    CHECK_FALSE(intr);
    CHECK(rd(LocalApic::PPR) == 0x50);
    wr(LocalApic::ICR_LO, 0x40000 | 0x65);
    CHECK(intr);
    CHECK(apic.ack() == 0x65);
    CHECK_FALSE(intr);  // 0x45 is below both
    wr(LocalApic::TPR, 0);
    CHECK_FALSE(intr);  // still below the 0x60 in service
    wr(LocalApic::EOI, 0);
    CHECK(intr);
    CHECK(apic.ack() == 0x45);
}

TEST_CASE_FIXTURE(ApicFixture, "illegal vectors and registers are reported through ESR and the error LVT") {
    enable();
    wr(LocalApic::LVT_ERROR, 0xFE);
    wr(LocalApic::ICR_LO, 0x40000 | 0x05);
    CHECK(rd(LocalApic::ESR) == 0);  // latched only by the next write
    wr(LocalApic::ESR, 0);
    CHECK(rd(LocalApic::ESR) == LocalApic::ESR_SEND_ILLEGAL);
    CHECK(intr);
    CHECK(apic.ack() == 0xFE);
    rd(0x3F0);  // reserved
    wr(LocalApic::ESR, 0);
    CHECK(rd(LocalApic::ESR) == LocalApic::ESR_ILLEGAL_REGISTER);
    wr(LocalApic::ESR, 0);
    CHECK(rd(LocalApic::ESR) == 0);
}

TEST_CASE_FIXTURE(ApicFixture, "the 8259 reaches INTR through LINT0 ExtINT, and not when LINT0 is masked") {
    apic.set_lint(0, true);
    CHECK(intr);  // virtual wire out of reset, even software-disabled
    CHECK(apic.ack() == 0x20);
    CHECK(pic_acks == 1);
    apic.set_lint(0, false);
    CHECK_FALSE(intr);
    enable();
    wr(LocalApic::LVT_LINT0, LocalApic::LVT_MASKED | 0x700);
    apic.set_lint(0, true);
    CHECK_FALSE(intr);
    // A local vector wins INTA over the 8259.
    wr(LocalApic::LVT_LINT0, 0x700);
    wr(LocalApic::ICR_LO, 0x40000 | 0x70);
    CHECK(apic.ack() == 0x70);
    CHECK(apic.ack() == 0x20);
}

TEST_CASE_FIXTURE(ApicFixture, "LINT1 fixed level-triggered: remote IRR until EOI, then TMR broadcast") {
    enable();
    wr(LocalApic::LVT_LINT1, LocalApic::LVT_LEVEL | 0x90);
    apic.set_lint(1, true);
    CHECK((rd(LocalApic::LVT_LINT1) & LocalApic::LVT_REMOTE_IRR) != 0);
    CHECK(bit(LocalApic::TMR, 0x90));
    CHECK(apic.ack() == 0x90);
    apic.set_lint(1, true);  // still asserted, remote IRR set: no second message
    CHECK_FALSE(bit(LocalApic::IRR, 0x90));
    wr(LocalApic::EOI, 0);
    CHECK((rd(LocalApic::LVT_LINT1) & LocalApic::LVT_REMOTE_IRR) == 0);
    CHECK(eois == std::vector<uint8_t>{0x90});
}

TEST_CASE_FIXTURE(ApicFixture, "hardware-disabled through IA32_APIC_BASE: the 8259 passes through, state resets") {
    enable();
    CHECK_FALSE(apic.write_base_msr(0xFEE00900 | 1));  // reserved bit
    CHECK_FALSE(apic.write_base_msr(0xFEE00900 | 0x400));  // no x2APIC on this APIC
    CHECK(apic.write_base_msr(0xFEE00100));
    CHECK(apic.base_msr() == 0xFEE00100);
    CHECK(rd(LocalApic::SVR) == 0xFFFFFFFF);  // nothing answers
    wr(LocalApic::ICR_LO, 0x40000 | 0x51);
    apic.set_lint(0, true);
    CHECK(intr);
    CHECK(apic.ack() == 0x20);
    CHECK(apic.write_base_msr(0xFEE00900));
    CHECK(rd(LocalApic::SVR) == 0xFF);
}

TEST_CASE_FIXTURE(ApicFixture, "hardware-disabled, LINT1 is the NMI pin") {
    apic.set_lint(1, true);  // enabled: LVT LINT1 is masked out of reset
    CHECK(nmis == 0);
    apic.set_lint(1, false);
    CHECK(apic.write_base_msr(0xFEE00100));
    apic.set_lint(1, true);
    apic.set_lint(1, true);
    CHECK(nmis == 1);  // one rising edge
}

namespace {
// An APIC with x2APIC mode that records where its MMIO window goes.
struct X2apicFixture : ApicFixture {
    std::vector<std::pair<uint64_t, uint64_t>> moves;
    LocalApic x2{clock, true,
                 LocalApic::Wiring{[this](bool level) { intr = level; }, [] { return uint8_t(0x20); },
                                   [this](uint8_t v) { eois.push_back(v); }, {}, {},
                                   [this](uint64_t from, uint64_t to) { moves.push_back({from, to}); }},
                 true, true};
    uint64_t msr(uint32_t index) {
        uint64_t v = 0;
        REQUIRE(x2.read_x2apic_msr(index, v));
        return v;
    }
};
constexpr uint64_t NONE = LocalApic::NO_WINDOW;
}  // namespace

TEST_CASE_FIXTURE(X2apicFixture, "IA32_APIC_BASE moves the window; disabled or in x2APIC mode there is none") {
    CHECK(moves == std::vector<std::pair<uint64_t, uint64_t>>{{NONE, 0xFEE00000}});
    CHECK(x2.write_base_msr(0xF00800));  // BSP written 0: read-only
    CHECK(x2.base_msr() == 0xF00900);
    CHECK(x2.write_base_msr(0xF00100));
    CHECK(x2.write_base_msr(0xFEE00900));
    CHECK(x2.write_base_msr(0xFEE00D00));
    CHECK(x2.mmio_read(LocalApic::VER, 4) == 0xFFFFFFFF);
    CHECK(moves == std::vector<std::pair<uint64_t, uint64_t>>{
                       {NONE, 0xFEE00000}, {0xFEE00000, 0xF00000}, {0xF00000, NONE}, {NONE, 0xFEE00000},
                       {0xFEE00000, NONE}});
}

TEST_CASE_FIXTURE(X2apicFixture, "x2APIC transitions: only xAPIC to x2APIC and out through disabled") {
    uint64_t v;
    CHECK_FALSE(x2.read_x2apic_msr(0x803, v));  // xAPIC mode
    CHECK_FALSE(x2.write_base_msr(0xFEE00500));  // EXTD without EN
    CHECK(x2.write_base_msr(0xFEE00D00));
    CHECK_FALSE(x2.write_base_msr(0xFEE00900));  // x2APIC to xAPIC
    CHECK(x2.base_msr() == 0xFEE00D00);
    CHECK(x2.write_base_msr(0xFEE00100));
    CHECK_FALSE(x2.write_base_msr(0xFEE00D00));  // disabled to x2APIC
    CHECK(x2.write_base_msr(0xFEE00900));
}

TEST_CASE_FIXTURE(X2apicFixture, "EOI-broadcast suppression: advertised with x2APIC, SVR bit 12 keeps EOIs local") {
    CHECK(x2.mmio_read(LocalApic::VER, 4) == (LocalApic::VERSION | LocalApic::VERSION_EOI_SUPPRESSION));
    CHECK(rd(LocalApic::VER) == LocalApic::VERSION);  // without x2APIC neither the bit nor the SVR bit
    wr(LocalApic::SVR, 0x11FF);
    CHECK(rd(LocalApic::SVR) == 0x1FF);
    x2.mmio_write(LocalApic::SVR, 4, 0x11FF);
    CHECK(x2.mmio_read(LocalApic::SVR, 4) == 0x11FF);
    x2.mmio_write(LocalApic::LVT_LINT1, 4, LocalApic::LVT_LEVEL | 0x90);
    x2.set_lint(1, true);
    CHECK(x2.ack() == 0x90);
    x2.mmio_write(LocalApic::EOI, 4, 0);
    CHECK((x2.mmio_read(LocalApic::LVT_LINT1, 4) & LocalApic::LVT_REMOTE_IRR) == 0);  // local state clears
    CHECK(eois.empty());
    x2.mmio_write(LocalApic::SVR, 4, 0x1FF);  // broadcasting again
    x2.set_lint(1, false);
    x2.set_lint(1, true);
    CHECK(x2.ack() == 0x90);
    x2.mmio_write(LocalApic::EOI, 4, 0);
    CHECK(eois == std::vector<uint8_t>{0x90});
}

TEST_CASE_FIXTURE(X2apicFixture, "x2APIC registers: access rules, reserved bits, ICR and SELF IPI") {
    REQUIRE(x2.write_base_msr(0xFEE00D00));
    uint64_t v;
    CHECK(msr(0x803) == (LocalApic::VERSION | LocalApic::VERSION_EOI_SUPPRESSION));
    CHECK(msr(0x802) == 0);
    CHECK(msr(0x80D) == 1);
    for (uint32_t index : {0x800u, 0x809u, 0x80Bu, 0x80Cu, 0x80Eu, 0x82Fu, 0x831u, 0x83Fu, 0x8FFu})
        CHECK_FALSE(x2.read_x2apic_msr(index, v));
    CHECK_FALSE(x2.write_x2apic_msr(0x802, 0));        // read-only
    CHECK_FALSE(x2.write_x2apic_msr(0x839, 0));
    CHECK_FALSE(x2.write_x2apic_msr(0x80B, 1));        // EOI: only 0
    CHECK_FALSE(x2.write_x2apic_msr(0x828, 1));        // ESR: only 0
    CHECK_FALSE(x2.write_x2apic_msr(0x808, 0x100));    // TPR 31:8
    CHECK_FALSE(x2.write_x2apic_msr(0x808, 1ull << 32));
    CHECK_FALSE(x2.write_x2apic_msr(0x80F, 0x21FF));   // SVR bit 13
    CHECK_FALSE(x2.write_x2apic_msr(0x835, 0x800));    // LVT LINT0 bit 11
    CHECK_FALSE(x2.write_x2apic_msr(0x830, 0x2050));   // ICR bit 13
    CHECK(x2.write_x2apic_msr(0x80F, 0x1FF));
    CHECK(x2.write_x2apic_msr(0x83F, 0x50));
    CHECK(msr(0x822) == 1u << 16);
    CHECK(x2.ack() == 0x50);
    CHECK(x2.write_x2apic_msr(0x80B, 0));
    CHECK(x2.write_x2apic_msr(0x830, 0x1ull << 32 | 0x51));  // x2APIC ID 1: nobody
    CHECK(msr(0x820 + 2) == 0);
    CHECK(msr(0x830) == (0x1ull << 32 | 0x51));
    CHECK(x2.write_x2apic_msr(0x830, 0x10001ull << 32 | 0x852));  // logical, cluster 1: nobody
    CHECK(msr(0x822) == 0);
    CHECK(x2.write_x2apic_msr(0x830, 0xFFFFFFFFull << 32 | 0x53));  // broadcast
    CHECK(msr(0x822) == 1u << 19);
    CHECK(x2.write_x2apic_msr(0x83F, 5));  // an illegal vector: an error, no interrupt
    CHECK(x2.write_x2apic_msr(0x828, 0));
    CHECK(msr(0x828) == LocalApic::ESR_SEND_ILLEGAL);
}

TEST_CASE_FIXTURE(ApicFixture, "timer one-shot: counts down at the divided clock, fires once") {
    enable();
    wr(LocalApic::TIMER_DIVIDE, 0x1);  // divide by 4
    wr(LocalApic::LVT_TIMER, 0x40);
    wr(LocalApic::TIMER_INIT, 100);
    CHECK(rd(LocalApic::TIMER_CURRENT) == 100);
    advance(4 * 30 + 3);
    CHECK(rd(LocalApic::TIMER_CURRENT) == 70);
    CHECK(clock.next_due() == 400);
    advance(400 - now - 1);
    CHECK_FALSE(intr);
    advance(1);
    CHECK(intr);
    CHECK(rd(LocalApic::TIMER_CURRENT) == 0);
    CHECK(apic.ack() == 0x40);
    CHECK(clock.next_due() == devices::Clock::NEVER);
}

TEST_CASE_FIXTURE(ApicFixture, "timer periodic: reloads every period; masked it counts without interrupting") {
    enable();
    wr(LocalApic::TIMER_DIVIDE, 0xB);  // divide by 1
    wr(LocalApic::LVT_TIMER, LocalApic::LVT_PERIODIC | 0x41);
    wr(LocalApic::TIMER_INIT, 1000);
    unsigned fired = 0;
    for (int i = 0; i < 5; ++i) {
        advance(1000);
        if (intr) {
            ++fired;
            CHECK(apic.ack() == 0x41);
            wr(LocalApic::EOI, 0);
        }
        CHECK(rd(LocalApic::TIMER_CURRENT) == 1000);
    }
    CHECK(fired == 5);
    advance(250);
    CHECK(rd(LocalApic::TIMER_CURRENT) == 750);
    wr(LocalApic::LVT_TIMER, LocalApic::LVT_MASKED | LocalApic::LVT_PERIODIC | 0x41);
    advance(750);
    CHECK_FALSE(intr);
    CHECK(clock.next_due() == now + 1000);
    wr(LocalApic::TIMER_INIT, 0);  // stops it
    CHECK(clock.next_due() == devices::Clock::NEVER);
}

TEST_CASE_FIXTURE(ApicFixture, "NMI and INIT IPIs to self reach the CPU; INIT de-assert and others do not") {
    enable();
    wr(LocalApic::ICR_LO, 0x40000 | 0x400);  // self, NMI
    CHECK(nmis == 1);
    wr(LocalApic::ICR_HI, 0x01000000);
    wr(LocalApic::ICR_LO, 0x400);  // physical destination 1: no such CPU
    CHECK(nmis == 1);
    wr(LocalApic::ICR_HI, 0);
    wr(LocalApic::ICR_LO, 0x4500);  // physical 0, INIT assert
    CHECK(inits == 1);
    wr(LocalApic::ICR_LO, 0x80000 | 0x8500);  // all including self, INIT level de-assert
    CHECK(inits == 1);
    wr(LocalApic::ICR_LO, 0xC0000 | 0x4500);  // all excluding self
    CHECK(inits == 1);
    wr(LocalApic::ICR_LO, 0x40000 | 0x600 | 0x10);  // STARTUP to self: logged only
    CHECK(!intr);
}

TEST_CASE_FIXTURE(ApicFixture, "LINT1 in NMI mode raises NMI on each rising edge") {
    enable();
    wr(LocalApic::LVT_LINT1, 0x400);
    apic.set_lint(1, true);
    apic.set_lint(1, true);
    apic.set_lint(1, false);
    apic.set_lint(1, true);
    CHECK(nmis == 2);
    CHECK(!intr);
}

TEST_CASE_FIXTURE(ApicFixture, "messages: destination match, level sets TMR, ExtINT asks the 8259") {
    enable();
    wr(LocalApic::LDR, 0x02000000);
    apic.receive({0x61, devices::FIXED, true, 0x01, true});  // logical 1: not this APIC
    CHECK(!intr);
    apic.receive({0x61, devices::LOWEST, true, 0x03, true});
    CHECK(intr);
    CHECK(bit(LocalApic::TMR, 0x61));
    CHECK(apic.ack() == 0x61);
    wr(LocalApic::EOI, 0);
    REQUIRE(eois.size() == 1);
    CHECK(eois[0] == 0x61);
    wr(LocalApic::LVT_LINT0, LocalApic::LVT_MASKED | 0x700);  // the 8259 not through LINT0
    apic.receive({0, devices::EXTINT, false, 0, false});
    CHECK(intr);
    CHECK(apic.can_interrupt());
    CHECK(apic.ack() == 0x20);
    CHECK(pic_acks == 1);
    CHECK(!intr);
    apic.receive({0, devices::NMI, false, 0xFF, false});
    CHECK(nmis == 1);
}

TEST_CASE_FIXTURE(ApicFixture, "INIT keeps the APIC ID and base, resets the rest") {
    enable();
    wr(LocalApic::ID, 0x05000000);
    wr(LocalApic::TPR, 0x20);
    apic.init();
    CHECK(rd(LocalApic::ID) == 0x05000000);
    CHECK(rd(LocalApic::TPR) == 0);
    CHECK(rd(LocalApic::SVR) == 0xFF);
    CHECK(apic.base_msr() == 0xFEE00900);
}

namespace {
// A local APIC whose timer has TSC-deadline mode (the max model's).
struct DeadlineFixture : ApicFixture {
    LocalApic dl{clock, true, LocalApic::Wiring{[this](bool level) { intr = level; }, {}, {}, {}, {}, {}}, true};
    void wr_dl(uint32_t reg, uint32_t v) { dl.mmio_write(reg, 4, v); }
    uint32_t rd_dl(uint32_t reg) { return dl.mmio_read(reg, 4); }
};
}  // namespace

TEST_CASE_FIXTURE(ApicFixture, "without TSC-deadline mode the timer mode's bit 18 is reserved") {
    enable();
    wr(LocalApic::LVT_TIMER, LocalApic::LVT_TSC_DEADLINE | 0x40);
    CHECK(rd(LocalApic::LVT_TIMER) == 0x40);
    apic.write_tsc_deadline(100, 0);  // not in TSC-deadline mode: ignored
    CHECK(apic.tsc_deadline() == 0);
    CHECK(clock.next_due() == devices::Clock::NEVER);
}

TEST_CASE_FIXTURE(DeadlineFixture, "TSC-deadline: arms at the TSC value, fires once and reads 0 after") {
    wr_dl(LocalApic::SVR, 0x1FF);
    dl.write_tsc_deadline(500, 0);  // one-shot mode: ignored
    CHECK(dl.tsc_deadline() == 0);
    wr_dl(LocalApic::LVT_TIMER, LocalApic::LVT_TSC_DEADLINE | 0x50);
    CHECK(rd_dl(LocalApic::LVT_TIMER) == (LocalApic::LVT_TSC_DEADLINE | 0x50));
    wr_dl(LocalApic::TIMER_INIT, 1000);  // ignored in this mode
    CHECK(rd_dl(LocalApic::TIMER_INIT) == 0);
    CHECK(rd_dl(LocalApic::TIMER_CURRENT) == 0);
    now = 100;
    // The TSC runs 1000 ahead of the clock (a TSC write): the deadline 1500 is tick 500.
    dl.write_tsc_deadline(1500, 1000);
    CHECK(dl.tsc_deadline() == 1500);
    CHECK(clock.next_due() == 500);
    advance(399);
    CHECK_FALSE(intr);
    advance(1);
    CHECK(intr);
    CHECK(dl.ack() == 0x50);
    CHECK(dl.tsc_deadline() == 0);  // fired: disarmed
    CHECK(clock.next_due() == devices::Clock::NEVER);
    // A deadline already passed fires at once; 0 disarms.
    dl.write_tsc_deadline(1, 1000);
    CHECK(clock.next_due() == now);
    dl.write_tsc_deadline(0, 1000);
    CHECK(clock.next_due() == devices::Clock::NEVER);
    // The TSC offset wraps (after a reset the TSC restarts at 0): TSC = now + offset mod 2^64.
    dl.write_tsc_deadline(50, uint64_t(0) - now);
    CHECK(clock.next_due() == now + 50);
}

TEST_CASE_FIXTURE(DeadlineFixture, "TSC-deadline: leaving the mode disarms; masked it fires without interrupting") {
    wr_dl(LocalApic::SVR, 0x1FF);
    wr_dl(LocalApic::LVT_TIMER, LocalApic::LVT_TSC_DEADLINE | 0x50);
    dl.write_tsc_deadline(1000, 0);
    wr_dl(LocalApic::LVT_TIMER, LocalApic::LVT_TSC_DEADLINE | LocalApic::LVT_MASKED | 0x50);  // same mode
    CHECK(dl.tsc_deadline() == 1000);
    advance(1000);
    CHECK_FALSE(intr);
    CHECK(dl.tsc_deadline() == 0);
    dl.write_tsc_deadline(2000, 0);
    wr_dl(LocalApic::LVT_TIMER, 0x50);  // one-shot: the deadline is gone
    CHECK(clock.next_due() == devices::Clock::NEVER);
    wr_dl(LocalApic::LVT_TIMER, LocalApic::LVT_TSC_DEADLINE | 0x50);
    CHECK(dl.tsc_deadline() == 0);
    wr_dl(LocalApic::LVT_TIMER, LocalApic::LVT_TIMER_MODE | 0x50);  // 11b reserved: mode stays
    CHECK((rd_dl(LocalApic::LVT_TIMER) & LocalApic::LVT_TIMER_MODE) == LocalApic::LVT_TSC_DEADLINE);
}
