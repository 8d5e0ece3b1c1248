// conform's single-step cases (conform/step_case.h): a case written and read back is the same
// case, and mutated or hostile case text gives an error for that case, never a crash.
#include <doctest/doctest.h>

#include <random>
#include <stdexcept>

#include "conform/real_mode_case.h"
#include "conform/step_case.h"

using namespace jitpc::conform;
using jitpc::difftest::Mode;

namespace {

StepCase sample(Mode mode) {
    StepCase c;
    c.name = "ADD rm,r o32 mem";
    c.bytes = {0x01, 0x03};
    c.mode = mode;
    for (unsigned r = 0; r < 8; ++r) c.in.gpr[r] = 0x1000 * r + 7;
    c.in.eflags = 0x246;
    c.in.data[0x10] = 0xAB;
    c.in.stack[0x7FC] = 0xCD;
    c.expected.out = c.in;
    c.expected.out.gpr[0] = 0xDEADBEEF;
    c.expected.out.data[0x11] = 0x5A;
    c.flags_mask = 0x8D5;
    c.ram.assign(2 * jitpc::difftest::PAGE, false);
    c.ram[0x10] = c.ram[jitpc::difftest::PAGE + 0x7FC] = true;
    return c;
}

}  // namespace

TEST_CASE("step case: written and read back") {
    for (Mode m : {Mode::Flat32, Mode::Based32, Mode::Code16}) {
        const StepCase c = sample(m);
        const StepCase back = step_case_from_json(to_json(c, 3));
        CHECK(back.name == c.name);
        CHECK(back.bytes == c.bytes);
        CHECK(back.mode == m);
        CHECK(back.in == c.in);
        CHECK(back.expected.out == c.expected.out);
        CHECK(back.expected.outcome == c.expected.outcome);
        CHECK(back.flags_mask == c.flags_mask);
    }
    StepCase fault = sample(Mode::Flat32);
    fault.expected.outcome = jitpc::difftest::Outcome::SegvClass;
    fault.expected.out.gpr = fault.in.gpr;
    CHECK(step_case_from_json(to_json(fault, 0)).expected.outcome == jitpc::difftest::Outcome::SegvClass);
}

TEST_CASE("step case: malformed cases are errors, mutated text never crashes") {
    json::Value v = to_json(sample(Mode::Flat32), 0);
    json::Value no_regs = v;
    no_regs.members[2].second.members[0].second.members.clear();  // initial.regs = {}
    CHECK_THROWS_AS(step_case_from_json(no_regs), std::runtime_error);
    CHECK_THROWS_AS(step_case_from_json(json::Value::array()), std::runtime_error);
    std::string error;
    const auto real_mode = json::parse(R"({"name": "x", "bytes": [144], "initial": {"regs": {"ax": 1, "cs": 0, "ds": 0,
        "ip": 0}, "ram": []}, "final": {"regs": {}, "ram": []}})", error);
    REQUIRE(real_mode.has_value());
    // A real-mode corpus's case (16-bit register names) is real_mode_case.h's, which wants every register.
    CHECK(jitpc::conform::is_real_mode_case(*real_mode));
    CHECK_FALSE(jitpc::conform::is_real_mode_case(v));
    CHECK_THROWS_WITH_AS(jitpc::conform::real_case_from_json(*real_mode), doctest::Contains("initial 'bx' missing"),
                         std::runtime_error);

    const std::string text = json::write(v);
    std::mt19937_64 rng(15);
    unsigned parsed = 0, accepted = 0;
    for (unsigned round = 0; round < 3000; ++round) {
        std::string s = text;
        for (unsigned k = 0, n = 1 + unsigned(rng() % 3); k < n; ++k) {
            const size_t at = rng() % s.size();
            switch (rng() % 3) {
            case 0: s[at] = "0123456789\"[]{},:-x"[rng() % 19]; break;
            case 1: s.erase(at, 1 + rng() % 8); break;
            default: s.insert(at, std::to_string(rng())); break;
            }
            if (s.empty()) s.assign(1, 'x');
        }
        const auto doc = json::parse(s, error);
        if (!doc) continue;
        ++parsed;
        try {
            step_case_from_json(*doc);
            ++accepted;
        } catch (const std::runtime_error&) {
        }
    }
    CHECK(parsed > 100);
    CHECK(accepted > 0);
}
