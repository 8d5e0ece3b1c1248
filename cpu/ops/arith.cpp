// ADD ADC SUB SBB CMP AND OR XOR TEST INC DEC NEG NOT.
// Flags are recorded lazily (cpu/flags.h); the semantics of each operation live in one functor.
#include <functional>

#include "cpu/ops/operands.h"

namespace jitpc::cpu::ops {
namespace {

// Each functor computes the result and records the flags; `writes` says whether the result
// is stored back (CMP and TEST only set flags).
struct Add {
    static constexpr bool writes = true;
    template <typename T> static T exec(Flags& f, T a, T b) {
        const T r = T(a + b);
        f.set_lazy(FlagOp::Add, sizeof(T), r, a, b);
        return r;
    }
};
struct Adc {
    static constexpr bool writes = true;
    template <typename T> static T exec(Flags& f, T a, T b) {
        const bool cin = f.cf();
        const T r = T(a + b + cin);
        f.set_lazy(cin ? FlagOp::Adc1 : FlagOp::Add, sizeof(T), r, a, b);
        return r;
    }
};
struct Sub {
    static constexpr bool writes = true;
    template <typename T> static T exec(Flags& f, T a, T b) {
        const T r = T(a - b);
        f.set_lazy(FlagOp::Sub, sizeof(T), r, a, b);
        return r;
    }
};
struct Sbb {
    static constexpr bool writes = true;
    template <typename T> static T exec(Flags& f, T a, T b) {
        const bool cin = f.cf();
        const T r = T(a - b - cin);
        f.set_lazy(cin ? FlagOp::Sbb1 : FlagOp::Sub, sizeof(T), r, a, b);
        return r;
    }
};
struct Cmp : Sub { static constexpr bool writes = false; };
template <typename Fn, bool Writes = true> struct Logic {
    static constexpr bool writes = Writes;
    template <typename T> static T exec(Flags& f, T a, T b) {
        const T r = T(Fn{}(a, b));
        f.set_lazy(FlagOp::Logic, sizeof(T), r, 0, 0);
        return r;
    }
};
using And = Logic<std::bit_and<>>;
using Or = Logic<std::bit_or<>>;
using Xor = Logic<std::bit_xor<>>;
using Test = Logic<std::bit_and<>, false>;

template <typename Op> struct Binary {
    template <typename T, Loc D, Loc S> struct H {
        static void run(Cpu& c, const Insn& i) {
            if constexpr (Op::writes) {
                Rmw<T, D> dst;
                T a, b;
                if (!dst.load(c, i, a) || !fetch<T, S>(c, i, b)) return;
                // load() already proved the destination writable, so the store cannot fault
                // and the flags may be recorded first.
                dst.store(c, i, Op::template exec<T>(c.flags, a, b));
            } else {
                T a, b;
                if (!fetch<T, D>(c, i, a) || !fetch<T, S>(c, i, b)) return;
                Op::template exec<T>(c.flags, a, b);
            }
        }
    };
    static Handler bind(const DecodeCtx& ctx, Insn&) { return pick_dst_src<H>(ctx); }
};

template <typename T, Loc L> struct IncH {
    static void run(Cpu& c, const Insn& i) {
        Rmw<T, L> d;
        T a;
        if (!d.load(c, i, a)) return;
        d.store(c, i, T(a + 1));
        c.flags.set_incdec(FlagOp::Inc, sizeof(T), T(a + 1), a);
    }
};
template <typename T, Loc L> struct DecH {
    static void run(Cpu& c, const Insn& i) {
        Rmw<T, L> d;
        T a;
        if (!d.load(c, i, a)) return;
        d.store(c, i, T(a - 1));
        c.flags.set_incdec(FlagOp::Dec, sizeof(T), T(a - 1), a);
    }
};
template <typename T, Loc L> struct NegH {
    static void run(Cpu& c, const Insn& i) {
        Rmw<T, L> d;
        T b;
        if (!d.load(c, i, b)) return;
        d.store(c, i, T(0 - b));
        c.flags.set_lazy(FlagOp::Sub, sizeof(T), T(0 - b), 0, b);
    }
};
template <typename T, Loc L> struct NotH {
    static void run(Cpu& c, const Insn& i) {
        Rmw<T, L> d;
        T a;
        if (d.load(c, i, a)) d.store(c, i, T(~a));
    }
};

template <template <typename, Loc> class H> Handler bind_rm(const DecodeCtx& ctx, Insn&) {
    return pick_rm<H>(ctx);
}

}  // namespace
}  // namespace jitpc::cpu::ops

namespace jitpc::cpu {

void register_arith(Binder* t) {
    using namespace ops;
    t[ZYDIS_MNEMONIC_ADD] = Binary<Add>::bind;
    t[ZYDIS_MNEMONIC_ADC] = Binary<Adc>::bind;
    t[ZYDIS_MNEMONIC_SUB] = Binary<Sub>::bind;
    t[ZYDIS_MNEMONIC_SBB] = Binary<Sbb>::bind;
    t[ZYDIS_MNEMONIC_CMP] = Binary<Cmp>::bind;
    t[ZYDIS_MNEMONIC_AND] = Binary<And>::bind;
    t[ZYDIS_MNEMONIC_OR] = Binary<Or>::bind;
    t[ZYDIS_MNEMONIC_XOR] = Binary<Xor>::bind;
    t[ZYDIS_MNEMONIC_TEST] = Binary<Test>::bind;
    t[ZYDIS_MNEMONIC_INC] = bind_rm<IncH>;
    t[ZYDIS_MNEMONIC_DEC] = bind_rm<DecH>;
    t[ZYDIS_MNEMONIC_NEG] = bind_rm<NegH>;
    t[ZYDIS_MNEMONIC_NOT] = bind_rm<NotH>;
}

}  // namespace jitpc::cpu
