// `jitpc conform kernels`: runs each test program of a directory (a Multiboot kernel or a
// bzImage, booted with -kernel) as public x86 suites expect: it prints PASS:/FAIL:/SKIP: lines on
// the serial port or port 0xE9 and exits through isa-debug-exit, status (code << 1) | 1, code 0
// passing and 77 skipping (kvm-unit-tests' convention). Each run has a time limit and bounded
// output; with --emulator each test runs on that emulator too, so one report compares them (a
// mode per emulator). Status 1, exit code 0, passes only with a PASS: line, as an emulator
// that fails on its own exits with 1 too. Tests come from the directory's unittests.cfg when it has one (ini-style:
// [name] sections with file=, extra_params=, arch=, timeout=), else from its kernel files.
#include "conform/kernels.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "conform/campaign.h"
#include "conform/process.h"

namespace jitpc::conform {
namespace {

namespace fs = std::filesystem;

constexpr const char* CONFIG = "unittests.cfg";

struct Test {
    std::string name, file, extra_params, arch;
    uint64_t timeout = 0;  // seconds; 0: --timeout
    std::string error;     // a test the directory or config describes wrongly: fails as such
};

Test test(std::string name, std::string file = {}, std::string error = {}) {
    Test t;
    t.name = std::move(name);
    t.file = std::move(file);
    t.error = std::move(error);
    return t;
}

std::string trim(const std::string& s) {
    const size_t a = s.find_first_not_of(" \t\r"), b = s.find_last_not_of(" \t\r");
    return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

// Whether a file is a kernel -kernel boots: a Multiboot header in its first 8 KiB, or a Linux
// boot protocol header ("HdrS" at 0x202).
bool is_kernel(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    char buf[8192];
    f.read(buf, sizeof buf);
    const size_t n = size_t(f.gcount());
    if (n >= 0x206 && std::memcmp(buf + 0x202, "HdrS", 4) == 0) return true;
    for (size_t k = 0; k + 12 <= n; k += 4) {
        uint32_t w[3];
        std::memcpy(w, buf + k, 12);
        if (w[0] == 0x1BADB002 && w[0] + w[1] + w[2] == 0) return true;
    }
    return false;
}

// The config's tests; a line it cannot read becomes a failing test of its own.
std::vector<Test> read_config(const fs::path& path) {
    std::ifstream f(path);
    std::vector<Test> tests;
    std::string line;
    for (unsigned number = 1; std::getline(f, line); ++number) {
        line = trim(line);
        if (line.empty() || line[0] == '#' || line[0] == ';') continue;
        if (line.front() == '[' && line.back() == ']') {
            tests.push_back(test(trim(line.substr(1, line.size() - 2))));
            if (tests.back().name.empty()) tests.back().error = "config line " + std::to_string(number) + ": a section without a name";
            continue;
        }
        const size_t eq = line.find('=');
        if (tests.empty() || eq == std::string::npos) {
            tests.push_back(test("config line " + std::to_string(number), {},
                                 std::string(CONFIG) + " line " + std::to_string(number) + ": '" + line +
                                     "' is neither [name] nor key = value in a section"));
            continue;
        }
        Test& t = tests.back();
        const std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
        if (key == "file") t.file = value;
        else if (key == "extra_params") t.extra_params = value;
        else if (key == "arch") t.arch = value;
        else if (key == "timeout") t.timeout = std::strtoull(value.c_str(), nullptr, 10);
        // Other keys (groups, smp, accel, check...) describe runs jitpc does not make differently.
    }
    for (Test& t : tests)
        if (t.error.empty() && t.file.empty()) t.error = "section [" + t.name + "] has no file=";
    return tests;
}

}  // namespace

int kernels_main(Args& args) {
    const Common common = Common::take(args);
    const uint64_t timeout = args.take_number("--timeout", 1, 86400).value_or(60);
    const std::string emulator = args.take("--emulator", "");
    args.check();
    if (args.positional.size() != 1) throw std::runtime_error("kernels: one DIR expected");
    const fs::path dir = args.positional[0];

    std::vector<Test> tests;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        tests.push_back(test("(directory)", {}, "'" + dir.string() + "' is not a readable directory"));
    } else if (fs::exists(dir / CONFIG, ec)) {
        tests = read_config(dir / CONFIG);
    } else {
        std::vector<fs::path> files;
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
            if (it->is_regular_file() && is_kernel(it->path())) files.push_back(it->path());
        if (ec) tests.push_back(test("(directory)", {}, "cannot read '" + dir.string() + "': " + ec.message()));
        std::sort(files.begin(), files.end());
        for (const auto& f : files) tests.push_back(test(f.stem().string(), f.filename().string()));
    }
    if (tests.empty()) throw std::runtime_error("no test kernel in '" + dir.string() + "'");

