// One case in the single-step JSON layout (SingleStepTests' form: a name, the instruction bytes,
// an initial and a final state of registers and memory bytes) as `conform export` writes it and
// `conform singlestep` reads it. The states are those of the differential oracle's environment:
// protected mode at CPL 3, the oracle's segments (docs/CONFORM.md, "Single-step corpora").
#pragma once

#include <optional>
#include <string>

#include "conform/json.h"
#include "difftest/case.h"

namespace jitpc::conform {

struct StepCase {
    std::string name;
    std::vector<uint8_t> bytes;
    difftest::Mode mode = difftest::Mode::Flat32;
    difftest::State in;
    difftest::Result expected;   // the final state (registers the case leaves unchanged: as in)
    uint32_t flags_mask = 0;     // the EFLAGS bits the final state defines
    std::optional<uint32_t> final_eip;  // as the final state gives it (a completed case's end)
    bool sse = false, x87 = false;  // whether the XMM/MXCSR and the x87/MMX state are part of it
    // Which data and stack bytes (data[0..PAGE) then stack[0..PAGE)) the initial state lists;
    // empty: all. Bytes not listed start with any value (as in SingleStepTests' corpora): the
    // reader gives them zero.
    std::vector<bool> ram;
};

json::Value to_json(const StepCase& c, uint64_t idx);
// Throws std::runtime_error naming what is missing or malformed.
StepCase step_case_from_json(const json::Value& v);
// The EIP after the case's bytes, where a case that completes stops.
uint32_t end_eip(const StepCase& c);

}  // namespace jitpc::conform
