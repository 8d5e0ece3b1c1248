// The gdbstub (-gdb tcp::PORT | unix:PATH, -s): gdb's Remote Serial Protocol over a listening
// socket, one client at a time. It is a RunObserver like the monitor: the run loop stops for it
// every SLICE ticks (to notice a new client or gdb's Ctrl-C), at the count a single step ends,
// and at once when a breakpoint or watchpoint (cpu/host_debug.h) hits; while gdb holds the
// guest stopped, packets are served at that instruction boundary. A connecting gdb stops the
// guest, as QEMU's does; a leaving one takes its breakpoints and lets it run on.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gdbstub/agent_expr.h"
#include "gdbstub/registers.h"
#include "gdbstub/rsp.h"
#include "machine/run_observer.h"
#include "monitor/monitor.h"
#include "monitor/port.h"

namespace jitpc::gdbstub {

class GdbStub : public machine::RunObserver {
public:
    // `stopped`: the guest waits for gdb's continue before its first instruction (-S).
    // `replay` and `args` serve the monitor commands that qRcmd (gdb's `monitor`) reaches.
    GdbStub(std::unique_ptr<monitor::Port> port, const cpu::CpuModel& model, bool stopped,
            monitor::ReplayMode replay, std::vector<std::string> args);

    uint64_t next_stop() const override;
    int at_stop(machine::Machine& m) override;
    int ended(machine::Machine& m, int status) override;

    // One packet's payload; the answer's payload, or none (a resume, answered by the stop
    // reply; k). The fuzz test drives it directly.
    std::optional<std::string> handle(machine::Machine& m, const std::string& packet);
    bool stopped() const { return stopped_; }

    static constexpr uint64_t SLICE = monitor::Monitor::SLICE;
    // Bounds on what a client may set (each costs every instruction a test).
    static constexpr size_t MAX_POINTS = 1024;

private:
    void serve(machine::Machine& m, bool wait);
    void send(const std::string& payload);
    void stop(machine::Machine& m, int signal);
    void resume(machine::Machine& m, bool step);
    void forget_client(machine::Machine& m);
    std::string stop_reply(machine::Machine& m) const;
    std::optional<std::string> query(machine::Machine& m, const std::string& p);
    std::optional<std::string> v_packet(machine::Machine& m, const std::string& p);
    std::string read_memory(machine::Machine& m, const std::string& args);
    std::string write_memory(machine::Machine& m, const std::string& args, bool binary);
    std::string point(machine::Machine& m, const std::string& args, bool insert);
    bool condition_holds(machine::Machine& m) const;
    std::string write_registers(machine::Machine& m, const std::string& hex);
    std::string write_register(machine::Machine& m, const std::string& args);
    // Reverse execution: `reply` (a stop reply when empty) once the machine is at `count`.
    void travel(machine::Machine& m, uint64_t count, std::string reply);
    void arrive(machine::Machine& m);
    void scan_before(machine::Machine& m, uint64_t count);
    void scan_stop(machine::Machine& m);
    void reverse_step(machine::Machine& m);
    uint64_t log_begin() const;

    std::unique_ptr<monitor::Port> port_;
    RegisterFile regs_;
    monitor::Monitor monitor_;
    PacketReader reader_;
    std::string last_sent_;
    bool ack_ = true;
    bool stopped_;
    bool client_ = false;  // a client was there at the last look
    bool quit_ = false;
    int signal_ = 5;  // of the last stop (SIGTRAP; SIGINT after Ctrl-C)
    uint64_t poll_at_ = 0;
    uint64_t step_to_ = UINT64_MAX;
    const cpu::HostDebug* debug_ = nullptr;  // the CPU's, once the run has started
    std::map<uint64_t, std::vector<AgentExpr>> conditions_;  // of breakpoints, by address

    replay::Timeline* timeline_;  // a replay's checkpoints, or none
    std::string replaylog_;  // "begin" or "end" in the stop reply, at the log's ends
    bool stop_at_end_ = false;  // a forward run stops at the recording's end
    // Going back: where to (Seek), or the end of the interval being scanned (Scan).
    enum class Travel : uint8_t { None, Seek, Scan } travel_ = Travel::None;
    uint64_t travel_to_ = 0, scan_from_ = 0;
    std::string arrive_reply_;  // what to answer at the seek's end (a stop reply when empty)
    struct Hit {
        uint64_t count;
        cpu::HostDebug::Hit hit;
        cpu::HostDebug::Watch watched;
    };
    std::optional<Hit> found_;  // the last hit of the interval scanned
    std::vector<uint64_t> saved_breaks_;  // the points, set aside while a seek runs
    std::vector<cpu::HostDebug::Watch> saved_watches_;
};

}  // namespace jitpc::gdbstub
