// A host-side watcher of the run (record/replay, the monitor): it names the instruction counts
// at which the run loop must stop for it, and sees the run's end. Stopping the engine at a
// count changes nothing the guest sees (events are taken at the same boundaries whatever the
// engine's slices: docs/ARCHITECTURE.md, "Virtual clock").
#pragma once

#include <cstdint>

namespace jitpc::machine {

class Machine;

class RunObserver {
public:
    static constexpr int GO_ON = -1;
    virtual ~RunObserver() = default;
    // The next count at which at_stop must run (UINT64_MAX: none); the loop stops exactly there,
    // or, over a halt, at the first pass after it.
    virtual uint64_t next_stop() const = 0;
    // Called once the count reached next_stop(), between instructions: GO_ON, or the status to
    // end the run with.
    virtual int at_stop(Machine& m) = 0;
    // The run ends with `status`; returns the status the process exits with.
    virtual int ended(Machine& m, int status) { (void)m; return status; }
};

}  // namespace jitpc::machine
