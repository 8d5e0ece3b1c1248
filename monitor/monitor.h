// The monitor (-monitor stdio|unix:PATH,server[,nowait]): QEMU's command names over a line
// protocol, served between instructions. The run loop stops for it every SLICE ticks (and at a
// replay_break count), so commands take effect at an instruction boundary and never change what
// the guest computes: stopping, looking at registers and memory and continuing leave the run's
// instructions, output and counts as they were.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "machine/run_observer.h"
#include "monitor/port.h"
#include "replay/timeline.h"

namespace jitpc::monitor {

// What `info replay` reports and replay_break needs.
struct ReplayMode {
    enum Kind { None, Record, Replay } kind = None;
    std::string path;
    replay::Timeline* timeline = nullptr;  // a replay's checkpoints, for replay_seek
};

// The byte at `addr` as the guest would read it, without side effects; false where there is no
// RAM or ROM (or, for a linear address, no mapping).
bool peek_byte(machine::Machine& m, uint64_t addr, bool physical, uint8_t& b);

class Monitor : public machine::RunObserver {
public:
    // `stopped`: the guest waits for cont before its first instruction (-S). `args`: the
    // machine's options, which savevm records and loadvm checks (replay::machine_args).
    Monitor(std::unique_ptr<Port> port, ReplayMode replay, bool stopped, std::vector<std::string> args);

    uint64_t next_stop() const override;
    int at_stop(machine::Machine& m) override;

    // One command line; returns its answer (the socket and fuzz tests drive this directly too).
    std::string execute(machine::Machine& m, const std::string& line);
    bool stopped() const { return stopped_; }
    bool quit() const { return quit_; }

    // About 10 ms of host time under the JIT: how long a command may wait while the guest runs.
    static constexpr uint64_t SLICE = uint64_t(1) << 24;
    static constexpr size_t MAX_LINE = 1024;

private:
    // Reads what the port has (waiting for it when asked) and runs the complete lines.
    bool serve(machine::Machine& m, bool wait);
    std::string examine(machine::Machine& m, const std::string& fmt, const std::string& addr, bool physical);
    std::string disassemble(machine::Machine& m, uint64_t count, uint64_t start, bool physical);
    std::string info(machine::Machine& m, const std::string& what);
    std::string seek(machine::Machine& m, const std::string& arg);

    std::unique_ptr<Port> port_;
    ReplayMode replay_;
    std::vector<std::string> args_;
    std::string pending_;  // bytes of the line being received
    std::string backlog_;  // input received after a replay_seek, served once it arrived
    bool discarding_ = false;  // the line being received is too long: dropped to its end
    bool stopped_ = false, quit_ = false, ended_ = false;
    uint64_t next_ = 0;
    uint64_t break_at_ = UINT64_MAX;
    uint64_t seek_to_ = UINT64_MAX;  // replay_seek runs forward to this count
};

}  // namespace jitpc::monitor
