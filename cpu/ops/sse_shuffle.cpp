// SSE/SSE2 shuffles, unpacks and packs (SHUFPS/PD, PSHUFD/LW/HW, UNPCK*, PUNPCK*, PACK*), lane
// extraction and insertion (PEXTRW, PINSRW) and the sign-mask moves (MOVMSKPS/PD, PMOVMSKB).
#include "cpu/ops/sse_common.h"

namespace jitpc::cpu {
namespace {

using namespace ops::sse;

#define JITPC_SSE_UNPACK_OPS(X)                                                                    \
    X(UNPCKLPS, unpcklps) X(UNPCKHPS, unpckhps) X(UNPCKLPD, unpcklpd) X(UNPCKHPD, unpckhpd)        \
    X(PUNPCKLBW, punpcklbw) X(PUNPCKLWD, punpcklwd) X(PUNPCKLDQ, punpckldq)                        \
    X(PUNPCKLQDQ, punpcklqdq) X(PUNPCKHBW, punpckhbw) X(PUNPCKHWD, punpckhwd)                      \
    X(PUNPCKHDQ, punpckhdq) X(PUNPCKHQDQ, punpckhqdq) X(PACKSSWB, packsswb)                        \
    X(PACKSSDW, packssdw) X(PACKUSWB, packuswb)

#define JITPC_DEFINE_UNPACK(M, insn) JITPC_INT_FN(host_##insn, #insn)
JITPC_SSE_UNPACK_OPS(JITPC_DEFINE_UNPACK)
#undef JITPC_DEFINE_UNPACK

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
    guard(c);
    const Xmm s = src<16, true>(c, i);
    xreg(c, i.r0) = F(xreg(c, i.r0), s, i.imm & 0xFF);
}

// MOVMSKPS/MOVMSKPD/PMOVMSKB r32, xmm: the sign bit of each lane, zero-extended.
template <typename T> void movmsk(Cpu& c, const Insn& i) {
    guard(c);
    const Lanes16<T> s(xreg(c, i.r1));
    uint32_t m = 0;
    for (unsigned k = 0; k < 16 / sizeof(T); ++k) m |= uint32_t(s.v[k] >> (8 * sizeof(T) - 1)) << k;
    c.gpr[i.r0] = m;
}

void pextrw(Cpu& c, const Insn& i) {
    guard(c);
    c.gpr[i.r0] = Lanes16<uint16_t>(xreg(c, i.r1)).v[i.imm & 7];
}
void pinsrw(Cpu& c, const Insn& i) {
    guard(c);
    const uint16_t v = (i.flags & IF_MEM) ? c.read<uint16_t>(i.seg, c.ea(i)) : uint16_t(c.gpr[i.r1]);
    Lanes16<uint16_t> d(xreg(c, i.r0));
    d.v[i.imm & 7] = v;
    xreg(c, i.r0) = d.get();
}

template <Handler H> Handler bind_shuffle(const DecodeCtx& ctx, Insn&) {
    return xmm_rm(ctx) && ctx.is_imm(2) ? H : nullptr;
}
template <Handler H> Handler bind_movmsk(const DecodeCtx& ctx, Insn&) {
    return is_gpr32(ctx, 0) && is_xmm(ctx, 1) ? H : nullptr;
}
// PEXTRW r32, xmm, imm8 (66 0F C5; SSE4.1's 66 0F 3A 15 form is not decoded on a model without SSE4.1).
Handler bind_pextrw(const DecodeCtx& ctx, Insn&) {
    return is_gpr32(ctx, 0) && is_xmm(ctx, 1) ? pextrw : nullptr;
}
Handler bind_pinsrw(const DecodeCtx& ctx, Insn&) {
    return is_xmm(ctx, 0) && (is_gpr32(ctx, 1) || ctx.is_mem(1)) && ctx.is_imm(2) ? pinsrw : nullptr;
}

}  // namespace

void register_sse_shuffle(Binder* t) {
#define JITPC_BIND_UNPACK(M, insn) t[ZYDIS_MNEMONIC_##M] = bind_xx<int_op<host_##insn>>;
    JITPC_SSE_UNPACK_OPS(JITPC_BIND_UNPACK)
#undef JITPC_BIND_UNPACK
    t[ZYDIS_MNEMONIC_SHUFPS] = bind_shuffle<shuffle<shufps>>;
    t[ZYDIS_MNEMONIC_SHUFPD] = bind_shuffle<shuffle<shufpd>>;
    t[ZYDIS_MNEMONIC_PSHUFD] = bind_shuffle<shuffle<pshufd>>;
    t[ZYDIS_MNEMONIC_PSHUFLW] = bind_shuffle<shuffle<pshufw<0>>>;
    t[ZYDIS_MNEMONIC_PSHUFHW] = bind_shuffle<shuffle<pshufw<1>>>;
    t[ZYDIS_MNEMONIC_MOVMSKPS] = bind_movmsk<movmsk<uint32_t>>;
    t[ZYDIS_MNEMONIC_MOVMSKPD] = bind_movmsk<movmsk<uint64_t>>;
    t[ZYDIS_MNEMONIC_PMOVMSKB] = bind_movmsk<movmsk<uint8_t>>;
    t[ZYDIS_MNEMONIC_PEXTRW] = bind_pextrw;
    t[ZYDIS_MNEMONIC_PINSRW] = bind_pinsrw;
}

}  // namespace jitpc::cpu
