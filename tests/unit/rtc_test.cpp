// The MC146818 RTC read through ports 0x70/0x71 on a virtual clock the test advances.
#include <doctest/doctest.h>

#include <vector>

#include "devices/rtc.h"

using namespace jitpc;

namespace {

constexpr uint64_t SECOND = devices::TICKS_PER_SECOND;

struct RtcFixture {
    uint64_t ticks = 0;
    devices::Clock clock{ticks};
    bool irq = false;
    devices::Rtc rtc{clock, [this](bool level) { irq = level; }};

    uint8_t in(uint8_t index) {
        rtc.port_write(0x70, 1, index);
        return static_cast<uint8_t>(rtc.port_read(0x71, 1));
    }
    void out(uint8_t index, uint8_t v) {
        rtc.port_write(0x70, 1, index);
        rtc.port_write(0x71, 1, v);
    }
    void advance_to(uint64_t t) {
        ticks = t;
        clock.fire_due(t);
    }
};

}  // namespace

TEST_CASE_FIXTURE(RtcFixture, "RTC: default date, BCD 24-hour, registers A-D") {
    CHECK(in(0x0A) == 0x26);
    CHECK(in(0x0B) == 0x02);
    CHECK(in(0x0C) == 0x00);
    CHECK(in(0x0D) == 0x80);
    CHECK(in(0x00) == 0x00);
    CHECK(in(0x02) == 0x00);
    CHECK(in(0x04) == 0x00);
    CHECK(in(0x06) == 0x05);  // Thursday
    CHECK(in(0x07) == 0x01);
    CHECK(in(0x08) == 0x01);
    CHECK(in(0x09) == 0x26);
    CHECK(in(0x32) == 0x20);
    out(0x0D, 0x00);
    out(0x0C, 0xFF);
    CHECK(in(0x0D) == 0x80);
    CHECK(in(0x0C) == 0x00);
}

TEST_CASE_FIXTURE(RtcFixture, "RTC: the time follows the clock in BCD, binary and 12-hour form") {
    ticks = (12 * 3600 + 34 * 60 + 56) * SECOND + SECOND / 2;
    CHECK(in(0x04) == 0x12);
    CHECK(in(0x02) == 0x34);
    CHECK(in(0x00) == 0x56);
    out(0x0B, 0x06);  // binary
    CHECK(in(0x04) == 12);
    CHECK(in(0x02) == 34);
    CHECK(in(0x00) == 56);
    CHECK(in(0x09) == 26);
    CHECK(in(0x32) == 20);
    out(0x0B, 0x00);  // BCD, 12-hour
    CHECK(in(0x04) == 0x92);
    ticks += 3600 * SECOND;
    CHECK(in(0x04) == 0x81);
    ticks += 11 * 3600 * SECOND;  // 00:34 on Jan 2
    CHECK(in(0x04) == 0x12);
    CHECK(in(0x07) == 0x02);
    CHECK(in(0x06) == 0x06);  // Friday
    out(0x04, 0x83);          // 3 PM written in 12-hour form
    out(0x0B, 0x02);
    CHECK(in(0x04) == 0x15);
}

TEST_CASE("RTC: the base date is a constructor parameter") {
    uint64_t ticks = (31 + 28) * 86400 * SECOND;  // 1972 is a leap year: Feb 29
    devices::Clock clock(ticks);
    devices::Rtc rtc(clock, [](bool) {}, 2 * 365 * 86400);
    auto in = [&](uint8_t index) {
        rtc.port_write(0x70, 1, index);
        return rtc.port_read(0x71, 1);
    };
    CHECK(in(0x09) == 0x72);
    CHECK(in(0x32) == 0x19);
    CHECK(in(0x08) == 0x02);
    CHECK(in(0x07) == 0x29);
    CHECK(in(0x06) == 0x03);  // Tuesday
}

TEST_CASE_FIXTURE(RtcFixture, "RTC: UIP is high for the last 244 us of each second only") {
    ticks = 5 * SECOND - 244'001;
    CHECK((in(0x0A) & 0x80) == 0);
    ticks = 5 * SECOND - 244'000;
    CHECK((in(0x0A) & 0x80) != 0);
    ticks = 5 * SECOND - 1;
    CHECK((in(0x0A) & 0x80) != 0);
    CHECK(in(0x00) == 0x04);
    ticks = 5 * SECOND;
    CHECK((in(0x0A) & 0x80) == 0);
    CHECK(in(0x00) == 0x05);
    ticks = 6 * SECOND - 1;
    out(0x0B, 0x82);  // SET stops updates: no UIP
    CHECK((in(0x0A) & 0x80) == 0);
}

