#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "monitor/port.h"

namespace jitpc::monitor {

namespace {

// Reads what `fd` has (waiting for it when asked): false at its end or on an error.
bool read_fd(int fd, std::string& into, bool wait, bool& got) {
    got = false;
    struct pollfd p = {fd, POLLIN, 0};
    int n;
    do n = poll(&p, 1, wait ? -1 : 0);
    while (n < 0 && errno == EINTR);
    if (n <= 0) return n == 0;
    char buf[4096];
    ssize_t r;
    do r = ::read(fd, buf, sizeof buf);
    while (r < 0 && errno == EINTR);
    if (r <= 0) return false;
    into.append(buf, size_t(r));
    got = true;
    return true;
}

class StdioPort : public Port {
public:
    bool read(std::string& into, bool wait) override {
        bool got;
        return ended_ ? false : (ended_ = !read_fd(STDIN_FILENO, into, wait, got), !ended_);
    }
    void write(const std::string& text) override {
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fflush(stdout);
    }
    bool new_client() override {  // the one client, there from the start
        const bool first = !greeted_;
        greeted_ = true;
        return first;
    }

private:
    bool ended_ = false, greeted_ = false;
};

// A listening socket serving one client at a time. `name` names it in messages (the option).
class ListenPort : public Port {
public:
    ListenPort(int listen_fd, std::string name, std::string unlink_path, bool wait_for_client)
        : listen_(listen_fd), name_(std::move(name)), path_(std::move(unlink_path)) {
        if (wait_for_client) {
            std::fprintf(stderr, "jitpc: waiting for a connection on %s\n", name_.c_str());
            accept_client(true);
        }
    }
    ~ListenPort() override {
        if (client_ >= 0) close(client_);
        close(listen_);
        if (!path_.empty()) unlink(path_.c_str());
    }
    bool read(std::string& into, bool wait) override {
        if (client_ < 0) {
            accept_client(wait);
            return true;  // the caller comes back for the client's input
        }
        bool got;
        if (!read_fd(client_, into, wait, got)) drop_client();
        return true;
    }
    void write(const std::string& text) override {
        if (client_ < 0) return;
        size_t done = 0;
        while (done < text.size()) {
            const ssize_t n = send(client_, text.data() + done, text.size() - done, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                drop_client();
                return;
            }
            done += size_t(n);
        }
    }
    bool new_client() override {
        const bool fresh = fresh_;
        fresh_ = false;
        return fresh;
    }
    bool connected() const override { return client_ >= 0; }

private:
    void accept_client(bool wait) {
        struct pollfd p = {listen_, POLLIN, 0};
        if (poll(&p, 1, wait ? -1 : 0) <= 0) return;
        client_ = accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
        fresh_ = client_ >= 0;
    }
    void drop_client() {
        close(client_);
        client_ = -1;
    }

    int listen_, client_ = -1;
    std::string name_, path_;
    bool fresh_ = false;
};

// Binds `fd` to `addr` and listens (one pending client); returns fd or throws.
int listen_on(const std::string& name, int fd, const sockaddr* addr, socklen_t len) {
    if (fd < 0 || bind(fd, addr, len) != 0 || listen(fd, 1) != 0) {
        const std::string why = std::strerror(errno);
        if (fd >= 0) close(fd);
        throw std::runtime_error(name + ": cannot listen there (" + why + ")");
    }
    return fd;
}

}  // namespace

std::unique_ptr<Port> stdio_port() { return std::make_unique<StdioPort>(); }

std::unique_ptr<Port> unix_port(const std::string& option, const std::string& path, bool wait_for_client) {
    const std::string name = option + " unix:" + path;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path)
        throw std::runtime_error(name + ": the path is empty or too long for a socket");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    struct stat st;
    if (lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) throw std::runtime_error(name + ": a file that is not a socket is in the way");
        unlink(path.c_str());
    }
    const int fd = listen_on(name, socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    return std::make_unique<ListenPort>(fd, name, path, wait_for_client);
}

std::unique_ptr<Port> tcp_port(const std::string& option, const std::string& host, uint16_t port, bool wait_for_client) {
    const std::string name = option + " tcp:" + host + ":" + std::to_string(port);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (inet_pton(AF_INET, host.empty() || host == "localhost" ? "127.0.0.1" : host.c_str(), &addr.sin_addr) != 1)
        throw std::runtime_error(name + ": the host is not an IPv4 address (or localhost)");
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int on = 1;
    if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    listen_on(name, fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    return std::make_unique<ListenPort>(fd, name, "", wait_for_client);
}

}  // namespace jitpc::monitor
