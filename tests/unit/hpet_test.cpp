// The HPET register by register against the virtual clock: capabilities, configuration, status,
// the main counter (halted writes, 32- and 64-bit halves), per-timer configuration and
// comparators in one-shot, periodic (the VAL_SET sequence Linux uses) and 32-bit modes, edge and
// level interrupts, and the legacy replacement route.
#include <doctest/doctest.h>

#include <utility>
#include <vector>

#include "devices/hpet.h"

using namespace jitpc;
using devices::Hpet;

namespace {

struct HpetFixture {
    uint64_t now = 0;
    devices::Clock clock{now};
    std::vector<std::pair<unsigned, bool>> lines;  // every GSI level change, in order
    int legacy_changes = 0;
    Hpet hpet{clock, Hpet::Wiring{[this](unsigned gsi, bool level) { lines.push_back({gsi, level}); },
                                  [this] { ++legacy_changes; }}};

    uint64_t rd(uint32_t reg) { return hpet.mmio_read(reg, 4) | uint64_t(hpet.mmio_read(reg + 4, 4)) << 32; }
    uint32_t rd32(uint32_t reg) { return hpet.mmio_read(reg, 4); }
    void wr32(uint32_t reg, uint32_t v) { hpet.mmio_write(reg, 4, v); }
    void wr(uint32_t reg, uint64_t v) {
        wr32(reg, uint32_t(v));
        wr32(reg + 4, uint32_t(v >> 32));
    }
    static uint32_t conf(unsigned n) { return Hpet::TIMER_BASE + n * Hpet::TIMER_STRIDE + Hpet::T_CONF; }
    static uint32_t cmp(unsigned n) { return Hpet::TIMER_BASE + n * Hpet::TIMER_STRIDE + Hpet::T_CMP; }
    // Runs the clock to `t`, firing every event on the way at its own tick.
    void run_to(uint64_t t) {
        for (uint64_t due; (due = clock.next_due()) <= t;) {
            now = due;
            clock.fire_due(due);
        }
        now = t;
    }
};

}  // namespace

TEST_CASE("HPET: capabilities: revision 1, 3 timers, 64-bit counter, legacy route, 8086h, 10 ns") {
    HpetFixture f;
    CHECK(f.rd32(Hpet::GCAP_ID) == 0x8086A201u);
    CHECK(f.rd32(Hpet::GCAP_ID + 4) == 10'000'000u);  // femtoseconds per count: 100 MHz
    f.wr(Hpet::GCAP_ID, 0);
    CHECK(f.rd(Hpet::GCAP_ID) == (0x8086A201ull | 10'000'000ull << 32));
    CHECK(f.hpet.mmio_read(Hpet::GCAP_ID + 2, 2) == 0x8086);
    CHECK(f.rd32(0x400) == 0);  // past the register space
}

TEST_CASE("HPET: general configuration keeps ENABLE and LEG_RT; legacy route needs both") {
    HpetFixture f;
    f.wr(Hpet::GEN_CONF, ~0ull);
    CHECK(f.rd(Hpet::GEN_CONF) == 3);
    CHECK(f.hpet.legacy_replacement());
    CHECK(f.legacy_changes == 1);
    f.wr32(Hpet::GEN_CONF, 2);  // halted: the PIT and RTC get their lines back
    CHECK(!f.hpet.legacy_replacement());
    CHECK(f.legacy_changes == 2);
}

TEST_CASE("HPET: the main counter is written while halted and counts at 100 MHz when enabled") {
    HpetFixture f;
    f.now = 5000;
    CHECK(f.rd(Hpet::MAIN_CNT) == 0);  // halted from power-on
    f.wr32(Hpet::MAIN_CNT + 4, 0x12);  // the halves separately
    f.wr32(Hpet::MAIN_CNT, 0xFFFFFFF0u);
    CHECK(f.rd(Hpet::MAIN_CNT) == 0x12FFFFFFF0ull);
    f.wr32(Hpet::GEN_CONF, 1);
    f.now += 9;
    CHECK(f.rd(Hpet::MAIN_CNT) == 0x12FFFFFFF0ull);
    f.now += 1;
    CHECK(f.rd(Hpet::MAIN_CNT) == 0x12FFFFFFF1ull);
    f.now += 160;  // the carry into the upper half
    CHECK(f.rd32(Hpet::MAIN_CNT) == 1);
    CHECK(f.rd32(Hpet::MAIN_CNT + 4) == 0x13);
    f.wr(Hpet::MAIN_CNT, 0);  // running: ignored
    CHECK(f.rd(Hpet::MAIN_CNT) == 0x1300000001ull);
    f.wr32(Hpet::GEN_CONF, 0);
    f.now += 1000;
    CHECK(f.rd(Hpet::MAIN_CNT) == 0x1300000001ull);  // halted where it was
    f.wr(Hpet::MAIN_CNT, 0);
    CHECK(f.rd(Hpet::MAIN_CNT) == 0);
}

