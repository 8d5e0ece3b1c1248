// SSE/SSE2 and MMX data movement: whole-register moves (aligned, unaligned, non-temporal),
// scalar and half-register moves, MOVD/MOVQ between XMM or MM registers and general registers or
// memory, MOVQ2DQ/MOVDQ2Q, MASKMOVDQU/MASKMOVQ, EMMS; SSE3's MOVSLDUP/MOVSHDUP/MOVDDUP and
// LDDQU, SSE4.1's MOVNTDQA.
#include "cpu/insn_aux.h"
#include "cpu/ops/sse_common.h"
#include "cpu/ops/system_parts.h"

namespace jitpc::cpu {
namespace {

using namespace ops::sse;

// Stores the low N bytes of `v` (the high quadword with High) at the memory operand.
template <unsigned N, bool Aligned, bool High = false> void store(Cpu& c, const Insn& i, const Xmm& v) {
    write_mem(c, i, c.ea(i), High ? &v.q[1] : v.q, N, Aligned);  // a fault is pending when false
}

// MOVAPS/MOVUPS/MOVAPD/MOVUPD/MOVDQA/MOVDQU/MOVNT*: the whole register.
template <bool Aligned> void mov_load(Cpu& c, const Insn& i) {
    Xmm s;
    if (guard(c) && src<16, Aligned>(c, i, s)) xreg(c, i.r0) = s;
}
template <bool Aligned> void mov_store(Cpu& c, const Insn& i) {
    if (!guard(c)) return;
    store<16, Aligned>(c, i, xreg(c, i.r0));
}

// MOVSS/MOVSD: register to register moves the low lane only; a load zeroes the rest.
template <unsigned N> void movs_load(Cpu& c, const Insn& i) {
    if (!guard(c)) return;
    if (i.flags & IF_MEM) {
        Xmm s;
        if (src<N, false>(c, i, s)) xreg(c, i.r0) = s;
    } else {
        uint8_t* d = reinterpret_cast<uint8_t*>(xreg(c, i.r0).q);
        std::memcpy(d, xreg(c, i.r1).q, N);
    }
}
template <unsigned N> void movs_store(Cpu& c, const Insn& i) {
    if (!guard(c)) return;
    store<N, false>(c, i, xreg(c, i.r0));
}

// MOVQ xmm, xmm/m64 and MOVQ xmm/m64, xmm: the low quadword, the high one zeroed in a register.
void movq_load(Cpu& c, const Insn& i) {
    Xmm s;
    if (!guard(c) || !src<8, false>(c, i, s)) return;
    xreg(c, i.r0) = Xmm{{s.q[0], 0}};
}
void movq_store(Cpu& c, const Insn& i) {
    if (!guard(c)) return;
    store<8, false>(c, i, xreg(c, i.r0));
}

// MOVLPS/MOVLPD/MOVHPS/MOVHPD xmm, m64: one quadword, the other kept; MOVHLPS and MOVLHPS
// take it from a register's other half.
template <unsigned Dst> void movhl_load(Cpu& c, const Insn& i) {
    if (!guard(c)) return;
    uint64_t v;
    if (read_mem(c, i, c.ea(i), &v, 8, false)) xreg(c, i.r0).q[Dst] = v;
}
template <unsigned Dst> void movhl_store(Cpu& c, const Insn& i) {
    if (!guard(c)) return;
    store<8, false, Dst == 1>(c, i, xreg(c, i.r0));
}
void movhlps(Cpu& c, const Insn& i) {
    if (!guard(c)) return;
    xreg(c, i.r0).q[0] = xreg(c, i.r1).q[1];
}
void movlhps(Cpu& c, const Insn& i) {
    if (!guard(c)) return;
    xreg(c, i.r0).q[1] = xreg(c, i.r1).q[0];
}

// MOVD xmm, r/m32 (zero-extended) and MOVD r/m32, xmm; T = uint64_t: their REX.W forms, MOVQ
// xmm, r64 and MOVQ r64, xmm (the m64 forms are MOVQ's own).
template <typename T> void movd_load(Cpu& c, const Insn& i) {
    T v = T(c.gpr[i.r1]);
    if (!guard(c) || ((i.flags & IF_MEM) && !c.try_read<T>(i.seg, c.ea(i), v))) return;
    xreg(c, i.r0) = Xmm{{v, 0}};
}
template <typename T> void movd_store(Cpu& c, const Insn& i) {
    if (!guard(c)) return;
    if (i.flags & IF_MEM) c.try_write<T>(i.seg, c.ea(i), T(xreg(c, i.r0).q[0]));
    else c.gpr[i.r0] = T(xreg(c, i.r1).q[0]);
}

// MASKMOVDQU/MASKMOVQ: the bytes of r0 whose mask byte in r1 has its top bit set, to
// DS:(E)DI. Only the span from the first to the last selected byte is checked (an empty mask
// touches nothing).
void mask_store(Cpu& c, const Insn& i, const uint8_t* v, const uint8_t* m, int n) {
    int first = -1, last = -1;
    for (int k = 0; k < n; ++k)
        if (m[k] & 0x80) {
            if (first < 0) first = k;
            last = k;
        }
    if (first < 0) return;
    const uint64_t off = (c.gpr[EDI] & size_mask(i.asize)) + uint64_t(first);
    const unsigned len = unsigned(last - first + 1);
    if (c.long64()) c.linear(i.seg, off + len - 1, 1, true);
    else if (!c.in_segment(i.seg, off, len, true)) c.seg_fault(i.seg);
    const uint64_t lin = c.linear(i.seg, off, 1, true);
    c.mmu.probe_write(lin, len, c.user());
    for (int k = first; k <= last; ++k)
        if (m[k] & 0x80) c.write_linear<uint8_t>(lin + unsigned(k - first), v[k]);
}
void maskmovdqu(Cpu& c, const Insn& i) {
    if (!guard(c)) return;
    mask_store(c, i, reinterpret_cast<const uint8_t*>(xreg(c, i.r0).q),
               reinterpret_cast<const uint8_t*>(xreg(c, i.r1).q), 16);
}
void maskmovq(Cpu& c, const Insn& i) {
    if (!mmx_guard(c)) return;
    const uint64_t v = mm(c, i.r0), m = mm(c, i.r1);
    mask_store(c, i, reinterpret_cast<const uint8_t*>(&v), reinterpret_cast<const uint8_t*>(&m), 8);
    mmx_transition(c);
}

// The MMX-register moves: MOVD/MOVQ to and from MM registers, MOVNTQ, and MOVQ2DQ/MOVDQ2Q
// between the two files (both an SSE2 and an MMX instruction: SSE's checks, then a pending
// x87 exception).
template <typename T> void movd_mm_load(Cpu& c, const Insn& i) {
    T v = c.reg<T>(i.r1);
    if (!mmx_guard(c) || ((i.flags & IF_MEM) && !c.try_read<T>(i.seg, c.ea(i), v))) return;
    set_mm(c, i.r0, v);
    mmx_transition(c);
}
template <typename T> void movd_mm_store(Cpu& c, const Insn& i) {
    if (!mmx_guard(c)) return;
    if (i.flags & IF_MEM) {
        if (!c.try_write<T>(i.seg, c.ea(i), T(mm(c, i.r0)))) return;
    } else {
        c.gpr[i.r0] = T(mm(c, i.r1));
    }
    mmx_transition(c);
}
void movq_mm_load(Cpu& c, const Insn& i) {
    uint64_t v;
    if (!mmx_guard(c) || !mm_src(c, i, v)) return;
    set_mm(c, i.r0, v);
    mmx_transition(c);
}
void movq_mm_store(Cpu& c, const Insn& i) {
    if (!mmx_guard(c)) return;
    const uint64_t v = mm(c, i.r0);
    if (!write_mem(c, i, c.ea(i), &v, 8, false)) return;
    mmx_transition(c);
}
void movq2dq(Cpu& c, const Insn& i) {
    if (!guard_with_mm(c)) return;
    xreg(c, i.r0) = Xmm{{mm(c, i.r1), 0}};
    mmx_transition(c);
}
void movdq2q(Cpu& c, const Insn& i) {
    if (!guard_with_mm(c)) return;
    set_mm(c, i.r0, xreg(c, i.r1).q[0]);
    mmx_transition(c);
}
// EMMS: TOP = 0 as for any MMX instruction, but every tag empty (SDM Vol. 1, table 9-2).
void emms(Cpu& c, const Insn&) {
    if (!mmx_guard(c)) return;
    mmx_transition(c);
    c.fpu.ftw = 0xFFFF;
}

// SSE3's duplicating loads: MOVSLDUP and MOVSHDUP copy the even or odd singles over their
// neighbours, MOVDDUP the low double (from a 64-bit memory operand) to both halves.
template <unsigned Odd> struct Movsdup {
    template <unsigned N> static Vec<N> run(const Vec<N>&, const Vec<N>& b, unsigned) {
        Vec<N> r;
        for (unsigned k = 0; k < 4; ++k) r.template set<uint32_t>(k, b.template get<uint32_t>((k & ~1u) + Odd));
        return r;
    }
};
void movddup(Cpu& c, const Insn& i) {
    Xmm s;
    if (!guard(c) || !src<8, false>(c, i, s)) return;
    xreg(c, i.r0) = Xmm{{s.q[0], s.q[0]}};
}
template <Handler H> Handler bind_load_only(const DecodeCtx& ctx, Insn&) {
    return is_xmm(ctx, 0) && ctx.is_mem(1) ? H : nullptr;
}

// Binders: "xmm, xmm/m" loads, "m, xmm" stores. A store opcode with a register destination
// (0F 29 /r, F3 0F 11 /r, 66 0F D6 /r...) copies its second operand into its first, as the load does.
template <Handler Load, Handler Store> Handler bind_move(const DecodeCtx& ctx, Insn&) {
    if (is_xmm(ctx, 0) && (is_xmm(ctx, 1) || ctx.is_mem(1))) return Load;
    if (ctx.is_mem(0) && is_xmm(ctx, 1)) return Store;
    return nullptr;
}
Handler bind_movd(const DecodeCtx& ctx, Insn& i) {
    if (is_xmm(ctx, 0) && (is_gpr32(ctx, 1) || ctx.is_mem(1))) {
        i.aux = AUX_XMM;
        return movd_load<uint32_t>;
    }
    if (is_xmm(ctx, 1) && (is_gpr32(ctx, 0) || ctx.is_mem(0))) {
        i.aux = AUX_XMM | AUX_FROM_XMM;
        return movd_store<uint32_t>;
    }
    if (is_mm(ctx, 0) && (is_gpr32(ctx, 1) || ctx.is_mem(1))) return movd_mm_load<uint32_t>;
    if (is_mm(ctx, 1) && (is_gpr32(ctx, 0) || ctx.is_mem(0))) return movd_mm_store<uint32_t>;
    return nullptr;
}
Handler bind_movq(const DecodeCtx& ctx, Insn& i) {
    if (is_xmm(ctx, 0) && is_gpr64(ctx, 1)) {
        i.aux = AUX_XMM | AUX_GPR;
        return movd_load<uint64_t>;
    }
    if (is_gpr64(ctx, 0) && is_xmm(ctx, 1)) {
        i.aux = AUX_XMM | AUX_GPR | AUX_FROM_XMM;
        return movd_store<uint64_t>;
    }
    if (is_mm(ctx, 0) && is_gpr64(ctx, 1)) return movd_mm_load<uint64_t>;
    if (is_gpr64(ctx, 0) && is_mm(ctx, 1)) return movd_mm_store<uint64_t>;
    if (is_mm(ctx, 0) && (is_mm(ctx, 1) || ctx.is_mem(1))) return movq_mm_load;
    if (ctx.is_mem(0) && is_mm(ctx, 1)) return movq_mm_store;
    i.aux = AUX_XMM;
    return bind_move<movq_load, movq_store>(ctx, i);
}
Handler bind_movntq(const DecodeCtx& ctx, Insn&) { return ctx.is_mem(0) && is_mm(ctx, 1) ? movq_mm_store : nullptr; }
Handler bind_movq2dq(const DecodeCtx& ctx, Insn&) { return is_xmm(ctx, 0) && is_mm(ctx, 1) ? movq2dq : nullptr; }
Handler bind_movdq2q(const DecodeCtx& ctx, Insn&) { return is_mm(ctx, 0) && is_xmm(ctx, 1) ? movdq2q : nullptr; }
template <Handler H> Handler bind_xmm_xmm(const DecodeCtx& ctx, Insn&) {
    return is_xmm(ctx, 0) && is_xmm(ctx, 1) ? H : nullptr;
}
template <unsigned Half> Handler bind_half(const DecodeCtx& ctx, Insn&) {
    if (is_xmm(ctx, 0) && ctx.is_mem(1)) return movhl_load<Half>;
    if (ctx.is_mem(0) && is_xmm(ctx, 1)) return movhl_store<Half>;
    return nullptr;
}
template <Handler H> Handler bind_store_only(const DecodeCtx& ctx, Insn&) {
    return ctx.is_mem(0) && is_xmm(ctx, 1) ? H : nullptr;
}
template <Handler H, bool Xmm> Handler bind_maskmov(const DecodeCtx& ctx, Insn& i) {
    if (Xmm ? !is_xmm(ctx, 0) || !is_xmm(ctx, 1) : !is_mm(ctx, 0) || !is_mm(ctx, 1)) return nullptr;
    if (!(ctx.zi.attributes & ZYDIS_ATTRIB_HAS_SEGMENT)) i.seg = DS;
    return H;
}

}  // namespace

void register_sse_move(Binder* t) {
    for (auto m : {ZYDIS_MNEMONIC_MOVAPS, ZYDIS_MNEMONIC_MOVAPD, ZYDIS_MNEMONIC_MOVDQA})
        t[m] = bind_move<mov_load<true>, mov_store<true>>;
    for (auto m : {ZYDIS_MNEMONIC_MOVUPS, ZYDIS_MNEMONIC_MOVUPD, ZYDIS_MNEMONIC_MOVDQU})
        t[m] = bind_move<mov_load<false>, mov_store<false>>;
    for (auto m : {ZYDIS_MNEMONIC_MOVNTPS, ZYDIS_MNEMONIC_MOVNTPD, ZYDIS_MNEMONIC_MOVNTDQ})
        t[m] = bind_store_only<mov_store<true>>;
    t[ZYDIS_MNEMONIC_MOVSS] = bind_move<movs_load<4>, movs_store<4>>;
    chain_binder(t, ZYDIS_MNEMONIC_MOVSD, bind_move<movs_load<8>, movs_store<8>>);  // also the string MOVSD
    t[ZYDIS_MNEMONIC_MOVLPS] = bind_half<0>;
    t[ZYDIS_MNEMONIC_MOVLPD] = bind_half<0>;
    t[ZYDIS_MNEMONIC_MOVHPS] = bind_half<1>;
    t[ZYDIS_MNEMONIC_MOVHPD] = bind_half<1>;
    t[ZYDIS_MNEMONIC_MOVHLPS] = bind_xmm_xmm<movhlps>;
    t[ZYDIS_MNEMONIC_MOVLHPS] = bind_xmm_xmm<movlhps>;
    t[ZYDIS_MNEMONIC_MOVD] = bind_movd;
    t[ZYDIS_MNEMONIC_MOVQ] = bind_movq;
    t[ZYDIS_MNEMONIC_MASKMOVDQU] = bind_maskmov<maskmovdqu, true>;
    t[ZYDIS_MNEMONIC_MASKMOVQ] = bind_maskmov<maskmovq, false>;
    t[ZYDIS_MNEMONIC_MOVNTQ] = bind_movntq;
    t[ZYDIS_MNEMONIC_MOVQ2DQ] = bind_movq2dq;
    t[ZYDIS_MNEMONIC_MOVDQ2Q] = bind_movdq2q;
    t[ZYDIS_MNEMONIC_EMMS] = ops::bind_fixed<emms>;
    t[ZYDIS_MNEMONIC_MOVSLDUP] = bind_vec<Movsdup<0>>;
    t[ZYDIS_MNEMONIC_MOVSHDUP] = bind_vec<Movsdup<1>>;
    t[ZYDIS_MNEMONIC_MOVDDUP] = bind_xx<movddup>;
    t[ZYDIS_MNEMONIC_LDDQU] = bind_load_only<mov_load<false>>;
    // MOVNTDQA's hint matters only for write-combining memory, which jitpc does not model.
    t[ZYDIS_MNEMONIC_MOVNTDQA] = bind_load_only<mov_load<true>>;
}

}  // namespace jitpc::cpu
