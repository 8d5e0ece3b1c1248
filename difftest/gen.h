// Random instruction generator with its own small IA-32 encoder.
#pragma once

#include <random>
#include <set>
#include <string>
#include <vector>

#include "cpu/model.h"
#include "difftest/case.h"

namespace jitpc::difftest {

// Mnemonics the generator knows, and the named groups --ops accepts besides single mnemonics.
std::set<std::string> expand_ops(const std::string& list);  // throws on an unknown name
std::vector<std::string> group_names();

// Whether any of `ops` can be generated in mode `m`.
bool usable_in(const std::set<std::string>& ops, Mode m);

class Generator {
public:
    // `modes`: the Modes cases may run in, a bit per Mode (at least one usable by `ops`): of
    // MODES_LEGACY, or MODES_64 alone; `model`: the emulated CPU, whose features the forms
    // drawn keep to.
    Generator(uint64_t seed, std::set<std::string> ops, unsigned modes = MODES_LEGACY,
              const cpu::CpuModel& model = cpu::models::max)
        : rng_(seed), ops_(std::move(ops)), modes_(modes), model_(model) {}
    Case next(unsigned max_insns);
    // Restarts the random sequence: `jitpc conform` draws each case from its own seed, so that
    // any slice of a campaign is generated alone.
    void reseed(uint64_t seed) { rng_.seed(seed); }

private:
    State random_state(Mode mode);

    std::mt19937_64 rng_;
    std::set<std::string> ops_;
    unsigned modes_;
    const cpu::CpuModel& model_;
};

}  // namespace jitpc::difftest
