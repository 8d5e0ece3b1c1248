// Runs a case on jitpc's reference interpreter: flat 32-bit protected mode, paging off, the
// same bytes at the same linear addresses as the host child.
#pragma once

#include "tests/difftest/case.h"

namespace jitpc::difftest {


Result run_emulated(const std::vector<uint8_t>& code, const State& in);

}  // namespace jitpc::difftest
