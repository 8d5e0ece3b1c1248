// Snapshots of the whole machine (-savevm-at COUNT FILE, -loadvm FILE): a versioned file with the
// identity of the run it was taken from (replay/log_format.h's Header: jitpc version, machine
// options, images) and one section per component, each CRC-checked: the CPU (every register
// with the hidden descriptor caches, x87 and SSE state, MSRs, pending events and the interrupt
// shadow: CpuState, FpuState and SseState whole, the PAE PDPTEs), the run loop's own state, the
// virtual clock's armed timers, every device, the BIOS's wait in progress, the disks' in-memory
// overlays, the ROMs (the firmware writes its tables there) and the RAM pages that are not all
// zero (compressed). Decoded blocks, translations and the TLB are
// not saved: a load drops them and they are rebuilt as the run goes on.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "machine/machine.h"
#include "machine/run_observer.h"

namespace jitpc::snapshot {

// Throws std::runtime_error with a user-facing message.
void save(machine::Machine& m, const std::string& path, const std::vector<std::string>& args);
// Puts `m` (built from the same options and images, disk writes in memory) in the saved
// state. Throws std::runtime_error naming what is wrong with the file; `m` is then unusable.
void load(machine::Machine& m, const std::string& path, const std::vector<std::string>& args);

// save and load on the file's bytes (the fuzz test drives these): decode throws as load does,
// its messages starting with `where`.
std::string encode(machine::Machine& m, const std::vector<std::string>& args);
void decode(machine::Machine& m, const std::string& data, const std::vector<std::string>& args,
            const std::string& where);

// The machine's state but its RAM, in memory, and putting it back: the part of a replay's
// checkpoint that is not pages (replay/timeline.h). Taken and loaded by the same process, so
// load_state throws (std::runtime_error) only on a bug.
std::string save_state(machine::Machine& m);
void load_state(machine::Machine& m, const std::string& state);

// -savevm-at COUNT FILE: saves when the count reaches COUNT (between instructions).
class SaveAt : public machine::RunObserver {
public:
    SaveAt(uint64_t count, std::string path, std::vector<std::string> args)
        : count_(count), path_(std::move(path)), args_(std::move(args)) {}
    uint64_t next_stop() const override { return count_; }
    int at_stop(machine::Machine& m) override;

private:
    uint64_t count_;
    std::string path_;
    std::vector<std::string> args_;
};

}  // namespace jitpc::snapshot
