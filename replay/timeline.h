// A replay's timeline: in-memory checkpoints taken as the replay runs, and going back (or ahead)
// to any count of the recording from them. The monitor's replay_seek uses it; reverse execution
// in the gdbstub builds on the same calls.
//
// Use: add the Timeline to the machine's observers after the Replayer it serves. To reach count
// C, call rewind(m, C) between instructions (from a RunObserver's at_stop): the machine is then
// at the newest checkpoint at or before C (or where it was, when that is nearer), never past C;
// then let it run to C, stopping there with your own RunObserver::next_stop. What happens
// between the checkpoint and C is the recorded run again, instruction for instruction.
//
// A checkpoint is the machine's state but its RAM (snapshot::save_state), the replay's place in
// its log, and the RAM pages written since the checkpoint before it (the dirty pages,
// memory/physmem.h); the first one holds every page that is not zero. Thinning keeps memory
// bounded: checkpoints fall every interval() ticks, and whenever there are more than
// MAX_CHECKPOINTS or they hold more than BYTE_BUDGET bytes, every other one (but the first and
// the newest) is merged into the one after it and the interval doubles. A seek so re-runs at
// most one interval, which grows with the run: about run length / 32.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "machine/run_observer.h"
#include "replay/replayer.h"

namespace jitpc::replay {

class Timeline : public machine::RunObserver {
public:
    static constexpr uint64_t FIRST_INTERVAL = uint64_t(1) << 20;  // ticks: about 1 ms of guest time
    static constexpr size_t MAX_CHECKPOINTS = 64;  // bc re-runs an interval: bench/reverse.py
    static constexpr uint64_t BYTE_BUDGET = uint64_t(512) << 20;

    struct Checkpoint {
        uint64_t count;
        uint64_t bytes;  // what it holds in memory
    };

    explicit Timeline(Replayer& replayer) : replayer_(replayer) {}

    std::vector<Checkpoint> checkpoints() const;
    uint64_t bytes() const;
    uint64_t interval() const { return interval_; }
    // The recording's last count: a seek goes no further.
    uint64_t end() const { return replayer_.log().end.count; }
    // Puts the machine at the newest checkpoint at or before `count` when the machine is past
    // `count` or that checkpoint is ahead of it; else leaves it. Returns the machine's count
    // (≤ `count`). Throws std::runtime_error for a count past end() or before the first
    // checkpoint.
    uint64_t rewind(machine::Machine& m, uint64_t count);

    uint64_t next_stop() const override { return next_; }
    int at_stop(machine::Machine& m) override;

private:
    struct Stored {
        uint64_t count = 0;
        std::string state;              // snapshot::save_state
        Replayer::Position position;
        std::vector<uint64_t> pages;    // RAM page numbers, ascending
        std::vector<uint8_t> contents;  // their bytes then, in the same order
        uint64_t bytes() const { return state.size() + pages.size() * 8 + contents.size(); }
    };
    void take(machine::Machine& m);
    void thin();
    // Stored::contents of `page` in checkpoint `i`, or null when it does not hold it.
    const uint8_t* find(size_t i, uint64_t page) const;

    Replayer& replayer_;
    std::vector<Stored> stored_;
    uint64_t interval_ = FIRST_INTERVAL;
    uint64_t next_ = 0;
};

}  // namespace jitpc::replay
