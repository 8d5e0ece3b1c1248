// SSE register file: XMM0-15, MXCSR and XCR0. XMM8-15 exist for 64-bit mode only; 32-bit code sees
// eight. Plain data beside FpuState (FXSAVE stores both).
#pragma once

#include <cstdint>

namespace jitpc::cpu {

struct alignas(16) Xmm {
    uint64_t q[2] = {};
    bool operator==(const Xmm&) const = default;
};

namespace mxcsr {
constexpr uint32_t IE = 1, DE = 2, ZE = 4, OE = 8, UE = 0x10, PE = 0x20, FLAGS = 0x3F,
                   DAZ = 0x40, MASK_SHIFT = 7, MASKS = 0x1F80, UM = 0x800, RC_SHIFT = 13,
                   FTZ = 0x8000, RESET = 0x1F80;
// The MXCSR_MASK FXSAVE stores and the bits LDMXCSR/FXRSTOR accept: all sixteen, DAZ
// included, as current Intel processors report (any bit above 15 set raises #GP(0)).
constexpr uint32_t WRITABLE = 0xFFFF;
}  // namespace mxcsr

// XCR0 (XSETBV/XGETBV): the state components XSAVE manages. Bit 0 (x87) is always set; bit 1
// is SSE. The models with XSAVE support these two only.
namespace xcr0 {
constexpr uint64_t X87 = 1, SSE = 2, SUPPORTED = X87 | SSE;
}

struct SseState {
    Xmm xmm[16];
    uint32_t mxcsr = mxcsr::RESET;
    uint64_t xcr0 = xcr0::X87;
};

}  // namespace jitpc::cpu
