// The command line of one `jitpc conform` campaign: `--name value` options, each given at most
// once, flags, positional arguments, and what follows `--` (passed on untouched).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace jitpc::conform {

class Args {
public:
    // argv[first..argc); `flags` are the options that take no value. Throws std::runtime_error
    // for an option given twice or missing its value.
    Args(int argc, char** argv, int first, const std::set<std::string>& flags = {});

    // The option's value, consumed (a later check() no longer sees it), or nullopt.
    std::optional<std::string> take(const std::string& name);
    std::string take(const std::string& name, const std::string& fallback);
    // An unsigned decimal or 0x-hex number in [min, max], or nullopt when absent.
    std::optional<uint64_t> take_number(const std::string& name, uint64_t min = 0, uint64_t max = UINT64_MAX);
    bool flag(const std::string& name);
    bool has(const std::string& name) const { return values_.count(name) != 0; }
    // Throws for any option nobody took.
    void check() const;

    std::vector<std::string> positional;
    std::vector<std::string> passthrough;  // after `--`

private:
    std::map<std::string, std::string> values_;
    std::set<std::string> flags_;
};

// Parses an unsigned number as Args::take_number does; throws naming `what`.
uint64_t parse_number(const std::string& text, const std::string& what, uint64_t min = 0, uint64_t max = UINT64_MAX);

}  // namespace jitpc::conform
