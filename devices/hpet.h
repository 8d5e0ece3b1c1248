// The High Precision Event Timer (IA-PC HPET specification 1.0a), as on QEMU's pc: one block at
// 0xFED00000 with a 64-bit main counter at 100 MHz (a 10 ns period, 10^7 fs: one count every ten
// ticks of the 1 GHz virtual clock, so the count is exact) and three comparators, each 64-bit
// and periodic-capable, with edge or level interrupts and no FSB (MSI) delivery.
//
// Interrupts leave as GSIs: in legacy replacement mode timer 0 drives GSI 2 (ISA IRQ 0, the
// PIT's line, which the PIT then no longer drives) and timer 1 GSI 8 (IRQ 8, the RTC's); other
// routes are the timer's route field among INT_ROUTE_CAP (GSIs 20-23, I/O APIC pins, as on
// Intel's ICH). The machine maps GSIs to interrupt controller inputs.
//
// Nothing is polled: each armed comparator is a clock timer at the exact tick the counter
// reaches it, so an idle HLT skips straight there.
#pragma once

#include <array>
#include <cstdint>
#include <functional>

#include "devices/clock.h"
#include "memory/physmem.h"

namespace jitpc::devices {

class Hpet : public memory::MmioDevice {
public:
    static constexpr uint32_t BASE = 0xFED00000;
    static constexpr uint32_t MMIO_SIZE = 0x1000;  // mapped by page; the registers take 1 KiB
    static constexpr uint32_t REG_SPACE = 0x400;
    static constexpr unsigned TIMERS = 3;
    static constexpr uint64_t TICKS_PER_COUNT = 10;  // 100 MHz
    static constexpr uint64_t PERIOD_FS = TICKS_PER_COUNT * 1'000'000;
    // GCAP_ID: revision 1, NUM_TIM_CAP = TIMERS - 1, COUNT_SIZE_CAP, LEG_RT_CAP, vendor 8086h.
    static constexpr uint32_t CAPABILITIES = 0x8086'0000 | 1u << 15 | 1u << 13 | (TIMERS - 1) << 8 | 0x01;
    static constexpr uint32_t ROUTE_CAP = 0x00F0'0000;  // GSIs 20-23
    static constexpr unsigned LEGACY_GSI[2] = {2, 8};

    // Register offsets (64-bit registers, read and written as qwords or dwords).
    enum Reg : uint32_t {
        GCAP_ID = 0x000, GEN_CONF = 0x010, GINTR_STA = 0x020, MAIN_CNT = 0x0F0,
        TIMER_BASE = 0x100, TIMER_STRIDE = 0x20, T_CONF = 0x00, T_CMP = 0x08, T_FSB = 0x10,
    };
    static constexpr uint64_t CONF_ENABLE = 1u << 0, CONF_LEGACY = 1u << 1;
    // Tn_CONF_CAP bits.
    static constexpr uint64_t TN_LEVEL = 1u << 1, TN_INT_ENABLE = 1u << 2, TN_PERIODIC = 1u << 3,
                              TN_PERIODIC_CAP = 1u << 4, TN_SIZE_64_CAP = 1u << 5, TN_VAL_SET = 1u << 6,
                              TN_32BIT = 1u << 8, TN_ROUTE_SHIFT = 9, TN_ROUTE = 0x1Fu << TN_ROUTE_SHIFT,
                              TN_FSB_ENABLE = 1u << 14;
    static constexpr uint64_t TN_WRITABLE = TN_LEVEL | TN_INT_ENABLE | TN_PERIODIC | TN_VAL_SET | TN_32BIT |
                                            TN_ROUTE;

    struct Wiring {
        // Sets a GSI's level; edge interrupts are a raise then a lower.
        std::function<void(unsigned gsi, bool level)> gsi;
        // legacy_replacement() changed: IRQ 0 and 8 switch sources.
        std::function<void()> legacy_changed;
    };
    Hpet(Clock& clock, Wiring wiring);

    // Power-on state: halted counter at 0, every timer disabled.
    void reset();
    // LEG_RT_CNF: the PIT and the RTC are cut off from IRQ 0 and IRQ 8.
    bool legacy_replacement() const { return (config_ & (CONF_ENABLE | CONF_LEGACY)) == (CONF_ENABLE | CONF_LEGACY); }
    uint64_t main_counter() const;

    uint32_t mmio_read(memory::PhysAddr offset, unsigned size) override;
    void mmio_write(memory::PhysAddr offset, unsigned size, uint32_t value) override;

    // Its state for snapshots (snapshot/archive.h).
    template <class A> void snapshot(A& a) {
        a(config_, status_, base_count_, base_tick_, timers_);
        a.check(!(config_ & ~(CONF_ENABLE | CONF_LEGACY)) && status_ < 1u << TIMERS, "the HPET's configuration");
        for (const Timer& t : timers_)
            a.check(!(t.config & ~TN_WRITABLE) && (wide(t) || (t.cmp | t.period) <= 0xFFFFFFFFu) &&
                        t.driven_gsi >= -1 && t.driven_gsi <= int(TN_ROUTE >> TN_ROUTE_SHIFT),
                    "an HPET timer's configuration");
    }

private:
    struct Timer {
        uint64_t config = 0, cmp = 0, period = 0;
        int clock_timer = -1;  // the machine's wiring, not state: never saved
        int driven_gsi = -1;   // the GSI this timer's level interrupt holds high, or -1
        template <class A> void snapshot(A& a) { a(config, cmp, period, driven_gsi); }
    };
    bool enabled() const { return config_ & CONF_ENABLE; }
    bool wide(const Timer& t) const { return !(t.config & TN_32BIT); }
    unsigned route(unsigned n) const;
    uint64_t read_reg(uint32_t reg) const;
    void write_reg(uint32_t reg, uint64_t value, uint64_t mask);
    void write_timer(unsigned n, uint32_t reg, uint64_t value, uint64_t mask);
    // The tick the counter reaches `count` at (running), or Clock::NEVER.
    uint64_t tick_of(uint64_t count) const;
    void schedule(unsigned n, bool after_match);
    void fire(unsigned n);
    void update_line(unsigned n);
    void update_all();

    Clock& clock_;
    Wiring wiring_;
    uint64_t config_ = 0, status_ = 0;
    // While running the counter is base_count_ + (now - base_tick_) / TICKS_PER_COUNT; halted
    // it is base_count_.
    uint64_t base_count_ = 0, base_tick_ = 0;
    std::array<Timer, TIMERS> timers_;
};

}  // namespace jitpc::devices
