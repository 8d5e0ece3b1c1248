// A guest that for HINT_TICKS of virtual time only halts and takes timer interrupts — no port
// I/O beyond the interrupt controller and timer, and its CPU busy under 1 % of that time — is
// stuck waiting for nothing (Linux's real-mode "This kernel requires an x86-64 CPU" loop). The
// user gets one console line saying so, and from then on the halted time is paced on the host
// clock, so the guest stops spinning a host core through virtual time. Pacing is host-side
// only: the guest sees the same ticks and runs the same instructions; it ends at the next
// device access. Normal runs, idle for shorter or doing I/O, are never paced.
#pragma once

#include <cstdint>

#include "cpu/mode.h"
#include "devices/clock.h"
#include "machine/realtime_pacer.h"

namespace jitpc::machine {

class IdleWatch {
public:
    // At every halt the CPU can wake from: the tick, the ticks it ran so far (not halted:
    // PAUSE's are busy), the bus's activity count, whether a host input feeds a device the
    // guest listens to (a guest waiting for its user is not stuck), and where the CPU halted.
    void halted(uint64_t now, uint64_t busy, uint64_t activity, bool awaits_input, uint16_t cs,
                uint64_t rip, cpu::CpuMode mode);
    // After the clock jumped over a halt to `tick`: waits for the host clock when pacing.
    void pace(uint64_t tick) {
        if (pacing_) pacer_.wait_for(tick);
    }

    static constexpr uint64_t HINT_TICKS = 10 * devices::TICKS_PER_SECOND;

private:
    void restart(uint64_t now, uint64_t busy);

    uint64_t activity_ = 0;
    uint64_t since_ = 0, busy_since_ = 0;  // where the quiet stretch began
    bool pacing_ = false;
    RealtimePacer pacer_;
};

}  // namespace jitpc::machine
