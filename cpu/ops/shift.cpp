// SHL SHR SAR ROL ROR RCL RCR SHLD SHRD.
//
// The count is masked to 5 bits (6 for 64-bit operands); a masked count of 0 changes nothing, but a memory operand is
// still accessed (read with a write check) so it faults as the read-modify-write would, and
// in 64-bit mode a 32-bit register is still written: its upper half cleared.
// Flags are written eagerly. Undefined flags take these fixed values (docs/undefined.md):
//
//   instruction      | OF when count != 1                  | AF  | CF when count >= width
//   -----------------+-------------------------------------+-----+-------------------------------
//   SHL              | MSB(result) XOR CF                  | 0   | last bit out of an unbounded
//   SHR              | MSB(original)                       | 0   |   shift: 0 when count > width
//   SAR              | 0                                   | 0   | (defined: sign)
//   ROL / RCL        | MSB(result) XOR CF                  | -   | -
//   ROR / RCR        | bit w-1 XOR bit w-2 of result       | -   | -
//   SHLD / SHRD      | MSB(result) XOR MSB(original)       | 0   | see below
//
// RCL/RCR of 8/16 bits rotate by count mod 9/17; when that is 0 no flag changes.
// 16-bit SHLD/SHRD with count 17..31 shift the 48-bit pattern dst:src:dst (SHLD) or
// dst:src:dst read from the low end (SHRD), CF being the last bit shifted out of it; SF/ZF/PF
// always come from the result.
#include "cpu/ops/operands.h"

