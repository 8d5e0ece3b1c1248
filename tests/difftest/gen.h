// Random instruction generator with its own small IA-32 encoder.
#pragma once

#include <random>
#include <set>
#include <string>

#include "tests/difftest/case.h"

namespace jitpc::difftest {

// Mnemonics the generator knows, and the named groups --ops accepts besides single mnemonics.
std::set<std::string> expand_ops(const std::string& list);  // exits on an unknown name

class Generator {
public:
    Generator(uint64_t seed, std::set<std::string> ops) : rng_(seed), ops_(std::move(ops)) {}
    Case next(unsigned max_insns);

private:
    State random_state(Mode mode);

    std::mt19937_64 rng_;
    std::set<std::string> ops_;
};

}  // namespace jitpc::difftest
