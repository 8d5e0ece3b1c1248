// The 8254 against the virtual clock: counts at exact PIT edges, OUT, latches, read-back,
// reprogramming and the IRQ 0 timer.
#include <doctest/doctest.h>

#include "devices/pic.h"
#include "devices/pit.h"

using namespace jitpc;
using devices::Pit;

namespace {
struct PitFixture {
    uint64_t now = 0;
    devices::Clock clock{now};
    devices::Pic pic;
    devices::Pit pit{clock, [this](bool level) { pic.set_irq(0, level); }};
    PitFixture() {
        for (uint8_t v : {0x11, 0x20, 0x04, 0x01}) pic.port_write(v == 0x11 ? 0x20 : 0x21, 1, v);
        pic.port_write(0x21, 1, 0);
    }
    static uint64_t tick_of(uint64_t edge) { return devices::unscale(edge, Pit::CLOCK_NUM, Pit::CLOCK_DEN); }
    // Moves the clock to the tick of PIT edge `e` and fires the timers due there.
    void at(uint64_t e) {
        now = tick_of(e);
        clock.fire_due(now);
    }
    void out(uint16_t port, uint8_t v) { pit.port_write(port, 1, v); }
    uint8_t in(uint16_t port) { return uint8_t(pit.port_read(port, 1)); }
    // Programs channel `ch` with an lo/hi count in `mode` at the current edge.
    void program(unsigned ch, unsigned mode, uint16_t count) {
        out(0x43, uint8_t(ch << 6 | 0x30 | mode << 1));
        write_count(ch, count);
    }
    void write_count(unsigned ch, uint16_t count) {
        out(uint16_t(0x40 + ch), uint8_t(count));
        out(uint16_t(0x40 + ch), uint8_t(count >> 8));
    }
    uint16_t read_count(unsigned ch) {
        const uint8_t lo = in(uint16_t(0x40 + ch));
        return uint16_t(lo | in(uint16_t(0x40 + ch)) << 8);
    }
    uint16_t count_at(unsigned ch, uint64_t e) {
        at(e);
        out(0x43, uint8_t(ch << 6));
        return read_count(ch);
    }
};
}  // namespace

