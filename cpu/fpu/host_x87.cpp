#include "cpu/fpu/host_x87.h"

#include <algorithm>
#include <cstring>

namespace jitpc::cpu::x87 {
namespace {

// The guest's precision and rounding control with every exception masked: unmasked guest
// exceptions are handled by the caller from the flags, never by a host trap.
uint16_t host_cw(uint16_t cw) { return uint16_t((cw & 0x0F00) | 0x007F); }

// Each block: save host CW, load guest CW, clear flags, compute, read the status word, clear
// flags again and restore the host CW. Operands go through memory so the compiler never holds
// x87 registers across the block.
// The status is read (SW) right after the operation: the FSTP that follows would clear C1.
// Results are written through "m" operands listed with the inputs plus the memory clobber.
#define SW "\n\tfnstsw %[sw]"
#define X87_BLOCK(body, ...)                                                 \
    asm volatile("fnstcw %[save]\n\tfldcw %[cw]\n\tfnclex\n\t" body        \
                 "\n\tfnclex\n\tfldcw %[save]"                                \
                 : [save] "=m"(save), [sw] "=m"(sw)                           \
                 : [cw] "m"(cw), __VA_ARGS__                                  \
                 : "memory", "st", "st(1)")

}  // namespace

Result binary(BinOp op, const Float80& a, const Float80& b, uint16_t guest_cw) {
    const uint16_t cw = host_cw(guest_cw);
    uint16_t save, sw;
    Result r{};
#define BIN(text)                                                                              \
    X87_BLOCK("fldt %[b]\n\tfldt %[a]\n\t" text " %%st(1), %%st" SW "\n\tfstpt %[r]\n\tfstp %%st(0)", \
              [r] "m"(r.v), [a] "m"(a), [b] "m"(b))
    switch (op) {
    case BinOp::Add: BIN("fadd"); break;
    case BinOp::Sub: BIN("fsub"); break;
    case BinOp::Mul: BIN("fmul"); break;
    case BinOp::Div: BIN("fdiv"); break;
    }
#undef BIN
    r.sw = sw;
    return r;
}

namespace {
// v = sign * m * 2^(e - 63) with m normalised; returns e and sets `unit` to the same significand
// with an exponent of zero (a value in [1,2)).
int normalise(const Float80& v, Float80& unit) {
    const unsigned field = v.sexp & 0x7FFF;
    const int lead = __builtin_clzll(v.mant);
    unit = {v.mant << lead, uint16_t((v.sexp & 0x8000) | 16383)};
    return (field ? int(field) : 1) - 16383 - lead;
}
}  // namespace

Wide binary_wide(BinOp op, const Float80& a, const Float80& b, uint16_t cw) {
    Float80 ua, ub;
    const int ea = normalise(a, ua), eb = normalise(b, ub);
    if (op == BinOp::Mul || op == BinOp::Div)
        return {binary(op, ua, ub, cw), op == BinOp::Mul ? ea + eb : ea - eb};
    // Align both on the larger exponent. An operand more than 100 binades below the other only
    // acts as a sticky bit, so its distance is clamped and it stays a normal value.
    const int top = ea > eb ? ea : eb;
    ua.sexp = uint16_t((ua.sexp & 0x8000) | (16383 - std::min(top - ea, 100)));
    ub.sexp = uint16_t((ub.sexp & 0x8000) | (16383 - std::min(top - eb, 100)));
    return {binary(op, ua, ub, cw), top};
}

Wide scale_wide(const Float80& a, int n) {
    Float80 ua;
    const int ea = normalise(a, ua);
    return {{ua, 0}, ea + n};
}

Result2 pair(PairOp op, const Float80& a, const Float80& b, uint16_t guest_cw) {
    const uint16_t cw = host_cw(guest_cw);
    uint16_t save, sw;
    Result2 r{};
#define TWO(text)                                                                                \
    X87_BLOCK("fldt %[b]\n\tfldt %[a]\n\t" text SW "\n\tfstpt %[r0]\n\tfstpt %[r1]", [r0] "m"(r.v0), \
              [r1] "m"(r.v1), [a] "m"(a), [b] "m"(b))
    switch (op) {
    case PairOp::Prem: TWO("fprem"); break;
    case PairOp::Prem1: TWO("fprem1"); break;
    case PairOp::Scale: TWO("fscale"); break;
    case PairOp::Xtract:
        X87_BLOCK("fldt %[a]\n\tfxtract" SW "\n\tfstpt %[r0]\n\tfstpt %[r1]", [r0] "m"(r.v0), [r1] "m"(r.v1),
                  [a] "m"(a));
        break;
    }
#undef TWO
    r.sw = sw;
    return r;
}

Result unary(UnOp op, const Float80& a, uint16_t guest_cw) {
    const uint16_t cw = host_cw(guest_cw);
    uint16_t save, sw;
    Result r{};
#define UN(text) X87_BLOCK("fldt %[a]\n\t" text SW "\n\tfstpt %[r]", [r] "m"(r.v), [a] "m"(a))
    switch (op) {
    case UnOp::Sqrt: UN("fsqrt"); break;
    case UnOp::Rndint: UN("frndint"); break;
    }
#undef UN
    r.sw = sw;
    return r;
}

Result constant(Const k, uint16_t guest_cw) {
    const uint16_t cw = host_cw(guest_cw);
    uint16_t save, sw;
    Result r{};
#define K(text) X87_BLOCK(text SW "\n\tfstpt %[r]", [r] "m"(r.v))
    switch (k) {
    case Const::One: K("fld1"); break;
    case Const::Zero: K("fldz"); break;
    case Const::Pi: K("fldpi"); break;
    case Const::L2e: K("fldl2e"); break;
    case Const::L2t: K("fldl2t"); break;
    case Const::Lg2: K("fldlg2"); break;
    case Const::Ln2: K("fldln2"); break;
    }
#undef K
    r.sw = sw;
    return r;
}

uint16_t compare(const Float80& a, const Float80& b, uint16_t guest_cw, bool unordered) {
    const uint16_t cw = host_cw(guest_cw);
    uint16_t save, sw;
#define CMP(text) \
    X87_BLOCK("fldt %[b]\n\tfldt %[a]\n\t" text " %%st(1)" SW "\n\tfstp %%st(0)\n\tfstp %%st(0)", \
              [a] "m"(a), [b] "m"(b))
    if (unordered) CMP("fucom");
    else CMP("fcom");
#undef CMP
    return sw;
}

Result from_f32(uint32_t bits, uint16_t guest_cw) {
    const uint16_t cw = host_cw(guest_cw);
    uint16_t save, sw;
    Result r{};
    X87_BLOCK("flds %[m]\n\tfstpt %[r]" SW, [r] "m"(r.v), [m] "m"(bits));
    r.sw = sw;
    return r;
}

Result from_f64(uint64_t bits, uint16_t guest_cw) {
    const uint16_t cw = host_cw(guest_cw);
    uint16_t save, sw;
    Result r{};
    X87_BLOCK("fldl %[m]\n\tfstpt %[r]" SW, [r] "m"(r.v), [m] "m"(bits));
    r.sw = sw;
    return r;
}

Float80 from_int(int64_t v) {
    const uint16_t cw = host_cw(0x037F);
    uint16_t save, sw;
    Float80 r{};
    X87_BLOCK("fildll %[m]\n\tfstpt %[r]" SW, [r] "m"(r), [m] "m"(v));
    return r;
}

Stored to_f32(const Float80& a, uint16_t guest_cw) {
    const uint16_t cw = host_cw(guest_cw);
    uint16_t save, sw;
    uint32_t out = 0;
    X87_BLOCK("fldt %[a]\n\tfstps %[o]" SW, [o] "m"(out), [a] "m"(a));
    return {out, sw};
}

Stored to_f64(const Float80& a, uint16_t guest_cw) {
    const uint16_t cw = host_cw(guest_cw);
    uint16_t save, sw;
    uint64_t out = 0;
    X87_BLOCK("fldt %[a]\n\tfstpl %[o]" SW, [o] "m"(out), [a] "m"(a));
    return {out, sw};
}

Stored to_int(const Float80& a, unsigned bytes, uint16_t guest_cw) {
    const uint16_t cw = host_cw(guest_cw);
    uint16_t save, sw;
    if (bytes == 2) {
        uint16_t o = 0;
        X87_BLOCK("fldt %[a]\n\tfistps %[o]" SW, [o] "m"(o), [a] "m"(a));
        return {o, sw};
    }
    if (bytes == 4) {
        uint32_t o = 0;
        X87_BLOCK("fldt %[a]\n\tfistpl %[o]" SW, [o] "m"(o), [a] "m"(a));
        return {o, sw};
    }
    uint64_t o = 0;
    X87_BLOCK("fldt %[a]\n\tfistpll %[o]" SW, [o] "m"(o), [a] "m"(a));
    return {o, sw};
}

#undef X87_BLOCK
#undef SW

}  // namespace jitpc::cpu::x87
