// Host input from standard input (for COM1, or under the keyboard translation). A terminal is switched to raw mode (restored on
// every way out: return, exit, exception and fatal signal) so keystrokes reach the guest
// unprocessed; Ctrl-A x quits and Ctrl-A Ctrl-A sends a Ctrl-A, as in QEMU, and Ctrl-A d asks
// for a dump (-dump-on-hang's, on demand). A terminal is read at every poll so these commands
// work even while the guest takes no input; typed bytes wait for it. Piped input is
// passed on verbatim, read with blocking reads: the bytes and the guest ticks at which they are
// delivered depend only on the pipe's contents (see Machine::poll_input). A run bounded by
// -max-insns must end even when nobody writes to the pipe or closes it: there a pipe silent
// for PIPE_STALL_MS of host time is from then on only polled, like a terminal, so the guest runs
// on to the limit (the one case where host time decides what a piped run sees).
//
// -serial mon:stdio on a pipe: the Ctrl-A commands work as on a terminal (as QEMU's multiplexer
// takes them from any stdin), and the pipe stays deterministic by being read only to fixed
// points of its contents: every poll reads to COM1's next byte (blocking, as COM1's reads do),
// taking the monitor's lines and the commands before it; a monitor that waits (-S, stop) reads
// to the end of its next line. What each side has received at any tick then depends only on
// the pipe's contents, never on how the writer's bytes were split into reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

#include "machine/serial_input.h"

namespace jitpc::frontend {

class StdinInput : public machine::SerialInput {
public:
    // `bounded`: the run has an instruction limit (see above).
    explicit StdinInput(bool bounded);
    ~StdinInput() override;
    StdinInput(const StdinInput&) = delete;
    StdinInput& operator=(const StdinInput&) = delete;

    Result next(uint64_t wait_ns) override;
    Result command() override;

    // -serial mon:stdio: Ctrl-A c moves the input between COM1 and the monitor, which takes
    // its own with monitor_input.
    void multiplex() { mux_ = true; }
    // Reads stdin (waiting for a byte when `wait`; a pipe only then, see above) and moves the
    // bytes for the monitor into `into`; false once stdin has ended. `switched` is set when
    // Ctrl-A c turned to the monitor since the last call, `quit` when Ctrl-A x was typed.
    bool monitor_input(std::string& into, bool wait, bool& switched, bool& quit);

private:
    // Fills buf_ from stdin; false at end of input. A terminal is waited for up to `wait_ns`
    // of host time (WAIT_FOREVER: until input arrives).
    static constexpr uint64_t WAIT_FOREVER = UINT64_MAX;
    bool fill(uint64_t wait_ns);
    // Moves the bytes of buf_ to typed_ (COM1's) and monitor_bytes_, stopping after a command
    // (returned); a pipe's also after each byte for COM1 and each line for the monitor.
    Result scan();

    bool terminal_;
    bool bounded_;
    bool stalled_ = false;  // a bounded run's pipe was silent: polled from now on
    bool escape_ = false;  // the previous terminal byte was Ctrl-A
    bool ended_ = false;
    bool mux_ = false, to_monitor_ = false, switched_ = false;
    bool held_ = false;  // a pipe's Ctrl-A command waits for the monitor to take the lines before it
    std::string monitor_bytes_;
    uint8_t buf_[4096];
    size_t pos_ = 0, len_ = 0;
    // Terminal bytes read but not yet taken by the guest; reading stops while it holds
    // TYPED_LIMIT bytes.
    std::deque<uint8_t> typed_;
    static constexpr size_t TYPED_LIMIT = 4096;
    static constexpr int PIPE_STALL_MS = 2000;
};

}  // namespace jitpc::frontend
