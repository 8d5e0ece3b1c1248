// Packed-integer and bitwise SSE instructions (cpu/ops/sse_int.cpp) that are one host
// instruction of the same name (cpu/ops/sse_op_lists.h), PSLLDQ and PSRLDQ, and where the host
// has SSE4.1 its lane-wise multiplies, minimums, maximums and PCMPEQQ (which the interpreter
// writes out): their XMM forms, with an XMM register, an aligned m128 or (the shifts) an imm8
// source.
#include <utility>

#include "cpu/ops/sse_op_lists.h"
#include "jit/emit_sse.h"

namespace jitpc::jit {

void register_sse_int_emitters(GroupEmitters e) {
#define JITPC_EMIT_INT(M, insn) sse::host_op(e, ZYDIS_MNEMONIC_##M, #insn, 16, false);
    JITPC_SSE_INT_OPS(JITPC_EMIT_INT)
    JITPC_SSE_SHIFT_OPS(JITPC_EMIT_INT)
#undef JITPC_EMIT_INT
    sse::host_op(e, ZYDIS_MNEMONIC_PSLLDQ, "pslldq", 16, false);
    sse::host_op(e, ZYDIS_MNEMONIC_PSRLDQ, "psrldq", 16, false);
    if (asmjit::CpuInfo::host().hasFeature(asmjit::CpuFeatures::X86::kSSE4_1))
        for (const auto& [m, name] : {std::pair{ZYDIS_MNEMONIC_PMULLD, "pmulld"}, {ZYDIS_MNEMONIC_PMULDQ, "pmuldq"},
                                      {ZYDIS_MNEMONIC_PMINSB, "pminsb"}, {ZYDIS_MNEMONIC_PMINSD, "pminsd"},
                                      {ZYDIS_MNEMONIC_PMINUW, "pminuw"}, {ZYDIS_MNEMONIC_PMINUD, "pminud"},
                                      {ZYDIS_MNEMONIC_PMAXSB, "pmaxsb"}, {ZYDIS_MNEMONIC_PMAXSD, "pmaxsd"},
                                      {ZYDIS_MNEMONIC_PMAXUW, "pmaxuw"}, {ZYDIS_MNEMONIC_PMAXUD, "pmaxud"},
                                      {ZYDIS_MNEMONIC_PCMPEQQ, "pcmpeqq"}})
            sse::host_op(e, m, name, 16, false);
}

}  // namespace jitpc::jit
