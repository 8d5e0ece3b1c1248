// MUL IMUL DIV IDIV.
//
// The one-operand forms work on the accumulator pair: AX / DX:AX / EDX:EAX holds the double
// width product or dividend, and the low/high halves (AL:AH, AX:DX, EAX:EDX) receive product
// low/high or quotient/remainder. Division checks divide-by-zero and quotient overflow and
// raises #DE (by value) before writing anything. Undefined flags (docs/undefined.md):
//   MUL/IMUL: SF, ZF, PF from the low half of the product (the destination for 2/3-operand IMUL),
//             AF = 0.
//   DIV/IDIV: all arithmetic flags unchanged.
#include <limits>

#include "cpu/ops/operands.h"

namespace jitpc::cpu::ops {
namespace {

template <typename T> constexpr unsigned width = sizeof(T) * 8;
// The double-width product and dividend: 128 bits only for 64-bit operands, so the narrower
// forms keep the host's 64-bit multiply and divide.
template <typename T> using wide_t = std::conditional_t<sizeof(T) == 8, unsigned __int128, uint64_t>;
template <typename T> using swide_t = std::conditional_t<sizeof(T) == 8, __int128, int64_t>;

struct Halves {
    uint64_t lo, hi;
    bool overflow;  // MUL/IMUL: the high half carries significant bits (CF = OF)
};

struct Mul {
    template <typename T> static Halves exec(T a, T b) {
        const wide_t<T> p = wide_t<T>(a) * b;
        return {T(p), T(p >> width<T>), T(p >> width<T>) != 0};
    }
};
struct Imul {
    template <typename T> static Halves exec(T a, T b) {
        const swide_t<T> p = swide_t<T>(sint_t<T>(a)) * sint_t<T>(b);
        return {T(p), T(wide_t<T>(p) >> width<T>), p != sint_t<T>(T(p))};
    }
};
// The divisions: false for #DE (a zero divisor, a quotient out of range), `h` unset.
struct Div {
    template <typename T> static bool exec(wide_t<T> dividend, T d, Halves& h) {
        if (d == 0) return false;
        const wide_t<T> q = dividend / d;
        if (q > T(~T(0))) return false;
        h = {T(q), T(dividend % d), false};
        return true;
    }
};
struct Idiv {
    template <typename T> static bool exec(wide_t<T> dividend, T d, Halves& h) {
        using S = sint_t<T>;
        if (d == 0) return false;
        // Sign-extend the 2w-bit dividend; 128-bit math keeps INT64_MIN / -1 defined. A 64-bit
        // operand's 128-bit dividend has no wider type: its only overflow of the division
        // itself, INT128_MIN / -1, is a quotient out of range anyway.
        __int128 n;
        if constexpr (sizeof(T) == 8) {
            n = __int128(dividend);
            if (S(d) == -1 && n == __int128(wide_t<T>(1) << 127)) return false;
        } else {
            n = int64_t(dividend << (64 - 2 * width<T>)) >> (64 - 2 * width<T>);
        }
        const __int128 q = n / S(d);
        if (q < std::numeric_limits<S>::min() || q > std::numeric_limits<S>::max()) return false;
        h = {T(q), T(n % S(d)), false};
        return true;
    }
};

// The double-width accumulator: AX, DX:AX, EDX:EAX or RDX:RAX.
template <typename T> wide_t<T> acc_wide(Cpu& c) {
    if constexpr (sizeof(T) == 1) return c.reg<uint16_t>(EAX);
    else return wide_t<T>(c.reg<T>(EDX)) << width<T> | c.reg<T>(EAX);
}
template <typename T> void acc_put(Cpu& c, const Halves& h) {
    c.set_reg<T>(EAX, T(h.lo));
    c.set_reg<T>(sizeof(T) == 1 ? unsigned(AH) : unsigned(EDX), T(h.hi));
}

template <typename T> void mul_flags(Flags& f, T lo, bool overflow) {
    f.set_arith(EFLAGS_ARITH, (overflow ? EFLAGS_CF | EFLAGS_OF : 0) | szp_flags(lo, sizeof(T)));
}

template <typename Op> struct MulAcc {
    template <typename T, Loc L> struct H {
        static void run(Cpu& c, const Insn& i) {
            T b;
            if (!fetch<T, L>(c, i, b)) return;
            const Halves h = Op::template exec<T>(c.reg<T>(EAX), b);
            acc_put<T>(c, h);
            mul_flags<T>(c.flags, T(h.lo), h.overflow);
        }
    };
};
template <typename Op> struct DivAcc {
    template <typename T, Loc L> struct H {
        static void run(Cpu& c, const Insn& i) {
            T d;
            Halves h;
            if (!fetch<T, L>(c, i, d)) return;
            if (!Op::template exec<T>(acc_wide<T>(c), d, h)) return c.raise_pending({VEC_DE, 0});
            acc_put<T>(c, h);
        }
    };
    static Handler bind(const DecodeCtx& ctx, Insn&) { return pick_rm<H>(ctx); }
};

// IMUL r, r/m (factor: the destination) and IMUL r, r/m, imm (factor: the immediate).
template <typename T, Loc S, bool Imm> struct ImulRegH {
    static void run(Cpu& c, const Insn& i) {
        const T a = Imm ? T(int64_t(int32_t(i.imm))) : c.reg<T>(i.r0);
        T b;
        if (!fetch<T, S>(c, i, b)) return;
        const Halves h = Imul::exec<T>(a, b);
        c.set_reg<T>(i.r0, T(h.lo));
        mul_flags<T>(c.flags, T(h.lo), h.overflow);
    }
};

Handler bind_mul(const DecodeCtx& ctx, Insn&) { return pick_rm<MulAcc<Mul>::H>(ctx); }

Handler bind_imul(const DecodeCtx& ctx, Insn&) {
    if (ctx.nops == 1) return pick_rm<MulAcc<Imul>::H>(ctx);
    auto form = [&]<typename T>() -> Handler {
        const bool mem = ctx.is_mem(1);
        if (ctx.nops == 3) return mem ? &ImulRegH<T, M, true>::run : &ImulRegH<T, R1, true>::run;
        return mem ? &ImulRegH<T, M, false>::run : &ImulRegH<T, R1, false>::run;
    };
    switch (ctx.size(0)) {
    case 2: return form.template operator()<uint16_t>();
    case 4: return form.template operator()<uint32_t>();
    case 8: return form.template operator()<uint64_t>();
    default: return nullptr;
    }
}

}  // namespace
}  // namespace jitpc::cpu::ops

namespace jitpc::cpu {

void register_muldiv(Binder* t) {
    using namespace ops;
    t[ZYDIS_MNEMONIC_MUL] = bind_mul;
    t[ZYDIS_MNEMONIC_IMUL] = bind_imul;
    t[ZYDIS_MNEMONIC_DIV] = DivAcc<Div>::bind;
    t[ZYDIS_MNEMONIC_IDIV] = DivAcc<Idiv>::bind;
}

}  // namespace jitpc::cpu
