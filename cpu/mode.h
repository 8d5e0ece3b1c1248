// The processor's operating mode (CpuState::mode computes it, from CR0.PE, EFLAGS.VM, EFER.LMA
// and CS.L/CS.D). It keys decoding, code blocks and their links: the same bytes are different
// instructions in different modes.
#pragma once

#include <cstdint>

namespace jitpc::cpu {

enum class CpuMode : uint8_t {
    Real16,
    // Real mode with CS.D = 1 left in the descriptor cache from protected mode: real-mode loads
    // keep the cache's attributes ("unreal mode"), so the code runs with 32-bit defaults.
    Real32,
    V86,  // always 16-bit: entering v86 and every load in it make CS a 16-bit segment
    Prot16,
    Prot32,
    // IA-32e mode (EFER.LMA) with CS.L = 0, and with CS.L = 1.
    Compat16,
    Compat32,
    Long64,
};
constexpr unsigned CPU_MODES = 8;

// Default operand size of code in the mode, in bytes (64-bit mode's is 4; REX.W widens).
constexpr unsigned code_bytes(CpuMode m) {
    switch (m) {
    case CpuMode::Real32: case CpuMode::Prot32: case CpuMode::Compat32: case CpuMode::Long64: return 4;
    default: return 2;
    }
}
// What RIP wraps to after each instruction.
constexpr uint64_t ip_mask(CpuMode m) {
    return m == CpuMode::Long64 ? ~uint64_t(0) : code_bytes(m) == 4 ? 0xFFFFFFFFu : 0xFFFFu;
}
// For traces and dumps: "real/16", "protected/32", "long/64" …
const char* mode_name(CpuMode m);

}  // namespace jitpc::cpu
