#include "frontend/prof.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cpu/print.h"
#include "profile/format.h"
#include "profile/symbols.h"

namespace jitpc::frontend {

namespace {

constexpr const char* USAGE = "usage: jitpc prof FILE [--symbols System.map|ELF] [--top N]";

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, v >> 32 ? "0x%016" PRIx64 : "0x%08" PRIx64, v);
    return buf;
}

std::string percent(uint64_t n, uint64_t total) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%5.1f%%", total ? 100.0 * double(n) / double(total) : 0.0);
    return buf;
}

// Where one sample was: the address with its privilege and mode.
struct Place {
    uint64_t addr;
    uint8_t cpl, mode;
    auto operator<=>(const Place&) const = default;
};

// The `top` largest entries of a count table, largest first, ties in key order (so the
// report is the same every time).
template <typename Key>
std::vector<std::pair<Key, uint64_t>> hottest(const std::map<Key, uint64_t>& counts, size_t top) {
    std::vector<std::pair<Key, uint64_t>> v(counts.begin(), counts.end());
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    if (v.size() > top) v.resize(top);
    return v;
}

}  // namespace

int prof_main(int argc, char** argv) {
    std::string file, symbols_path;
    size_t top = 20;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::runtime_error("prof: " + a + " needs an argument");
            return argv[++i];
        };
        if (a == "--symbols") symbols_path = value();
        else if (a == "--top") {
            const std::string v = value();
            if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos || std::stoul(v) == 0)
                throw std::runtime_error("prof: --top '" + v + "' is not a number from 1 to 999999");
            top = std::stoul(v);
        } else if (a == "-h" || a == "--help") {
            std::printf("%s\n", USAGE);
            return 0;
        } else if (!a.empty() && a[0] == '-') throw std::runtime_error("prof: unknown option '" + a + "' (" + USAGE + ")");
        else if (file.empty()) file = a;
        else throw std::runtime_error(std::string("prof: one profile file at a time (") + USAGE + ")");
    }
    if (file.empty()) throw std::runtime_error(std::string("prof: no profile file (") + USAGE + ")");
    std::optional<profile::Symbols> syms;
    if (!symbols_path.empty()) syms = profile::Symbols::load(symbols_path);

    std::map<Place, uint64_t> places;
    uint64_t total = 0;
    const uint64_t interval = profile::read(file, [&](const profile::Sample& s) {
        ++places[Place{s.addr, s.cpl, s.mode}];
        ++total;
    });
    std::map<std::pair<uint8_t, uint8_t>, uint64_t> modes;  // (mode, CPL)
    std::map<std::string, uint64_t> functions;
    // "name" or "name+0x1c"; empty without a symbol.
    auto symbol_of = [&](uint64_t addr) -> std::string {
        const profile::Symbol* s = syms ? syms->find(addr) : nullptr;
        if (!s) return "";
        char off[24] = "";
        if (addr != s->addr) std::snprintf(off, sizeof off, "+0x%" PRIx64, addr - s->addr);
        return s->name + off;
    };
    for (const auto& [p, n] : places) {
        modes[{p.mode, p.cpl}] += n;
        // Without a symbol, the page stands in for the function.
        const profile::Symbol* s = syms ? syms->find(p.addr) : nullptr;
        char page[48];
        std::snprintf(page, sizeof page, "[%s page, CPL %u]", hex(p.addr & ~uint64_t(0xFFF)).c_str(), unsigned(p.cpl));
        functions[s ? s->name : std::string(page)] += n;
    }
    std::printf("%s: %" PRIu64 " samples, one every %" PRIu64 " retired instructions\n", file.c_str(), total, interval);
    std::printf("\nby mode and privilege:\n   share  samples  mode          CPL\n");
    for (const auto& [k, n] : hottest(modes, modes.size()))
        std::printf("  %s %8" PRIu64 "  %-13s %u\n", percent(n, total).c_str(), n,
                    cpu::mode_name(cpu::CpuMode(k.first)), unsigned(k.second));
    std::printf("\nhottest functions%s:\n   share  samples  function\n", syms ? "" : " (no --symbols: by page)");
    for (const auto& [name, n] : hottest(functions, top))
        std::printf("  %s %8" PRIu64 "  %s\n", percent(n, total).c_str(), n, name.c_str());
    std::printf("\nhottest addresses (the instruction about to run at each sample):\n"
                "   share  samples  address             CPL  mode          symbol\n");
    for (const auto& [p, n] : hottest(places, top)) {
        char line[80];
        std::snprintf(line, sizeof line, "  %s %8" PRIu64 "  %-18s  %u    %-13s", percent(n, total).c_str(), n,
                      hex(p.addr).c_str(), unsigned(p.cpl), cpu::mode_name(cpu::CpuMode(p.mode)));
        const std::string sym = symbol_of(p.addr);
        std::printf("%s\n", sym.empty() ? std::string(line).erase(std::string(line).find_last_not_of(' ') + 1).c_str()
                                         : (std::string(line) + " " + sym).c_str());
    }
    return 0;
}

}  // namespace jitpc::frontend
