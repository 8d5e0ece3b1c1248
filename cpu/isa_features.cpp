#include "cpu/isa_features.h"

namespace jitpc::cpu {

namespace {

using F = Feature;

// The MMX-register instructions SSE added (SDM Vol. 1 10.4.4): Zydis files them with MMX.
bool sse_on_mmx(ZydisMnemonic m) {
    switch (m) {
    case ZYDIS_MNEMONIC_PAVGB: case ZYDIS_MNEMONIC_PAVGW: case ZYDIS_MNEMONIC_PEXTRW:
    case ZYDIS_MNEMONIC_PINSRW: case ZYDIS_MNEMONIC_PMAXSW: case ZYDIS_MNEMONIC_PMAXUB:
    case ZYDIS_MNEMONIC_PMINSW: case ZYDIS_MNEMONIC_PMINUB: case ZYDIS_MNEMONIC_PMOVMSKB:
    case ZYDIS_MNEMONIC_PMULHUW: case ZYDIS_MNEMONIC_PSADBW: case ZYDIS_MNEMONIC_PSHUFW:
    case ZYDIS_MNEMONIC_MASKMOVQ: case ZYDIS_MNEMONIC_MOVNTQ:
        return true;
    default: return false;
    }
}

}  // namespace

std::optional<FeatureSet> required_features(const ZydisDecodedInstruction& zi) {
    const bool long64 = zi.machine_mode == ZYDIS_MACHINE_MODE_LONG_64;
    switch (zi.meta.isa_set) {
    // The 8086 to Pentium Pro integer and system instructions every model has; the long NOP,
    // hint NOPs (0F 0D, 0F 18-0F 1F), PAUSE (REP NOP) and RDPMC with them.
    case ZYDIS_ISA_SET_I86: case ZYDIS_ISA_SET_I186: case ZYDIS_ISA_SET_I286REAL:
    case ZYDIS_ISA_SET_I286PROTECTED: case ZYDIS_ISA_SET_I386: case ZYDIS_ISA_SET_I486REAL:
    case ZYDIS_ISA_SET_I486: case ZYDIS_ISA_SET_FAT_NOP: case ZYDIS_ISA_SET_PREFETCH_NOP:
    case ZYDIS_ISA_SET_PAUSE: case ZYDIS_ISA_SET_RDPMC:
        if (zi.meta.isa_ext == ZYDIS_ISA_EXT_AMD3DNOW_PREFETCH) return std::nullopt;
        return FeatureSet{};
    case ZYDIS_ISA_SET_PENTIUMREAL:
        switch (zi.mnemonic) {
        case ZYDIS_MNEMONIC_CMPXCHG8B: return FeatureSet{F::CX8};
        case ZYDIS_MNEMONIC_RDTSC: return FeatureSet{F::TSC};
        default: return FeatureSet{F::MSR};  // RDMSR, WRMSR
        }
    case ZYDIS_ISA_SET_PPRO:
        if (zi.meta.isa_ext == ZYDIS_ISA_EXT_X87) return FeatureSet{F::FPU, F::CMOV};  // FCOMI…
        if (zi.mnemonic == ZYDIS_MNEMONIC_SYSENTER || zi.mnemonic == ZYDIS_MNEMONIC_SYSEXIT)
            return FeatureSet{F::SEP};
        return FeatureSet{};  // UD0-UD2, hint NOPs
    case ZYDIS_ISA_SET_CMOV: return FeatureSet{F::CMOV};
    case ZYDIS_ISA_SET_X87: return FeatureSet{F::FPU};
    case ZYDIS_ISA_SET_FCMOV: return FeatureSet{F::FPU, F::CMOV};
    // LAHF/SAHF are 8086 instructions; 64-bit mode has them only with LAHF_LM.
    case ZYDIS_ISA_SET_LAHF: return long64 ? FeatureSet{F::LAHF_LM} : FeatureSet{};
    case ZYDIS_ISA_SET_PENTIUMMMX:
        return sse_on_mmx(zi.mnemonic) ? FeatureSet{F::MMX, F::SSE} : FeatureSet{F::MMX};
    case ZYDIS_ISA_SET_SSE:
        return sse_on_mmx(zi.mnemonic) ? FeatureSet{F::MMX, F::SSE} : FeatureSet{F::SSE};
    case ZYDIS_ISA_SET_SSEMXCSR: case ZYDIS_ISA_SET_SSE_PREFETCH: return FeatureSet{F::SSE};
    // The REX.W forms with mnemonics of their own (FXSAVE64, XSAVE64, PEXTRQ...) exist in
    // 64-bit mode only: they need long mode as well.
    case ZYDIS_ISA_SET_FXSAVE: return FeatureSet{F::FXSR};
    case ZYDIS_ISA_SET_FXSAVE64: return FeatureSet{F::FXSR, F::LM};
    case ZYDIS_ISA_SET_SSE2: return FeatureSet{F::SSE2};
    case ZYDIS_ISA_SET_SSE2MMX: return FeatureSet{F::MMX, F::SSE2};
    case ZYDIS_ISA_SET_SSE3: return FeatureSet{F::SSE3};
    case ZYDIS_ISA_SET_SSE3X87: return FeatureSet{F::FPU, F::SSE3};  // FISTTP
    case ZYDIS_ISA_SET_SSSE3: return FeatureSet{F::SSSE3};
    case ZYDIS_ISA_SET_SSSE3MMX: return FeatureSet{F::MMX, F::SSSE3};
    case ZYDIS_ISA_SET_SSE4:
        return zi.mnemonic == ZYDIS_MNEMONIC_PEXTRQ || zi.mnemonic == ZYDIS_MNEMONIC_PINSRQ
                   ? FeatureSet{F::SSE4_1, F::LM}
                   : FeatureSet{F::SSE4_1};
    case ZYDIS_ISA_SET_SSE42: return FeatureSet{F::SSE4_2};
    case ZYDIS_ISA_SET_POPCNT: return FeatureSet{F::POPCNT};
    case ZYDIS_ISA_SET_CLFSH: return FeatureSet{F::CLFSH};
    case ZYDIS_ISA_SET_CMPXCHG16B: return FeatureSet{F::CX16};
    case ZYDIS_ISA_SET_XSAVE:
        return zi.mnemonic == ZYDIS_MNEMONIC_XSAVE64 || zi.mnemonic == ZYDIS_MNEMONIC_XRSTOR64
                   ? FeatureSet{F::XSAVE, F::LM}
                   : FeatureSet{F::XSAVE};
    case ZYDIS_ISA_SET_RDTSCP: return FeatureSet{F::RDTSCP};
    // SYSCALL/SYSRET outside 64-bit mode (Zydis: AMD) and in it.
    case ZYDIS_ISA_SET_AMD:
        return zi.mnemonic == ZYDIS_MNEMONIC_SYSCALL || zi.mnemonic == ZYDIS_MNEMONIC_SYSRET
                   ? std::optional<FeatureSet>(FeatureSet{F::SYSCALL})
                   : std::nullopt;
    case ZYDIS_ISA_SET_LONGMODE:
        if (zi.mnemonic == ZYDIS_MNEMONIC_SYSCALL || zi.mnemonic == ZYDIS_MNEMONIC_SYSRET)
            return FeatureSet{F::SYSCALL};
        return FeatureSet{F::LM};
    default: return std::nullopt;
    }
}

}  // namespace jitpc::cpu
