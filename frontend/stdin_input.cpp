#include "frontend/stdin_input.h"

#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <initializer_list>
#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace jitpc::frontend {

namespace {

constexpr uint8_t CTRL_A = 0x01;

// The terminal settings to put back. Global because signal handlers and atexit need them.
struct termios saved_termios;
volatile sig_atomic_t raw_mode = 0;

void restore_terminal() {
    if (raw_mode) tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
    raw_mode = 0;
}

// A fatal signal restores the terminal, then dies of the same signal.
void on_fatal_signal(int sig) {
    restore_terminal();
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

void enter_raw_mode() {
    if (tcgetattr(STDIN_FILENO, &saved_termios) != 0) return;
    struct termios raw = saved_termios;
    // Input bytes unprocessed and unechoed, no signal keys (Ctrl-C goes to the guest); output
    // post-processing stays on so the host's newline handling is unchanged, as QEMU does.
    raw.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    raw.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    raw.c_cflag = (raw.c_cflag & ~(CSIZE | PARENB)) | CS8;
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    static bool hooks_installed = false;
    if (!hooks_installed) {
        std::atexit(restore_terminal);
        for (int sig : {SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL})
            std::signal(sig, on_fatal_signal);
        hooks_installed = true;
    }
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0) raw_mode = 1;
}

}  // namespace

StdinInput::StdinInput(bool bounded) : terminal_(isatty(STDIN_FILENO)), bounded_(bounded) {
    if (terminal_) enter_raw_mode();
}

StdinInput::~StdinInput() { restore_terminal(); }

bool StdinInput::fill(uint64_t wait_ns) {
    for (;;) {
        if (terminal_ || bounded_) {
            // An idle guest waits on the host for a key; a busy one only takes what is there.
            // A pipe is waited for, but not past PIPE_STALL_MS in a bounded run.
            struct pollfd p = {STDIN_FILENO, POLLIN, 0};
            if (wait_ns) std::fflush(stdout);  // the prompt the user is answering
            const uint64_t ns = terminal_ ? wait_ns : stalled_ ? 0 : uint64_t(PIPE_STALL_MS) * 1'000'000;
            const struct timespec timeout = {time_t(ns / 1'000'000'000), long(ns % 1'000'000'000)};
            const int n = ppoll(&p, 1, ns == WAIT_FOREVER ? nullptr : &timeout, nullptr);
            if (n < 0 && errno == EINTR) continue;
            if (n == 0 && !terminal_ && !stalled_) {
                stalled_ = true;
                std::fprintf(stderr, "jitpc: no input on stdin for %d s: polled from now on, so "
                             "-max-insns can end the run\n", PIPE_STALL_MS / 1000);
            }
            if (n == 0 || (n < 0 && terminal_)) return true;
        }
        const ssize_t got = read(STDIN_FILENO, buf_, sizeof buf_);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return false;  // end of input, or an unreadable stdin: treated alike
        pos_ = 0;
        len_ = size_t(got);
        return true;
    }
}

machine::SerialInput::Result StdinInput::scan() {
    // A shared pipe is split at fixed points of its contents (the header says which).
    const bool piped = !terminal_;
    held_ = false;
    while (pos_ < len_) {
        const uint8_t b = buf_[pos_++];
        if (escape_) {
            const bool command = b == 'x' || b == 'X' || b == 'd' || b == 'D';
            if (command && piped && !monitor_bytes_.empty()) {  // it waits for the monitor's lines before it
                --pos_;
                held_ = true;
                break;
            }
            escape_ = false;
            if (b == 'x' || b == 'X') return {Kind::Quit};
            if (b == 'd' || b == 'D') return {Kind::Dump};
            if (b == 'c' && mux_) {
                to_monitor_ = !to_monitor_;
                switched_ |= to_monitor_;
                continue;
            }
            if (b != CTRL_A) continue;  // other Ctrl-A commands do not exist here: dropped
        } else if (b == CTRL_A) {
            escape_ = true;
            continue;
        }
        if (to_monitor_) {
            monitor_bytes_.push_back(char(b));
            if (piped && (b == '\n' || b == '\r')) break;
        } else {
            typed_.push_back(b);
            if (piped) break;
        }
    }
    return {Kind::Nothing};
}

machine::SerialInput::Result StdinInput::command() {
    if (!terminal_ && !mux_) return {Kind::Nothing};
    // A terminal is read for what is there; a shared pipe up to COM1's next byte.
    const size_t enough = terminal_ ? TYPED_LIMIT : 1;
    for (;;) {
        if (const Result r = scan(); r.kind != Kind::Nothing) return r;
        if (ended_ || typed_.size() >= enough || held_) return {Kind::Nothing};
        if (pos_ < len_) continue;
        if (!fill(0)) ended_ = true;
        else if (pos_ == len_) return {Kind::Nothing};
    }
}

bool StdinInput::monitor_input(std::string& into, bool wait, bool& switched, bool& quit) {
    if (!mux_) return false;
    // A shared pipe is read here only while the monitor waits (its other reads are COM1's).
    while (terminal_ || wait) {
        const Result r = scan();
        if (r.kind == Kind::Quit) {
            quit = true;
            break;
        }
        if (r.kind == Kind::Dump) continue;  // the hang dump is COM1's side's
        if (!monitor_bytes_.empty() || switched_ || ended_) break;
        if (pos_ < len_) continue;
        if (!fill(wait ? WAIT_FOREVER : 0)) ended_ = true;
        else if (pos_ == len_) break;  // nothing there, and not waiting
    }
    into += monitor_bytes_;
    monitor_bytes_.clear();
    switched = switched_;
    switched_ = false;
    return !ended_;
}

machine::SerialInput::Result StdinInput::next(uint64_t wait_ns) {
    if (!terminal_ && !mux_) {
        // A pipe is always read to its next byte or its end (blocking), so what arrives
        // does not depend on when the writer wrote it. Its bytes are passed on verbatim.
        if (pos_ == len_ && (ended_ || !fill(WAIT_FOREVER))) {
            ended_ = true;
            return {Kind::End};
        }
        if (pos_ == len_) return {Kind::Nothing};  // a stalled pipe (above) has nothing now
        return {Kind::Byte, buf_[pos_++]};
    }
    for (;;) {
        if (!typed_.empty()) {
            const uint8_t b = typed_.front();
            typed_.pop_front();
            return {Kind::Byte, b};
        }
        if (const Result r = scan(); r.kind != Kind::Nothing) return r;
        if (held_) return {Kind::Nothing};
        if (!typed_.empty() || pos_ < len_) continue;
        if (ended_) return {Kind::End};
        if (!fill(wait_ns)) ended_ = true;
        else if (pos_ == len_) return {Kind::Nothing};
        wait_ns = 0;  // what came (bytes for the monitor, say) ends the wait
    }
}

}  // namespace jitpc::frontend
