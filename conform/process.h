// Running emulators for the campaigns that boot programs (kernels, rom): a shell command in its
// own process group with a time limit and bounded output, and the emulators of a campaign.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace jitpc::conform {

struct RunResult {
    bool timed_out = false;
    int status = 0;  // exit status, or 128 + signal
    std::string output;  // stdout and stderr, the first MAX_OUTPUT bytes
};

constexpr size_t MAX_OUTPUT = 1u << 20;  // kept of a run's output; the rest is read and dropped

// Runs `command` with /bin/sh in its own process group, stdin from /dev/null, stdout and stderr
// into one bounded buffer; kills the group at the deadline (and what is left of it at the end).
RunResult run_command(const std::string& command, uint64_t timeout_s);

// `s` as one shell word.
std::string shell_quote(const std::string& s);

// An emulator of a campaign: the report's mode, and the command line its arguments follow.
struct Emulator {
    std::string label, command;
};
// jitpc itself (this binary, -nographic -no-reboot, then `jitpc_options`), then `other` (the
// --emulator command) when given, labelled by its program's name.
std::vector<Emulator> emulators_of(const std::string& other, const std::vector<std::string>& jitpc_options);

}  // namespace jitpc::conform
