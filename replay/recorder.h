// -record FILE: logs what enters the machine from outside (the host inputs' bytes, each at the
// count its poll took it) and the guest's state as log_format.h's STATE_INTERVAL says, then the
// run's end.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "machine/run_observer.h"
#include "machine/serial_input.h"
#include "replay/log_file.h"

namespace jitpc::replay {

class Recorder : public machine::RunObserver {
public:
    Recorder(const std::string& path, const Header& header);
    ~Recorder() override;
    // An input that passes `input` on and logs what it gives the guest (nullptr stays nullptr).
    machine::SerialInput* wrap(machine::SerialInput* input, InputSource source);

    uint64_t next_stop() const override { return next_state_; }
    int at_stop(machine::Machine& m) override;
    int ended(machine::Machine& m, int status) override;

private:
    class LoggedInput;
    void log_input(InputSource source, const machine::SerialInput::Result& r);

    LogWriter log_;
    uint64_t next_state_ = 0;  // the next stop; the first state is the one at power-on
    uint64_t states_ = 0;
    uint64_t digested_at_ = 0;  // the ticks not halted (icount less idle_ticks) at the last state
    const uint64_t* icount_ = nullptr;  // the machine's clock, from the first stop on
    std::vector<std::unique_ptr<LoggedInput>> inputs_;
};

}  // namespace jitpc::replay
