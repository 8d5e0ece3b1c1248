// SSE/SSE2 shuffles, unpacks and packs (SHUFPS/PD, PSHUFD/LW/HW, PSHUFW, UNPCK*, PUNPCK*,
// PACK*), lane extraction and insertion (PEXTRW, PINSRW) and the sign-mask moves (MOVMSKPS/PD,
// PMOVMSKB), with the MMX-register forms of those that have one.
#include "cpu/ops/sse_common.h"

namespace jitpc::cpu {
namespace {

using namespace ops::sse;

// The MMX forms: low unpacks are the XMM ones on the low quadwords; a high unpack is the low one
// on the high doublewords; a pack reads both operands as one XMM register.
#define JITPC_SSE_UNPACK_OPS(X)                                                                    \
    X(UNPCKLPS, unpcklps, nullptr) X(UNPCKHPS, unpckhps, nullptr) X(UNPCKLPD, unpcklpd, nullptr)   \
    X(UNPCKHPD, unpckhpd, nullptr) X(PUNPCKLBW, punpcklbw, on_low<host_punpcklbw>)                 \
    X(PUNPCKLWD, punpcklwd, on_low<host_punpcklwd>) X(PUNPCKLDQ, punpckldq, on_low<host_punpckldq>) \
    X(PUNPCKLQDQ, punpcklqdq, nullptr) X(PUNPCKHBW, punpckhbw, high_of<host_punpcklbw>)            \
    X(PUNPCKHWD, punpckhwd, high_of<host_punpcklwd>) X(PUNPCKHDQ, punpckhdq, high_of<host_punpckldq>) \
    X(PUNPCKHQDQ, punpckhqdq, nullptr) X(PACKSSWB, packsswb, pack<host_packsswb>)                  \
    X(PACKSSDW, packssdw, pack<host_packssdw>) X(PACKUSWB, packuswb, pack<host_packuswb>)

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

// The MMX-register forms: PSHUFW, PMOVMSKB, PEXTRW and PINSRW on the four words of an MM register.
void pshufw_mm(Cpu& c, const Insn& i) {
    mmx_guard(c);
    const uint64_t s = mm_src(c, i);
    uint64_t r = 0;
    for (unsigned k = 0; k < 4; ++k) r |= ((s >> (16 * ((i.imm >> (2 * k)) & 3))) & 0xFFFF) << (16 * k);
    set_mm(c, i.r0, r);
    mmx_transition(c);
}
void pmovmskb_mm(Cpu& c, const Insn& i) {
    mmx_guard(c);
    const uint64_t s = mm(c, i.r1);
    uint32_t m = 0;
    for (unsigned k = 0; k < 8; ++k) m |= uint32_t((s >> (8 * k + 7)) & 1) << k;
    c.gpr[i.r0] = m;
    mmx_transition(c);
}
void pextrw_mm(Cpu& c, const Insn& i) {
    mmx_guard(c);
    c.gpr[i.r0] = uint32_t(mm(c, i.r1) >> (16 * (i.imm & 3))) & 0xFFFF;
    mmx_transition(c);
}
void pinsrw_mm(Cpu& c, const Insn& i) {
    mmx_guard(c);
    const uint64_t v = (i.flags & IF_MEM) ? c.read<uint16_t>(i.seg, c.ea(i)) : c.gpr[i.r1] & 0xFFFF;
    const unsigned at = 16 * (i.imm & 3);
    set_mm(c, i.r0, (mm(c, i.r0) & ~(uint64_t(0xFFFF) << at)) | v << at);
    mmx_transition(c);
}

template <Handler H> Handler bind_shuffle(const DecodeCtx& ctx, Insn&) {
    return xmm_rm(ctx) && ctx.is_imm(2) ? H : nullptr;
}
Handler bind_pshufw(const DecodeCtx& ctx, Insn&) { return mm_rm(ctx) && ctx.is_imm(2) ? pshufw_mm : nullptr; }
template <Handler H> Handler bind_movmsk(const DecodeCtx& ctx, Insn&) {
    return is_gpr32(ctx, 0) && is_xmm(ctx, 1) ? H : nullptr;
}
Handler bind_pmovmskb(const DecodeCtx& ctx, Insn&) {
    if (!is_gpr32(ctx, 0)) return nullptr;
    return is_xmm(ctx, 1) ? movmsk<uint8_t> : is_mm(ctx, 1) ? pmovmskb_mm : nullptr;
}
// PEXTRW r32, xmm/mm, imm8 (0F C5; SSE4.1's 66 0F 3A 15 form is not decoded without SSE4.1).
Handler bind_pextrw(const DecodeCtx& ctx, Insn&) {
    if (!is_gpr32(ctx, 0)) return nullptr;
    return is_xmm(ctx, 1) ? pextrw : is_mm(ctx, 1) ? pextrw_mm : nullptr;
}
Handler bind_pinsrw(const DecodeCtx& ctx, Insn&) {
    if (!(is_gpr32(ctx, 1) || ctx.is_mem(1)) || !ctx.is_imm(2)) return nullptr;
    return is_xmm(ctx, 0) ? pinsrw : is_mm(ctx, 0) ? pinsrw_mm : nullptr;
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
}

}  // namespace jitpc::cpu
