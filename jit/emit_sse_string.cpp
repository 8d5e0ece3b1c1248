// SSE4.2's packed string compares (cpu/ops/sse_string.cpp) where the host has SSE4.2: the
// host's own, which computes what the interpreter writes out from the SDM: the index in ECX
// (RCX's upper half cleared) or the mask in XMM0, and CF, ZF, SF and OF with AF and PF cleared,
// all of the guest's arithmetic flags in the host's EFLAGS. The explicit lengths are EAX and
// EDX (32 bits, REX.W or not, as the interpreter reads them).
#include "jit/emit_sse.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

template <x::Inst::Id Id, bool Explicit, bool Mask> bool compare_strings(Translator& t) {
    if (!sse::addressable(t)) return false;
    const cpu::Insn& i = t.insn();
    t.guarded([&](const asmjit::Label& slow) {
        sse::check_enabled(t, slow);
        const asmjit::Operand src = sse::source(t, 16, false, slow);
        t.a.movdqu(x::xmm0, sse::xmm(t, i.r0));
        if (Explicit) {
            t.a.mov(x::eax, RegAlloc::fixed(cpu::EAX));
            t.a.mov(x::edx, RegAlloc::fixed(cpu::EDX));
        }
        t.a.emit(Id, x::xmm0, src, asmjit::imm(i.imm & 0xFF));
        if (Mask)
            t.a.movdqu(sse::xmm(t, 0), x::xmm0);
        else
            t.a.mov(RegAlloc::fixed(cpu::ECX), x::ecx);
        t.flags_produced(FlagKind::Exact);
    }, true);
    return true;
}

}  // namespace

void register_sse_string_emitters(GroupEmitters e) {
    if (!asmjit::CpuInfo::host().hasFeature(asmjit::CpuFeatures::X86::kSSE4_2)) return;
    e[ZYDIS_MNEMONIC_PCMPISTRI] = compare_strings<x::Inst::kIdPcmpistri, false, false>;
    e[ZYDIS_MNEMONIC_PCMPISTRM] = compare_strings<x::Inst::kIdPcmpistrm, false, true>;
    e[ZYDIS_MNEMONIC_PCMPESTRI] = compare_strings<x::Inst::kIdPcmpestri, true, false>;
    e[ZYDIS_MNEMONIC_PCMPESTRM] = compare_strings<x::Inst::kIdPcmpestrm, true, true>;
}

}  // namespace jitpc::jit
