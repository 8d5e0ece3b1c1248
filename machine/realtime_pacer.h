// -realtime: virtual time held back to host time, for interactive use. Whenever the run loop
// reaches an event (and after a halted CPU's jump to its next event) it sleeps until the host
// clock has advanced as far as the virtual clock since the start, so idle periods and a guest
// running faster than 1 GHz take their real duration. A guest that falls behind (the
// interpreter is slower than real time) is not sped up; the origin moves so that it lags by at
// most MAX_LAG and idle time afterwards is again real time. Host time decides where guest time
// goes from there: runs with -realtime are not reproducible.
#pragma once

#include <chrono>
#include <cstdint>
#include <thread>

namespace jitpc::machine {

class RealtimePacer {
public:
    void wait_for(uint64_t tick) {
        using namespace std::chrono;
        const steady_clock::time_point now = steady_clock::now();
        if (!started_) {
            started_ = true;
            origin_ = now - nanoseconds(tick);
        }
        const steady_clock::time_point due = origin_ + nanoseconds(tick);
        if (due > now) std::this_thread::sleep_until(due);
        else if (now - due > MAX_LAG) origin_ = now - MAX_LAG - nanoseconds(tick);
    }

private:
    static constexpr std::chrono::milliseconds MAX_LAG{100};
    bool started_ = false;
    std::chrono::steady_clock::time_point origin_;  // the host time of tick 0
};

}  // namespace jitpc::machine
