// Shared by the SSE/SSE2 instruction files (cpu/ops/sse_*.cpp): the availability checks, XMM
// operand access, and the host-SSE runner for floating point with the guest's MXCSR.
//
// Floating point runs the host's own SSE instruction with the guest's rounding control, DAZ
// and FTZ loaded and every exception masked, then reads the flags back and applies the guest's
// masks (sse_exceptions): SSE arithmetic, compares and conversions are defined to the bit by
// IEEE 754 and the SDM, so this is exact whatever the host's own MXCSR, which is restored.
#pragma once

#include <emmintrin.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "cpu/fpu/fpu_common.h"
#include "cpu/fpu/host_x87.h"
#include "cpu/ops/operands.h"

namespace jitpc::cpu::ops::sse {

// An SSE instruction is #UD with CR4.OSFXSR clear or with CR0.EM set, and #NM with CR0.TS set
// (SDM Vol. 3, table 13-1 / 2-2). The decoder leaves it unbound on a model without its CPUID
// feature (cpu/isa_features.cpp), so that needs no check here. Like every check and access
// here, false reports the fault by value (Cpu::raise_pending) and the handler returns at once.
[[nodiscard]] inline bool guard(Cpu& c) {
    if (!(c.cr4 & cr4::OSFXSR) || (c.cr0 & cr0::EM)) [[unlikely]] return c.fail(VEC_UD);
    if (c.cr0 & cr0::TS) [[unlikely]] return c.fail(VEC_NM);
    return true;
}

inline Xmm& xreg(Cpu& c, unsigned r) { return c.sse.xmm[r]; }

// Memory operand: 16-byte accesses of aligned forms raise #GP(0) off a 16-byte boundary
// (before the segment checks, as the SDM orders them); the whole range is checked (its last
// byte canonical in 64-bit mode) before any part is read or written.
[[nodiscard]] inline bool mem_linear(Cpu& c, const Insn& i, uint64_t off, unsigned n, bool write, bool aligned,
                       uint64_t& lin) {
    if (aligned && (c.linear_unchecked(i.seg, off) & 15)) [[unlikely]] return c.fail(VEC_GP);
    GuestFault f{NO_FAULT, 0};
    if (c.long64()) f = c.check_linear(i.seg, off + n - 1, 1, write, lin);
    else if (!c.in_segment(i.seg, off, n, write)) f = {uint8_t(i.seg == SS ? VEC_SS : VEC_GP), 0};
    if (f.vector == NO_FAULT) f = c.check_linear(i.seg, off, n > 8 ? 1 : n, write, lin);
    if (f.vector == NO_FAULT) [[likely]] return true;
    c.raise_pending(f);
    return false;
}
[[nodiscard]] inline bool read_mem(Cpu& c, const Insn& i, uint64_t off, void* out, unsigned n, bool aligned) {
    uint64_t lin;
    if (!mem_linear(c, i, off, n, false, aligned, lin)) [[unlikely]] return false;
    if (c.watch_armed) [[unlikely]] c.watch_data(lin, n, false);
    auto* b = static_cast<uint8_t*>(out);
    for (unsigned k = 0; k < n; k += 4) {
        uint32_t w;
        if (!c.mmu.try_read<uint32_t>(lin + k, c.user(), w)) [[unlikely]] {
            c.raise_pending(c.mmu.fault);
            return false;
        }
        std::memcpy(b + k, &w, 4);
    }
    return true;
}
inline bool write_mem(Cpu& c, const Insn& i, uint64_t off, const void* in, unsigned n, bool aligned) {
    uint64_t lin;
    if (!mem_linear(c, i, off, n, true, aligned, lin)) [[unlikely]] return false;
    if (!c.mmu.try_probe_write(lin, n, c.user())) [[unlikely]] {
        c.raise_pending(c.mmu.fault);
        return false;
    }
    if (c.watch_armed) [[unlikely]] c.watch_data(lin, n, true);
    const auto* b = static_cast<const uint8_t*>(in);
    for (unsigned k = 0; k < n; k += 4) {
        uint32_t w;
        std::memcpy(&w, b + k, 4);
        c.mmu.write<uint32_t>(lin + k, w, c.user());
    }
    return true;
}

// The source operand of an "xmm, xmm/mN" form: the register r1, or N bytes of memory
// zero-extended (N = 4, 8 or 16).
template <unsigned N, bool Aligned> [[nodiscard]] bool src(Cpu& c, const Insn& i, Xmm& v) {
    if (!(i.flags & IF_MEM)) {
        v = c.sse.xmm[i.r1];
        return true;
    }
    v = Xmm{};
    return read_mem(c, i, c.ea(i), &v, N, Aligned && N == 16);
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

// Runs the asm `Text` (AT&T syntax) under the MXCSR in the local `csr` with the host's own
// MXCSR saved around it; `csr` then holds the flags it raised. The variadic part continues the
// output operand list (and may open the inputs).
#define JITPC_SSE_HOST(Text, ...)                                                              \
    uint32_t host_csr_ = 0;                                                                    \
    asm volatile("stmxcsr %[h]\n\tldmxcsr %[c]\n\t" Text "\n\tstmxcsr %[c]\n\tldmxcsr %[h]" \
                 : [c] "+m"(csr), [h] "+m"(host_csr_), __VA_ARGS__)

// dst (a) op= src (b) under `csr`; returns the exception flags raised.
using FpFn = uint32_t (*)(Xmm& a, const Xmm& b, uint32_t csr);

// Lane shapes of floating-point operations: which lanes a result has and how wide they are.
enum class Lanes : uint8_t { PS, SS, PD, SD };
constexpr unsigned lane_count(Lanes l) { return l == Lanes::PS ? 4 : l == Lanes::PD ? 2 : 1; }
constexpr bool lane_double(Lanes l) { return l == Lanes::PD || l == Lanes::SD; }
// The memory operand's size for an operation with those lanes.
constexpr unsigned lane_bytes(Lanes l) { return lane_count(l) > 1 ? 16 : lane_double(l) ? 8 : 4; }

template <bool Double> uint64_t lane(const Xmm& x, unsigned k) {
    if constexpr (Double) return x.q[k];
    uint32_t v;
    std::memcpy(&v, reinterpret_cast<const uint8_t*>(x.q) + 4 * k, 4);
    return v;
}
template <bool Double> void set_lane(Xmm& x, unsigned k, uint64_t v) {
    if constexpr (Double) x.q[k] = v;
    else std::memcpy(reinterpret_cast<uint8_t*>(x.q) + 4 * k, &v, 4);
}
template <bool Double> bool is_denormal(uint64_t v) {
    if constexpr (Double) return !(v & 0x7FF0000000000000ull) && (v & 0x000FFFFFFFFFFFFFull);
    return !(v & 0x7F800000u) && (v & 0x007FFFFFu);
}

// An operation whose result can overflow or underflow (ADD/SUB/MUL/DIV, CVTPD2PS/CVTSD2SS).
// With OE or UE unmasked the SDM's response differs from the masked one the host computes:
//   - a tiny result raises underflow even when exact (the masked run flags only inexact ones);
//   - no result is delivered, and PE reports whether the result rounded to the destination's
//     precision with an unbounded exponent is inexact, not whether the denormalised or
//     overflowed value is.
// Lanes cannot be told apart in the host's flags, so then each lane runs alone (`scalar`, the
// SS/SD form) and its PE comes from the x87 at 64-bit precision: a result that is exact there
// is exact at 24 or 53 bits when its low significand bits are zero.
struct Rounding {
    FpFn scalar;
    bool unary;          // a conversion of the source lane (CVTSD2SS), else a binary `op`
    x87::BinOp op;
    bool double_src;     // source lanes are doubles
    bool double_dst;     // result lanes are doubles
};

template <const Rounding& R> bool inexact_unbounded(uint64_t a, uint64_t b, uint32_t guest) {
    const auto load = [&](uint64_t v) {
        if ((guest & mxcsr::DAZ) && (R.double_src ? is_denormal<true>(v) : is_denormal<false>(v)))
            v &= R.double_src ? 0x8000000000000000ull : 0x80000000u;
        return R.double_src ? x87::from_f64(v, 0x037F).v : x87::from_f32(uint32_t(v), 0x037F).v;
    };
    x87::Result r{load(b), 0};
    if (!R.unary) r = x87::binary(R.op, load(a), load(b), 0x037F);
    const uint64_t below = R.double_dst ? 0x7FF : 0xFFFFFFFFFFull;
    return (r.sw & mxcsr::PE) || (r.v.mant & below);
}

// The exception flags of `a op b` (a the destination's old value) under the guest's MXCSR when
// it unmasks OE or UE, lane by lane as above.
template <const Rounding& R, unsigned NL> uint32_t unmasked_rounding_flags(const Xmm& a, const Xmm& b, uint32_t guest) {
    const uint32_t unmasked = ~(guest >> mxcsr::MASK_SHIFT) & mxcsr::FLAGS;
    uint32_t total = 0;
    for (unsigned k = 0; k < NL; ++k) {
        Xmm x, y;
        const uint64_t ak = lane<R.double_src>(a, k), bk = lane<R.double_src>(b, k);
        set_lane<R.double_src>(x, 0, ak);
        set_lane<R.double_src>(y, 0, bk);
        uint32_t f = R.scalar(x, y, host_csr(guest));
        if ((unmasked & mxcsr::UE) && is_denormal<R.double_dst>(lane<R.double_dst>(x, 0))) f |= mxcsr::UE;
        if (f & unmasked & (mxcsr::OE | mxcsr::UE))
            f = (f & ~mxcsr::PE) | (inexact_unbounded<R>(ak, bk, guest) ? mxcsr::PE : 0);
        total |= f;
    }
    return total;
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

// An "xmm, xmm/mN" floating-point operation with NL result lanes; R describes it when its
// result can overflow or underflow (else null).
// d op= s under the guest's MXCSR `guest`; returns the exception flags it raised.
template <FpFn F, unsigned NL, const Rounding* R> uint32_t fp_run(Xmm& d, const Xmm& s, uint32_t guest) {
    const Xmm a = d;
    uint32_t raised = F(d, s, host_csr(guest));
    if constexpr (R != nullptr)
        if ((~guest & (mxcsr::UM | (mxcsr::OE << mxcsr::MASK_SHIFT))))
            raised = unmasked_rounding_flags<*R, NL>(a, s, guest);
    return raised;
}
template <FpFn F, unsigned N, unsigned NL, const Rounding* R> void fp_op(Cpu& c, const Insn& i) {
    Xmm s;
    if (!guard(c) || !src<N, true>(c, i, s)) return;
    Xmm d = xreg(c, i.r0);
    sse_exceptions(c, fp_run<F, NL, R>(d, s, c.sse.mxcsr));
    xreg(c, i.r0) = d;
}

// Defines `uint32_t fn(Xmm&, const Xmm&, uint32_t csr)` running the host's "text src, dst".
#define JITPC_FP_FN(fn, text)                                                   \
    uint32_t fn(Xmm& a, const Xmm& b, uint32_t csr) {                           \
        __m128i x = vec(a);                                                     \
        const __m128i y = vec(b);                                               \
        JITPC_SSE_HOST(text " %[y], %[x]", [x] "+x"(x) : [y] "x"(y));           \
        a = xmm(x);                                                             \
        return csr & mxcsr::FLAGS;                                              \
    }

// ---- integer and bitwise operations through the host ----------------------------------------
// They read no MXCSR and raise nothing: the host's instruction is the definition.
using IntFn = Xmm (*)(const Xmm& a, const Xmm& b);
#define JITPC_INT_FN(fn, text)                                            \
    Xmm fn(const Xmm& a, const Xmm& b) {                                  \
        __m128i x = vec(a);                                               \
        asm(text " %[y], %[x]" : [x] "+x"(x) : [y] "x"(vec(b)));          \
        return xmm(x);                                                    \
    }
// "xmm, xmm/m128" (aligned).
template <IntFn F> void int_op(Cpu& c, const Insn& i) {
    Xmm s;
    if (!guard(c) || !src<16, true>(c, i, s)) return;
    xreg(c, i.r0) = F(xreg(c, i.r0), s);
}

// ---- MMX ------------------------------------------------------------------------------------
// MM0-7 are the significands of the x87 physical registers R0-R7 (SDM Vol. 1, 9.5).
inline uint64_t mm(const Cpu& c, unsigned r) { return c.fpu.st[r].mant; }
// A write sets the register's exponent and sign bits to ones.
inline void set_mm(Cpu& c, unsigned r, uint64_t v) { c.fpu.st[r] = {v, 0xFFFF}; }
// Every MMX instruction but EMMS then leaves TOP = 0 and every tag valid.
inline void mmx_transition(Cpu& c) {
    c.fpu.fsw &= uint16_t(~0x3800);
    c.fpu.ftw = 0;
}
// An instruction on MMX registers: #UD with CR0.EM, #NM with CR0.TS, then a pending unmasked
// x87 exception is taken (#MF, or FERR# with CR0.NE clear) as by FWAIT. CR4.OSFXSR does not
// matter.
[[nodiscard]] inline bool mmx_guard(Cpu& c) {
    if (c.cr0 & cr0::EM) [[unlikely]] return c.fail(VEC_UD);
    if (c.cr0 & cr0::TS) [[unlikely]] return c.fail(VEC_NM);
    return fpu::pending_check(c);
}
// An SSE/SSE2 instruction with an MMX register operand (CVTPI2PS, MOVQ2DQ...): SSE's checks,
// then a pending x87 exception.
[[nodiscard]] inline bool guard_with_mm(Cpu& c) { return guard(c) && fpu::pending_check(c); }
// The source of an "mm, mm/m64" form.
[[nodiscard]] inline bool mm_src(Cpu& c, const Insn& i, uint64_t& v) {
    if (!(i.flags & IF_MEM)) {
        v = mm(c, i.r1);
        return true;
    }
    return read_mem(c, i, c.ea(i), &v, 8, false);
}
// An MMX integer operation: dst = G(dst, src).
using MmFn = uint64_t (*)(uint64_t a, uint64_t b);
template <MmFn G> void mmx_op(Cpu& c, const Insn& i) {
    uint64_t s;
    if (!mmx_guard(c) || !mm_src(c, i, s)) return;
    set_mm(c, i.r0, G(mm(c, i.r0), s));
    mmx_transition(c);
}
// The XMM instruction on the low quadwords gives the MMX instruction's result for the
// element-wise operations.
template <IntFn F> uint64_t on_low(uint64_t a, uint64_t b) { return F(Xmm{{a, 0}}, Xmm{{b, 0}}).q[0]; }

// ---- binding --------------------------------------------------------------------------------
inline bool is_xmm(const DecodeCtx& ctx, unsigned n) {
    return ctx.is_reg(n) && ZydisRegisterGetClass(ctx.ops[n].reg.value) == ZYDIS_REGCLASS_XMM;
}
inline bool is_mm(const DecodeCtx& ctx, unsigned n) {
    return ctx.is_reg(n) && ZydisRegisterGetClass(ctx.ops[n].reg.value) == ZYDIS_REGCLASS_MMX;
}
inline bool is_gpr32(const DecodeCtx& ctx, unsigned n) {
    return ctx.is_reg(n) && ZydisRegisterGetClass(ctx.ops[n].reg.value) == ZYDIS_REGCLASS_GPR32;
}
inline bool is_gpr64(const DecodeCtx& ctx, unsigned n) {
    return ctx.is_reg(n) && ZydisRegisterGetClass(ctx.ops[n].reg.value) == ZYDIS_REGCLASS_GPR64;
}
// A general register of either size: REX.W forms whose result is zero-extended anyway.
inline bool is_gpr(const DecodeCtx& ctx, unsigned n) { return is_gpr32(ctx, n) || is_gpr64(ctx, n); }
// "xmm, xmm/m" and "mm, mm/m" forms.
inline bool xmm_rm(const DecodeCtx& ctx) { return is_xmm(ctx, 0) && (is_xmm(ctx, 1) || ctx.is_mem(1)); }
inline bool mm_rm(const DecodeCtx& ctx) { return is_mm(ctx, 0) && (is_mm(ctx, 1) || ctx.is_mem(1)); }
// An integer operation with an XMM form and (G not null) an MMX form.
template <IntFn F, MmFn G = on_low<F>> Handler bind_int(const DecodeCtx& ctx, Insn& i) {
    if (xmm_rm(ctx)) {
        i.aux = AUX_XMM;
        return int_op<F>;
    }
    if constexpr (G != nullptr) return mm_rm(ctx) ? mmx_op<G> : nullptr;
    return nullptr;
}
template <Handler H> Handler bind_xx(const DecodeCtx& ctx, Insn&) { return xmm_rm(ctx) ? H : nullptr; }

// ---- operations written out -----------------------------------------------------------------
// SSSE3 and later integer, shuffle and string instructions are written out here, lane by lane,
// rather than run on the host, which need not have them. Vec<N> is a 64-bit (MM) or 128-bit
// (XMM) operand seen as lanes of any width.
template <unsigned N> struct Vec {
    uint8_t b[N] = {};
    template <typename T> static constexpr unsigned lanes = N / sizeof(T);
    template <typename T> T get(unsigned k) const {
        T v;
        std::memcpy(&v, b + sizeof(T) * k, sizeof(T));
        return v;
    }
    template <typename T> void set(unsigned k, T v) { std::memcpy(b + sizeof(T) * k, &v, sizeof(T)); }
};
inline Vec<16> to_vec(const Xmm& x) {
    Vec<16> v;
    std::memcpy(v.b, x.q, 16);
    return v;
}
inline Vec<8> to_vec(uint64_t x) {
    Vec<8> v;
    std::memcpy(v.b, &x, 8);
    return v;
}
inline Xmm from_vec(const Vec<16>& v) {
    Xmm x;
    std::memcpy(x.q, v.b, 16);
    return x;
}
inline uint64_t from_vec(const Vec<8>& v) {
    uint64_t x;
    std::memcpy(&x, v.b, 8);
    return x;
}

// An operation Op: `template <unsigned N> static Vec<N> run(const Vec<N>& dst, const Vec<N>& src,
// unsigned imm8)` gives the destination's new value. The XMM form reads Bytes of memory
// (zero-extended; 16-byte operands aligned unless Unaligned), the MMX form 8.
template <class Op, unsigned Bytes = 16, bool Unaligned = false> void vec_op(Cpu& c, const Insn& i) {
    Xmm s;
    if (!guard(c) || !src<Bytes, !Unaligned>(c, i, s)) return;
    xreg(c, i.r0) = from_vec(Op::template run<16>(to_vec(xreg(c, i.r0)), to_vec(s), i.imm & 0xFF));
}
template <class Op> void mmx_vec_op(Cpu& c, const Insn& i) {
    uint64_t s;
    if (!mmx_guard(c) || !mm_src(c, i, s)) return;
    set_mm(c, i.r0, from_vec(Op::template run<8>(to_vec(mm(c, i.r0)), to_vec(s), i.imm & 0xFF)));
    mmx_transition(c);
}
// The XMM form of Op and, with Mmx, its MMX form.
template <class Op, bool Mmx = false, unsigned Bytes = 16, bool Unaligned = false>
Handler bind_vec(const DecodeCtx& ctx, Insn& i) {
    if (xmm_rm(ctx)) {
        i.aux = AUX_XMM;
        return vec_op<Op, Bytes, Unaligned>;
    }
    if constexpr (Mmx)
        if (mm_rm(ctx)) return mmx_vec_op<Op>;
    return nullptr;
}
// Defines the operation `Name` from a body computing `r` from `a` (the destination), `b` (the
// source) and `imm`, for N bytes.
#define JITPC_VEC_OP(Name, ...)                                                                  \
    struct Name {                                                                                \
        template <unsigned N>                                                                    \
        static Vec<N> run([[maybe_unused]] const Vec<N>& a, [[maybe_unused]] const Vec<N>& b,     \
                          [[maybe_unused]] unsigned imm) {                                       \
            Vec<N> r;                                                                            \
            __VA_ARGS__                                                                          \
            return r;                                                                            \
        }                                                                                        \
    };

template <typename T, typename W> T saturate(W v) {
    return T(std::clamp<W>(v, W(std::numeric_limits<T>::min()), W(std::numeric_limits<T>::max())));
}

}  // namespace jitpc::cpu::ops::sse