    // The emulators, each a mode of the report: jitpc itself, and --emulator's command.
    const std::vector<Emulator> emulators = emulators_of(emulator, args.passthrough);

    Campaign c;
    c.name = "kernels";
    c.cases = tests.size() * emulators.size();
    c.parameters.set("directory", json::Value::of(dir.string()))
        .set("timeout", json::Value::of(timeout))
        .set("emulator", json::Value::of(emulator))
        .set("jitpc_options", [&] {
            json::Value v = json::Value::array();
            for (const auto& o : args.passthrough) v.items.push_back(json::Value::of(o));
            return v;
        }());
    c.run = [&](uint64_t first, uint64_t end, Report& r, const Tick& tick) {
        for (uint64_t k = first; k < end; ++k) {
            const Test& t = tests[k / emulators.size()];
            const Emulator& e = emulators[k % emulators.size()];
            r.count(e.label, t.name, 1);
            std::string detail;
            bool skipped = false;
            if (!t.error.empty()) {
                detail = t.error + "\n";
            } else if (!t.arch.empty() && t.arch != "i386" && t.arch != "x86" && t.arch != "x86_64") {
                skipped = true;  // another architecture's test
            } else {
                const uint64_t limit = t.timeout ? t.timeout : timeout;
                const RunResult run = run_command(
                    "exec " + e.command + " -kernel " + shell_quote((dir / t.file).string()) + " " + t.extra_params, limit);
                std::map<std::string, uint64_t> lines;
                std::string failures;
                std::istringstream out(run.output);
                for (std::string line; std::getline(out, line);) {
                    const size_t at = line.find_first_not_of(" \t\r");
                    if (at == std::string::npos) continue;
                    for (const char* verdict : {"PASS:", "FAIL:", "SKIP:"})
                        if (line.compare(at, std::strlen(verdict), verdict) == 0) {
                            ++lines[std::string(verdict, 4)];
                            if (verdict[0] == 'F') failures += line + "\n";
                        }
                }
                for (const auto& [name, n] : lines) r.classes[{e.label, t.name}].lines[name] += n;
                if (run.timed_out) detail = "timed out after " + std::to_string(limit) + " s";
                else if (run.status >= 128) detail = "the emulator was killed by signal " + std::to_string(run.status - 128);
                else if (run.status % 2 == 0)
                    detail = "ended with status " + std::to_string(run.status) +
                             (run.status == 0 ? " (a reset or power-off: no isa-debug-exit code)" : "");
                else if (run.status >> 1 == 77 && failures.empty()) skipped = true;
                else if (run.status >> 1 != 0) detail = "exit code " + std::to_string(run.status >> 1);
                else if (!failures.empty()) detail = "exit code 0, but FAIL: lines";
                // Status 1 is also an emulator's own error (a bad option): a pass needs a PASS: line.
                else if (!lines.count("PASS")) detail = "status 1 (exit code 0, or the emulator's own error) without a PASS: line";
                if (!detail.empty()) {
                    // The FAIL: lines, or else the end of the output: what says most about a hang or a crash.
                    size_t from = 0;
                    if (run.output.size() > 600) {
                        from = run.output.find('\n', run.output.size() - 600);
                        from = from == std::string::npos ? run.output.size() - 600 : from + 1;
                    }
                    detail += "\n" + (!failures.empty() ? failures : "output ends:\n" + run.output.substr(from));
                }
            }
            if (skipped) r.skip(e.label, t.name);
            else if (!detail.empty())
                r.fail({.index = k, .cls = t.name, .mode = e.label, .name = t.file, .detail = detail, .repro = {}});
            tick(!detail.empty() && !skipped);
        }
    };
    return drive(c, common);
}

}  // namespace jitpc::conform