TEST_CASE_FIXTURE(RtcFixture, "RTC: SET freezes the time; writes with SET move the base") {
    ticks = 10 * SECOND + 300;
    out(0x0B, 0x82);
    out(0x32, 0x19);
    out(0x09, 0x99);
    out(0x08, 0x12);
    out(0x07, 0x31);
    out(0x04, 0x23);
    out(0x02, 0x59);
    out(0x00, 0x58);
    ticks = 20 * SECOND + 300;
    CHECK(in(0x00) == 0x58);  // frozen
    out(0x0B, 0x02);
    CHECK(in(0x00) == 0x58);
    ticks = 21 * SECOND;
    CHECK(in(0x00) == 0x59);
    ticks = 22 * SECOND;
    CHECK(in(0x00) == 0x00);
    CHECK(in(0x02) == 0x00);
    CHECK(in(0x04) == 0x00);
    CHECK(in(0x07) == 0x01);
    CHECK(in(0x08) == 0x01);
    CHECK(in(0x09) == 0x00);
    CHECK(in(0x32) == 0x20);

    // Without SET a write takes effect at once.
    out(0x02, 0x30);
    CHECK(in(0x02) == 0x30);
    ticks = 23 * SECOND;
    CHECK(in(0x00) == 0x01);
    CHECK(in(0x02) == 0x30);
}

TEST_CASE_FIXTURE(RtcFixture, "RTC: update-ended interrupt and register C clearing") {
    out(0x0A, 0x20);  // no periodic rate: PF (set whatever PIE says) stays out of the way
    out(0x0B, 0x12);  // UIE
    advance_to(SECOND - 1);
    CHECK_FALSE(irq);
    advance_to(SECOND);
    CHECK(irq);
    CHECK(in(0x0C) == 0x90);
    CHECK_FALSE(irq);
    CHECK(in(0x0C) == 0x00);

    out(0x0B, 0x02);  // UF is set at each update even without UIE, with no event scheduled
    CHECK(clock.next_due() == devices::Clock::NEVER);
    advance_to(2 * SECOND);
    CHECK_FALSE(irq);
    CHECK(in(0x0C) == 0x10);

    out(0x0B, 0x92);  // entering SET clears UIE
    CHECK(in(0x0B) == 0x82);
}

TEST_CASE_FIXTURE(RtcFixture, "RTC: alarm interrupt, with don't-care bytes") {
    out(0x0A, 0x20);
    out(0x01, 0x05);
    out(0x03, 0xC0);
    out(0x05, 0xFF);
    out(0x0B, 0x22);  // AIE
    advance_to(4 * SECOND);
    CHECK_FALSE(irq);
    CHECK(in(0x0C) == 0x10);
    advance_to(5 * SECOND);
    CHECK(irq);
    CHECK(in(0x0C) == 0xB0);
    CHECK_FALSE(irq);
    advance_to(6 * SECOND);
    CHECK(in(0x0C) == 0x10);
}

TEST_CASE_FIXTURE(RtcFixture, "RTC: periodic interrupt at 1024 Hz, exact ticks") {
    out(0x0B, 0x42);  // PIE at the default rate
    std::vector<uint64_t> at;
    while (at.size() < 4) {
        advance_to(clock.next_due());
        if (irq) {
            at.push_back(ticks);
            CHECK(in(0x0C) == 0xC0);
            CHECK_FALSE(irq);
        }
    }
    // 976562.5 ns per period: edges land on the first whole tick at or after k * period.
    CHECK(at == std::vector<uint64_t>{976'563, 1'953'125, 2'929'688, 3'906'250});

    // 8192 Hz: 122070.3125 ns per period, 64 periods are 7812500 ticks exactly.
    out(0x0A, 0x23);
    in(0x0C);
    const uint64_t start = ticks;
    int count = 0;
    while (ticks < start + 7'812'500) {
        advance_to(clock.next_due());
        if (irq) {
            ++count;
            in(0x0C);
        }
    }
    CHECK(count == 64);
    CHECK(ticks == start + 7'812'500);
}

TEST_CASE_FIXTURE(RtcFixture, "RTC: PF without PIE sets no IRQ; rate 0 stops it") {
    ticks = 976'562;
    CHECK(in(0x0C) == 0x00);
    ticks = 976'563;
    CHECK(in(0x0C) == 0x40);
    CHECK_FALSE(irq);
    out(0x0A, 0x20);
    ticks = 10'000'000;
    CHECK(in(0x0C) == 0x00);
    // Enabling PIE with PF already pending raises the line at once.
    out(0x0A, 0x26);
    ticks = 11'000'000;
    out(0x0B, 0x42);
    CHECK(irq);
}

TEST_CASE_FIXTURE(RtcFixture, "RTC: port 0x70 bit 7 masks NMI and is not part of the index") {
    out(0x8F, 0xAB);
    CHECK(rtc.nmi_masked());
    CHECK(in(0x0F) == 0xAB);
    CHECK_FALSE(rtc.nmi_masked());
    CHECK(in(0xB2) == 0x20);  // century through the masked alias
    CHECK(in(0x8D) == 0x80);
    rtc.set_nvram(0x34, 0x12);
    CHECK(in(0x34) == 0x12);
    CHECK(rtc.port_read(0x70, 1) == 0xFF);
}
