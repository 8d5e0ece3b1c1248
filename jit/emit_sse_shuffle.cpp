// SSE shuffles, unpacks and packs (cpu/ops/sse_shuffle.cpp) that are one host instruction of the
// same name: UNPCK*, PUNPCK*, PACK* (cpu/ops/sse_op_lists.h), SHUFPS/SHUFPD/PSHUFD/PSHUFLW/
// PSHUFHW, SSSE3's
// PSHUFB and PALIGNR where the host has SSSE3, SSE4.1's PMOVSX/PMOVZX and the immediate blends
// BLENDPS/BLENDPD/PBLENDW where it has SSE4.1;
// the sign-mask moves PMOVMSKB/MOVMSKPS/MOVMSKPD to a 32-bit general register; and the lane
// extractions and insertions PEXTRB/W/D/Q, EXTRACTPS and PINSRB/W/D/Q (their XMM forms).
#include "cpu/ops/sse_op_lists.h"
#include "jit/emit_sse.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

// PMOVMSKB/MOVMSKPS/MOVMSKPD r32, xmm: the general register is written whole.
template <x::Inst::Id Id> bool mask_move(Translator& t) {
    if (Id == x::Inst::kIdPmovmskb && !sse::xmm_form(t)) return false;
    const auto dst = t.general_reg(t.insn().r0, 4);
    if (!dst) return false;
    t.guarded([&](const asmjit::Label& slow) {
        sse::check_enabled(t, slow);
        t.a.movdqu(x::xmm1, sse::xmm(t, t.insn().r1));
        t.a.emit(Id, *dst, x::xmm1);
    });
    return true;
}

// PEXTRB/PEXTRW/PEXTRD/PEXTRQ/EXTRACTPS r/m, xmm, imm8 and PINSRB/PINSRW/PINSRD/PINSRQ xmm,
// r/m, imm8: lane imm8 (modulo the lane count) of `Bytes` straight between the guest's XMM
// register in CpuState and a general register (written whole, zero-extended; an insertion
// takes its low bits) or memory; no host SSE.
template <unsigned Bytes, bool Insert> bool lane_move(Translator& t) {
    const cpu::Insn& i = t.insn();
    const bool mem = i.flags & cpu::IF_MEM;
    const unsigned vec = Insert || mem ? i.r0 : i.r1;
    // Of these only PEXTRW and PINSRW have MMX forms too.
    if ((Bytes == 2 && !sse::xmm_form(t)) || !sse::addressable(t)) return false;
    const auto gpr = mem ? std::nullopt : t.general_reg(Insert ? i.r1 : i.r0, Bytes == 8 ? 8 : 4);
    if (!mem && !gpr) return false;
    t.guarded([&](const asmjit::Label& slow) {
        sse::check_enabled(t, slow);
        const x::Mem lane = sse::xmm(t, vec, Bytes, Bytes * (i.imm % (16 / Bytes)));
        auto& a = t.a;
        if (mem) {
            const x::Mem m = sse::memory(t, Bytes, !Insert, false, slow);
            const x::Gp v = Translator::value_reg(Bytes);
            a.mov(v, Insert ? m : lane);
            a.mov(Insert ? lane : m, v);
        } else if (Insert) {
            a.mov(lane, Bytes == 1 ? gpr->r8() : Bytes == 2 ? gpr->r16() : *gpr);
        } else if (Bytes < 4) {
            a.movzx(*gpr, lane);
        } else {
            a.mov(*gpr, lane);
        }
    });
    return true;
}

}  // namespace

