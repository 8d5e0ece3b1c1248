// Command-line parsing, in QEMU's spelling so users' habits carry over.
#pragma once

#include <string>

#include "machine/machine.h"

namespace jitpc::frontend {

struct Options {
    machine::Config machine;
    std::string debugcon = "stdio";
    std::string trace_file;
    bool trace = false;
    bool show_help = false;
    bool stats = false;  // print retired instructions and virtual time at exit
};

// Parses argv; throws std::runtime_error with a message naming the bad argument.
Options parse_options(int argc, char** argv);
const char* usage();

}  // namespace jitpc::frontend
