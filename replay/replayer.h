// -replay FILE: runs the machine on a recorded log's inputs (the host's are not read) and checks
// it against the log: each State frame at its count, the inputs taken at their counts, the end's
// count and status. The first difference ends the run at once with status 1 and one line naming
// the count, the recorded and present state hash and the registers that differ. A replay never
// runs past the recording's last count.
#pragma once

#include <deque>
#include <memory>
#include <string>

#include "machine/run_observer.h"
#include "machine/serial_input.h"
#include "replay/log_file.h"

namespace jitpc::replay {

class Replayer : public machine::RunObserver {
public:
    explicit Replayer(Log log);
    ~Replayer() override;
    const Log& log() const { return log_; }
    // The user's -max-insns ends the replay before the recording's end: not a divergence.
    void stop_early_at(uint64_t count) { early_stop_ = count; }
    // The source that gives the recorded inputs of `source`, or nullptr when the recorded run
    // had no such input.
    machine::SerialInput* input(InputSource source);

    // Where the replay is in its log, kept with a checkpoint and put back with it (timeline.h).
    struct Position {
        size_t next_state = 0;
        size_t taken[2] = {};  // inputs given, by source
    };
    Position position() const;
    void rewind(const Position& p);

    uint64_t next_stop() const override;
    int at_stop(machine::Machine& m) override;
    int ended(machine::Machine& m, int status) override;

private:
    class RecordedInput;
    void diverged(uint64_t count, const std::string& why);
    // Reports a difference as a divergence: false then.
    bool compare(const StateRecord& recorded, const StateRecord& present);

    Log log_;
    size_t next_state_ = 0;
    bool failed_ = false;
    uint64_t early_stop_ = UINT64_MAX;
    const uint64_t* icount_ = nullptr;  // the machine's clock, from the first stop on
    std::unique_ptr<RecordedInput> inputs_[2];
};

}  // namespace jitpc::replay
