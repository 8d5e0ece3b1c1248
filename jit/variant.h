// What a translation is specialised for, beyond the block's bytes: state that can change only
// through an instruction that ends its block (far transfers, segment loads, POPF, MOV CR0, mode
// switches), so a translation and every block it links to run under the variant it was made for.
#pragma once

#include <cstdint>
#include <optional>

#include "cpu/cpu.h"

namespace jitpc::jit {

// The kinds of code generated code runs: 32-bit legacy code (protected mode, or real mode with
// a 32-bit CS), compatibility mode's 32-bit code, 64-bit code.
enum class CodeMode : uint8_t { Legacy32, Compat32, Long64 };

// The kind of code the CPU runs, if generated code can run it: 32-bit code in a flat CS (base 0,
// limit 4 GiB: EIP arithmetic then never wraps or leaves the segment, and EIP is the linear
// address), or 64-bit code (where CS's base and limit do not apply).
inline std::optional<CodeMode> code_mode(const cpu::Cpu& c) {
    const cpu::SegCache& cs = c.seg[cpu::CS];
    const bool flat_cs = cs.base == 0 && cs.hi == 0xFFFFFFFFu;
    switch (c.mode()) {
    case cpu::CpuMode::Long64: return CodeMode::Long64;
    case cpu::CpuMode::Compat32: return flat_cs ? std::optional(CodeMode::Compat32) : std::nullopt;
    case cpu::CpuMode::Prot32: case cpu::CpuMode::Real32:
        return flat_cs ? std::optional(CodeMode::Legacy32) : std::nullopt;
    default: return std::nullopt;
    }
}

struct Variant {
    bool user = false;         // CPL 3: which TLB
    bool stack32 = false;      // SS is 32-bit (64-bit code's stack is always 64-bit)
    bool align_check = false;  // alignment checking on (#AC)
    bool flat_data = false;    // DS, ES and SS base 0, 4 GiB, readable and writable (always in
                               // 64-bit code): no segment arithmetic or checks
    CodeMode mode = CodeMode::Legacy32;

    // The packing, in one place. A block is decoded for one CpuMode (cpu/block_cache.h), so
    // its translations differ only in the flags below the mode: `per_block` indexes them.
    static constexpr unsigned PER_BLOCK = 16, COUNT = PER_BLOCK * 3;
    unsigned per_block() const {
        return unsigned(user) | unsigned(stack32) << 1 | unsigned(align_check) << 2 | unsigned(flat_data) << 3;
    }
    unsigned index() const { return per_block() + PER_BLOCK * unsigned(mode); }
    static Variant from_index(unsigned i) {
        return {bool(i & 1), bool(i & 2), bool(i & 4), bool(i & 8), CodeMode(i / PER_BLOCK)};
    }
    bool operator==(const Variant&) const = default;

    // The variant the CPU is in, for code of `mode`.
    static Variant of(const cpu::Cpu& c, CodeMode mode) {
        const bool flat_data = mode == CodeMode::Long64 ||
                               (flat(c.seg[cpu::DS]) && flat(c.seg[cpu::ES]) && flat(c.seg[cpu::SS]));
        return {c.user(), mode != CodeMode::Long64 && c.stack32(), c.alignment_check_on(), flat_data, mode};
    }

private:
    static bool flat(const cpu::SegCache& s) {
        return s.base == 0 && s.lo == 0 && s.hi == 0xFFFFFFFFu &&
               s.rights == (cpu::SegCache::R | cpu::SegCache::W);
    }
};

}  // namespace jitpc::jit
