// BT BTS BTR BTC BSF BSR, POPCNT and CRC32 (BSWAP belongs to datamov).
//
// Undefined flags (docs/undefined.md): BT/BTS/BTR/BTC write only CF and leave OF, SF, AF, PF
// (and ZF, as a P6 does) unchanged. BSF/BSR write only ZF; on a zero source ZF = 1 and the
// destination keeps its value; CF, OF, SF, AF, PF stay unchanged.
#include <bit>

#include "cpu/ops/operands.h"

namespace jitpc::cpu::ops {
namespace {

template <typename T> constexpr unsigned width = sizeof(T) * 8;

// Each functor maps (operand, selected bit mask) to the new operand; `writes` is false for BT.
struct Bt {
    static constexpr bool writes = false;
    template <typename T> static T exec(T v, T) { return v; }
};
struct Bts {
    static constexpr bool writes = true;
    template <typename T> static T exec(T v, T m) { return T(v | m); }
};
struct Btr {
    static constexpr bool writes = true;
    template <typename T> static T exec(T v, T m) { return T(v & ~m); }
};
struct Btc {
    static constexpr bool writes = true;
    template <typename T> static T exec(T v, T m) { return T(v ^ m); }
};

template <typename Op> struct BitTest {
    template <typename T, Loc D, Loc S> struct H {
        static void run(Cpu& c, const Insn& i) {
            T offset;
            if (!fetch<T, S>(c, i, offset)) return;
            const T m = T(T(1) << (offset & (width<T> - 1)));
            T v;
            if constexpr (D == M) {
                // A register offset is signed and may address beyond the operand: it selects
                // the operand-sized unit floor(offset / width) away from the effective address.
                uint64_t off = c.ea(i);
                if constexpr (S != I)
                    off += uint64_t(int64_t(sint_t<T>(offset)) >> std::countr_zero(width<T>)) *
                           sizeof(T);
                off &= size_mask(i.asize);
                if constexpr (Op::writes) {
                    uint64_t lin;
                    if (!c.try_read_for_write<T>(i.seg, off, lin, v)) return;
                    c.write_linear<T>(lin, Op::exec(v, m));
                } else {
                    if (!c.try_read<T>(i.seg, off, v)) return;
                }
            } else {
                v = get<T, D>(c, i);
                if constexpr (Op::writes) put<T, D>(c, i, Op::exec(v, m));
            }
            c.flags.set_arith(EFLAGS_CF, (v & m) ? EFLAGS_CF : 0);
        }
    };
    static Handler bind(const DecodeCtx& ctx, Insn&) { return pick_dst_src<H>(ctx); }
};

struct Bsf {
    template <typename T> static unsigned exec(T v) { return std::countr_zero(v); }
};
struct Bsr {
    template <typename T> static unsigned exec(T v) { return width<T> - 1 - std::countl_zero(v); }
};

template <typename Op> struct BitScan {
    template <typename T, Loc D, Loc S> struct H {
        static void run(Cpu& c, const Insn& i) {
            T v;
            if (!fetch<T, S>(c, i, v)) return;
            if (v) c.set_reg<T>(i.r0, T(Op::exec(v)));
            c.flags.set_arith(EFLAGS_ZF, v ? 0 : EFLAGS_ZF);
        }
    };
    static Handler bind(const DecodeCtx& ctx, Insn&) { return pick_dst_src<H>(ctx); }
};

// POPCNT: the count of set bits; ZF = the source is zero, OF, SF, AF, CF and PF cleared.
template <typename T, Loc D, Loc S> struct Popcnt {
    static void run(Cpu& c, const Insn& i) {
        T v;
        if (!fetch<T, S>(c, i, v)) return;
        c.set_reg<T>(i.r0, T(std::popcount(v)));
        c.flags.set_arith(EFLAGS_ARITH, v ? 0 : EFLAGS_ZF);
    }
};

// CRC32 r32, r/m8/16/32 and CRC32 r64, r/m8/64 (SSE4.2): the CRC-32C (Castagnoli, reflected
// polynomial 0x82F63B78) of the source's bytes, least significant first, continuing the one in
// the destination, with no inversion at either end; a 64-bit destination gets it zero-extended.
// Flags unchanged.
uint32_t crc32c(uint32_t crc, uint64_t data, unsigned bytes) {
    for (unsigned k = 0; k < 8 * bytes; ++k) {
        crc ^= uint32_t(data >> k) & 1;
        crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
    }
    return crc;
}
template <typename T, Loc S> struct Crc32 {
    static void run(Cpu& c, const Insn& i) {
        T v;
        if (fetch<T, S>(c, i, v)) c.set_reg<uint32_t>(i.r0, crc32c(c.reg<uint32_t>(i.r0), v, sizeof(T)));
    }
};
Handler bind_crc32(const DecodeCtx& ctx, Insn&) {
    const bool mem = ctx.is_mem(1);
    if (ctx.size(0) != 4 && ctx.size(0) != 8) return nullptr;
    switch (ctx.size(1)) {
    case 1: return mem ? &Crc32<uint8_t, M>::run : &Crc32<uint8_t, R1>::run;
    case 2: return mem ? &Crc32<uint16_t, M>::run : &Crc32<uint16_t, R1>::run;
    case 4: return mem ? &Crc32<uint32_t, M>::run : &Crc32<uint32_t, R1>::run;
    case 8: return mem ? &Crc32<uint64_t, M>::run : &Crc32<uint64_t, R1>::run;
    default: return nullptr;
    }
}

}  // namespace
}  // namespace jitpc::cpu::ops

namespace jitpc::cpu {

void register_bits(Binder* t) {
    using namespace ops;
    t[ZYDIS_MNEMONIC_BT] = BitTest<Bt>::bind;
    t[ZYDIS_MNEMONIC_BTS] = BitTest<Bts>::bind;
    t[ZYDIS_MNEMONIC_BTR] = BitTest<Btr>::bind;
    t[ZYDIS_MNEMONIC_BTC] = BitTest<Btc>::bind;
    t[ZYDIS_MNEMONIC_BSF] = BitScan<Bsf>::bind;
    t[ZYDIS_MNEMONIC_BSR] = BitScan<Bsr>::bind;
    t[ZYDIS_MNEMONIC_POPCNT] = [](const DecodeCtx& ctx, Insn&) { return pick_dst_src<Popcnt>(ctx); };
    t[ZYDIS_MNEMONIC_CRC32] = bind_crc32;
}

}  // namespace jitpc::cpu
