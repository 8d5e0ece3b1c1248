// Reproducers (`jitpc conform diff --repro DIR`): a failing case as a program jitpc runs
// directly (conform/repro/stub.asm with the case in its payload), and a text with the case,
// the expected (reference's) and the actual (jitpc's) end.
#pragma once

#include <string>

#include "cpu/model.h"
#include "difftest/check.h"

namespace jitpc::conform {

// Writes DIR/case<index>.flat and DIR/case<index>.txt; returns the .flat's path.
std::string write_repro(const std::string& dir, uint64_t index, const difftest::Reduced& m, difftest::Mode mode,
                        const difftest::Result& expected, const difftest::Result& actual, uint32_t flag_mask,
                        bool sse, const cpu::CpuModel& model);

}  // namespace jitpc::conform
