#include "conform/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace jitpc::conform {

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

RunResult run_command(const std::string& command, uint64_t timeout_s) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        setpgid(0, 0);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        const int null = open("/dev/null", O_RDONLY);
        if (null >= 0) dup2(null, 0);
        execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    setpgid(pid, pid);
    close(fds[1]);
    RunResult r;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    for (char buf[65536];;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            r.timed_out = true;
            break;
        }
        pollfd p{fds[0], POLLIN, 0};
        if (poll(&p, 1, int(std::min<int64_t>(left.count(), 1000))) <= 0) continue;
        const ssize_t n = read(fds[0], buf, sizeof buf);
        if (n <= 0) break;  // EOF: every writer of the group ended (or closed its output)
        if (r.output.size() < MAX_OUTPUT) r.output.append(buf, std::min(size_t(n), MAX_OUTPUT - r.output.size()));
    }
    kill(-pid, SIGKILL);  // what is left of the group: a hung emulator, or its children
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

std::vector<Emulator> emulators_of(const std::string& other, const std::vector<std::string>& jitpc_options) {
    char self[4096];
    const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) throw std::runtime_error("cannot find the jitpc binary (/proc/self/exe)");
    std::string jitpc = shell_quote(std::string(self, size_t(len))) + " -nographic -no-reboot";
    for (const auto& o : jitpc_options) (jitpc += ' ') += shell_quote(o);
    std::vector<Emulator> out = {{"jitpc", jitpc}};
    if (!other.empty()) {
        const std::string label = std::filesystem::path(other.substr(0, other.find(' '))).filename().string();
        out.push_back({label == "jitpc" ? "jitpc (--emulator)" : label, other});
    }
    return out;
}

}  // namespace jitpc::conform
