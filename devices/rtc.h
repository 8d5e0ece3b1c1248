// Motorola MC146818 RTC and CMOS NVRAM at ports 0x70/0x71. The time is not stored: every
// read computes it at the tick of the reading instruction as base + ticks / 1e9 seconds, so the
// guest sees a date that depends only on the base and the retired-instruction count. Second
// boundaries fall on multiples of 1e9 ticks; UIP is high during the last 244 us before each.
// The alarm is matched only while AIE or UIE is set (AF is not raised for a guest that polls
// register C with both off; Linux never does).
#pragma once

#include <array>
#include <cstdint>
#include <functional>

#include "devices/clock.h"
#include "devices/io_bus.h"
#include "devices/irq_line.h"

namespace jitpc::devices {

// Days since 1970-01-01 in the proleptic Gregorian calendar; out-of-range months and days
// carry into the next field. (Also used by the front end to parse -rtc base=DATE.)
int64_t days_from_date(int64_t y, int64_t m, int64_t d);

class Rtc : public PortDevice {
public:
    static constexpr int64_t DEFAULT_BASE = 1'767'225'600;  // 2026-01-01 00:00:00 UTC

    // base_seconds: the guest's date (seconds since the Unix epoch, UTC) at tick 0.
    Rtc(Clock& clock, IrqLine irq, int64_t base_seconds = DEFAULT_BASE);

    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;

    // Host side: the machine fills the NVRAM fields (memory sizes, boot order) before boot.
    void set_nvram(uint8_t index, uint8_t value) { write_reg(index & 0x7F, value); }
    // Port 0x70 bit 7: NMIs are masked while set.
    bool nmi_masked() const { return nmi_masked_; }

    // Its state for snapshots (snapshot/archive.h).
    template <class A> void snapshot(A& a) {
        a(regs_, offset_, frozen_, wday_adjust_, index_, nmi_masked_, uf_, af_, pf_latched_, pf_since_, uf_since_,
          irq_level_);
        a.check(index_ < regs_.size(), "the RTC's register index");
    }

private:
    // The calendar fields the time registers show, in 24-hour form and with the full year.
    struct Date {
        int64_t sec, min, hour, mday, month, year;
    };

    uint8_t read_reg(unsigned index);
    void write_reg(unsigned index, uint8_t v);
    void write_time(unsigned index, uint8_t v);
    void write_control(unsigned index, uint8_t v);
    uint8_t time_reg(unsigned index) const;
    Date current() const;
    void store(const Date& d);
    uint64_t second_of(uint64_t tick) const { return tick / TICKS_PER_SECOND; }

    bool running() const;
    uint64_t periodic_divider() const;
    uint64_t periodic_edges(uint64_t tick) const;
    bool periodic_flag() const;
    void latch_periodic();
    void latch_update();
    void arm_timers();
    void on_update();
    void update_irq();

    uint8_t encode(int64_t v) const;
    int64_t decode(uint8_t v) const;

    Clock& clock_;
    IrqLine irq_;
    int update_timer_, periodic_timer_;

    std::array<uint8_t, 128> regs_{};  // NVRAM, alarms and registers A and B
    int64_t offset_;                    // guest seconds at tick 0 (while running)
    Date frozen_{};                     // the time registers while updates are stopped
    int64_t wday_adjust_ = 0;           // a written day of week that disagrees with the date
    uint8_t index_ = 0;
    bool nmi_masked_ = false;
    bool uf_ = false, af_ = false, pf_latched_ = false;
    uint64_t pf_since_ = 0;  // PF reports periodic edges after this tick
    uint64_t uf_since_ = 0;  // without the update timer, UF reports boundaries after this tick
    bool irq_level_ = false;
};

}  // namespace jitpc::devices
