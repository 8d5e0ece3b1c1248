// Packed-integer and bitwise SSE instructions (cpu/ops/sse_int.cpp) that are one host
// instruction of the same name (cpu/ops/sse_op_lists.h), PSLLDQ and PSRLDQ: their XMM forms,
// with an XMM register, an aligned m128 or (the shifts) an imm8 source.
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
}

}  // namespace jitpc::jit