void register_sse_shuffle_emitters(GroupEmitters e) {
#define JITPC_EMIT_UNPACK(M, insn, mmx) sse::host_op(e, ZYDIS_MNEMONIC_##M, #insn, 16, false);
    JITPC_SSE_UNPACK_OPS(JITPC_EMIT_UNPACK)
#undef JITPC_EMIT_UNPACK
    sse::host_op(e, ZYDIS_MNEMONIC_SHUFPS, "shufps", 16, false);
    sse::host_op(e, ZYDIS_MNEMONIC_SHUFPD, "shufpd", 16, false);
    sse::host_op(e, ZYDIS_MNEMONIC_PSHUFD, "pshufd", 16, false);
    sse::host_op(e, ZYDIS_MNEMONIC_PSHUFLW, "pshuflw", 16, false);
    sse::host_op(e, ZYDIS_MNEMONIC_PSHUFHW, "pshufhw", 16, false);
    if (asmjit::CpuInfo::host().hasFeature(asmjit::CpuFeatures::X86::kSSSE3)) {
        sse::host_op(e, ZYDIS_MNEMONIC_PSHUFB, "pshufb", 16, false);
        sse::host_op(e, ZYDIS_MNEMONIC_PALIGNR, "palignr", 16, false);
    }
    // PMOVSX/PMOVZX: the memory operand holds the low half, quarter or eighth of the lanes.
    struct Extend {
        ZydisMnemonic m;
        const char* name;
        unsigned bytes;
    };
    if (asmjit::CpuInfo::host().hasFeature(asmjit::CpuFeatures::X86::kSSE4_1)) {
        sse::host_op(e, ZYDIS_MNEMONIC_BLENDPS, "blendps", 16, false);
        sse::host_op(e, ZYDIS_MNEMONIC_BLENDPD, "blendpd", 16, false);
        sse::host_op(e, ZYDIS_MNEMONIC_PBLENDW, "pblendw", 16, false);
    }
    if (asmjit::CpuInfo::host().hasFeature(asmjit::CpuFeatures::X86::kSSE4_1))
        for (const Extend& x : {Extend{ZYDIS_MNEMONIC_PMOVSXBW, "pmovsxbw", 8}, {ZYDIS_MNEMONIC_PMOVSXBD, "pmovsxbd", 4},
                                {ZYDIS_MNEMONIC_PMOVSXBQ, "pmovsxbq", 2}, {ZYDIS_MNEMONIC_PMOVSXWD, "pmovsxwd", 8},
                                {ZYDIS_MNEMONIC_PMOVSXWQ, "pmovsxwq", 4}, {ZYDIS_MNEMONIC_PMOVSXDQ, "pmovsxdq", 8},
                                {ZYDIS_MNEMONIC_PMOVZXBW, "pmovzxbw", 8}, {ZYDIS_MNEMONIC_PMOVZXBD, "pmovzxbd", 4},
                                {ZYDIS_MNEMONIC_PMOVZXBQ, "pmovzxbq", 2}, {ZYDIS_MNEMONIC_PMOVZXWD, "pmovzxwd", 8},
                                {ZYDIS_MNEMONIC_PMOVZXWQ, "pmovzxwq", 4}, {ZYDIS_MNEMONIC_PMOVZXDQ, "pmovzxdq", 8}})
            sse::host_op(e, x.m, x.name, x.bytes, false);
    e[ZYDIS_MNEMONIC_PEXTRB] = lane_move<1, false>;
    e[ZYDIS_MNEMONIC_PEXTRW] = lane_move<2, false>;
    e[ZYDIS_MNEMONIC_PEXTRD] = lane_move<4, false>;
    e[ZYDIS_MNEMONIC_EXTRACTPS] = lane_move<4, false>;
    e[ZYDIS_MNEMONIC_PEXTRQ] = lane_move<8, false>;
    e[ZYDIS_MNEMONIC_PINSRB] = lane_move<1, true>;
    e[ZYDIS_MNEMONIC_PINSRW] = lane_move<2, true>;
    e[ZYDIS_MNEMONIC_PINSRD] = lane_move<4, true>;
    e[ZYDIS_MNEMONIC_PINSRQ] = lane_move<8, true>;
    e[ZYDIS_MNEMONIC_PMOVMSKB] = mask_move<x::Inst::kIdPmovmskb>;
    e[ZYDIS_MNEMONIC_MOVMSKPS] = mask_move<x::Inst::kIdMovmskps>;
    e[ZYDIS_MNEMONIC_MOVMSKPD] = mask_move<x::Inst::kIdMovmskpd>;
}

}  // namespace jitpc::jit
