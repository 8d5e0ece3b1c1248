// SSE data movement (cpu/ops/sse_move.cpp): whole-register moves (MOVAPS/MOVAPD/MOVDQA aligned,
// MOVUPS/MOVUPD/MOVDQU not), MOVSS, MOVSD (SSE2's, through the string group's emitter), MOVD,
// MOVQ's XMM forms, and the half moves MOVLPS/MOVLPD/MOVHPS/MOVHPD. A register destination of
// MOVSS/MOVSD/MOVD/MOVQ is written whole: loads of 4 or 8 bytes zero the rest, MOVSS and MOVSD
// between registers move the low lane only; a half move keeps the other half.
#include "cpu/insn_aux.h"
#include "jit/emit_sse.h"

namespace jitpc::jit {

namespace x = asmjit::x86;
using sse::xmm;

namespace {

bool mem_first(const Translator& t) { return t.insn().flags & cpu::IF_MEM_FIRST; }

// MOVAPS and the rest: 16 bytes from r1 or memory to r0, or from r0 to memory.
template <bool Aligned> bool move128(Translator& t) {
    if (!sse::addressable(t)) return false;
    t.guarded([&](const asmjit::Label& slow) {
        sse::check_enabled(t, slow);
        const cpu::Insn& i = t.insn();
        if (mem_first(t)) {
            const x::Mem m = sse::memory(t, 16, true, Aligned, slow);
            t.a.movdqu(x::xmm0, xmm(t, i.r0));
            t.a.movdqu(m, x::xmm0);
        } else {
            const asmjit::Operand s = sse::source(t, 16, Aligned, slow);
            if (s.isMem()) t.a.movdqu(x::xmm1, s.as<x::Mem>());
            t.a.movdqu(xmm(t, i.r0), x::xmm1);
        }
    });
    return true;
}

// The low `Bytes` of r0 to memory.
template <unsigned Bytes> void store_low(Translator& t, const asmjit::Label& slow) {
    const x::Mem m = sse::memory(t, Bytes, true, false, slow);
    const x::Gp v = Bytes == 8 ? x::Gp(x::rax) : x::Gp(x::eax);
    t.a.mov(v, xmm(t, t.insn().r0, Bytes));
    t.a.mov(m, v);
}
// `Bytes` of memory to r0, zero-extended.
template <unsigned Bytes> void load_low(Translator& t, const asmjit::Label& slow) {
    const x::Mem m = sse::memory(t, Bytes, false, false, slow);
    if (Bytes == 8)
        t.a.movq(x::xmm0, m);
    else
        t.a.movd(x::xmm0, m);
    t.a.movdqu(xmm(t, t.insn().r0), x::xmm0);
}

// A move of an XMM register's low `Bytes`: to memory, from memory (zero-extended), or between
// registers as `reg_form` emits it.
template <unsigned Bytes> bool low_move(Translator& t, void (*reg_form)(Translator&)) {
    if (!sse::addressable(t)) return false;
    t.guarded([&](const asmjit::Label& slow) {
        sse::check_enabled(t, slow);
        if (mem_first(t))
            store_low<Bytes>(t, slow);
        else if (t.insn().flags & cpu::IF_MEM)
            load_low<Bytes>(t, slow);
        else
            reg_form(t);
    });
    return true;
}

// The low lane of r1 to r0's, the rest of r0 kept.
template <unsigned Bytes> void low_lane(Translator& t) {
    const x::Gp v = Bytes == 8 ? x::Gp(x::rax) : x::Gp(x::eax);
    t.a.mov(v, xmm(t, t.insn().r1, Bytes));
    t.a.mov(xmm(t, t.insn().r0, Bytes), v);
}

bool movss(Translator& t) { return low_move<4>(t, low_lane<4>); }

// MOVLPS/MOVLPD (Half 0) and MOVHPS/MOVHPD (Half 1): 8 bytes between memory and one half of an
// XMM register.
template <unsigned Half> bool half_move(Translator& t) {
    if (!sse::addressable(t)) return false;
    t.guarded([&](const asmjit::Label& slow) {
        sse::check_enabled(t, slow);
        const bool store = mem_first(t);
        const x::Mem m = sse::memory(t, 8, store, false, slow);
        const x::Mem half = xmm(t, t.insn().r0, 8, 8 * Half);
        t.a.mov(x::rax, store ? half : m);
        t.a.mov(store ? m : half, x::rax);
    });
    return true;
}

// MOVD xmm, r/m32 (zero-extended) and MOVD r/m32, xmm (66 0F 6E/7E; cpu::AUX_FROM_XMM). A
// general register destination is written whole.
bool movd(Translator& t) {
    const cpu::Insn& i = t.insn();
    const bool mem = i.flags & cpu::IF_MEM, store = i.aux & cpu::AUX_FROM_XMM;
    if (!sse::xmm_form(t) || !sse::addressable(t)) return false;
    const auto gpr = mem ? std::nullopt : t.general_reg(store ? i.r0 : i.r1, 4);
    if (!mem && !gpr) return false;
    t.guarded([&](const asmjit::Label& slow) {
        sse::check_enabled(t, slow);
        if (mem && store) {
            store_low<4>(t, slow);
        } else if (mem) {
            load_low<4>(t, slow);
        } else if (store) {
            t.a.mov(*gpr, xmm(t, i.r1, 4));
        } else {
            t.a.movd(x::xmm0, *gpr);
            t.a.movdqu(xmm(t, i.r0), x::xmm0);
        }
    });
    return true;
}

// MOVQ xmm, r64 and MOVQ r64, xmm (66 REX.W 0F 6E/7E; cpu::AUX_GPR, the direction in
// cpu::AUX_FROM_XMM): MOVD's REX.W forms, the XMM register's high quadword zeroed.
bool movq_gpr(Translator& t) {
    const cpu::Insn& i = t.insn();
    const bool store = i.aux & cpu::AUX_FROM_XMM;
    const auto gpr = t.general_reg(store ? i.r0 : i.r1, 8);
    if (!gpr) return false;
    t.guarded([&](const asmjit::Label& slow) {
        sse::check_enabled(t, slow);
        if (store) {
            t.a.mov(*gpr, xmm(t, i.r1, 8));
        } else {
            t.a.movq(x::xmm0, *gpr);
            t.a.movdqu(xmm(t, i.r0), x::xmm0);
        }
    });
    return true;
}

// MOVQ xmm, xmm/m64 (F3 0F 7E) and MOVQ xmm/m64, xmm (66 0F D6): the low quadword, a register
// destination's high one zeroed (cpu::AUX_XMM; not the MMX forms), and movq_gpr.
bool movq(Translator& t) {
    if (t.insn().aux & cpu::AUX_GPR) return movq_gpr(t);
    return sse::xmm_form(t) && low_move<8>(t, [](Translator& t) {
        t.a.movq(x::xmm0, xmm(t, t.insn().r1, 8));
        t.a.movdqu(xmm(t, t.insn().r0), x::xmm0);
    });
}

}  // namespace

bool sse::movsd(Translator& t) { return low_move<8>(t, low_lane<8>); }

void register_sse_move_emitters(GroupEmitters e) {
    for (auto m : {ZYDIS_MNEMONIC_MOVAPS, ZYDIS_MNEMONIC_MOVAPD, ZYDIS_MNEMONIC_MOVDQA}) e[m] = move128<true>;
    for (auto m : {ZYDIS_MNEMONIC_MOVUPS, ZYDIS_MNEMONIC_MOVUPD, ZYDIS_MNEMONIC_MOVDQU}) e[m] = move128<false>;
    e[ZYDIS_MNEMONIC_MOVSS] = movss;
    e[ZYDIS_MNEMONIC_MOVLPS] = half_move<0>;
    e[ZYDIS_MNEMONIC_MOVLPD] = half_move<0>;
    e[ZYDIS_MNEMONIC_MOVHPS] = half_move<1>;
    e[ZYDIS_MNEMONIC_MOVHPD] = half_move<1>;
    e[ZYDIS_MNEMONIC_MOVD] = movd;
    e[ZYDIS_MNEMONIC_MOVQ] = movq;
}

}  // namespace jitpc::jit
