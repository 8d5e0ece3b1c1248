// The execution-weighted fallback profile (`-d jit_fallback`): how many times translated code
// ran each instruction through jit_exec, the interpreter's semantics, and why. Generated code
// counts only in translations made while the profile is on (Engine::fallbacks), so it costs
// nothing otherwise.
#pragma once

#include <Zydis/Zydis.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace jitpc::jit {

enum class Fallback : uint8_t {
    Unbound,    // decoded to #UD or #GP(0): the handler raises it
    NoEmitter,  // the mnemonic has no emitter (x87, system instructions, ...)
    HighByte,   // an AH..BH operand
    HighReg,    // an R8-R15 operand (or address register) of 64-bit code the allocator could not bind
    Declined,   // the emitter does not take this form
    SlowPath,   // an inline instruction's out-of-line path: a memory slow path, a fault, a mode
                // the inline code leaves alone (Translator::exec_out_of_line)
    Canonical,  // a 64-bit branch target checked before the branch (fault_unless_canonical)
    COUNT
};

class FallbackProfile {
public:
    // Where generated code counts `mnemonic` falling back for `why` (a stable address).
    uint64_t* counter(unsigned mnemonic, Fallback why) { return &counts_[mnemonic][unsigned(why)]; }
    // The total, then every mnemonic and reason counted, most first.
    void print(std::FILE* out) const;

private:
    std::vector<std::array<uint64_t, unsigned(Fallback::COUNT)>> counts_ =
        std::vector<std::array<uint64_t, unsigned(Fallback::COUNT)>>(ZYDIS_MNEMONIC_MAX_VALUE + 1);
};

}  // namespace jitpc::jit