TEST_CASE("HPET: timer configuration: capabilities read-only, route capability 20-23, no FSB") {
    HpetFixture f;
    for (unsigned n = 0; n < Hpet::TIMERS; ++n) {
        CHECK(f.rd(f.conf(n)) == (Hpet::TN_PERIODIC_CAP | Hpet::TN_SIZE_64_CAP | 0x00F00000ull << 32));
        f.wr(f.conf(n), ~0ull);
        CHECK(f.rd(f.conf(n)) == (Hpet::TN_WRITABLE | Hpet::TN_PERIODIC_CAP | Hpet::TN_SIZE_64_CAP |
                                  0x00F00000ull << 32));
        CHECK(f.rd(f.conf(n) + 0x10) == 0);  // FSB route register
        CHECK(f.rd(f.cmp(n)) == 0xFFFFFFFFu);  // 32-bit mode now: the upper half reads 0
    }
}

TEST_CASE("HPET: a one-shot edge timer on the legacy route pulses GSI 2 at the exact tick") {
    HpetFixture f;
    f.wr(f.conf(0), Hpet::TN_INT_ENABLE);
    f.wr(f.cmp(0), 100);
    f.wr32(Hpet::GEN_CONF, 3);
    CHECK(f.clock.next_due() == 1000);
    f.run_to(999);
    CHECK(f.lines.empty());
    f.run_to(1000);
    REQUIRE(f.lines.size() == 2);
    CHECK(f.lines[0] == std::pair{2u, true});
    CHECK(f.lines[1] == std::pair{2u, false});
    CHECK(f.rd(Hpet::GINTR_STA) == 0);  // edge mode keeps no status
    // The next match is a full 64-bit wrap away: never within the clock's range.
    CHECK(f.clock.next_due() == devices::Clock::NEVER);
    f.wr(f.cmp(0), 100);  // equal to the counter: matches at once
    f.run_to(1000);
    CHECK(f.lines.size() == 4);
}

TEST_CASE("HPET: level interrupts set the status bit and hold the line until written 1") {
    HpetFixture f;
    f.wr(f.conf(1), Hpet::TN_LEVEL | Hpet::TN_INT_ENABLE);
    f.wr(f.cmp(1), 5);
    f.wr32(Hpet::GEN_CONF, 3);  // timer 1 on GSI 8
    f.run_to(50);
    CHECK(f.rd(Hpet::GINTR_STA) == 2);
    REQUIRE(f.lines.size() == 1);
    CHECK(f.lines[0] == std::pair{8u, true});
    f.wr32(Hpet::GINTR_STA, 1);  // another timer's bit: nothing
    CHECK(f.rd(Hpet::GINTR_STA) == 2);
    f.wr32(Hpet::GINTR_STA, 2);
    CHECK(f.rd(Hpet::GINTR_STA) == 0);
    REQUIRE(f.lines.size() == 2);
    CHECK(f.lines[1] == std::pair{8u, false});
    // With its interrupt disabled the status bit still sets; the line stays low.
    f.wr(f.conf(1), Hpet::TN_LEVEL);
    f.wr(f.cmp(1), 10);
    f.run_to(100);
    CHECK(f.rd(Hpet::GINTR_STA) == 2);
    CHECK(f.lines.size() == 2);
    f.wr(f.conf(1), Hpet::TN_LEVEL | Hpet::TN_INT_ENABLE);  // enabling raises it
    CHECK(f.lines.size() == 3);
    f.wr32(Hpet::GEN_CONF, 1);  // leaving legacy mode moves it to the route field's GSI (0)
    CHECK(f.lines.back() == std::pair{0u, true});
}

