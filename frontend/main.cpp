// jitpc: the command-line front end.
#include <cstdio>
#include <exception>
#include <memory>

#include "frontend/options.h"
#include "machine/machine.h"

using namespace jitpc;

int main(int argc, char** argv) {
    std::FILE* debugcon = nullptr;
    std::FILE* trace = nullptr;
    try {
        frontend::Options o = frontend::parse_options(argc, argv);
        if (o.show_help) {
            std::fputs(frontend::usage(), stdout);
            return 0;
        }
        if (o.debugcon == "stdio") o.machine.debugcon = stdout;
        else if (o.debugcon == "none") o.machine.debugcon = nullptr;
        else if (o.debugcon.rfind("file:", 0) == 0) {
            debugcon = std::fopen(o.debugcon.c_str() + 5, "wb");
            if (!debugcon) throw std::runtime_error("-debugcon: cannot open '" + o.debugcon.substr(5) + "'");
            o.machine.debugcon = debugcon;
        } else throw std::runtime_error("-debugcon: '" + o.debugcon + "' (stdio, file:PATH, none)");
        if (o.trace) {
            trace = o.trace_file.empty() ? stderr : std::fopen(o.trace_file.c_str(), "w");
            if (!trace) throw std::runtime_error("-D: cannot open '" + o.trace_file + "'");
            o.machine.trace = trace;
        }
        auto m = std::make_unique<machine::Machine>(o.machine);
        const int status = m->run();
        std::fflush(stdout);
        if (o.stats)
            std::fprintf(stderr, "jitpc: retired instructions: %llu\njitpc: virtual time: %llu ns (%llu ns halted)\n",
                         static_cast<unsigned long long>(m->cpu.icount - m->idle_ticks),
                         static_cast<unsigned long long>(m->cpu.icount),
                         static_cast<unsigned long long>(m->idle_ticks));
        if (debugcon) std::fclose(debugcon);
        if (trace && trace != stderr) std::fclose(trace);
        return status;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "jitpc: %s\n", e.what());
        return machine::EXIT_HOST_ERROR;
    }
}
