// jitpc: the command-line front end.
#include <cstdio>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "frontend/options.h"
#include "frontend/stdin_input.h"
#include "machine/machine.h"

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
    ~OpenFiles() {
        for (std::FILE* f : files) std::fclose(f);
    }
};

}  // namespace

int main(int argc, char** argv) {
    OpenFiles opened;
    std::unique_ptr<frontend::StdinInput> input;
    try {
        frontend::Options o = frontend::parse_options(argc, argv);
        if (o.show_help) {
            std::fputs(frontend::usage(), stdout);
            return 0;
        }
        if (o.debugcon == "stdio") o.machine.debugcon = stdout;
        else if (o.debugcon == "none") o.machine.debugcon = nullptr;
        else if (o.debugcon.rfind("file:", 0) == 0) o.machine.debugcon = opened.open(o.debugcon.substr(5), "wb", "-debugcon");
        else throw std::runtime_error("-debugcon: '" + o.debugcon + "' (stdio, file:PATH, none)");
        if (o.serial.empty()) o.serial.push_back("stdio");
        for (size_t port = 0; port < o.serial.size(); ++port) {
            const std::string& dev = o.serial[port];
            if (dev == "stdio") o.machine.serial[port] = stdout;
            else if (dev.rfind("file:", 0) == 0) o.machine.serial[port] = opened.open(dev.substr(5), "wb", "-serial");
        }
        if (o.trace) o.machine.trace = o.trace_file.empty() ? stderr : opened.open(o.trace_file, "w", "-D");
        // Only COM1 takes host input (the keyboard of a serial console).
        if (o.serial[0] == "stdio") {
            input = std::make_unique<frontend::StdinInput>();
            o.machine.com1_input = input.get();
        }
        auto m = std::make_unique<machine::Machine>(o.machine);
        const int status = m->run();
        std::fflush(stdout);
        if (o.stats)
            std::fprintf(stderr, "jitpc: retired instructions: %llu\njitpc: virtual time: %llu ns (%llu ns halted)\n",
                         static_cast<unsigned long long>(m->cpu.icount - m->idle_ticks),
                         static_cast<unsigned long long>(m->cpu.icount),
                         static_cast<unsigned long long>(m->idle_ticks));
        return status;
    } catch (const std::exception& e) {
        input.reset();  // the terminal back in its own mode before the message
        std::fprintf(stderr, "jitpc: %s\n", e.what());
        return machine::EXIT_HOST_ERROR;
    }
}