TEST_CASE("the PIT clock is 3579545/3 Hz of the 1 GHz virtual clock") {
    CHECK(devices::scale(1'000'000'000, Pit::CLOCK_NUM, Pit::CLOCK_DEN) == 1193181);
    CHECK(devices::scale(838, Pit::CLOCK_NUM, Pit::CLOCK_DEN) == 0);
    CHECK(devices::scale(839, Pit::CLOCK_NUM, Pit::CLOCK_DEN) == 1);
    CHECK(PitFixture::tick_of(1) == 839);
}

TEST_CASE_FIXTURE(PitFixture, "mode 2 counts down, drops OUT for one clock and reloads; IRQ 0 on the rising edge") {
    at(10);
    program(0, 2, 100);  // loaded at edge 11
    // The control word raised OUT from its power-on low: that edge is a request.
    CHECK(pic.ack() == 0x20);
    pic.port_write(0x20, 1, 0x20);
    CHECK(clock.next_due() == tick_of(11 + 99));
    CHECK(count_at(0, 11) == 100);
    CHECK(count_at(0, 61) == 50);
    CHECK(count_at(0, 11 + 99) == 1);
    CHECK_FALSE(pit.out(0));
    CHECK_FALSE(pic.intr());
    CHECK(clock.next_due() == tick_of(11 + 100));
    CHECK(count_at(0, 11 + 100) == 100);
    CHECK(pit.out(0));
    CHECK(pic.intr());
    CHECK(pic.ack() == 0x20);
    pic.port_write(0x20, 1, 0x20);
    CHECK(count_at(0, 11 + 100 + 37) == 63);
    at(11 + 299);
    at(11 + 300);
    CHECK(pic.intr());  // the line dropped in between: a new edge
}

TEST_CASE_FIXTURE(PitFixture, "mode 2 reprogrammed mid-count takes the new count at the end of the period") {
    program(0, 2, 100);  // loaded at edge 1
    at(31);
    write_count(0, 50);
    CHECK(count_at(0, 60) == 41);   // the old period goes on
    CHECK(count_at(0, 101) == 50);  // new count from the reload
    CHECK(count_at(0, 101 + 49) == 1);
    CHECK_FALSE(pit.out(0));
    CHECK(count_at(0, 151) == 50);
}

TEST_CASE_FIXTURE(PitFixture, "mode 3 square wave counts by two") {
    program(0, 3, 10);  // loaded at edge 1
    const uint16_t even[] = {10, 8, 6, 4, 2, 10, 8, 6, 4, 2, 10};
    const bool out_even[] = {1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1};
    for (unsigned k = 0; k < 11; ++k) {
        CHECK(count_at(0, 1 + k) == even[k]);
        CHECK(pit.out(0) == out_even[k]);
    }
    at(100);
    program(0, 3, 5);  // odd: high for 3 clocks, low for 2; loaded at edge 101
    const uint16_t odd[] = {4, 2, 0, 4, 2, 4};
    const bool out_odd[] = {1, 1, 1, 0, 0, 1};
    for (unsigned k = 0; k < 6; ++k) {
        CHECK(count_at(0, 101 + k) == odd[k]);
        CHECK(pit.out(0) == out_odd[k]);
    }
}

TEST_CASE_FIXTURE(PitFixture, "mode 0 one-shot: OUT rises at terminal count and stays; the counter wraps") {
    out(0x61, 0x01);    // gate 2 high
    at(5);
    program(2, 0, 50);  // loaded at edge 6
    CHECK_FALSE(pit.out(2));
    CHECK(count_at(2, 6 + 49) == 1);
    CHECK_FALSE(pit.out(2));
    CHECK(count_at(2, 6 + 50) == 0);
    CHECK(pit.out(2));
    CHECK(count_at(2, 6 + 51) == 0xFFFF);
    at(6 + 70000);
    CHECK(pit.out(2));
    CHECK((in(0x61) & 0x20) != 0);
}

TEST_CASE_FIXTURE(PitFixture, "a latched count holds through later reads until both bytes are read") {
    program(1, 2, 1000);  // loaded at edge 1
    at(101);
    out(0x43, 0x40);      // latch channel 1
    at(301);
    out(0x43, 0x40);      // a second latch before reading is ignored
    CHECK(read_count(1) == 900);
    at(302);
    CHECK(read_count(1) == 1000 - 301);
}

TEST_CASE_FIXTURE(PitFixture, "read-back latches status then count") {
    out(0x61, 0x01);
    at(7);
    program(2, 0, 0x1234);
    out(0x43, 0xC8);  // read-back channel 2, count and status
    CHECK(in(0x42) == 0x70);  // OUT low, null count (not yet loaded), lo/hi, mode 0
    CHECK(read_count(2) == 0x1234);
    at(9);
    out(0x43, 0xE8);  // status only
    CHECK(in(0x42) == 0x30);
    CHECK(read_count(2) == 0x1234 - 1);
}

TEST_CASE_FIXTURE(PitFixture, "mode 4 reprogrammed mid-count strobes at the new count only") {
    program(0, 4, 1000);  // loaded at edge 1
    CHECK(clock.next_due() == tick_of(1001));
    at(401);
    write_count(0, 200);  // loaded at edge 402
    CHECK(clock.next_due() == tick_of(602));
    at(602);
    CHECK_FALSE(pit.out(0));
    at(603);
    CHECK(pit.out(0));
    CHECK(pic.intr());
    CHECK_FALSE(clock.armed(0));  // one strobe only
    CHECK(count_at(0, 1001) == uint16_t(200 - 599));
    CHECK(pit.out(0));
}

TEST_CASE_FIXTURE(PitFixture, "BCD counts and count 0 meaning the full range") {
    out(0x43, 0x31);  // channel 0, lo/hi, mode 0, BCD
    write_count(0, 0x0100);
    CHECK(count_at(0, 2) == 0x0099);
    at(10);
    program(0, 2, 0);  // 65536, loaded at edge 11
    CHECK(count_at(0, 12) == 0xFFFF);
    at(11 + 65535);
    CHECK_FALSE(pit.out(0));
}

TEST_CASE_FIXTURE(PitFixture, "port 0x61: gate 2, OUT 2 and the refresh toggle") {
    CHECK((in(0x61) & 0x10) == 0);
    at(18);
    CHECK((in(0x61) & 0x10) == 0x10);
    at(36);
    CHECK((in(0x61) & 0x10) == 0);
    program(2, 0, 10);     // gate 2 is low from reset
    CHECK(count_at(2, 100) == 10);  // not counting
    out(0x61, 0x03);       // gate high, speaker on
    CHECK((in(0x61) & 0x0F) == 0x03);
    CHECK(count_at(2, 104) == 6);
    CHECK((in(0x61) & 0x20) == 0);
    at(110);
    CHECK((in(0x61) & 0x20) == 0x20);
}

TEST_CASE_FIXTURE(PitFixture, "mode 1 starts on the gate's rising edge; mode 2 restarts on it") {
    out(0x43, 0xB2);  // channel 2, lo/hi, mode 1
    write_count(2, 20);
    at(10);
    CHECK(pit.out(2));
    out(0x61, 0x01);  // trigger: loaded at edge 11
    CHECK(count_at(2, 11) == 20);
    CHECK_FALSE(pit.out(2));
    CHECK(count_at(2, 16) == 15);
    at(31);
    CHECK(pit.out(2));
    at(40);
    program(2, 2, 100);  // gate high: loaded at edge 41
    CHECK(count_at(2, 71) == 70);
    out(0x61, 0x00);     // gate low holds the count with OUT high
    CHECK(count_at(2, 90) == 70);
    CHECK(pit.out(2));
    out(0x61, 0x01);     // rising edge reloads at the next clock
    CHECK(count_at(2, 91) == 100);
    CHECK(count_at(2, 95) == 96);
}

TEST_CASE_FIXTURE(PitFixture, "lo-only and hi-only access") {
    out(0x43, 0x50);  // channel 1, lo only, mode 0
    out(0x41, 0x50);
    at(1 + 0x10);
    CHECK(in(0x41) == 0x40);
    CHECK(in(0x41) == 0x40);  // no flip-flop: the low byte every time
    out(0x43, 0x60);  // channel 1, hi only, mode 0
    out(0x41, 0x02);  // 0x200, loaded at edge 18
    at(18 + 0x100);
    CHECK(in(0x41) == 0x01);
    out(0x43, 0x40);  // latch: one read releases it
    at(18 + 0x180);
    CHECK(in(0x41) == 0x01);
    CHECK(in(0x41) == 0x00);
}

TEST_CASE_FIXTURE(PitFixture, "mode 3 reprogrammed mid-count switches at the end of the half-period") {
    program(0, 3, 10);  // loaded at edge 1: high for edges 1-5
    at(3);
    write_count(0, 6);
    CHECK(count_at(0, 4) == 4);  // the current half goes on with the old count
    CHECK(pit.out(0));
    CHECK(count_at(0, 6) == 6);  // the low half runs with the new count
    CHECK_FALSE(pit.out(0));
    CHECK(count_at(0, 8) == 2);
    CHECK(clock.next_due() == tick_of(9));
    CHECK(count_at(0, 9) == 6);
    CHECK(pit.out(0));
    CHECK(clock.next_due() == tick_of(12));
}
