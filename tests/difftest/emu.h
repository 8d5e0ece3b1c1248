// Runs a case on jitpc's reference interpreter: protected mode at CPL 3, paging off, the same
// bytes at the same linear addresses and the same segments (GDT flat ones or the LDT ones of
// the case's mode) as the host child.
#pragma once

#include <string>
#include <vector>

#include "tests/difftest/case.h"

namespace jitpc::difftest {


Result run_emulated(const std::vector<uint8_t>& code, const State& in, Mode mode);

// Every (Zydis mnemonic, operand size) the interpreter has executed so far, and the list of
// mnemonics in jitpc's CPU table (those with a binder) that none of the runs executed.
std::vector<std::string> unexercised_mnemonics();

}  // namespace jitpc::difftest
