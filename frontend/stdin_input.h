// COM1 input from the host's standard input. A terminal is switched to raw mode (restored on
// every way out: return, exit, exception and fatal signal) so keystrokes reach the guest
// unprocessed; Ctrl-A x quits and Ctrl-A Ctrl-A sends a Ctrl-A, as in QEMU. Piped input is
// passed on verbatim, read with blocking reads: the bytes and the guest ticks at which they are
// delivered depend only on the pipe's contents (see Machine::poll_input).
#pragma once

#include <cstddef>
#include <cstdint>

#include "machine/serial_input.h"

namespace jitpc::frontend {

class StdinInput : public machine::SerialInput {
public:
    StdinInput();
    ~StdinInput() override;
    StdinInput(const StdinInput&) = delete;
    StdinInput& operator=(const StdinInput&) = delete;

    Result next(bool idle) override;

private:
    // Fills buf_ from stdin; false at end of input. `wait`: block until input arrives.
    bool fill(bool wait);

    bool terminal_;
    bool escape_ = false;  // the previous terminal byte was Ctrl-A
    bool ended_ = false;
    uint8_t buf_[4096];
    size_t pos_ = 0, len_ = 0;
};

}  // namespace jitpc::frontend
