// Where the monitor's command lines come from and its answers go: stdio, or a Unix socket that
// serves one client at a time (monitor/ports.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace jitpc::monitor {

class Port {
public:
    virtual ~Port() = default;
    // Appends what arrived. `wait`: block until something does (or, on a socket, a client
    // connects or leaves). False once no input can ever come again.
    virtual bool read(std::string& into, bool wait) = 0;
    virtual void write(const std::string& text) = 0;
    // A client connected since the last call: it gets the greeting and a prompt.
    virtual bool new_client() { return false; }
    // A client is there to read from and write to (a socket may have none).
    virtual bool connected() const { return true; }
};

// stdin and stdout (stdin left in its own mode: the terminal's line editing serves).
std::unique_ptr<Port> stdio_port();
// unix:PATH,server[,nowait]: a listening socket at PATH (a socket left there is replaced);
// without nowait the run waits for the first client before it starts. Throws
// std::runtime_error with a user-facing message naming `option`.
std::unique_ptr<Port> unix_port(const std::string& option, const std::string& path, bool wait_for_client);
// tcp:HOST:PORT, listening on HOST (an IPv4 address; empty: localhost only, where QEMU listens
// on every interface: a debugger port reaches all of the guest).
std::unique_ptr<Port> tcp_port(const std::string& option, const std::string& host, uint16_t port, bool wait_for_client);

}  // namespace jitpc::monitor
