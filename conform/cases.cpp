#include "conform/cases.h"

#include <stdexcept>

namespace jitpc::conform {
namespace {

using difftest::Mode;

uint64_t splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

}  // namespace

CaseSource::CaseSource(Args& args, json::Value& parameters) {
    const std::string mode = args.take("--mode", "16,32");
    if (mode == "16") modes_ = 1u << unsigned(Mode::Code16);
    else if (mode == "32") modes_ = 1u << unsigned(Mode::Flat32) | 1u << unsigned(Mode::Based32);
    else if (mode == "16,32") modes_ = difftest::MODES_LEGACY;
    else if (mode == "64") modes_ = difftest::MODES_64;
    else throw std::runtime_error("--mode: '" + mode + "' (16, 32 or 64)");
    const std::string ops = args.take("--ops", "all");
    seed_ = args.take_number("--seed").value_or(1);
    // 64-bit code needs a model with long mode: max unless told otherwise.
    const std::string model_name = args.take("--cpu", mode == "64" ? "max" : "pentium2");
    model_ = cpu::find_model(model_name);
    if (!model_) throw std::runtime_error("--cpu: unknown model '" + model_name + "' (jitpc -cpu help)");
    if (mode == "64" && !model_->has(cpu::Feature::LM))
        throw std::runtime_error("--mode 64 needs a CPU model with long mode (--cpu max)");
    classes_ = classes_of(ops);
    for (const auto& cls : classes_) gens_.emplace_back(0, cls.ops, modes_, *model_);
    parameters.set("mode", json::Value::of(mode))
        .set("ops", json::Value::of(ops))
        .set("seed", json::Value::of(seed_))
        .set("cpu", json::Value::of(std::string(model_->name)));
}

CaseSource::Drawn CaseSource::draw(uint64_t k, unsigned max_insns) {
    const size_t which = k % classes_.size();
    gens_[which].reseed(splitmix64(seed_ ^ splitmix64(k)));
    difftest::Case c = gens_[which].next(max_insns);
    const std::string mode = c.mode == Mode::Code16 ? "16" : c.mode == Mode::Long64 ? "64" : "32";
    return {std::move(c), classes_[which].name, mode};
}

// The classes of --ops: each comma-separated group or mnemonic is one; `all` is every group
// the model and the modes can run (a class named on its own that cannot run is an error).
std::vector<CaseSource::Class> CaseSource::classes_of(const std::string& list) const {
    const std::set<std::string> sse = difftest::expand_ops("sse");
    const auto runnable = [&](const Class& c, std::string* why) {
        for (const auto& op : c.ops)
            if (sse.count(op) && !model_->has(cpu::Feature::SSE)) {
                if (why) *why = "class " + c.name + " needs a CPU model with SSE (--cpu max)";
                return false;
            }
        for (unsigned m = 0; m <= unsigned(Mode::Long64); ++m)
            if (modes_ >> m & 1 && difftest::usable_in(c.ops, Mode(m))) return true;
        if (why) *why = "class " + c.name + " has no forms in the chosen --mode";
        return false;
    };
    std::vector<Class> out;
    size_t pos = 0;
    while (pos <= list.size()) {
        const size_t comma = std::min(list.find(',', pos), list.size());
        const std::string name = list.substr(pos, comma - pos);
        pos = comma + 1;
        if (name.empty()) continue;
        if (name == "all") {
            for (const auto& g : difftest::group_names())
                if (Class c{g, difftest::expand_ops(g)}; runnable(c, nullptr)) out.push_back(std::move(c));
            continue;
        }
        Class c{name, difftest::expand_ops(name)};
        std::string why;
        if (!runnable(c, &why)) throw std::runtime_error(why);
        out.push_back(std::move(c));
    }
    if (out.empty()) throw std::runtime_error("--ops: no instruction class to run");
    return out;
}

}  // namespace jitpc::conform
