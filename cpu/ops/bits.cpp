// BT BTS BTR BTC BSF BSR (BSWAP belongs to datamov).
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
            const T offset = get<T, S>(c, i);
            const T m = T(T(1) << (offset & (width<T> - 1)));
            T v;
            if constexpr (D == M) {
                // A register offset is signed and may address beyond the operand: it selects
                // the operand-sized unit floor(offset / width) away from the effective address.
                uint32_t off = c.ea(i);
                if constexpr (S != I)
                    off += uint32_t(int32_t(sint_t<T>(offset)) >> std::countr_zero(width<T>)) *
                           sizeof(T);
                if (i.asize == 2) off &= 0xFFFF;
                if constexpr (Op::writes) {
                    uint32_t lin;
                    v = c.read_for_write<T>(i.seg, off, lin);
                    c.write_linear<T>(lin, Op::exec(v, m));
                } else {
                    v = c.read<T>(i.seg, off);
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
            const T v = get<T, S>(c, i);
            if (v) c.set_reg<T>(i.r0, T(Op::exec(v)));
            c.flags.set_arith(EFLAGS_ZF, v ? 0 : EFLAGS_ZF);
        }
    };
    static Handler bind(const DecodeCtx& ctx, Insn&) { return pick_dst_src<H>(ctx); }
};

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
}

}  // namespace jitpc::cpu
