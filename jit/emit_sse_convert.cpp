// SSE conversions (cpu/ops/sse_convert.cpp) under the guest's MXCSR (jit/emit_sse.h): between
// XMM lanes (cpu/ops/sse_op_lists.h, CVTPD2PS, CVTSD2SS), and CVTSI2SS/CVTSI2SD from and
// CVT(T)SS2SI/CVT(T)SD2SI to a general register or memory of the operand size (REX.W: 64 bits).
#include "cpu/ops/sse_op_lists.h"
#include "jit/emit_sse.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

// CVTSI2SS/CVTSI2SD xmm, r/m32 or r/m64: the low lane from a signed integer, the rest kept.
template <x::Inst::Id Id> bool from_int(Translator& t) {
    const cpu::Insn& i = t.insn();
    const bool mem = i.flags & cpu::IF_MEM;
    if ((i.osize != 4 && i.osize != 8) || !sse::addressable(t)) return false;
    const auto src = mem ? std::nullopt : t.general_reg(i.r1, i.osize);
    if (!mem && !src) return false;
    t.guarded([&](const asmjit::Label& slow) {
        sse::check_enabled(t, slow);
        sse::check_masked(t, slow);
        const asmjit::Operand s =
            mem ? asmjit::Operand(sse::memory(t, i.osize, false, false, slow)) : asmjit::Operand(*src);
        t.a.movdqu(x::xmm0, sse::xmm(t, i.r0));
        sse::under_guest_mxcsr(t, [&] { t.a.emit(Id, x::xmm0, s); });
        t.a.movdqu(sse::xmm(t, i.r0), x::xmm0);
    });
    return true;
}

// CVT(T)SS2SI/CVT(T)SD2SI r32/r64, xmm/mN: the general register written whole.
template <x::Inst::Id Id, unsigned Bytes> bool to_int(Translator& t) {
    const cpu::Insn& i = t.insn();
    if ((i.osize != 4 && i.osize != 8) || !sse::addressable(t)) return false;
    const auto dst = t.general_reg(i.r0, i.osize);
    if (!dst) return false;
    t.guarded([&](const asmjit::Label& slow) {
        sse::check_enabled(t, slow);
        sse::check_masked(t, slow);
        const asmjit::Operand s = sse::source(t, Bytes, false, slow);
        sse::under_guest_mxcsr(t, [&] { t.a.emit(Id, *dst, s); });
    });
    return true;
}

}  // namespace

void register_sse_convert_emitters(GroupEmitters e) {
#define JITPC_EMIT_CVT(M, insn, N, NL) sse::host_op(e, ZYDIS_MNEMONIC_##M, #insn, N, true);
    JITPC_SSE_CVT_OPS(JITPC_EMIT_CVT)
#undef JITPC_EMIT_CVT
    sse::host_op(e, ZYDIS_MNEMONIC_CVTPD2PS, "cvtpd2ps", 16, true);
    sse::host_op(e, ZYDIS_MNEMONIC_CVTSD2SS, "cvtsd2ss", 8, true);
    e[ZYDIS_MNEMONIC_CVTSI2SS] = from_int<x::Inst::kIdCvtsi2ss>;
    e[ZYDIS_MNEMONIC_CVTSI2SD] = from_int<x::Inst::kIdCvtsi2sd>;
    e[ZYDIS_MNEMONIC_CVTSS2SI] = to_int<x::Inst::kIdCvtss2si, 4>;
    e[ZYDIS_MNEMONIC_CVTTSS2SI] = to_int<x::Inst::kIdCvttss2si, 4>;
    e[ZYDIS_MNEMONIC_CVTSD2SI] = to_int<x::Inst::kIdCvtsd2si, 8>;
    e[ZYDIS_MNEMONIC_CVTTSD2SI] = to_int<x::Inst::kIdCvttsd2si, 8>;
}

}  // namespace jitpc::jit