TEST_CASE("HPET: periodic mode as Linux programs it: VAL_SET, the start, then the period") {
    HpetFixture f;
    f.wr32(Hpet::GEN_CONF, 3);
    f.run_to(1000);  // counter 100
    f.wr32(f.conf(0), Hpet::TN_INT_ENABLE | Hpet::TN_PERIODIC | Hpet::TN_VAL_SET | Hpet::TN_32BIT);
    f.wr32(f.cmp(0), 100 + 50);  // first match
    CHECK((f.rd32(f.conf(0)) & Hpet::TN_VAL_SET) == 0);
    f.wr32(f.cmp(0), 40);  // the period
    CHECK(f.rd32(f.cmp(0)) == 150);
    std::vector<uint64_t> ticks;
    for (int i = 0; i < 4; ++i) {
        const uint64_t due = f.clock.next_due();
        f.run_to(due);
        ticks.push_back(due);
    }
    CHECK(ticks == std::vector<uint64_t>{1500, 1900, 2300, 2700});
    CHECK(f.rd32(f.cmp(0)) == 150 + 4 * 40);  // the comparator accumulates
    CHECK(f.lines.size() == 8);
    f.wr32(Hpet::GEN_CONF, 0);  // halted: nothing armed
    CHECK(f.clock.next_due() == devices::Clock::NEVER);
}

TEST_CASE("HPET: 64-bit periodic comparator written as two halves with VAL_SET") {
    HpetFixture f;
    f.wr(Hpet::MAIN_CNT, 0xFFFFFFFF00ull);
    f.wr(f.conf(2), Hpet::TN_INT_ENABLE | Hpet::TN_PERIODIC | Hpet::TN_VAL_SET | (20u << Hpet::TN_ROUTE_SHIFT));
    f.wr32(f.cmp(2), 0x10);  // low half: VAL_SET stays for the high half
    CHECK((f.rd32(f.conf(2)) & Hpet::TN_VAL_SET) != 0);
    f.wr32(f.cmp(2) + 4, 0x100);
    CHECK((f.rd32(f.conf(2)) & Hpet::TN_VAL_SET) == 0);
    CHECK(f.rd(f.cmp(2)) == 0x10000000010ull);
    f.wr(f.cmp(2), 0x1000);  // the period only
    CHECK(f.rd(f.cmp(2)) == 0x10000000010ull);
    f.wr32(Hpet::GEN_CONF, 1);
    CHECK(f.clock.next_due() == (0x10000000010ull - 0xFFFFFFFF00ull) * 10);
    f.run_to(f.clock.next_due());
    CHECK(f.lines[0] == std::pair{20u, true});  // its route field's GSI
    CHECK(f.rd(f.cmp(2)) == 0x10000001010ull);
}

TEST_CASE("HPET: a 32-bit one-shot timer matches the counter's low half and again after a wrap") {
    HpetFixture f;
    f.wr(Hpet::MAIN_CNT, 0x5FFFFFFF0ull);
    f.wr(f.conf(0), Hpet::TN_INT_ENABLE | Hpet::TN_32BIT);
    f.wr32(f.cmp(0), 0x10);
    CHECK(f.rd(f.cmp(0)) == 0x10);
    f.wr32(Hpet::GEN_CONF, 3);
    CHECK(f.clock.next_due() == 0x20 * 10);  // counter 0x600000010
    f.run_to(0x20 * 10);
    CHECK(f.lines.size() == 2);
    CHECK(f.clock.next_due() == (0x20 + 0x100000000ull) * 10);
}

TEST_CASE("HPET: a reset halts the counter, clears the timers and drops the lines") {
    HpetFixture f;
    f.wr(f.conf(0), Hpet::TN_LEVEL | Hpet::TN_INT_ENABLE);
    f.wr(f.cmp(0), 1);
    f.wr32(Hpet::GEN_CONF, 3);
    f.run_to(10);
    CHECK(f.lines.back() == std::pair{2u, true});
    f.hpet.reset();
    CHECK(f.lines.back() == std::pair{2u, false});
    CHECK(f.legacy_changes == 2);
    CHECK(f.rd(Hpet::GEN_CONF) == 0);
    CHECK(f.rd(Hpet::MAIN_CNT) == 0);
    CHECK(f.clock.next_due() == devices::Clock::NEVER);
}
