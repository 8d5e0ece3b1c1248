// `jitpc prof FILE [--symbols System.map|ELF] [--top N]`: the report of a -profile file.
#pragma once

namespace jitpc::frontend {

// argv[0] is "prof". Returns the exit status; throws std::runtime_error for bad input.
int prof_main(int argc, char** argv);

}  // namespace jitpc::frontend
