// SSE4.2's packed string compares PCMPESTRI, PCMPESTRM, PCMPISTRI and PCMPISTRM, written out
// from the SDM's definition (Vol. 2, 4.1):
//   imm8[1:0]  elements: unsigned bytes, unsigned words, signed bytes, signed words;
//   imm8[3:2]  aggregation: equal any, ranges, equal each, equal ordered;
//   imm8[5:4]  polarity: positive, negative, positive, masked negative;
//   imm8[6]    index: least or most significant set bit; mask: bits or expanded elements.
// The first operand (an XMM register) is the set, ranges or needle; the second (XMM or an
// unaligned m128) the string searched. The lengths are explicit (|EAX|, |EDX|, at most the
// element count) or end at the first zero element.
#include <bit>

#include "cpu/ops/sse_common.h"

namespace jitpc::cpu {
namespace {

using namespace ops::sse;

struct Operands {
    int32_t a[16], b[16];  // the elements, sign- or zero-extended
    unsigned n, la, lb;    // element count, valid lengths of a and b
};

template <bool Explicit> Operands load(const Cpu& c, const Xmm& x, const Xmm& y, unsigned imm) {
    Operands o{};
    const bool words = imm & 1, is_signed = imm & 2;
    o.n = words ? 8 : 16;
    const Vec<16> va = to_vec(x), vb = to_vec(y);
    for (unsigned k = 0; k < o.n; ++k) {
        if (words) {
            o.a[k] = is_signed ? va.get<int16_t>(k) : va.get<uint16_t>(k);
            o.b[k] = is_signed ? vb.get<int16_t>(k) : vb.get<uint16_t>(k);
        } else {
            o.a[k] = is_signed ? va.get<int8_t>(k) : va.get<uint8_t>(k);
            o.b[k] = is_signed ? vb.get<int8_t>(k) : vb.get<uint8_t>(k);
        }
    }
    const auto explicit_length = [&](uint32_t r) {
        const int64_t v = int32_t(r);
        return unsigned(std::min<int64_t>(v < 0 ? -v : v, o.n));
    };
    const auto implicit_length = [&](const int32_t* e) {
        unsigned l = 0;
        while (l < o.n && e[l] != 0) ++l;
        return l;
    };
    o.la = Explicit ? explicit_length(c.gpr[EAX]) : implicit_length(o.a);
    o.lb = Explicit ? explicit_length(c.gpr[EDX]) : implicit_length(o.b);
    return o;
}

// IntRes2: one bit per element of b.
unsigned compare(const Operands& o, unsigned imm) {
    unsigned res = 0;
    for (unsigned i = 0; i < o.n; ++i) {
        bool bit = false;
        switch ((imm >> 2) & 3) {
        case 0:  // equal any: b[i] is one of a's valid elements
            for (unsigned j = 0; j < o.la && !bit; ++j) bit = i < o.lb && o.b[i] == o.a[j];
            break;
        case 1:  // ranges: a holds (low, high) pairs, both valid
            for (unsigned j = 0; j + 1 < o.la && !bit; j += 2)
                bit = i < o.lb && o.a[j] <= o.b[i] && o.b[i] <= o.a[j + 1];
            break;
        case 2:  // equal each: element-wise, two invalid elements compare equal
            bit = i < o.la && i < o.lb ? o.a[i] == o.b[i] : i >= o.la && i >= o.lb;
            break;
        default:  // equal ordered: a (a needle, up to its length) matches b from element i on
            bit = true;
            for (unsigned k = 0; k < o.n - i && k < o.la && bit; ++k) bit = i + k < o.lb && o.a[k] == o.b[i + k];
            break;
        }
        res |= unsigned(bit) << i;
    }
    const unsigned all = (1u << o.n) - 1;
    switch ((imm >> 4) & 3) {
    case 1: return ~res & all;
    case 3: return res ^ ((1u << o.lb) - 1);
    default: return res;
    }
}

// CF = a bit is set, ZF = b is shorter than a register, SF = a is, OF = bit 0; AF, PF cleared.
void set_flags(Cpu& c, const Operands& o, unsigned res) {
    c.flags.set_arith(EFLAGS_ARITH, (res ? EFLAGS_CF : 0) | (o.lb < o.n ? EFLAGS_ZF : 0) |
                                        (o.la < o.n ? EFLAGS_SF : 0) | ((res & 1) ? EFLAGS_OF : 0));
}

template <bool Explicit, bool Mask> void pcmpstr(Cpu& c, const Insn& i) {
    Xmm s;
    if (!guard(c) || !src<16, false>(c, i, s)) return;
    const unsigned imm = i.imm & 0xFF;
    const Operands o = load<Explicit>(c, xreg(c, i.r0), s, imm);
    const unsigned res = compare(o, imm);
    if constexpr (Mask) {
        Vec<16> m;
        if (!(imm & 0x40)) m.set<uint16_t>(0, uint16_t(res));
        else
            for (unsigned k = 0; k < o.n; ++k)
                if ((res >> k) & 1) {
                    if (o.n == 8) m.set<uint16_t>(k, 0xFFFF);
                    else m.b[k] = 0xFF;
                }
        xreg(c, 0) = from_vec(m);
    } else {
        c.gpr[ECX] = !res ? o.n : (imm & 0x40) ? 31 - unsigned(std::countl_zero(res)) : unsigned(std::countr_zero(res));
    }
    set_flags(c, o, res);
}

template <Handler H> Handler bind_pcmpstr(const DecodeCtx& ctx, Insn&) {
    return xmm_rm(ctx) && ctx.is_imm(2) ? H : nullptr;
}

}  // namespace

void register_sse_string(Binder* t) {
    t[ZYDIS_MNEMONIC_PCMPESTRI] = bind_pcmpstr<pcmpstr<true, false>>;
    t[ZYDIS_MNEMONIC_PCMPESTRM] = bind_pcmpstr<pcmpstr<true, true>>;
    t[ZYDIS_MNEMONIC_PCMPISTRI] = bind_pcmpstr<pcmpstr<false, false>>;
    t[ZYDIS_MNEMONIC_PCMPISTRM] = bind_pcmpstr<pcmpstr<false, true>>;
}

}  // namespace jitpc::cpu
