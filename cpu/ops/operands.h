// Operand access for handler templates. A handler is instantiated per operand size and per
// operand location, so the run-time work is only the access itself.
#pragma once

#include <cstdint>
#include <type_traits>

#include "cpu/cpu.h"
#include "cpu/decode.h"

namespace jitpc::cpu::ops {

// Where an operand lives: first/second explicit register, the memory operand, the immediate.
enum Loc : uint8_t { R0, R1, M, I };

template <unsigned Bytes> using uint_t =
    std::conditional_t<Bytes == 1, uint8_t, std::conditional_t<Bytes == 2, uint16_t,
                       std::conditional_t<Bytes == 4, uint32_t, uint64_t>>>;
template <typename T> using sint_t = std::make_signed_t<T>;
template <typename T> constexpr T sign_bit = T(T(1) << (sizeof(T) * 8 - 1));

// Always inlined: they are the handlers' whole operand path, and GCC's unit-growth limits
// otherwise leave some instantiations out of line in the larger op files (a call per memory
// operand, about 12 % of the interpreter's time on a load-heavy loop).
//
// A memory operand reports its fault by value (Cpu::raise_pending): fetch() and store() return
// false having committed nothing, and the handler returns at once, so a guest looping on a
// fault costs no C++ throw. For register and immediate operands they are constant true.
template <typename T, Loc L> [[nodiscard, gnu::always_inline]] inline bool fetch(Cpu& c, const Insn& i, T& v) {
    if constexpr (L == M) return c.try_read<T>(i.seg, c.ea(i), v);
    else if constexpr (L == R0) v = c.reg<T>(i.r0);
    else if constexpr (L == R1) v = c.reg<T>(i.r1);
    else v = static_cast<T>(int64_t(int32_t(i.imm)));  // 64-bit forms sign-extend imm32
    return true;
}
template <typename T, Loc L> [[gnu::always_inline]] inline bool store(Cpu& c, const Insn& i, T v) {
    if constexpr (L == M) return c.try_write<T>(i.seg, c.ea(i), v);
    else if constexpr (L == R0) c.set_reg<T>(i.r0, v);
    else c.set_reg<T>(i.r1, v);
    return true;
}
// The throwing forms, for semantics whose faults are rare (system instructions), and for
// operands known to be registers or immediates.
template <typename T, Loc L> [[gnu::always_inline]] inline T get(Cpu& c, const Insn& i) {
    if constexpr (L == M) return c.read<T>(i.seg, c.ea(i));
    T v;
    (void)fetch<T, L>(c, i, v);  // a register or an immediate
    return v;
}
template <typename T, Loc L> [[gnu::always_inline]] inline void put(Cpu& c, const Insn& i, T v) {
    if constexpr (L == M) c.write<T>(i.seg, c.ea(i), v);
    else store<T, L>(c, i, v);
}

// A read-modify-write destination: faults (including the write check) happen in load(), so
// nothing is committed unless store() can succeed.
template <typename T, Loc L> struct Rmw {
    uint64_t lin = 0;
    [[nodiscard]] bool load(Cpu& c, const Insn& i, T& v) {
        if constexpr (L == M) return c.try_read_for_write<T>(i.seg, c.ea(i), lin, v);
        else return fetch<T, L>(c, i, v);
    }
    void store(Cpu& c, const Insn& i, T v) {
        if constexpr (L == M) c.write_linear<T>(lin, v);
        else ops::store<T, L>(c, i, v);
    }
};

// Instantiates H<T, Dst, Src>::run for the operand forms of a "dst, src" instruction
// (reg,reg / reg,mem / mem,reg / reg,imm / mem,imm) and the size of operand 0.
template <template <typename, Loc, Loc> class H>
Handler pick_dst_src(const DecodeCtx& ctx) {
    auto sized = [&]<Loc D, Loc S>() -> Handler {
        switch (ctx.size(0)) {
        case 1: return &H<uint8_t, D, S>::run;
        case 2: return &H<uint16_t, D, S>::run;
        case 4: return &H<uint32_t, D, S>::run;
        case 8: return &H<uint64_t, D, S>::run;
        default: return nullptr;
        }
    };
    const bool dmem = ctx.is_mem(0);
    if (ctx.is_imm(1)) return dmem ? sized.template operator()<M, I>() : sized.template operator()<R0, I>();
    if (ctx.is_mem(1)) return sized.template operator()<R0, M>();
    if (dmem) return sized.template operator()<M, R0>();
    return sized.template operator()<R0, R1>();
}

// Same for single-operand instructions (reg or mem), sized by operand 0.
template <template <typename, Loc> class H>
Handler pick_rm(const DecodeCtx& ctx) {
    const bool mem = ctx.is_mem(0);
    switch (ctx.size(0)) {
    case 1: return mem ? &H<uint8_t, M>::run : &H<uint8_t, R0>::run;
    case 2: return mem ? &H<uint16_t, M>::run : &H<uint16_t, R0>::run;
    case 4: return mem ? &H<uint32_t, M>::run : &H<uint32_t, R0>::run;
    case 8: return mem ? &H<uint64_t, M>::run : &H<uint64_t, R0>::run;
    default: return nullptr;
    }
}

// Binders for instructions with a single form: the handler as is, or one that also ends the
// block because it changes what later code means.
template <Handler H> Handler bind_fixed(const DecodeCtx&, Insn&) { return H; }
template <Handler H> Handler bind_end(const DecodeCtx&, Insn& i) {
    i.flags |= IF_END_BLOCK;
    return H;
}

// Relative branch target: next RIP + displacement, wrapped to the operand size.
inline uint64_t rel_target(const Cpu& c, const Insn& i) {
    return (c.next_rip + uint64_t(int64_t(int32_t(i.imm)))) & size_mask(i.osize);
}

}  // namespace jitpc::cpu::ops
