// EFLAGS with lazily evaluated arithmetic flags.
//
// The ALU ops that run most (ADD/SUB/CMP/logic/INC/DEC and friends) record their operands and
// result instead of computing six flags nobody may read; the flags are derived when an
// instruction reads them. Every other flag writer stores eagerly with set_arith(). Undefined
// flags always get the value from the fixed table documented in docs/ARCHITECTURE.md, never
// whatever the host produces.
#pragma once

#include <cstdint>

namespace jitpc::cpu {

constexpr uint32_t EFLAGS_CF = 1u << 0, EFLAGS_FIXED1 = 1u << 1, EFLAGS_PF = 1u << 2,
                   EFLAGS_AF = 1u << 4, EFLAGS_ZF = 1u << 6, EFLAGS_SF = 1u << 7,
                   EFLAGS_TF = 1u << 8, EFLAGS_IF = 1u << 9, EFLAGS_DF = 1u << 10,
                   EFLAGS_OF = 1u << 11, EFLAGS_IOPL = 3u << 12, EFLAGS_NT = 1u << 14,
                   EFLAGS_RF = 1u << 16, EFLAGS_VM = 1u << 17, EFLAGS_AC = 1u << 18,
                   EFLAGS_VIF = 1u << 19, EFLAGS_VIP = 1u << 20, EFLAGS_ID = 1u << 21;
constexpr uint32_t EFLAGS_ARITH =
    EFLAGS_CF | EFLAGS_PF | EFLAGS_AF | EFLAGS_ZF | EFLAGS_SF | EFLAGS_OF;
// Bits a P6 lets software change at all (the rest read as 0, bit 1 reads as 1).
constexpr uint32_t EFLAGS_WRITABLE = EFLAGS_ARITH | EFLAGS_TF | EFLAGS_IF | EFLAGS_DF |
                                     EFLAGS_IOPL | EFLAGS_NT | EFLAGS_RF | EFLAGS_VM |
                                     EFLAGS_AC | EFLAGS_VIF | EFLAGS_VIP | EFLAGS_ID;

// Condition codes in the encoding of Jcc/SETcc/CMOVcc (low nibble of the opcode).
enum Cond : uint8_t { CC_O, CC_NO, CC_B, CC_AE, CC_E, CC_NE, CC_BE, CC_A,
                      CC_S, CC_NS, CC_P, CC_NP, CC_L, CC_GE, CC_LE, CC_G };

enum class FlagOp : uint8_t {
    None,   // arithmetic bits are current in `bits`
    Add,    // res = a + b
    Adc1,   // res = a + b + 1 (ADC with carry in; ADC without carry is Add)
    Sub,    // res = a - b (CMP, NEG with a = 0)
    Sbb1,   // res = a - b - 1
    Logic,  // AND/OR/XOR/TEST: CF=OF=0, AF=0 (undefined: fixed 0)
    Inc,    // res = a + 1, CF kept in `bits`
    Dec,    // res = a - 1, CF kept in `bits`
    Host,   // the JIT's: `res` holds the host's flags after an inline op whose flags are the
            // guest's, as LAHF and SETO leave them in AX (flags_from_lahf), and `size` is a
            // HostFlags saying which of them the host left undefined
};

// The arithmetic flags of an image in LAHF/SETO form: SF, ZF, AF, PF and CF in bits 8-15 (at
// their EFLAGS positions plus 8), OF in bit 0. Generated code stores them so because those two
// instructions cost a fraction of PUSHF.
inline uint32_t flags_from_lahf(uint32_t ax) {
    return ((ax >> 8) & (EFLAGS_SF | EFLAGS_ZF | EFLAGS_AF | EFLAGS_PF | EFLAGS_CF)) |
           ((ax & 1) ? EFLAGS_OF : 0);
}

// Which arithmetic flags the host leaves undefined after the JIT's inline op (FlagOp::Host),
// and the guest values (docs/undefined.md) that replace them.
enum class HostFlags : uint8_t {
    Exact,      // ADD, SUB, CMP, INC, DEC, NEG, ADC, SBB: every flag is the guest's
    Logic,      // AND, OR, XOR, TEST: AF = 0
    ShiftLeft,  // SHL by 2..width-1: AF = 0, OF = SF XOR CF
    Sar,        // SAR by 2..width-1: AF = 0, OF = 0
    IncDec,     // INC, DEC: CF is not the host's but the one kept in `bits`
};

// `host` is in LAHF/SETO form; `bits` supplies the CF that INC and DEC keep.
inline uint32_t guest_flags_from_host(uint32_t host, HostFlags kind, uint32_t bits) {
    uint32_t f = flags_from_lahf(host);
    if (kind == HostFlags::IncDec) return (f & ~EFLAGS_CF) | (bits & EFLAGS_CF);
    if (kind != HostFlags::Exact) f &= ~EFLAGS_AF;
    if (kind == HostFlags::Sar) f &= ~EFLAGS_OF;
    if (kind == HostFlags::ShiftLeft) {
        const bool of = bool(f & EFLAGS_SF) != bool(f & EFLAGS_CF);
        f = (f & ~EFLAGS_OF) | (of ? EFLAGS_OF : 0);
    }
    return f;
}

inline bool parity_even(uint64_t v) { return !__builtin_parity(uint32_t(v) & 0xFF); }

// SF, ZF and PF of a `bytes`-wide result, for the eager flag writers.
inline uint32_t szp_flags(uint64_t r, unsigned bytes) {
    const uint64_t sign = uint64_t(1) << (bytes * 8 - 1), mask = sign | (sign - 1);
    return (r & sign ? EFLAGS_SF : 0) | ((r & mask) == 0 ? EFLAGS_ZF : 0) |
           (parity_even(r) ? EFLAGS_PF : 0);
}

// The lazy record keeps 64-bit operands and result; a narrower op's flags read only its low
// `size` bytes, so code that stores 32 bits of them (the JIT's FlagOp::Host) needs nothing more.
struct Flags {
    uint32_t bits = EFLAGS_FIXED1;
    uint64_t res = 0, a = 0, b = 0;
    FlagOp op = FlagOp::None;
    uint8_t size = 4;  // operand size in bytes of the lazy op

