#include "machine/idle_watch.h"

#include "cpu/print.h"
#include "logging/log.h"

namespace jitpc::machine {

void IdleWatch::restart(uint64_t now, uint64_t busy) {
    since_ = now;
    busy_since_ = busy;
    if (pacing_) pacer_ = RealtimePacer{};
    pacing_ = false;
}

void IdleWatch::halted(uint64_t now, uint64_t busy, uint64_t activity, bool awaits_input,
                       uint16_t cs, uint64_t rip, cpu::CpuMode mode) {
    if (activity != activity_ || awaits_input) {
        activity_ = activity;
        restart(now, busy);
        return;
    }
    const uint64_t span = now - since_;
    if (pacing_ || span < HINT_TICKS) return;
    if ((busy - busy_since_) * 100 > span) {  // a busy guest that halts now and then
        restart(now, busy);
        return;
    }
    pacing_ = true;
    static logging::Site hint{logging::CONSOLE, "idle-guest", 1};
    hint.print("the guest has only halted and taken timer interrupts for %llu s of virtual time "
               "(halted at %s); its idle time now passes at host speed",
               static_cast<unsigned long long>(span / devices::TICKS_PER_SECOND), cpu::ip_text(cs, rip, mode).c_str());
}

}  // namespace jitpc::machine
