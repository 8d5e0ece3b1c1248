#include "conform/progress.h"

#include <unistd.h>

#include <cstdio>
#include <string>

namespace jitpc::conform {

Progress::Progress(uint64_t total) : total_(total), on_(isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() {
    if (drawn_) std::fputs("\r\033[K", stderr);
}

void Progress::show(uint64_t done, uint64_t failed) {
    if (!on_) return;
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && done < total_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    drawn_ = true;
    constexpr unsigned WIDTH = 30;
    const unsigned filled = total_ ? unsigned(done * WIDTH / total_) : WIDTH;
    std::fprintf(stderr, "\r[%s%s] %3u%% %llu/%llu cases, %llu failed\033[K", std::string(filled, '#').c_str(),
                 std::string(WIDTH - filled, ' ').c_str(), total_ ? unsigned(done * 100 / total_) : 100u,
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_),
                 static_cast<unsigned long long>(failed));
    std::fflush(stderr);
}

}  // namespace jitpc::conform
