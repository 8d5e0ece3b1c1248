// -record FILE and -replay FILE for one run, set up before the machine is built: the log's header
// (the options that define the machine, the images' identities, the resolved -rtc base, which
// host inputs exist), disk writes kept in memory (the images stay as they are), and the observer
// that records or checks the run.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "machine/machine.h"
#include "replay/log_format.h"
#include "replay/replayer.h"

namespace jitpc::replay {

// jitpc's version as the log records it (git describe of the build).
const char* version();

// The options of argv that define the guest machine: everything but the options that only
// choose where output goes, how fast or by which engine it runs, how long (the log's end says)
// and what is logged or dumped.
std::vector<std::string> machine_args(int argc, char** argv);

// What a log or a snapshot records of the run it was made from (log_format.h, Header), and the
// check that this run is that one: the same version, images and machine options. Throws
// std::runtime_error naming the first difference, after `where`.
Header identity(std::vector<std::string> args, const machine::Config& cfg);
void check_identity(const std::string& where, const Header& recorded, const std::vector<std::string>& args,
                    const machine::Config& cfg);

// Adds the recorder to `cfg`, wrapping its host inputs, and returns it. Throws
// std::runtime_error with a user-facing message.
std::unique_ptr<machine::RunObserver> start_recording(const std::string& path, std::vector<std::string> args,
                                                      machine::Config& cfg);
// Reads and checks the log against this run (version, options, images), then sets `cfg` up as
// the recorded run was: its -rtc value, its host inputs (replaced by the log's), its count limit.
std::unique_ptr<Replayer> start_replay(const std::string& path, const std::vector<std::string>& args,
                                                   machine::Config& cfg);

}  // namespace jitpc::replay
