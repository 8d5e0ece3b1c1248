// Runs a case on jitpc's reference interpreter, or through the JIT (--engine jit): protected
// mode at CPL 3, paging off, the same bytes at the same linear addresses and the same segments
// (GDT flat ones or the LDT ones of the case's mode) as the host child.
#pragma once

#include <string>
#include <vector>

#include "tests/difftest/case.h"

namespace jitpc::difftest {

// Whether run_emulated hands blocks to jit::Engine (the interpreter still runs what the JIT
// declines: 16-bit code, based CS).
extern bool use_jit;

Result run_emulated(const std::vector<uint8_t>& code, const State& in, Mode mode);

// The mnemonics in jitpc's CPU table (those with a binder) that none of the runs executed.
// Under the JIT an instruction counts when the JIT retired it or faulted on it in the block the
// dispatcher handed over (blocks it chained to are not seen: that can only make this stricter);
// 16-bit code, which the JIT declines, is traced in the interpreter as without it.
std::vector<std::string> unexercised_mnemonics();

}  // namespace jitpc::difftest
