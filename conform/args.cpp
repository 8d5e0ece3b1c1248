#include "conform/args.h"

#include <stdexcept>

namespace jitpc::conform {

Args::Args(int argc, char** argv, int first, const std::set<std::string>& flags) {
    for (int a = first; a < argc; ++a) {
        const std::string arg = argv[a];
        if (arg == "--") {
            passthrough.assign(argv + a + 1, argv + argc);
            break;
        }
        if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
            positional.push_back(arg);
            continue;
        }
        if (values_.count(arg) || flags_.count(arg)) throw std::runtime_error(arg + " given twice");
        if (flags.count(arg)) {
            flags_.insert(arg);
        } else if (a + 1 < argc) {
            values_[arg] = argv[++a];
        } else {
            throw std::runtime_error(arg + " needs a value");
        }
    }
}

std::optional<std::string> Args::take(const std::string& name) {
    const auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    std::string v = it->second;
    values_.erase(it);
    return v;
}

std::string Args::take(const std::string& name, const std::string& fallback) { return take(name).value_or(fallback); }

std::optional<uint64_t> Args::take_number(const std::string& name, uint64_t min, uint64_t max) {
    const auto v = take(name);
    if (!v) return std::nullopt;
    return parse_number(*v, name, min, max);
}

bool Args::flag(const std::string& name) { return flags_.erase(name) != 0; }

void Args::check() const {
    if (!values_.empty()) throw std::runtime_error("unknown option " + values_.begin()->first + " (jitpc conform --help)");
    if (!flags_.empty()) throw std::runtime_error("option " + *flags_.begin() + " not valid here (jitpc conform --help)");
}

uint64_t parse_number(const std::string& text, const std::string& what, uint64_t min, uint64_t max) {
    const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    const size_t start = hex ? 2 : 0;
    const unsigned base = hex ? 16 : 10;
    uint64_t n = 0;
    bool ok = text.size() > start;
    for (size_t k = start; ok && k < text.size(); ++k) {
        const char c = text[k];
        unsigned d;
        if (c >= '0' && c <= '9') d = unsigned(c - '0');
        else if (hex && c >= 'a' && c <= 'f') d = unsigned(c - 'a' + 10);
        else if (hex && c >= 'A' && c <= 'F') d = unsigned(c - 'A' + 10);
        else { ok = false; break; }
        if (n > (UINT64_MAX - d) / base) ok = false;
        else n = n * base + d;
    }
    if (!ok || n < min || n > max)
        throw std::runtime_error(what + ": '" + text + "' (a number from " + std::to_string(min) + " to " +
                                 std::to_string(max) + ")");
    return n;
}

}  // namespace jitpc::conform
