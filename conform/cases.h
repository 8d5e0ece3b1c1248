// The differential cases a campaign draws (diff, export): the options that choose them (--mode,
// --ops, --seed, --cpu) and case k of a campaign, generated on its own: from the oracle's
// generator (difftest/) with a seed of its own, in instruction class k mod (number of classes).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "conform/args.h"
#include "conform/json.h"
#include "cpu/model.h"
#include "difftest/case.h"
#include "difftest/gen.h"

namespace jitpc::conform {

class CaseSource {
public:
    // Takes --mode, --ops, --seed and --cpu from `args` and records them in `parameters`.
    CaseSource(Args& args, json::Value& parameters);

    struct Drawn {
        difftest::Case c;
        const std::string& cls;
        std::string mode;  // "16", "32" or "64"
    };
    // Case k of the campaign, of at most `max_insns` instructions.
    Drawn draw(uint64_t k, unsigned max_insns);

    const cpu::CpuModel& model() const { return *model_; }

private:
    struct Class {
        std::string name;
        std::set<std::string> ops;
    };
    std::vector<Class> classes_of(const std::string& list) const;

    unsigned modes_ = difftest::MODES_LEGACY;  // difftest::Mode bits
    uint64_t seed_ = 1;
    const cpu::CpuModel* model_ = nullptr;
    std::vector<Class> classes_;
    std::vector<difftest::Generator> gens_;  // one per class
};

}  // namespace jitpc::conform
