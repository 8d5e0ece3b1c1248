// Command-line parsing, in QEMU's spelling so users' habits carry over.
#pragma once

#include <string>
#include <vector>

#include "logging/log.h"
#include "machine/machine.h"

namespace jitpc::frontend {

struct Options {
    machine::Config machine;
    std::string debugcon;  // empty: stdio without a display, none with one (see main.cpp)
    // -serial backends for COM1 then COM2 (stdio, file:PATH, none), already checked; ports not
    // given default to stdio for COM1 when there is no display (see main.cpp) and none for COM2.
    std::vector<std::string> serial;
    bool nographic = false;
    std::string hang_dump_file;  // -dump-on-hang; "-" is stderr
    unsigned log_items = 0;  // -d: logging::Item bits
    std::string log_file;    // -D; empty: stderr
    std::string log_filter;  // -dfilter; empty: none
    std::string profile_file;  // -profile; empty: no profile
    bool perf_map = false;     // -perfmap: /tmp/perf-PID.map
    bool show_help = false;
    bool show_log_items = false;  // -d help
    bool show_cpu_models = false;  // -cpu help
    bool stats = false;  // print retired instructions and virtual time at exit
    std::string record, replay;  // -record FILE, -replay FILE (or -icount rr=…,rrfile=FILE)
    std::string monitor;         // -monitor stdio|unix:PATH,server[,nowait] (checked), or empty
    bool mux_monitor = false;    // -serial mon:stdio: COM1's terminal also reaches the monitor
    bool start_stopped = false;  // -S: the guest waits for gdb's continue, or else the monitor's cont
    std::string gdb;  // -gdb tcp:[HOST]:PORT|unix:PATH (checked; -s is tcp::1234), or empty
    std::vector<std::pair<uint64_t, std::string>> savevm_at;  // -savevm-at COUNT FILE...
    std::string loadvm;                                       // -loadvm FILE
};

// Parses argv; throws std::runtime_error with a message naming the bad argument.
Options parse_options(int argc, char** argv);
const char* usage();
// -cpu help: the models, in QEMU's layout.
std::string cpu_models_help();

}  // namespace jitpc::frontend
