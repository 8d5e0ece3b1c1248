// The progress bar on stderr, drawn only when stderr is a terminal (nothing else: logs and CI
// output stay clean). Host output only: it never changes what a campaign runs or reports.
#pragma once

#include <chrono>
#include <cstdint>

namespace jitpc::conform {

class Progress {
public:
    explicit Progress(uint64_t total);
    ~Progress();  // clears the bar
    // Redraws, at most every 100 ms of host time.
    void show(uint64_t done, uint64_t failed);

private:
    uint64_t total_;
    bool on_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point last_{};
};

}  // namespace jitpc::conform
