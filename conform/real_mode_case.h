// One case of the public real-mode single-step corpora (SingleStepTests' 8088, 8086 and 80286
// suites: 16-bit register sets, real-mode addresses, a CPU of another generation than jitpc's
// models) and how `conform singlestep` runs it: from the initial state in real mode, one
// instruction (or the event it raises) on jitpc's interpreter, then the final state compared.
// Differences the corpus's generation has from jitpc's models by design (docs/CONFORM.md,
// "Real-mode corpora") are reported as such, not as failures.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "conform/json.h"
#include "cpu/model.h"

namespace jitpc::conform {

// The generation a corpus was captured on: the 8086 line (8088, 8086) or the 80286.
enum class Generation : uint8_t { I8086, I80286 };
// "8088", "8086", "80286" (and "286", "80C88"): nullopt for any other name.
std::optional<Generation> generation_named(const std::string& cpu);

// What a corpus's metadata.json says of its opcodes: the flags each leaves undefined (an AND
// mask; per ModRM reg field where it has them) and the ones it marks undefined.
struct CorpusMetadata {
    std::string cpu;
    std::map<std::string, uint16_t> flags_mask;  // "F6" or "F6.7" -> mask
    std::map<std::string, bool> undefined;       // the same keys -> status "undefined"
};
// Throws std::runtime_error when the file is not such metadata.
CorpusMetadata metadata_from_json(const json::Value& v);

struct RealCase {
    static constexpr unsigned NREGS = 14;  // ax bx cx dx cs ss ds es sp bp si di ip flags
    static const char* const kRegs[NREGS];
    std::string name;
    std::vector<uint8_t> bytes;
    std::array<uint16_t, NREGS> in{}, out{};      // out: in with the final state's changes
    std::vector<std::pair<uint32_t, uint8_t>> ram;   // the initial bytes
    std::map<uint32_t, uint8_t> final_ram;           // the bytes the final state lists
    std::optional<unsigned> exception;               // the vector (80286 corpora say it)
    std::optional<uint32_t> flag_address;            // where that exception pushed FLAGS
};
// Throws std::runtime_error naming what is missing or malformed.
RealCase real_case_from_json(const json::Value& v);
// Whether a case is one of these corpora's (16-bit register names).
bool is_real_mode_case(const json::Value& v);

// The outcome of one case: the differences (empty: it passed), and when every difference is
// one the generation has from jitpc's models by design, why.
struct RealResult {
    std::string detail;
    std::string by_design;
};
// Runs it on `model` in the interpreter.
RealResult run_real_case(const RealCase& c, Generation g, const CorpusMetadata* meta, const cpu::CpuModel& model);

}  // namespace jitpc::conform