    void set_lazy(FlagOp o, unsigned sz, uint64_t r, uint64_t x, uint64_t y) {
        op = o;
        size = static_cast<uint8_t>(sz);
        res = r;
        a = x;
        b = y;
    }
    // INC/DEC keep CF: freeze its current value before recording the new op.
    void set_incdec(FlagOp o, unsigned sz, uint64_t r, uint64_t x) {
        bits = (bits & ~EFLAGS_CF) | (cf() ? EFLAGS_CF : 0);
        set_lazy(o, sz, r, x, 1);
    }
    // Eagerly replace the arithmetic flags selected by `mask` with `values`.
    void set_arith(uint32_t mask, uint32_t values) {
        materialize();
        bits = (bits & ~mask) | (values & mask);
    }

    // (size 0, no lazy operation: all ones, never used; the shift stays below 64)
    uint64_t mask() const { return ~uint64_t(0) >> ((64 - 8 * size) & 63); }
    uint64_t sign() const { return uint64_t(1) << (size * 8 - 1); }

    uint32_t host_bits() const { return guest_flags_from_host(uint32_t(res), HostFlags(size), bits); }

    bool cf() const {
        const uint64_t m = mask();
        switch (op) {
        case FlagOp::Host: return host_bits() & EFLAGS_CF;
        case FlagOp::None: case FlagOp::Inc: case FlagOp::Dec: return bits & EFLAGS_CF;
        case FlagOp::Add: return (res & m) < (a & m);
        case FlagOp::Adc1: return (res & m) <= (a & m);
        case FlagOp::Sub: return (a & m) < (b & m);
        case FlagOp::Sbb1: return (a & m) <= (b & m);
        case FlagOp::Logic: return false;
        }
        return false;
    }
    bool zf() const {
        if (op == FlagOp::None) return bits & EFLAGS_ZF;
        return op == FlagOp::Host ? host_bits() & EFLAGS_ZF : (res & mask()) == 0;
    }
    bool sf() const {
        if (op == FlagOp::None) return bits & EFLAGS_SF;
        return op == FlagOp::Host ? host_bits() & EFLAGS_SF : res & sign();
    }
    bool pf() const {
        if (op == FlagOp::None) return bits & EFLAGS_PF;
        return op == FlagOp::Host ? host_bits() & EFLAGS_PF : parity_even(res);
    }
    bool af() const {
        if (op == FlagOp::None) return bits & EFLAGS_AF;
        if (op == FlagOp::Host) return host_bits() & EFLAGS_AF;
        if (op == FlagOp::Logic) return false;
        return (a ^ b ^ res) & 0x10;
    }
    bool of() const {
        switch (op) {
        case FlagOp::None: return bits & EFLAGS_OF;
        case FlagOp::Host: return host_bits() & EFLAGS_OF;
        case FlagOp::Add: case FlagOp::Adc1: case FlagOp::Inc:
            return ((a ^ res) & (b ^ res)) & sign();
        case FlagOp::Sub: case FlagOp::Sbb1: case FlagOp::Dec:
            return ((a ^ b) & (a ^ res)) & sign();
        case FlagOp::Logic: return false;
        }
        return false;
    }