namespace jitpc::cpu::ops {
namespace {

template <typename T> constexpr unsigned width = sizeof(T) * 8;
template <typename T> bool msb(T v) { return v & sign_bit<T>; }

struct Out {
    uint64_t r;
    bool cf, of;
};

// Each operation maps (value, count in 1..31, CF in) to result, CF and OF. `szp` says the
// result also sets SF/ZF/PF (and AF := 0); rotates leave those alone.
struct Shl {
    static constexpr bool szp = true;
    template <typename T> static Out exec(T v, unsigned n, bool) {
        const T r = T(uint64_t(v) << n);
        const bool cf = (uint64_t(v) << (n - 1)) >> (width<T> - 1) & 1;
        return {r, cf, msb(r) != cf};
    }
};
struct Shr {
    static constexpr bool szp = true;
    template <typename T> static Out exec(T v, unsigned n, bool) {
        return {T(uint64_t(v) >> n), bool((uint64_t(v) >> (n - 1)) & 1), msb(v)};
    }
};
struct Sar {
    static constexpr bool szp = true;
    template <typename T> static Out exec(T v, unsigned n, bool) {
        const int64_t s = sint_t<T>(v);
        return {T(s >> n), bool((s >> (n - 1)) & 1), false};
    }
};
struct Rol {
    static constexpr bool szp = false;
    template <typename T> static Out exec(T v, unsigned n, bool) {
        const unsigned k = n % width<T>;
        const T r = k ? T(v << k | v >> (width<T> - k)) : v;
        return {r, bool(r & 1), msb(r) != bool(r & 1)};
    }
};
template <typename T> bool top2_differ(T r) { return msb(r) != msb(T(r << 1)); }
struct Ror {
    static constexpr bool szp = false;
    template <typename T> static Out exec(T v, unsigned n, bool) {
        const unsigned k = n % width<T>;
        const T r = k ? T(v >> k | v << (width<T> - k)) : v;
        return {r, msb(r), top2_differ(r)};
    }
};
// RCL/RCR rotate the (width + 1)-bit value CF:operand.
template <typename T> using rot_t = std::conditional_t<sizeof(T) == 8, unsigned __int128, uint64_t>;
struct Rcl {
    static constexpr bool szp = false;
    template <typename T> static Out exec(T v, unsigned n, bool cf) {
        constexpr unsigned w = width<T>;
        const rot_t<T> x = rot_t<T>(cf) << w | v, m = (rot_t<T>(1) << (w + 1)) - 1;
        const rot_t<T> y = (x << n | x >> (w + 1 - n)) & m;
        const T r = T(y);
        return {r, bool(y >> w), msb(r) != bool(y >> w)};
    }
};
struct Rcr {
    static constexpr bool szp = false;
    template <typename T> static Out exec(T v, unsigned n, bool cf) {
        constexpr unsigned w = width<T>;
        const rot_t<T> x = rot_t<T>(cf) << w | v, m = (rot_t<T>(1) << (w + 1)) - 1;
        const rot_t<T> y = (x >> n | x << (w + 1 - n)) & m;
        const T r = T(y);
        return {r, bool(y >> w), top2_differ(r)};
    }
};

// Count actually applied after masking (RCL/RCR of narrow operands go mod width + 1).
template <typename Op, typename T> unsigned effective(unsigned masked) {
    constexpr bool through_cf = std::is_same_v<Op, Rcl> || std::is_same_v<Op, Rcr>;
    if constexpr (through_cf && sizeof(T) < 4) return masked % (width<T> + 1);
    else return masked;
}

void commit_flags(Flags& f, bool szp, unsigned bytes, uint64_t r, bool cf, bool of) {
    uint32_t mask = EFLAGS_CF | EFLAGS_OF, v = (cf ? EFLAGS_CF : 0) | (of ? EFLAGS_OF : 0);
    if (szp) {
        mask |= EFLAGS_SF | EFLAGS_ZF | EFLAGS_PF | EFLAGS_AF;
        v |= szp_flags(r, bytes);
    }
    f.set_arith(mask, v);
}

// Where the count comes from: the implicit 1 (D0/D1), CL (D2/D3, 0F A5/AD), imm8.
enum class Count { One, Cl, Imm };
template <typename T, Count K> unsigned count(const Cpu& c, const Insn& i) {
    constexpr unsigned mask = sizeof(T) == 8 ? 0x3F : 0x1F;
    if constexpr (K == Count::One) return 1;
    else if constexpr (K == Count::Cl) return c.gpr[ECX] & mask;
    else return i.imm & mask;
}
Count count_kind(uint8_t opcode) {
    switch (opcode) {
    case 0xD0: case 0xD1: return Count::One;
    case 0xD2: case 0xD3: case 0xA5: case 0xAD: return Count::Cl;
    default: return Count::Imm;
    }
}

// A count of 0: nothing changes but a 32-bit register's upper half in 64-bit mode.
template <typename T, Loc L> void unchanged(Cpu& c, const Insn& i, Rmw<T, L>& d, T v) {
    if constexpr (sizeof(T) == 4 && L != M)
        if (c.long64()) d.store(c, i, v);
}

template <typename Op> struct Shift {
    template <typename T, Loc L, Count K> struct H {
        static void run(Cpu& c, const Insn& i) {
            Rmw<T, L> d;
            T v;
            if (!d.load(c, i, v)) return;
            const unsigned n = effective<Op, T>(count<T, K>(c, i));
            if (n == 0) return unchanged(c, i, d, v);
            const Out o = Op::template exec<T>(v, n, c.flags.cf());
            d.store(c, i, T(o.r));
            commit_flags(c.flags, Op::szp, sizeof(T), o.r, o.cf, o.of);
        }
    };
    static Handler bind(const DecodeCtx& ctx, Insn&) {
        auto sized = [&]<Count K>() -> Handler {
            const bool mem = ctx.is_mem(0);
            switch (ctx.size(0)) {
            case 1: return mem ? &H<uint8_t, M, K>::run : &H<uint8_t, R0, K>::run;
            case 2: return mem ? &H<uint16_t, M, K>::run : &H<uint16_t, R0, K>::run;
            case 4: return mem ? &H<uint32_t, M, K>::run : &H<uint32_t, R0, K>::run;
            case 8: return mem ? &H<uint64_t, M, K>::run : &H<uint64_t, R0, K>::run;
            default: return nullptr;
            }
        };
        switch (count_kind(ctx.zi.opcode)) {
        case Count::One: return sized.template operator()<Count::One>();
        case Count::Cl: return sized.template operator()<Count::Cl>();
        default: return sized.template operator()<Count::Imm>();
        }
    }
};

// SHLD/SHRD of width w shift within dst:src:dst (3w bits), which also fixes the result of
// 16-bit counts above 16. Result and CF are read from that pattern. 64-bit counts stay below
// the width, so the 128 bits dst:src (SHLD) or src:dst (SHRD) hold every bit they reach.
struct Shld {
    template <typename T> static Out exec(T d, T s, unsigned n) {
        constexpr unsigned w = width<T>;
        using U = unsigned __int128;
        if constexpr (w == 64) {
            const U x = U(d) << w | s;
            const T r = T(x >> (w - n));
            return {r, bool((x >> (2 * w - n)) & 1), msb(r) != msb(d)};
        } else {
            const U x = U(d) << (2 * w) | U(s) << w | d;
            const T r = T(x >> (2 * w - n));
            return {r, bool((x >> (3 * w - n)) & 1), msb(r) != msb(d)};
        }
    }
};
struct Shrd {
    template <typename T> static Out exec(T d, T s, unsigned n) {
        constexpr unsigned w = width<T>;
        using U = unsigned __int128;
        U x;
        if constexpr (w == 64) x = U(s) << w | d;
        else x = U(d) << (2 * w) | U(s) << w | d;
        const T r = T(x >> n);
        return {r, bool((x >> (n - 1)) & 1), msb(r) != msb(d)};
    }
};

template <typename Op> struct DoubleShift {
    template <typename T, Loc L, Count K> struct H {
        static void run(Cpu& c, const Insn& i) {
            Rmw<T, L> d;
            T v;
            if (!d.load(c, i, v)) return;
            const unsigned n = count<T, K>(c, i);
            if (n == 0) return unchanged(c, i, d, v);
            const Out o = Op::template exec<T>(v, c.reg<T>(i.r1), n);
            d.store(c, i, T(o.r));
            commit_flags(c.flags, true, sizeof(T), o.r, o.cf, o.of);
        }
    };
    static Handler bind(const DecodeCtx& ctx, Insn& i) {
        // The decoder's r0/r1 depend on how many register operands precede; pin the source
        // register in r1 for every form.
        i.r1 = static_cast<uint8_t>(ZydisRegisterGetId(ctx.ops[1].reg.value));
        const bool mem = ctx.is_mem(0), cl = count_kind(ctx.zi.opcode) == Count::Cl;
        auto loc = [&]<typename T>() -> Handler {
            if (cl) return mem ? &H<T, M, Count::Cl>::run : &H<T, R0, Count::Cl>::run;
            return mem ? &H<T, M, Count::Imm>::run : &H<T, R0, Count::Imm>::run;
        };
        switch (ctx.size(0)) {
        case 2: return loc.template operator()<uint16_t>();
        case 4: return loc.template operator()<uint32_t>();
        case 8: return loc.template operator()<uint64_t>();
        default: return nullptr;
        }
    }
};

}  // namespace
}  // namespace jitpc::cpu::ops

namespace jitpc::cpu {

void register_shift(Binder* t) {
    using namespace ops;
    t[ZYDIS_MNEMONIC_SHL] = Shift<Shl>::bind;
    t[ZYDIS_MNEMONIC_SHR] = Shift<Shr>::bind;
    t[ZYDIS_MNEMONIC_SAR] = Shift<Sar>::bind;
    t[ZYDIS_MNEMONIC_ROL] = Shift<Rol>::bind;
    t[ZYDIS_MNEMONIC_ROR] = Shift<Ror>::bind;
    t[ZYDIS_MNEMONIC_RCL] = Shift<Rcl>::bind;
    t[ZYDIS_MNEMONIC_RCR] = Shift<Rcr>::bind;
    t[ZYDIS_MNEMONIC_SHLD] = DoubleShift<Shld>::bind;
    t[ZYDIS_MNEMONIC_SHRD] = DoubleShift<Shrd>::bind;
}

}  // namespace jitpc::cpu
