// Shared by the SSE/SSE2 instruction files (cpu/ops/sse_*.cpp): the availability checks, XMM
// operand access, and the host-SSE runner for floating point with the guest's MXCSR.
//
// Floating point runs the host's own SSE instruction with the guest's rounding control, DAZ
// and FTZ loaded and every exception masked, then reads the flags back and applies the guest's
// masks (sse_exceptions): SSE arithmetic, compares and conversions are defined to the bit by
// IEEE 754 and the SDM, so this is exact whatever the host's own MXCSR, which is restored.
#pragma once

#include <emmintrin.h>

#include <cstring>

#include "cpu/ops/operands.h"

namespace jitpc::cpu::ops::sse {

// An SSE instruction is #UD without SSE, with CR4.OSFXSR clear or with CR0.EM set, and #NM
// with CR0.TS set (SDM Vol. 3, table 13-1 / 2-2).
inline void guard(const Cpu& c) {
    if (!c.sse_model || !(c.cr4 & cr4::OSFXSR) || (c.cr0 & cr0::EM)) raise_ud();
    if (c.cr0 & cr0::TS) raise_fault(VEC_NM);
}

inline Xmm& xreg(Cpu& c, unsigned r) { return c.sse.xmm[r]; }

// Memory operand: 16-byte accesses of aligned forms raise #GP(0) off a 16-byte boundary
// (before the segment checks, as the SDM orders them); the whole range is checked before any
// part is read or written.
inline uint32_t mem_linear(Cpu& c, const Insn& i, uint32_t off, unsigned n, bool write, bool aligned) {
    if (aligned && ((c.seg[i.seg].base + off) & 15)) raise_gp(0);
    if (!c.in_segment(i.seg, off, n, write)) c.seg_fault(i.seg);
    return c.linear(i.seg, off, n > 8 ? 1 : n, write);
}
inline void read_mem(Cpu& c, const Insn& i, uint32_t off, void* out, unsigned n, bool aligned) {
    const uint32_t lin = mem_linear(c, i, off, n, false, aligned);
    if (c.watch_armed) [[unlikely]] c.watch_data(lin, n, false);
    auto* b = static_cast<uint8_t*>(out);
    for (unsigned k = 0; k < n; k += 4) {
        const uint32_t w = c.mmu.read<uint32_t>(lin + k, c.user());
        std::memcpy(b + k, &w, 4);
    }
}
inline void write_mem(Cpu& c, const Insn& i, uint32_t off, const void* in, unsigned n, bool aligned) {
    const uint32_t lin = mem_linear(c, i, off, n, true, aligned);
    c.mmu.probe_write(lin, n, c.user());
    if (c.watch_armed) [[unlikely]] c.watch_data(lin, n, true);
    const auto* b = static_cast<const uint8_t*>(in);
    for (unsigned k = 0; k < n; k += 4) {
        uint32_t w;
        std::memcpy(&w, b + k, 4);
        c.mmu.write<uint32_t>(lin + k, w, c.user());
    }
}

// The source operand of an "xmm, xmm/mN" form: the register r1, or N bytes of memory
// zero-extended (N = 4, 8 or 16).
template <unsigned N, bool Aligned> Xmm src(Cpu& c, const Insn& i) {
    if (!(i.flags & IF_MEM)) return c.sse.xmm[i.r1];
    Xmm v;
    read_mem(c, i, c.ea(i), &v, N, Aligned);
    return v;
}

inline __m128i vec(const Xmm& x) { return _mm_load_si128(reinterpret_cast<const __m128i*>(x.q)); }
inline Xmm xmm(__m128i v) {
    Xmm x;
    _mm_store_si128(reinterpret_cast<__m128i*>(x.q), v);
    return x;
}

// ---- floating point through the host --------------------------------------------------------
// The MXCSR the host runs a guest operation under: the guest's rounding, DAZ and FTZ with its
// flags cleared and every exception masked. FTZ applies only while underflow is masked, so it
// is dropped when the guest unmasks UE (the instruction then raises #XM instead).
inline uint32_t host_csr(uint32_t guest) {
    uint32_t v = (guest & ~mxcsr::FLAGS) | mxcsr::MASKS;
    if (!(guest & mxcsr::UM)) v &= ~mxcsr::FTZ;
    return v;
}

// Runs `Text` (AT&T syntax, "%[b], %[a]" operands: a is read and written) under `csr`;
// returns the exception flags it raised.
#define JITPC_SSE_HOST(Text, ...)                                                              \
    uint32_t host_ = 0;                                                                        \
    asm volatile("stmxcsr %[h]\n\tldmxcsr %[c]\n\t" Text "\n\tstmxcsr %[c]\n\tldmxcsr %[h]"    \
                 : [c] "+m"(csr), [h] "+m"(host_)__VA_ARGS__);                                 \
    return csr & mxcsr::FLAGS

// Lane shapes of floating-point operations: which lanes a result has and how wide they are.
enum class Lanes : uint8_t { PS, SS, PD, SD };
constexpr unsigned lane_count(Lanes l) { return l == Lanes::PS ? 4 : l == Lanes::PD ? 2 : 1; }
constexpr bool lane_double(Lanes l) { return l == Lanes::PD || l == Lanes::SD; }

// With UE unmasked, a tiny result raises underflow even when exact, which the masked host run
// does not flag: it shows as a denormal result lane (an inexact tiny one is flagged already).
template <Lanes L> bool tiny_result(const Xmm& r) {
    for (unsigned k = 0; k < lane_count(L); ++k) {
        if constexpr (lane_double(L)) {
            const uint64_t v = r.q[k];
            if (!(v & 0x7FF0000000000000ull) && (v & 0x000FFFFFFFFFFFFFull)) return true;
        } else {
            uint32_t v;
            std::memcpy(&v, reinterpret_cast<const uint8_t*>(r.q) + 4 * k, 4);
            if (!(v & 0x7F800000u) && (v & 0x007FFFFFu)) return true;
        }
    }
    return false;
}

// Records the exceptions an operation raised in MXCSR and raises #XM (#UD with
// CR4.OSXMMEXCPT clear) if one is unmasked; the caller commits its result only after this
// returns. An unmasked invalid, denormal or divide-by-zero stops the operation before any
// result exists, so the post-computation flags of other lanes are not recorded then.
inline void sse_exceptions(Cpu& c, uint32_t raised) {
    const uint32_t unmasked = raised & ~(c.sse.mxcsr >> mxcsr::MASK_SHIFT) & mxcsr::FLAGS;
    constexpr uint32_t PRE = mxcsr::IE | mxcsr::DE | mxcsr::ZE;
    if (unmasked & PRE) raised &= PRE;
    c.sse.mxcsr |= raised;
    if (unmasked) raise_fault((c.cr4 & cr4::OSXMMEXCPT) ? VEC_XM : VEC_UD);
}

// ---- binding --------------------------------------------------------------------------------
inline bool is_xmm(const DecodeCtx& ctx, unsigned n) {
    return ctx.is_reg(n) && ZydisRegisterGetClass(ctx.ops[n].reg.value) == ZYDIS_REGCLASS_XMM;
}
inline bool is_gpr32(const DecodeCtx& ctx, unsigned n) {
    return ctx.is_reg(n) && ZydisRegisterGetClass(ctx.ops[n].reg.value) == ZYDIS_REGCLASS_GPR32;
}
// "xmm, xmm/m" forms (the MMX forms of the same mnemonics are not bound).
inline bool xmm_rm(const DecodeCtx& ctx) { return is_xmm(ctx, 0) && (is_xmm(ctx, 1) || ctx.is_mem(1)); }
template <Handler H> Handler bind_xx(const DecodeCtx& ctx, Insn&) { return xmm_rm(ctx) ? H : nullptr; }

}  // namespace jitpc::cpu::ops::sse
