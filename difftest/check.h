// Running a case on both sides and describing where they differ: the comparison the oracle
// (tests/difftest) and `jitpc conform diff` share.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "difftest/case.h"
#include "difftest/native.h"

namespace jitpc::difftest {

extern const char* const kRegs[8];  // eax..edi, for reports
// The name of general register `r` in a case of mode `m` (eax.., or rax..r15), for reports.
const char* reg_name(unsigned r, Mode m);

// Flags left undefined at the end of the sequence.
uint32_t undefined_after(const std::vector<Insn>& insns);
// Whether the x87/MMX state is compared (Insn::mmx, Insn::x87).
bool uses_mmx(const std::vector<Insn>& insns);
// Empty when the results agree, otherwise a description of every difference: the general and
// XMM registers of `mode`. `x87`: also the x87/MMX state (cases with an MMX form).
std::string compare(const Result& host, const Result& emu, uint32_t flag_mask, bool x87, Mode mode);

enum class Reference : uint8_t { Host, Interp };

class Runner {
public:
    // Host: each case runs natively and on jitpc (the engine use_jit names), and under the JIT
    // also on the interpreter, which must end exactly as the JIT did. Interp: on the JIT and the
    // interpreter only (no host child: any host can run it).
    explicit Runner(Reference ref = Reference::Host);
    // Empty when every side agrees, otherwise the differences.
    std::string check(const std::vector<Insn>& insns, const State& in, Mode mode);
    // The reference's own result (the host's, or the interpreter's), corrupted as corrupt_next
    // would have it when `corrupt`.
    Result reference(const std::vector<Insn>& insns, const State& in, Mode mode, bool corrupt = false);

    std::optional<NativeRunner> native;     // with Reference::Host
    std::map<Outcome, unsigned> outcomes;  // host outcome of every case run
    // Test hook: the reference's result of the next check gets one bit flipped, a wrong
    // reference the comparison must report.
    bool corrupt_next = false;

private:
    Reference ref_;
};

// A failing case made small: its first instruction that fails on its own, run from the state
// the emulator reached just before it; else the sequence without every instruction the failure
// does not need (none reading a flag an earlier one left undefined). Then the simplest inputs:
// each data register zeroed, and EFLAGS cleared to 0x202, where it still fails.
struct Reduced {
    std::vector<Insn> insns;
    State in;
    std::string diff;
};
Reduced minimize(Runner& r, const Case& c, const std::string& diff);

}  // namespace jitpc::difftest
