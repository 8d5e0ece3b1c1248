// `jitpc conform export`: the differential cases, one instruction each, with the host CPU's
// results, written in the single-step JSON layout (conform/step_case.h): one file per
// instruction (the generator's mnemonic or instruction family), each an array of cases.
#include "conform/export.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <stdexcept>

#include "conform/cases.h"
#include "conform/progress.h"
#include "conform/step_case.h"
#include "difftest/check.h"
#include "difftest/emu.h"

namespace jitpc::conform {
namespace {

// The file a case goes to: its instruction's first word (ADD, JCC, FUNARY...), as a file name.
std::string file_of(const std::string& text) {
    std::string name = text.substr(0, text.find(' '));
    for (char& ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return name.empty() ? "_" : name;
}

// The data and stack bytes a case's result depends on, as found on the host: a range of them is
// irrelevant when the case ends the same (registers, defined flags, the bytes it writes and
// every byte outside the range) with the range inverted, randomised and zeroed; relevant ranges
// are halved down to single bytes (group testing: a case reads few bytes). Inverting catches a
// dependence on any one bit (BT); zeroing, on bytes being equal (REPNE CMPS), and it is what
// the reader puts in bytes a case does not list. A case that reads more than MAX_RELEVANT bytes
// keeps the ranges it had then. Bytes that matter only together (the two strings of REPNE CMPS
// both zeroed) escape halving: the result is checked with every byte left out filled in each
// way at once, and when that changes it, every byte is kept. Returns a mask over data[0..PAGE)
// then stack[0..PAGE).
constexpr unsigned MAX_RELEVANT = 512;
std::vector<bool> relevant_bytes(difftest::NativeRunner& host, const StepCase& s,
                                 const std::vector<uint8_t>& host_code, uint64_t seed) {
    std::vector<bool> keep(2 * difftest::PAGE, false);
    std::mt19937_64 rng(seed);
    const auto byte = [](auto& st, unsigned k) -> auto& {
        return k < difftest::PAGE ? st.data[k] : st.stack[k - difftest::PAGE];
    };
    enum Fill { Invert, Random, Zero };
    // Whether the result stays with the bytes in [a, b) for which `out(k)` holds filled in.
    const auto same_without = [&](unsigned a, unsigned b, Fill fill, auto out) {
        difftest::State in = s.in;
        difftest::Result want = s.expected;
        for (unsigned k = a; k < b; ++k) {
            if (!out(k)) continue;
            const uint8_t v = fill == Invert ? uint8_t(~byte(in, k)) : fill == Random ? uint8_t(rng()) : 0;
            if (byte(s.expected.out, k) == byte(s.in, k)) byte(want.out, k) = v;  // not written: stays
            byte(in, k) = v;
        }
        if (want.outcome != difftest::Outcome::Completed) want.out.gpr = in.gpr, want.out.eflags = in.eflags;
        return difftest::compare(want, host.run(host_code, in, s.mode), s.flags_mask, s.x87, s.mode).empty();
    };
    unsigned kept = 0;
    // Ranges still to bisect: a range the result does not depend on is dropped whole.
    std::vector<std::pair<unsigned, unsigned>> ranges = {{0, difftest::PAGE}, {difftest::PAGE, 2 * difftest::PAGE}};
    while (!ranges.empty()) {
        const auto [a, b] = ranges.back();
        ranges.pop_back();
        const auto all = [](unsigned) { return true; };
        if (same_without(a, b, Invert, all) && same_without(a, b, Random, all) && same_without(a, b, Zero, all)) continue;
        if (b - a == 1 || kept >= MAX_RELEVANT) {
            for (unsigned k = a; k < b; ++k) keep[k] = true;
            kept += b - a;
            continue;
        }
        ranges.emplace_back((a + b) / 2, b);
        ranges.emplace_back(a, (a + b) / 2);
    }
    const auto left_out = [&](unsigned k) { return !keep[k]; };
    for (Fill fill : {Invert, Random, Zero})
        if (!same_without(0, 2 * difftest::PAGE, fill, left_out)) return std::vector<bool>(2 * difftest::PAGE, true);
    return keep;
}

}  // namespace

int export_main(Args& args) {
    for (const char* required : {"--mode", "--cases", "--seed"})
        if (!args.has(required)) throw std::runtime_error(std::string("export: ") + required + " is required");
    json::Value parameters = json::Value::object();
    CaseSource source(args, parameters);
    const uint64_t cases = *args.take_number("--cases", 1, 100000000);
    args.check();
    if (args.positional.size() != 1) throw std::runtime_error("export: one OUT_DIR expected");
    const std::filesystem::path dir = args.positional[0];
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw std::runtime_error("cannot create '" + dir.string() + "': " + ec.message());

    difftest::emulated_model = &source.model();
    difftest::NativeRunner host;
    // Each file is an array written as its cases come (a case is about 100 KB of JSON: the
    // data and stack pages are all in it).
    std::map<std::string, std::ofstream> files;
    {
        Progress bar(cases);
        for (uint64_t k = 0; k < cases; ++k) {
            const auto d = source.draw(k, 1);
            const auto& insns = d.c.insns;
            StepCase s;
            s.name = insns.front().text;
            s.bytes = difftest::code_bytes(insns);
            s.mode = d.c.mode;
            s.in = d.c.in;
            s.expected = host.run(difftest::code_bytes(insns, true), d.c.in, d.c.mode);
            s.flags_mask = difftest::FLAGS_COMPARED & ~difftest::undefined_after(insns);
            s.sse = s.in.mxcsr != difftest::State{}.mxcsr || s.in.xmm != difftest::State{}.xmm;
            s.x87 = difftest::uses_mmx(insns);
            s.ram = relevant_bytes(host, s, difftest::code_bytes(insns, true), k);
            const std::string name = file_of(s.name);
            auto it = files.find(name);
            if (it == files.end()) {
                it = files.emplace(name, std::ofstream(dir / (name + ".json"), std::ios::binary)).first;
                it->second << "[\n";
            } else {
                it->second << ",\n";
            }
            std::string text = json::write(to_json(s, k));
            text.pop_back();  // the newline: the array's separator follows
            if (!(it->second << text)) throw std::runtime_error("cannot write '" + (dir / (name + ".json")).string() + "'");
            bar.show(k + 1, 0);
        }
    }
    for (auto& [name, f] : files)
        if (!(f << "\n]\n") || !f.flush()) throw std::runtime_error("cannot write '" + (dir / (name + ".json")).string() + "'");
    std::printf("jitpc conform export: %llu cases in %zu files in %s\n", static_cast<unsigned long long>(cases),
                files.size(), dir.string().c_str());
    return 0;
}

}  // namespace jitpc::conform