    void materialize() {
        if (op == FlagOp::None) return;
        if (op == FlagOp::Host) {
            bits = (bits & ~EFLAGS_ARITH) | host_bits();
            op = FlagOp::None;
            return;
        }
        // cf() .. of() at once, with one dispatch on the op (the JIT's jit_flags is this).
        const uint64_t m = mask(), sgn = sign();
        uint32_t f = 0;
        bool carry = false, overflow = false;
        switch (op) {
        case FlagOp::Add: carry = (res & m) < (a & m); overflow = ((a ^ res) & (b ^ res)) & sgn; break;
        case FlagOp::Adc1: carry = (res & m) <= (a & m); overflow = ((a ^ res) & (b ^ res)) & sgn; break;
        case FlagOp::Sub: carry = (a & m) < (b & m); overflow = ((a ^ b) & (a ^ res)) & sgn; break;
        case FlagOp::Sbb1: carry = (a & m) <= (b & m); overflow = ((a ^ b) & (a ^ res)) & sgn; break;
        case FlagOp::Inc: carry = bits & EFLAGS_CF; overflow = ((a ^ res) & (b ^ res)) & sgn; break;
        case FlagOp::Dec: carry = bits & EFLAGS_CF; overflow = ((a ^ b) & (a ^ res)) & sgn; break;
        default: break;  // Logic: CF, OF and AF clear
        }
        if (carry) f |= EFLAGS_CF;
        if (overflow) f |= EFLAGS_OF;
        if (op != FlagOp::Logic && ((a ^ b ^ res) & 0x10)) f |= EFLAGS_AF;
        if (parity_even(res)) f |= EFLAGS_PF;
        if ((res & m) == 0) f |= EFLAGS_ZF;
        if (res & sgn) f |= EFLAGS_SF;
        bits = (bits & ~EFLAGS_ARITH) | f;
        op = FlagOp::None;
    }
    // Full EFLAGS image as PUSHF would store it.
    uint32_t get() {
        materialize();
        return bits;
    }
    // Loads EFLAGS bits selected by `mask` (the caller decides which bits the mode allows).
    void set(uint32_t value, uint32_t mask) {
        materialize();
        bits = ((bits & ~mask) | (value & mask) | EFLAGS_FIXED1) & (EFLAGS_WRITABLE | EFLAGS_FIXED1);
    }

    bool cond(unsigned cc) const {
        bool r;
        switch (cc >> 1) {
        case 0: r = of(); break;
        case 1: r = cf(); break;
        case 2: r = zf(); break;
        case 3: r = cf() || zf(); break;
        case 4: r = sf(); break;
        case 5: r = pf(); break;
        case 6: r = sf() != of(); break;
        default: r = zf() || (sf() != of()); break;
        }
        return r != (cc & 1);
    }
};

}  // namespace jitpc::cpu
