// `jitpc conform diff`: the differential campaign. Each case (conform/cases.h) runs on the
// chosen CPU model and is compared with the host CPU or the interpreter (difftest/check.h).
#include "conform/diff.h"

#include <stdexcept>

#include "conform/campaign.h"
#include "conform/cases.h"
#include "conform/repro.h"
#include "difftest/check.h"
#include "difftest/emu.h"

namespace jitpc::conform {
namespace {

// Instructions per case, as jitpc-difftest draws them.
constexpr unsigned MAX_INSNS = 6;

}  // namespace

int diff_main(Args& args) {
    const Common common = Common::take(args);
    Campaign c;
    c.name = "diff";
    CaseSource source(args, c.parameters);
    c.cases = args.take_number("--cases", 1).value_or(10000);
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
    const std::string repro = args.take("--repro", "");
    args.check();
    if (!args.positional.empty()) throw std::runtime_error("diff: unexpected argument '" + args.positional[0] + "'");

    c.parameters.set("cases", json::Value::of(c.cases))
        .set("reference", json::Value::of(reference))
        .set("engine", json::Value::of(engine));
    if (corrupt) c.parameters.set("test_corrupt_case", json::Value::of(*corrupt));  // a report that says so
    c.run = [&](uint64_t first, uint64_t end, Report& r, const Tick& tick) {
        difftest::emulated_model = &source.model();
        difftest::use_jit = engine == "jit";
        difftest::Runner runner(reference == "host" ? difftest::Reference::Host : difftest::Reference::Interp);
        for (uint64_t k = first; k < end; ++k) {
            const auto d = source.draw(k, MAX_INSNS);
            r.count(d.mode, d.cls, 1);
            runner.corrupt_next = corrupt && *corrupt == k;
            const std::string diff = runner.check(d.c.insns, d.c.in, d.c.mode);
            if (!diff.empty()) {
                std::string name, path;
                for (const auto& i : d.c.insns) name += (name.empty() ? "" : "; ") + i.text;
                if (!repro.empty()) {
                    const difftest::Reduced m = difftest::minimize(runner, d.c, diff);
                    const difftest::Result expected = runner.reference(m.insns, m.in, d.c.mode, corrupt && *corrupt == k);
                    const difftest::Result actual = difftest::run_emulated(difftest::code_bytes(m.insns), m.in, d.c.mode);
                    path = write_repro(repro, k, m, d.c.mode, expected, actual,
                                       difftest::FLAGS_COMPARED & ~difftest::undefined_after(m.insns),
                                       source.model().has(cpu::Feature::SSE), source.model());
                }
                r.fail({.index = k, .cls = d.cls, .mode = d.mode, .name = name, .detail = diff, .repro = path});
            }
            tick(!diff.empty());
        }
    };
    return drive(c, common);
}

}  // namespace jitpc::conform
