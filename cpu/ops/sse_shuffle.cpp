// SSE/SSE2 shuffles, unpacks and packs (SHUFPS/PD, PSHUFD/LW/HW, PSHUFW, UNPCK*, PUNPCK*,
// PACK*), lane extraction and insertion (PEXTRW, PINSRW) and the sign-mask moves (MOVMSKPS/PD,
// PMOVMSKB), with the MMX-register forms of those that have one; SSSE3's PSHUFB and PALIGNR,
// SSE4.1's blends, PMOVSX/PMOVZX, PACKUSDW and lane extraction and insertion (PEXTRB/W/D,
// EXTRACTPS, PINSRB/D, INSERTPS).
#include "cpu/ops/sse_common.h"
#include "cpu/ops/sse_op_lists.h"

namespace jitpc::cpu {
namespace {

using namespace ops::sse;

#define JITPC_DEFINE_UNPACK(M, insn, mmx) JITPC_INT_FN(host_##insn, #insn)
JITPC_SSE_UNPACK_OPS(JITPC_DEFINE_UNPACK)
#undef JITPC_DEFINE_UNPACK

template <IntFn Low> uint64_t high_of(uint64_t a, uint64_t b) { return on_low<Low>(a >> 32, b >> 32); }
template <IntFn F> uint64_t pack(uint64_t a, uint64_t b) { return F(Xmm{{a, b}}, Xmm{{a, b}}).q[0]; }

template <typename T> struct Lanes16 {
    T v[16 / sizeof(T)];
    explicit Lanes16(const Xmm& x) { std::memcpy(v, x.q, 16); }
    Xmm get() const {
        Xmm x;
        std::memcpy(x.q, v, 16);
        return x;
    }
};

// The imm8 shuffles; `d` is the destination's old value, `s` the source.
Xmm shufps(const Xmm& d, const Xmm& s, unsigned imm) {
    const Lanes16<uint32_t> a(d), b(s);
    Lanes16<uint32_t> r(d);
    r.v[0] = a.v[imm & 3];
    r.v[1] = a.v[(imm >> 2) & 3];
    r.v[2] = b.v[(imm >> 4) & 3];
    r.v[3] = b.v[(imm >> 6) & 3];
    return r.get();
}
Xmm shufpd(const Xmm& d, const Xmm& s, unsigned imm) { return Xmm{{d.q[imm & 1], s.q[(imm >> 1) & 1]}}; }
Xmm pshufd(const Xmm&, const Xmm& s, unsigned imm) {
    const Lanes16<uint32_t> b(s);
    Lanes16<uint32_t> r(s);
    for (unsigned k = 0; k < 4; ++k) r.v[k] = b.v[(imm >> (2 * k)) & 3];
    return r.get();
}
// PSHUFLW (Half 0) and PSHUFHW (Half 1): four words of one half, the other half copied.
template <unsigned Half> Xmm pshufw(const Xmm&, const Xmm& s, unsigned imm) {
    const Lanes16<uint16_t> b(s);
    Lanes16<uint16_t> r(s);
    for (unsigned k = 0; k < 4; ++k) r.v[4 * Half + k] = b.v[4 * Half + ((imm >> (2 * k)) & 3)];
    return r.get();
}

template <Xmm (*F)(const Xmm&, const Xmm&, unsigned)> void shuffle(Cpu& c, const Insn& i) {
    Xmm s;
    if (!guard(c) || !src<16, true>(c, i, s)) return;
    xreg(c, i.r0) = F(xreg(c, i.r0), s, i.imm & 0xFF);
}

// MOVMSKPS/MOVMSKPD/PMOVMSKB r32/r64, xmm: the sign bit of each lane, zero-extended.
template <typename T> void movmsk(Cpu& c, const Insn& i) {
    if (!guard(c)) return;
    const Lanes16<T> s(xreg(c, i.r1));
    uint32_t m = 0;
    for (unsigned k = 0; k < 16 / sizeof(T); ++k) m |= uint32_t(s.v[k] >> (8 * sizeof(T) - 1)) << k;
    c.gpr[i.r0] = m;
}

void pextrw(Cpu& c, const Insn& i) {
    if (!guard(c)) return;
    c.gpr[i.r0] = Lanes16<uint16_t>(xreg(c, i.r1)).v[i.imm & 7];
}
void pinsrw(Cpu& c, const Insn& i) {
    uint16_t v = uint16_t(c.gpr[i.r1]);
    if (!guard(c) || ((i.flags & IF_MEM) && !c.try_read<uint16_t>(i.seg, c.ea(i), v))) return;
    Lanes16<uint16_t> d(xreg(c, i.r0));
    d.v[i.imm & 7] = v;
    xreg(c, i.r0) = d.get();
}

// The MMX-register forms: PSHUFW, PMOVMSKB, PEXTRW and PINSRW on the four words of an MM register.
void pshufw_mm(Cpu& c, const Insn& i) {
    uint64_t s;
    if (!mmx_guard(c) || !mm_src(c, i, s)) return;
    uint64_t r = 0;
    for (unsigned k = 0; k < 4; ++k) r |= ((s >> (16 * ((i.imm >> (2 * k)) & 3))) & 0xFFFF) << (16 * k);
    set_mm(c, i.r0, r);
    mmx_transition(c);
}
void pmovmskb_mm(Cpu& c, const Insn& i) {
    if (!mmx_guard(c)) return;
    const uint64_t s = mm(c, i.r1);
    uint32_t m = 0;
    for (unsigned k = 0; k < 8; ++k) m |= uint32_t((s >> (8 * k + 7)) & 1) << k;
    c.gpr[i.r0] = m;
    mmx_transition(c);
}
void pextrw_mm(Cpu& c, const Insn& i) {
    if (!mmx_guard(c)) return;
    c.gpr[i.r0] = uint32_t(mm(c, i.r1) >> (16 * (i.imm & 3))) & 0xFFFF;
    mmx_transition(c);
}
void pinsrw_mm(Cpu& c, const Insn& i) {
    uint16_t w = uint16_t(c.gpr[i.r1]);
    if (!mmx_guard(c) || ((i.flags & IF_MEM) && !c.try_read<uint16_t>(i.seg, c.ea(i), w))) return;
    const uint64_t v = w;
    const unsigned at = 16 * (i.imm & 3);
    set_mm(c, i.r0, (mm(c, i.r0) & ~(uint64_t(0xFFFF) << at)) | v << at);
    mmx_transition(c);
}

template <Handler H> Handler bind_shuffle(const DecodeCtx& ctx, Insn& i) {
    i.aux = AUX_XMM;
    return xmm_rm(ctx) && ctx.is_imm(2) ? H : nullptr;
}
Handler bind_pshufw(const DecodeCtx& ctx, Insn&) { return mm_rm(ctx) && ctx.is_imm(2) ? pshufw_mm : nullptr; }
template <Handler H> Handler bind_movmsk(const DecodeCtx& ctx, Insn&) {
    return is_gpr(ctx, 0) && is_xmm(ctx, 1) ? H : nullptr;
}
Handler bind_pmovmskb(const DecodeCtx& ctx, Insn& i) {
    if (!is_gpr32(ctx, 0)) return nullptr;
    if (is_xmm(ctx, 1)) i.aux = AUX_XMM;
    return is_xmm(ctx, 1) ? movmsk<uint8_t> : is_mm(ctx, 1) ? pmovmskb_mm : nullptr;
}
// PEXTRW r32, xmm/mm, imm8 (0F C5) and SSE4.1's PEXTRW r32/m16, xmm, imm8 (66 0F 3A 15),
// which differ only in taking memory.
Handler bind_pextrw(const DecodeCtx& ctx, Insn& i);
Handler bind_pinsrw(const DecodeCtx& ctx, Insn& i) {
    if (!(is_gpr32(ctx, 1) || ctx.is_mem(1)) || !ctx.is_imm(2)) return nullptr;
    if (is_xmm(ctx, 0)) i.aux = AUX_XMM;
    return is_xmm(ctx, 0) ? pinsrw : is_mm(ctx, 0) ? pinsrw_mm : nullptr;
}

// ---- SSSE3 and SSE4.1, written out (sse_common.h, Vec) ------------------------------------
// PSHUFB: byte k of the result is a's byte at b's byte k modulo N, or zero when that has bit 7.
JITPC_VEC_OP(Pshufb,
    for (unsigned k = 0; k < N; ++k) r.b[k] = (b.b[k] & 0x80) ? 0 : a.b[b.b[k] & (N - 1)];)
// PALIGNR: a:b shifted right by imm8 bytes, the low N bytes.
JITPC_VEC_OP(Palignr,
    for (unsigned k = 0; k < N; ++k) {
        const unsigned at = k + imm;
        r.b[k] = at < N ? b.b[at] : at < 2 * N ? a.b[at - N] : 0;
    })
// PACKUSDW: the signed doublewords of a, then of b, to words with unsigned saturation.
JITPC_VEC_OP(Packusdw,
    for (unsigned k = 0; k < N / 4; ++k) {
        r.template set<uint16_t>(k, saturate<uint16_t>(int64_t(a.template get<int32_t>(k))));
        r.template set<uint16_t>(N / 4 + k, saturate<uint16_t>(int64_t(b.template get<int32_t>(k))));
    })
// BLENDPS/BLENDPD/PBLENDW: lane k from b where imm8 bit k is set.
template <typename T> struct Blend {
    template <unsigned N> static Vec<N> run(const Vec<N>& a, const Vec<N>& b, unsigned imm) {
        Vec<N> r;
        for (unsigned k = 0; k < Vec<N>::template lanes<T>; ++k)
            r.template set<T>(k, ((imm >> k) & 1 ? b : a).template get<T>(k));
        return r;
    }
};
// PMOVSX/PMOVZX: the low lanes of b (of S) extended to lanes of D.
template <typename S, typename D> struct Extend {
    template <unsigned N> static Vec<N> run(const Vec<N>&, const Vec<N>& b, unsigned) {
        Vec<N> r;
        for (unsigned k = 0; k < Vec<N>::template lanes<D>; ++k) r.template set<D>(k, D(b.template get<S>(k)));
        return r;
    }
};
// INSERTPS: a's lane imm8[5:4] = b's lane imm8[7:6] (a memory source is that single), then the
// lanes of imm8[3:0] zeroed.
template <bool Mem> struct Insertps {
    template <unsigned N> static Vec<N> run(const Vec<N>& a, const Vec<N>& b, unsigned imm) {
        Vec<N> r = a;
        r.template set<uint32_t>((imm >> 4) & 3, b.template get<uint32_t>(Mem ? 0 : imm >> 6));
        for (unsigned k = 0; k < 4; ++k)
            if ((imm >> k) & 1) r.template set<uint32_t>(k, 0);
        return r;
    }
};

// BLENDVPS/BLENDVPD/PBLENDVB: lane k from the source where XMM0's lane k has its top bit set.
template <typename T> void blendv(Cpu& c, const Insn& i) {
    Xmm s;
    if (!guard(c) || !src<16, true>(c, i, s)) return;
    const Vec<16> b = to_vec(s), mask = to_vec(xreg(c, 0));
    Vec<16> r = to_vec(xreg(c, i.r0));
    for (unsigned k = 0; k < Vec<16>::lanes<T>; ++k)
        if (mask.get<T>(k) >> (8 * sizeof(T) - 1)) r.set<T>(k, b.get<T>(k));
    xreg(c, i.r0) = from_vec(r);
}

// PEXTRB/PEXTRW/PEXTRD/PEXTRQ/EXTRACTPS r/m, xmm, imm8: lane imm8 (modulo the lane count) of
// T, zero-extended in a register.
template <typename T> void extract(Cpu& c, const Insn& i) {
    if (!guard(c)) return;
    const bool mem = i.flags & IF_MEM;
    const Vec<16> v = to_vec(xreg(c, mem ? i.r0 : i.r1));
    const T x = v.get<T>(i.imm % Vec<16>::lanes<T>);
    if (mem) c.try_write<T>(i.seg, c.ea(i), x);
    else c.gpr[i.r0] = x;
}
// PINSRB/PINSRD/PINSRQ xmm, r/m, imm8: lane imm8 (modulo the lane count) of T from the low bits of
// a register or from memory.
template <typename T> void insert(Cpu& c, const Insn& i) {
    T x = T(c.gpr[i.r1]);
    if (!guard(c) || ((i.flags & IF_MEM) && !c.try_read<T>(i.seg, c.ea(i), x))) return;
    Vec<16> v = to_vec(xreg(c, i.r0));
    v.set<T>(i.imm % Vec<16>::lanes<T>, x);
    xreg(c, i.r0) = from_vec(v);
}
template <Handler H> Handler bind_extract(const DecodeCtx& ctx, Insn&) {
    return (is_gpr(ctx, 0) || ctx.is_mem(0)) && is_xmm(ctx, 1) ? H : nullptr;
}
template <Handler H> Handler bind_insert(const DecodeCtx& ctx, Insn&) {
    return is_xmm(ctx, 0) && (is_gpr(ctx, 1) || ctx.is_mem(1)) ? H : nullptr;
}
Handler bind_insertps(const DecodeCtx& ctx, Insn&) {
    if (!is_xmm(ctx, 0)) return nullptr;
    return is_xmm(ctx, 1) ? vec_op<Insertps<false>> : ctx.is_mem(1) ? vec_op<Insertps<true>, 4, true> : nullptr;
}

Handler bind_pextrw(const DecodeCtx& ctx, Insn& i) {
    if (is_xmm(ctx, 1)) i.aux = AUX_XMM;
    if (ctx.is_mem(0)) return is_xmm(ctx, 1) ? extract<uint16_t> : nullptr;
    if (!is_gpr32(ctx, 0)) return nullptr;
    return is_xmm(ctx, 1) ? pextrw : is_mm(ctx, 1) ? pextrw_mm : nullptr;
}

}  // namespace

void register_sse_shuffle(Binder* t) {
#define JITPC_BIND_UNPACK(M, insn, mmx) t[ZYDIS_MNEMONIC_##M] = bind_int<host_##insn, mmx>;
    JITPC_SSE_UNPACK_OPS(JITPC_BIND_UNPACK)
#undef JITPC_BIND_UNPACK
    t[ZYDIS_MNEMONIC_SHUFPS] = bind_shuffle<shuffle<shufps>>;
    t[ZYDIS_MNEMONIC_SHUFPD] = bind_shuffle<shuffle<shufpd>>;
    t[ZYDIS_MNEMONIC_PSHUFD] = bind_shuffle<shuffle<pshufd>>;
    t[ZYDIS_MNEMONIC_PSHUFLW] = bind_shuffle<shuffle<pshufw<0>>>;
    t[ZYDIS_MNEMONIC_PSHUFHW] = bind_shuffle<shuffle<pshufw<1>>>;
    t[ZYDIS_MNEMONIC_MOVMSKPS] = bind_movmsk<movmsk<uint32_t>>;
    t[ZYDIS_MNEMONIC_MOVMSKPD] = bind_movmsk<movmsk<uint64_t>>;
    t[ZYDIS_MNEMONIC_PMOVMSKB] = bind_pmovmskb;
    t[ZYDIS_MNEMONIC_PSHUFW] = bind_pshufw;
    t[ZYDIS_MNEMONIC_PEXTRW] = bind_pextrw;
    t[ZYDIS_MNEMONIC_PINSRW] = bind_pinsrw;
    t[ZYDIS_MNEMONIC_PSHUFB] = bind_vec<Pshufb, true>;
    t[ZYDIS_MNEMONIC_PALIGNR] = bind_vec<Palignr, true>;
    t[ZYDIS_MNEMONIC_PACKUSDW] = bind_vec<Packusdw>;
    t[ZYDIS_MNEMONIC_BLENDPS] = bind_vec<Blend<uint32_t>>;
    t[ZYDIS_MNEMONIC_BLENDPD] = bind_vec<Blend<uint64_t>>;
    t[ZYDIS_MNEMONIC_PBLENDW] = bind_vec<Blend<uint16_t>>;
    t[ZYDIS_MNEMONIC_BLENDVPS] = bind_xx<blendv<uint32_t>>;
    t[ZYDIS_MNEMONIC_BLENDVPD] = bind_xx<blendv<uint64_t>>;
    t[ZYDIS_MNEMONIC_PBLENDVB] = bind_xx<blendv<uint8_t>>;
    t[ZYDIS_MNEMONIC_PMOVSXBW] = bind_vec<Extend<int8_t, int16_t>, false, 8, true>;
    t[ZYDIS_MNEMONIC_PMOVSXBD] = bind_vec<Extend<int8_t, int32_t>, false, 4, true>;
    t[ZYDIS_MNEMONIC_PMOVSXBQ] = bind_vec<Extend<int8_t, int64_t>, false, 2, true>;
    t[ZYDIS_MNEMONIC_PMOVSXWD] = bind_vec<Extend<int16_t, int32_t>, false, 8, true>;
    t[ZYDIS_MNEMONIC_PMOVSXWQ] = bind_vec<Extend<int16_t, int64_t>, false, 4, true>;
    t[ZYDIS_MNEMONIC_PMOVSXDQ] = bind_vec<Extend<int32_t, int64_t>, false, 8, true>;
    t[ZYDIS_MNEMONIC_PMOVZXBW] = bind_vec<Extend<uint8_t, uint16_t>, false, 8, true>;
    t[ZYDIS_MNEMONIC_PMOVZXBD] = bind_vec<Extend<uint8_t, uint32_t>, false, 4, true>;
    t[ZYDIS_MNEMONIC_PMOVZXBQ] = bind_vec<Extend<uint8_t, uint64_t>, false, 2, true>;
    t[ZYDIS_MNEMONIC_PMOVZXWD] = bind_vec<Extend<uint16_t, uint32_t>, false, 8, true>;
    t[ZYDIS_MNEMONIC_PMOVZXWQ] = bind_vec<Extend<uint16_t, uint64_t>, false, 4, true>;
    t[ZYDIS_MNEMONIC_PMOVZXDQ] = bind_vec<Extend<uint32_t, uint64_t>, false, 8, true>;
    t[ZYDIS_MNEMONIC_INSERTPS] = bind_insertps;
    t[ZYDIS_MNEMONIC_EXTRACTPS] = bind_extract<extract<uint32_t>>;
    t[ZYDIS_MNEMONIC_PEXTRB] = bind_extract<extract<uint8_t>>;
    t[ZYDIS_MNEMONIC_PEXTRD] = bind_extract<extract<uint32_t>>;
    t[ZYDIS_MNEMONIC_PEXTRQ] = bind_extract<extract<uint64_t>>;
    t[ZYDIS_MNEMONIC_PINSRB] = bind_insert<insert<uint8_t>>;
    t[ZYDIS_MNEMONIC_PINSRD] = bind_insert<insert<uint32_t>>;
    t[ZYDIS_MNEMONIC_PINSRQ] = bind_insert<insert<uint64_t>>;
}

}  // namespace jitpc::cpu
