// Runs a case on jitpc's reference interpreter, or through the JIT (--engine jit): protected
// mode at CPL 3, paging off (64-bit cases: IA-32e mode, the low 16 MiB identity-mapped), the same bytes at the same linear addresses and the same segments
// (GDT flat ones or the LDT ones of the case's mode) as the host child.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "cpu/model.h"
#include "cpu/state.h"
#include "difftest/case.h"

namespace jitpc::difftest {

// Whether run_emulated hands blocks to jit::Engine (the interpreter still runs what the JIT
// declines: 16-bit code, based CS).
extern bool use_jit;
// The CPU model the emulated side runs (default max: the host has everything the cases use,
// SSE among them).
extern const cpu::CpuModel* emulated_model;

// What only the two engines can be compared on: the exact machine state where the case ended
// (also after a fault, where the host gives a signal only): all 64 bits of the 16 GPRs, EFLAGS
// and RIP at the stop, CR2, the instruction count, and the top of the ring-0 stack (the INT3 or
// exception frame: six dwords, or in 64-bit mode six quadwords).
struct EngineState {
    std::array<uint64_t, cpu::NUM_GPRS> gpr{};
    uint32_t eflags = 0;
    uint64_t rip = 0, cr2 = 0;
    uint64_t icount = 0;
    std::array<uint64_t, 6> frame{};
    bool operator==(const EngineState&) const = default;
};

Result run_emulated(const std::vector<uint8_t>& code, const State& in, Mode mode,
                    EngineState* end = nullptr);
// Empty when the JIT's run of the case ends exactly as the interpreter's, else the differences.
// `corrupt_reference` (a test hook) flips a bit of the interpreter's RAX first.
std::string compare_engines(const std::vector<uint8_t>& code, const State& in, Mode mode,
                            bool corrupt_reference = false);

// The mnemonics in jitpc's CPU table (those with a binder) that decode in `code` (cpu::CodeModes:
// the 16/32-bit or the 64-bit cases' code) and that none of the runs executed.
// Under the JIT an instruction counts when the JIT retired it or faulted on it in the block the
// dispatcher handed over (blocks it chained to are not seen: that can only make this stricter);
// 16-bit code, which the JIT declines, is traced in the interpreter as without it, and a block
// it declines counts the instructions the interpreter then retired in it.
std::vector<std::string> unexercised_mnemonics(uint8_t code);

}  // namespace jitpc::difftest
