// `jitpc conform diff`: the differential campaign. Case k of a campaign is drawn by the
// oracle's generator (difftest/) from its own seed, from the instruction class k mod (number of
// classes), so any slice of the campaign is generated alone and every shard agrees with a single
// run; it runs on the chosen CPU model and is compared with the host CPU or the interpreter.
#include "conform/diff.h"

#include <stdexcept>

#include "conform/campaign.h"
#include "difftest/check.h"
#include "difftest/emu.h"
#include "difftest/gen.h"

namespace jitpc::conform {
namespace {

using difftest::Mode;

// Instructions per case, as jitpc-difftest draws them.
constexpr unsigned MAX_INSNS = 6;

uint64_t splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

struct Class {
    std::string name;
    std::set<std::string> ops;
};

// The classes of --ops: each comma-separated group or mnemonic is one; `all` is every group
// the model and the modes can run (a class named on its own that cannot run is an error).
std::vector<Class> classes_of(const std::string& list, const cpu::CpuModel& model, unsigned modes) {
    const std::set<std::string> sse = difftest::expand_ops("sse");
    const auto runnable = [&](const Class& c, std::string* why) {
        for (const auto& op : c.ops)
            if (sse.count(op) && !model.has(cpu::Feature::SSE)) {
                if (why) *why = "class " + c.name + " needs a CPU model with SSE (--cpu max)";
                return false;
            }
        for (unsigned m = 0; m < 3; ++m)
            if (modes >> m & 1 && difftest::usable_in(c.ops, Mode(m))) return true;
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

}  // namespace

int diff_main(Args& args) {
    const Common common = Common::take(args);
    const std::string mode = args.take("--mode", "16,32");
    unsigned modes;
    if (mode == "16") modes = 1u << unsigned(Mode::Code16);
    else if (mode == "32") modes = 1u << unsigned(Mode::Flat32) | 1u << unsigned(Mode::Based32);
    else if (mode == "16,32") modes = 7;
    else if (mode == "64")
        throw std::runtime_error("--mode 64: the differential generator has no 64-bit mode yet (16 and 32 only)");
    else throw std::runtime_error("--mode: '" + mode + "' (16 or 32)");
    const std::string ops = args.take("--ops", "all");
    const uint64_t cases = args.take_number("--cases", 1).value_or(10000);
    const uint64_t seed = args.take_number("--seed").value_or(1);
    const std::string model_name = args.take("--cpu", "pentium2");
    const cpu::CpuModel* model = cpu::find_model(model_name);
    if (!model) throw std::runtime_error("--cpu: unknown model '" + model_name + "' (jitpc -cpu help)");
    const std::string reference = args.take("--reference", "host");
    if (reference != "host" && reference != "interp")
        throw std::runtime_error("--reference: '" + reference + "' (host or interp)");
    const std::string engine = args.take("--engine", "jit");
    if (engine != "jit" && engine != "interp") throw std::runtime_error("--engine: '" + engine + "' (jit or interp)");
    if (reference == "interp" && engine == "interp")
        throw std::runtime_error("--reference interp checks the JIT: not with --engine interp");
    // Test hook (undocumented): the reference's result of this case is corrupted, a wrong
    // reference the campaign must report.
    const auto corrupt = args.take_number("--test-corrupt-case");
    args.check();
    if (!args.positional.empty()) throw std::runtime_error("diff: unexpected argument '" + args.positional[0] + "'");

    const std::vector<Class> classes = classes_of(ops, *model, modes);
    Campaign c;
    c.name = "diff";
    c.cases = cases;
    c.parameters.set("mode", json::Value::of(mode))
        .set("ops", json::Value::of(ops))
        .set("cases", json::Value::of(cases))
        .set("seed", json::Value::of(seed))
        .set("cpu", json::Value::of(std::string(model->name)))
        .set("reference", json::Value::of(reference))
        .set("engine", json::Value::of(engine));
    if (corrupt) c.parameters.set("test_corrupt_case", json::Value::of(*corrupt));  // a report that says so
    c.run = [&, model](uint64_t first, uint64_t end, Report& r, const Tick& tick) {
        difftest::emulated_model = model;
        difftest::use_jit = engine == "jit";
        difftest::Runner runner(reference == "host" ? difftest::Reference::Host : difftest::Reference::Interp);
        std::vector<difftest::Generator> gens;
        for (const auto& cls : classes) gens.emplace_back(0, cls.ops, modes, *model);
        for (uint64_t k = first; k < end; ++k) {
            const size_t which = k % classes.size();
            gens[which].reseed(splitmix64(seed ^ splitmix64(k)));
            const difftest::Case dc = gens[which].next(MAX_INSNS);
            const std::string m = dc.mode == Mode::Code16 ? "16" : "32";
            r.count(m, classes[which].name, 1);
            runner.corrupt_next = corrupt && *corrupt == k;
            const std::string d = runner.check(dc.insns, dc.in, dc.mode);
            if (!d.empty()) {
                std::string name;
                for (const auto& i : dc.insns) name += (name.empty() ? "" : "; ") + i.text;
                r.fail({.index = k, .cls = classes[which].name, .mode = m, .name = name, .detail = d, .repro = {}});
            }
            tick(!d.empty());
        }
    };
    return drive(c, common);
}

}  // namespace jitpc::conform
