// jitpc: the command-line front end.
#include <cstdio>
#include <algorithm>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "conform/conform.h"
#include "frontend/keyboard_input.h"
#include "frontend/mux_port.h"
#include "frontend/options.h"
#include "frontend/prof.h"
#include "frontend/stdin_input.h"
#include "frontend/terminal_display.h"
#include "machine/machine.h"
#include "gdbstub/gdbstub.h"
#include "monitor/monitor.h"
#include "replay/session.h"
#include "snapshot/snapshot.h"

using namespace jitpc;

namespace {

// Output files the front end opened, closed at every exit.
struct OpenFiles {
    std::vector<std::FILE*> files;
    std::FILE* open(const std::string& path, const char* mode, const char* option) {
        std::FILE* f = std::fopen(path.c_str(), mode);
        if (!f) throw std::runtime_error(std::string(option) + ": cannot open '" + path + "'");
        files.push_back(f);
        return f;
    }
    // -perfmap's /tmp/perf-PID.map, made afresh: an old file or a symlink in its place is
    // removed first and the file created exclusively, so nothing else is written through it.
    std::FILE* open_perf_map() {
        const std::string path = "/tmp/perf-" + std::to_string(getpid()) + ".map";
        unlink(path.c_str());
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        std::FILE* f = fd < 0 ? nullptr : fdopen(fd, "w");
        if (!f) {
            if (fd >= 0) close(fd);
            throw std::runtime_error("-perfmap: cannot create '" + path + "'");
        }
        files.push_back(f);
        return f;
    }
    ~OpenFiles() {
        for (std::FILE* f : files) std::fclose(f);
    }
};

// `jitpc NAME ARGS...`: tools that work on files instead of running a machine.
struct Subcommand {
    const char* name;
    int (*run)(int argc, char** argv);  // argv[0] is the name
};
constexpr Subcommand SUBCOMMANDS[] = {
    {"conform", conform::main},
    {"prof", frontend::prof_main},
};

int run_subcommand(const Subcommand& s, int argc, char** argv) {
    try {
        return s.run(argc, argv);
    } catch (const std::exception& e) {
        std::fflush(stdout);
        std::fprintf(stderr, "jitpc: %s\n", e.what());
        return machine::EXIT_HOST_ERROR;
    }
}

// -monitor: on stdio only where nothing else reads stdin (COM1's input, the display's keys).
bool wants_monitor(const frontend::Options& o) { return o.mux_monitor || (!o.monitor.empty() && o.monitor != "none"); }

std::unique_ptr<monitor::Monitor> open_monitor(const frontend::Options& o, bool graphic, std::vector<std::string> args,
                                               frontend::StdinInput* com1_stdin, replay::Timeline* timeline) {
    if (o.mux_monitor) {
        if (!com1_stdin) throw std::runtime_error("-serial mon:stdio: stdin is not COM1's here (a display, or a replay)");
        monitor::ReplayMode mode;
        if (!o.record.empty()) mode = {monitor::ReplayMode::Record, o.record};
        return std::make_unique<monitor::Monitor>(std::make_unique<frontend::MuxPort>(*com1_stdin), mode,
                                                  o.start_stopped && o.gdb.empty(), std::move(args));
    }
    if (!wants_monitor(o)) {
        if (o.start_stopped && o.gdb.empty()) throw std::runtime_error("-S waits for gdb or the monitor's cont: it needs -gdb or -monitor");
        return nullptr;
    }
    const bool stopped = o.start_stopped && o.gdb.empty();  // with -gdb, -S is gdb's
    monitor::ReplayMode mode;
    if (!o.record.empty()) mode = {monitor::ReplayMode::Record, o.record};
    if (!o.replay.empty()) mode = {monitor::ReplayMode::Replay, o.replay, timeline};
    if (o.monitor == "stdio") {
        if (graphic || (o.serial[0] == "stdio" && o.replay.empty()))
            throw std::runtime_error("-monitor stdio: stdin already serves " +
                                     std::string(graphic ? "the display's keyboard" : "COM1 (-serial none or file:PATH frees it)"));
        return std::make_unique<monitor::Monitor>(monitor::stdio_port(), mode, stopped, std::move(args));
    }
    // unix:PATH,server[,...] or tcp:[HOST]:PORT,server[,...] (checked by the option parser)
    const bool tcp = o.monitor.rfind("tcp:", 0) == 0;
    const std::string spec = o.monitor.substr(tcp ? 4 : 5);
    const bool nowait = spec.find(",nowait") != std::string::npos || spec.find(",wait=off") != std::string::npos;
    const std::string where = spec.substr(0, spec.find(','));
    std::unique_ptr<monitor::Port> port;
    if (tcp) {
        const size_t colon = where.rfind(':');
        port = monitor::tcp_port("-monitor", where.substr(0, colon), uint16_t(std::stoul(where.substr(colon + 1))), !nowait);
    } else {
        port = monitor::unix_port("-monitor", where, !nowait);
    }
    return std::make_unique<monitor::Monitor>(std::move(port), mode, stopped, std::move(args));
}

// -gdb (checked by the options): the stub listens; -S makes the run wait for gdb's continue.
std::unique_ptr<gdbstub::GdbStub> open_gdbstub(const frontend::Options& o, std::vector<std::string> args,
                                               replay::Timeline* timeline) {
    if (o.gdb.empty()) return nullptr;
    std::unique_ptr<monitor::Port> port;
    if (o.gdb.rfind("unix:", 0) == 0) {
        port = monitor::unix_port("-gdb", o.gdb.substr(5), false);
    } else {
        const size_t colon = o.gdb.rfind(':');
        port = monitor::tcp_port("-gdb", o.gdb.substr(4, colon - 4), uint16_t(std::stoul(o.gdb.substr(colon + 1))), false);
    }
    monitor::ReplayMode mode;
    if (!o.record.empty()) mode = {monitor::ReplayMode::Record, o.record};
    if (!o.replay.empty()) mode = {monitor::ReplayMode::Replay, o.replay, timeline};
    return std::make_unique<gdbstub::GdbStub>(std::move(port), *o.machine.cpu_model, o.start_stopped, mode, std::move(args));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1)
        for (const Subcommand& s : SUBCOMMANDS)
            if (std::string(argv[1]) == s.name) return run_subcommand(s, argc - 1, argv + 1);
    OpenFiles opened;
    std::unique_ptr<machine::SerialInput> input;
    std::unique_ptr<frontend::TerminalDisplay> display;
    try {
        frontend::Options o = frontend::parse_options(argc, argv);
        if (o.show_help || o.show_log_items) {
            std::fputs(o.show_help ? frontend::usage() : logging::items_help(), stdout);
            return 0;
        }
        if (o.show_cpu_models) {
            std::fputs(frontend::cpu_models_help().c_str(), stdout);
            return 0;
        }
        // The terminal shows the VGA screen unless -nographic; with stdout not a terminal there
        // is nowhere to draw (QEMU would open a window), so the run is a -nographic one.
        const bool graphic = !o.nographic && isatty(STDOUT_FILENO);
        const bool stdio_taken =
            o.debugcon == "stdio" || std::find(o.serial.begin(), o.serial.end(), "stdio") != o.serial.end();
        if (graphic && stdio_taken)
            throw std::runtime_error("stdio is the VGA screen's terminal: use -nographic to put a serial port or the debug console on it");
        if (o.debugcon.empty()) o.debugcon = graphic ? "none" : "stdio";
        if (o.debugcon == "stdio") o.machine.debugcon = stdout;
        else if (o.debugcon == "none") o.machine.debugcon = nullptr;
        else if (o.debugcon.rfind("file:", 0) == 0) o.machine.debugcon = opened.open(o.debugcon.substr(5), "wb", "-debugcon");
        else throw std::runtime_error("-debugcon: '" + o.debugcon + "' (stdio, file:PATH, none)");
        if (o.serial.empty()) o.serial.push_back(graphic ? "none" : "stdio");
        for (size_t port = 0; port < o.serial.size(); ++port) {
            const std::string& dev = o.serial[port];
            if (dev == "stdio") o.machine.serial[port] = stdout;
            else if (dev.rfind("file:", 0) == 0) o.machine.serial[port] = opened.open(dev.substr(5), "wb", "-serial");
        }
        std::FILE* log = o.log_file.empty() ? stderr : opened.open(o.log_file, "w", "-D");
        logging::configure(o.log_items, log);
        if (!o.log_filter.empty()) logging::set_filter(o.log_filter);
        if (o.log_items & logging::TRACE) o.machine.trace = log;
        o.machine.jit_fallbacks = o.log_items & logging::JIT_FALLBACK;
        if (!o.profile_file.empty()) o.machine.profile = opened.open(o.profile_file, "wb", "-profile");
        if (o.perf_map) o.machine.perf_map = opened.open_perf_map();
        if (!o.hang_dump_file.empty())
            o.machine.hang_dump = o.hang_dump_file == "-" ? stderr : opened.open(o.hang_dump_file, "w", "-dump-on-hang");
        // Host keys go to the PS/2 keyboard under the display, else to COM1 when it is on stdio
        // (the keyboard of a serial console). A run with a limit must not wait on a silent pipe.
        // A replay takes its input from the log alone.
        const bool bounded = o.machine.max_instructions != 0;
        const bool host_input = o.replay.empty();
        frontend::StdinInput* com1_stdin = nullptr;
        if (graphic) {
            if (host_input) input = std::make_unique<frontend::KeyboardInput>(bounded);
            o.machine.keyboard_input = input.get();
            display = std::make_unique<frontend::TerminalDisplay>(stdout);
            o.machine.display = display.get();
        } else if (o.serial[0] == "stdio" && host_input) {
            auto com1 = std::make_unique<frontend::StdinInput>(bounded);
            com1_stdin = com1.get();
            input = std::move(com1);
            o.machine.com1_input = input.get();
        }
        std::unique_ptr<machine::RunObserver> record_replay;
        if (!o.record.empty())
            record_replay = replay::start_recording(o.record, replay::machine_args(argc, argv), o.machine);
        std::unique_ptr<replay::Timeline> timeline;  // a replay's checkpoints: replay_seek, gdb's reverse execution
        if (!o.replay.empty()) {
            std::unique_ptr<replay::Replayer> rep = replay::start_replay(o.replay, replay::machine_args(argc, argv), o.machine);
            if (wants_monitor(o) || !o.gdb.empty()) {
                timeline = std::make_unique<replay::Timeline>(*rep);
                o.machine.observers.push_back(timeline.get());
            }
            record_replay = std::move(rep);
        }
        std::unique_ptr<monitor::Monitor> mon =
            open_monitor(o, graphic, replay::machine_args(argc, argv), com1_stdin, timeline.get());
        if (mon) o.machine.observers.push_back(mon.get());
        std::unique_ptr<gdbstub::GdbStub> gdb = open_gdbstub(o, replay::machine_args(argc, argv), timeline.get());
        // First: at the recording's end it stops before the replayer ends the run.
        if (gdb) o.machine.observers.insert(o.machine.observers.begin(), gdb.get());
        std::vector<std::unique_ptr<snapshot::SaveAt>> save_at;
        for (const auto& [count, file] : o.savevm_at) {
            save_at.push_back(std::make_unique<snapshot::SaveAt>(count, file, replay::machine_args(argc, argv)));
            o.machine.observers.push_back(save_at.back().get());
        }
        auto m = std::make_unique<machine::Machine>(o.machine);
        if (!o.loadvm.empty()) snapshot::load(*m, o.loadvm, replay::machine_args(argc, argv));
        const int status = m->run();
        if (display) display->finish(m->vga);
        std::fflush(stdout);
        logging::report_suppressed();
        if (o.stats)
            std::fprintf(stderr,
                         "jitpc: retired instructions: %llu\njitpc: virtual time: %llu ns (%llu ns halted, %llu ns in PAUSE)\n",
                         static_cast<unsigned long long>(m->retired()), static_cast<unsigned long long>(m->cpu.icount),
                         static_cast<unsigned long long>(m->idle_ticks),
                         static_cast<unsigned long long>(m->cpu.spin_ticks));
        if (o.stats) {
            const cpu::Mmu::Stats& t = m->cpu.mmu.stats;
            std::fprintf(stderr, "jitpc: TLB: %llu CR3 loads, %llu flushes, %llu INVLPG, %llu page walks (%llu #PF)\n",
                         static_cast<unsigned long long>(t.cr3_loads), static_cast<unsigned long long>(t.flushes),
                         static_cast<unsigned long long>(t.invlpgs), static_cast<unsigned long long>(t.walks),
                         static_cast<unsigned long long>(t.walk_faults));
        }
        if (o.stats && m->jit)
            std::fprintf(stderr, "jitpc: JIT: %llu translations, %llu cache flushes, %llu links\n"
                                 "jitpc: JIT: %llu guest instructions translated, %llu host bytes emitted (%.1f per instruction)\n"
                                 "jitpc: JIT: %llu entries from the dispatcher, %llu indirect-branch lookups missed, "
                                 "%llu returns not predicted by the return-address stack\n"
                                 "jitpc: JIT: %llu runs declined for a stack frame's TLB probe, %llu blocks translated again without one\n",
                         static_cast<unsigned long long>(m->jit->blocks_translated),
                         static_cast<unsigned long long>(m->jit->cache_flushes),
                         static_cast<unsigned long long>(m->jit->links_made),
                         static_cast<unsigned long long>(m->jit->insns_translated),
                         static_cast<unsigned long long>(m->jit->bytes_emitted),
                         m->jit->insns_translated ? double(m->jit->bytes_emitted) / double(m->jit->insns_translated) : 0.0,
                         static_cast<unsigned long long>(m->jit->entries),
                         static_cast<unsigned long long>(m->jit->lookup_misses),
                         static_cast<unsigned long long>(m->jit->return_mispredictions),
                         static_cast<unsigned long long>(m->jit->frame_declines),
                         static_cast<unsigned long long>(m->jit->frames_dropped));
        if (o.stats) {
            const cpu::Interpreter::Stats& d = m->interp.stats;
            std::fprintf(stderr, "jitpc: dispatcher: %llu next blocks found through links, %llu not (%llu of those by a link that no longer held)\n",
                         static_cast<unsigned long long>(d.link_hits), static_cast<unsigned long long>(d.link_misses),
                         static_cast<unsigned long long>(d.stale_links));
        }
        if (o.stats && m->jit) m->jit->print_block_ends(stderr);
        if (m->jit && m->jit->fallbacks) m->jit->fallbacks->print(logging::output(logging::JIT_FALLBACK));
        return status;
    } catch (const std::exception& e) {
        display.reset();
        input.reset();  // the terminal back in its own mode before the message
        std::fprintf(stderr, "jitpc: %s\n", e.what());
        return machine::EXIT_HOST_ERROR;
    }
}
