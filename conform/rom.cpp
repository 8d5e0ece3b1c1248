// `jitpc conform rom IMAGE --expect REFERENCE`: boots a firmware image with -bios, takes what it
// writes to the debug port (--port, default 0xE9, moved there with -global
// isa-debugcon.iobase= as SeaBIOS's log needs) and compares it line by line with the
// reference. A difference names the first differing line and, on jitpc, the instruction that
// wrote its first byte: a second run under -d trace, its OUT instructions to the port counted
// byte by byte. --emulator runs the image on another emulator too (one case per emulator).
#include "conform/rom.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "conform/campaign.h"
#include "conform/process.h"

namespace jitpc::conform {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

// A temporary file's path, removed with this object.
struct TempFile {
    std::string path;
    TempFile() {
        char name[] = "/tmp/jitpc-conform-XXXXXX";
        const int fd = mkstemp(name);
        if (fd < 0) throw std::runtime_error("cannot create a temporary file");
        close(fd);
        path = name;
    }
    ~TempFile() { std::remove(path.c_str()); }
};

// The instruction that wrote byte `offset` of the port's output, from a -d trace log: "CS:EIP
// disassembly", or why it cannot be told.
std::string producer(const std::string& trace_path, uint64_t offset, uint16_t port) {
    std::ifstream trace(trace_path);
    uint64_t written = 0;
    for (std::string line; std::getline(trace, line);) {
        const size_t gap = line.find("  ");
        if (gap == std::string::npos) continue;
        const std::string text = line.substr(gap + 2, 40);
        const bool string_out = text.rfind("outs", 0) == 0 || text.rfind("rep outs", 0) == 0;
        if (text.rfind("out ", 0) != 0 && !string_out) continue;
        const size_t edx = line.find("EDX="), ecx = line.find("ECX=");
        if (edx == std::string::npos || ecx == std::string::npos) continue;
        uint16_t target;
        if (text.compare(4, 2, "dx") == 0 || string_out) target = uint16_t(std::strtoul(line.c_str() + edx + 4, nullptr, 16));
        else target = uint16_t(std::strtoul(text.c_str() + 4, nullptr, 0));
        if (target != port) continue;
        const uint64_t bytes = text.rfind("rep ", 0) == 0 ? std::strtoull(line.c_str() + ecx + 4, nullptr, 16) : 1;
        if (offset < written + bytes) {
            const size_t end = text.find_last_not_of(' ');
            return line.substr(0, gap) + " " + text.substr(0, end + 1);
        }
        written += bytes;
    }
    return "not within the traced instructions (-d trace keeps the first 100,000 of a run)";
}

}  // namespace

int rom_main(Args& args) {
    const Common common = Common::take(args);
    const auto expect = args.take("--expect");
    if (!expect) throw std::runtime_error("rom: --expect REFERENCE is required");
    const uint16_t port = uint16_t(args.take_number("--port", 0, 0xFFFF).value_or(0xE9));
    const uint64_t timeout = args.take_number("--timeout", 1, 86400).value_or(60);
    const std::string emulator = args.take("--emulator", "");
    args.check();
    if (args.positional.size() != 1) throw std::runtime_error("rom: one IMAGE expected");
    const std::string image = args.positional[0];
    if (!std::filesystem::is_regular_file(image)) throw std::runtime_error("rom: cannot read '" + image + "'");
    const std::vector<std::string> reference = lines_of(read_file(*expect));
    const std::vector<Emulator> emulators = emulators_of(emulator, args.passthrough);
    char port_text[8];
    std::snprintf(port_text, sizeof port_text, "0x%x", port);

    Campaign c;
    c.name = "rom";
    c.cases = emulators.size();
    c.parameters.set("image", json::Value::of(image))
        .set("expect", json::Value::of(*expect))
        .set("port", json::Value::of(uint64_t(port)))
        .set("timeout", json::Value::of(timeout))
        .set("emulator", json::Value::of(emulator));
    const std::string cls = std::filesystem::path(image).filename().string();
    c.run = [&](uint64_t first, uint64_t end, Report& r, const Tick& tick) {
        for (uint64_t k = first; k < end; ++k) {
            const Emulator& e = emulators[k];
            const TempFile out;
            const std::string command = "exec " + e.command + " -bios " + shell_quote(image) + " -debugcon file:" +
                                        shell_quote(out.path) + " -global isa-debugcon.iobase=" + port_text;
            const RunResult run = run_command(command, timeout);
            const std::string text = read_file(out.path);
            const std::vector<std::string> got = lines_of(text);
            r.count(e.label, cls, 1);
            std::string detail;
            size_t line = 0, offset = 0;
            while (line < reference.size() && line < got.size() && reference[line] == got[line])
                offset += got[line++].size() + 1;
            if (line < reference.size() || line < got.size()) {
                const auto show = [](const std::vector<std::string>& v, size_t n, const char* none) {
                    return n < v.size() ? "'" + v[n] + "'" : std::string(none);
                };
                detail = "line " + std::to_string(line + 1) + ": expected " + show(reference, line, "the end of the output") +
                         ", got " + show(got, line, "the end of the output") + "\n";
                if (k == 0) {  // jitpc: the instruction behind it
                    const TempFile trace;
                    run_command(command + " -d trace -D " + shell_quote(trace.path), timeout);
                    detail += line < got.size() ? "written by the instruction at " + producer(trace.path, offset, port)
                                                : "the output ended after the instruction at " +
                                                      producer(trace.path, offset ? offset - 1 : 0, port);
                    detail += "\n";
                }
            } else if (run.status >= 128 && !run.timed_out) {
                detail = "the emulator was killed by signal " + std::to_string(run.status - 128) + "\n";
            }
            if (!detail.empty()) r.fail({.index = k, .cls = cls, .mode = e.label, .name = image, .detail = detail, .repro = {}});
            tick(!detail.empty());
        }
    };
    return drive(c, common);
}

}  // namespace jitpc::conform
