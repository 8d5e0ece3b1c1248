// SSE floating-point arithmetic (cpu/ops/sse_arith.cpp) that is one host instruction of the
// same name: ADD/SUB/MUL/DIV/MIN/MAX/SQRT in PS/SS/PD/SD forms (cpu/ops/sse_op_lists.h), the
// compares CMPPS/CMPSS/CMPPD/CMPSD (SSE2's CMPSD through the string group's emitter; predicates
// 0-7, imm8 bits 7:3 ignored as the interpreter does), and COMISS/UCOMISS/COMISD/UCOMISD, whose
// host EFLAGS are the guest's (ZF, PF, CF; OF, SF, AF cleared). All under the guest's MXCSR
// while it masks every exception (jit/emit_sse.h).
#include "cpu/ops/sse_op_lists.h"
#include "jit/emit_sse.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

template <x::Inst::Id Id, unsigned Bytes> bool compare(Translator& t) {
    if (!sse::addressable(t)) return false;
    t.guarded([&](const asmjit::Label& slow) {
        sse::check_enabled(t, slow);
        sse::check_masked(t, slow);
        const asmjit::Operand src = sse::source(t, Bytes, false, slow);
        t.a.movdqu(x::xmm0, sse::xmm(t, t.insn().r0));
        sse::under_guest_mxcsr(t, [&] { t.a.emit(Id, x::xmm0, src); });
        t.flags_produced(FlagKind::Exact);
    }, true);
    return true;
}

// CMPPS and the rest: a lane mask per predicate.
template <x::Inst::Id Id, unsigned Bytes> bool cmp(Translator& t) {
    return sse::binary(t, Id, Bytes, Bytes == 16, true, 7);
}

}  // namespace

bool sse::cmpsd(Translator& t) { return cmp<x::Inst::kIdCmpsd, 8>(t); }

void register_sse_arith_emitters(GroupEmitters e) {
#define JITPC_EMIT_FP(M, insn, L, ...) sse::host_op(e, ZYDIS_MNEMONIC_##M, #insn, sse::lane_bytes(#L), true);
    JITPC_SSE_ROUNDING_OPS(JITPC_EMIT_FP)
    JITPC_SSE_IN_RANGE_OPS(JITPC_EMIT_FP)
#undef JITPC_EMIT_FP
    e[ZYDIS_MNEMONIC_CMPPS] = cmp<x::Inst::kIdCmpps, 16>;
    e[ZYDIS_MNEMONIC_CMPSS] = cmp<x::Inst::kIdCmpss, 4>;
    e[ZYDIS_MNEMONIC_CMPPD] = cmp<x::Inst::kIdCmppd, 16>;
    e[ZYDIS_MNEMONIC_COMISS] = compare<x::Inst::kIdComiss, 4>;
    e[ZYDIS_MNEMONIC_UCOMISS] = compare<x::Inst::kIdUcomiss, 4>;
    e[ZYDIS_MNEMONIC_COMISD] = compare<x::Inst::kIdComisd, 8>;
    e[ZYDIS_MNEMONIC_UCOMISD] = compare<x::Inst::kIdUcomisd, 8>;
}

}  // namespace jitpc::jit
