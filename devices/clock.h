// The one virtual clock. Guest time is the count of retired instructions (plus completed REP
// iterations): 1 tick = 1 ns of guest time, so the TSC runs at 1 GHz. Devices never look at
// host time; they convert ticks with exact integer arithmetic and schedule events at ticks.
//
// The engine runs until the earliest scheduled event (CpuState::icount_limit), the machine then
// fires every event due at that tick in registration order (the fixed device order that breaks
// ties), and an interrupt raised there is taken before the next instruction. A halted CPU moves
// the clock straight to the next event.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace jitpc::devices {

constexpr uint64_t TICKS_PER_SECOND = 1'000'000'000;

// floor(ticks * num / den), computed in 128 bits: the exact rational conversions the PIT, RTC
// and PM timer need.
constexpr uint64_t scale(uint64_t ticks, uint64_t num, uint64_t den) {
    return static_cast<uint64_t>(static_cast<unsigned __int128>(ticks) * num / den);
}
// The first tick at which scale(tick, num, den) >= value (the inverse, rounded up).
constexpr uint64_t unscale(uint64_t value, uint64_t num, uint64_t den) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(value) * den + num - 1) / num);
}

class Clock {
public:
    using Callback = std::function<void(uint64_t now)>;
    static constexpr uint64_t NEVER = UINT64_MAX;

    // The clock reads the CPU's retired-instruction counter: during an instruction (a port
    // read, RDTSC) it is that instruction's own tick.
    // `engine_limit` (CpuState::icount_limit) is where the running engine will stop: arming a
    // timer earlier than it, from a port write in the middle of a run, pulls it in.
    explicit Clock(const uint64_t& icount, uint64_t* engine_limit = nullptr)
        : icount_(icount), engine_limit_(engine_limit) {}
    uint64_t now() const { return icount_; }

    // Timers are created once, in a fixed order at machine construction; that order breaks
    // ties between events due at the same tick.
    int add_timer(Callback fire) {
        timers_.push_back(Timer{std::move(fire), NEVER});
        return static_cast<int>(timers_.size() - 1);
    }
    // Arms (or re-arms) a timer to fire when the clock reaches `at`; NEVER disarms it.
    void arm(int timer, uint64_t at) {
        timers_[timer].due = at;
        if (engine_limit_ && at < *engine_limit_) *engine_limit_ = at;
    }
    void disarm(int timer) { timers_[timer].due = NEVER; }
    bool armed(int timer) const { return timers_[timer].due != NEVER; }

    // The earliest armed timer, leaving out `except` if given.
    uint64_t next_due(int except = -1) const {
        uint64_t t = NEVER;
        for (size_t i = 0; i < timers_.size(); ++i)
            if (int(i) != except && timers_[i].due < t) t = timers_[i].due;
        return t;
    }
    // Fires, in timer order, every timer due at or before `now`. A callback may re-arm timers;
    // one re-armed at or before `now` fires again in the same call, so periodic timers must
    // re-arm in the future.
    void fire_due(uint64_t now) {
        for (bool again = true; again;) {
            again = false;
            for (Timer& tm : timers_)
                if (tm.due <= now) {
                    tm.due = NEVER;
                    tm.fire(now);
                    again = true;
                }
        }
    }

    // Its state for snapshots (snapshot/archive.h).
    template <class A> void snapshot(A& a) {
        // Events due at or before now fired before the state was taken; one that had not would
        // move a halted CPU's clock backwards.
        for (Timer& t : timers_) {
            a(t.due);
            a.check(t.due > now(), "a timer's due time");
        }
    }

private:
    struct Timer {
        Callback fire;
        uint64_t due;
    };
    const uint64_t& icount_;
    uint64_t* engine_limit_;
    std::vector<Timer> timers_;
};

}  // namespace jitpc::devices
