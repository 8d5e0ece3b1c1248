// -serial mon:stdio: the monitor's side of a terminal or pipe shared with COM1 (Ctrl-A c switches,
// as in QEMU). A terminal is raw, so this port echoes what is typed for the monitor (on a pipe
// too, as QEMU's monitor does).
#pragma once

#include <cstdio>
#include <string>

#include "frontend/stdin_input.h"
#include "monitor/port.h"

namespace jitpc::frontend {

class MuxPort : public monitor::Port {
public:
    explicit MuxPort(StdinInput& stdin_input) : stdin_(stdin_input) { stdin_.multiplex(); }
    bool read(std::string& into, bool wait) override {
        std::string got;
        bool switched = false, quit = false;
        const bool more = stdin_.monitor_input(got, wait, switched, quit);
        fresh_ |= switched;
        std::string echo;
        for (const char c : got) {
            if (c == '\r' || c == '\n') echo += '\n';
            else if (c == 0x7F || c == 0x08) echo += "\b \b";
            else if (uint8_t(c) >= 0x20) echo += c;
        }
        // After a switch, the greeting the monitor writes comes first.
        echo_ += echo;
        if (!switched) flush_echo();
        into += got;
        if (quit) into += "\nquit\n";  // Ctrl-A x while the monitor has the terminal
        return more;
    }
    void write(const std::string& text) override {
        std::fwrite(text.data(), 1, text.size(), stdout);
        flush_echo();
    }
    bool new_client() override {
        const bool fresh = fresh_;
        fresh_ = false;
        return fresh;
    }

private:
    void flush_echo() {
        std::fwrite(echo_.data(), 1, echo_.size(), stdout);
        std::fflush(stdout);
        echo_.clear();
    }

    StdinInput& stdin_;
    bool fresh_ = false;
    std::string echo_;
};

}  // namespace jitpc::frontend
