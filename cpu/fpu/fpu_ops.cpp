// x87 FPU instructions: control, loads and stores, arithmetic, compares.
// IEEE operations run on the host x87 (host_x87.h); this file does the stack, tags, exception
// masking, device-not-available checks and the instruction/data pointers.
//
// Fixed choices where the SDM leaves C0..C3 undefined: they keep their previous value, except
// C1 after arithmetic, which is the host x87's round-up indication.
// Unmasked overflow/underflow with a register destination: FADD/FSUB/FMUL/FDIV give the
// exponent-biased result; FSCALE, FSQRT and the transcendentals keep the masked result.
#include "cpu/fpu/host_x87.h"
#include "cpu/fpu/transcendental.h"
#include <cstring>
#include <utility>

#include "cpu/ops/operands.h"

namespace jitpc::cpu::ops {
namespace {

namespace sw {
constexpr uint16_t IE = 1, DE = 2, ZE = 4, OE = 8, UE = 0x10, PE = 0x20, SF = 0x40, ES = 0x80,
                   C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000, B = 0x8000,
                   EXC = 0x3F, CC = C0 | C1 | C2 | C3;
}
constexpr Float80 INDEFINITE{0xC000000000000000ull, 0xFFFF};
constexpr unsigned TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3;

unsigned tag_of(const Float80& v) {
    const unsigned e = v.sexp & 0x7FFF;
    if (e == 0x7FFF) return TAG_SPECIAL;
    if (e == 0) return v.mant ? TAG_SPECIAL : TAG_ZERO;
    return (v.mant >> 63) ? TAG_VALID : TAG_SPECIAL;
}

// Stack and exception bookkeeping over FpuState.
struct Stack {
    FpuState& f;
    unsigned phys(unsigned i) const { return (f.top() + i) & 7; }
    bool empty(unsigned i) const { return ((f.ftw >> (2 * phys(i))) & 3) == TAG_EMPTY; }
    Float80& st(unsigned i) { return f.st[phys(i)]; }
    void set_tag(unsigned p, unsigned t) { f.ftw = uint16_t((f.ftw & ~(3u << (2 * p))) | (t << (2 * p))); }
    void set_top(unsigned t) { f.fsw = uint16_t((f.fsw & ~0x3800) | ((t & 7) << 11)); }
    void write(unsigned i, const Float80& v) {
        st(i) = v;
        set_tag(phys(i), tag_of(v));
    }
    void pop() {
        set_tag(phys(0), TAG_EMPTY);
        set_top(f.top() + 1);
    }
    void push(const Float80& v) {
        set_top(f.top() - 1);
        write(0, v);
    }
    // Records exceptions; returns false when one of `blocking` is unmasked (no result is
    // written then). An unmasked exception sets ES and B for the next waiting instruction.
    bool signal(uint16_t exc, uint16_t blocking = sw::IE | sw::DE | sw::ZE) {
        f.fsw |= exc & (sw::EXC | sw::SF);
        const uint16_t unmasked = exc & ~f.fcw & sw::EXC;
        if (unmasked) f.fsw |= sw::ES | sw::B;
        return !(unmasked & blocking);
    }
    void set_cc(uint16_t cc, uint16_t mask = sw::CC) {
        f.fsw = uint16_t((f.fsw & ~mask) | (cc & mask));
    }
    // Stack underflow (C1=0) or overflow (C1=1): returns whether the masked response applies.
    bool stack_fault(bool overflow) {
        set_cc(overflow ? sw::C1 : 0, sw::C1);
        return signal(sw::IE | sw::SF);
    }
    // Pushes v, or the indefinite on overflow when masked.
    void push_checked(const Float80& v) {
        if (!empty(7)) {
            if (stack_fault(true)) push(INDEFINITE);
            return;
        }
        push(v);
    }
};

// Which pre-checks an instruction makes: the no-wait control forms skip pending exceptions.
enum class Kind : uint8_t { Compute, NoWait, Wait };

void pending_check(Cpu& c) {
    if (!(c.fpu.fsw & sw::ES)) return;
    if (c.cr0 & cr0::NE) raise_fault(VEC_MF);
    c.bus.ferr(true);
}

template <void (*F)(Cpu&, const Insn&), Kind K> void guarded(Cpu& c, const Insn& i) {
    if constexpr (K == Kind::Wait) {
        if ((c.cr0 & (cr0::TS | cr0::MP)) == (cr0::TS | cr0::MP)) raise_fault(VEC_NM);
        pending_check(c);
        return;
    } else {
        if (c.cr0 & (cr0::EM | cr0::TS)) raise_fault(VEC_NM);
        if constexpr (K == Kind::Compute) pending_check(c);
        F(c, i);
        if constexpr (K == Kind::Compute) {
            FpuState& f = c.fpu;
            f.fip = c.eip;
            f.fcs = c.seg[CS].sel;
            f.fop = i.imm2;
            if (i.flags & IF_MEM) {
                f.fdp = c.ea(i);
                f.fds = c.seg[i.seg].sel;
            }
        }
    }
}

// ---- memory operands ---------------------------------------------------------------------
uint64_t read64(Cpu& c, const Insn& i) {
    const uint32_t off = c.ea(i);
    c.linear(i.seg, off, 8, false);
    const uint64_t lo = c.read<uint32_t>(i.seg, off);
    return lo | (uint64_t(c.read<uint32_t>(i.seg, off + 4)) << 32);
}
Float80 read80(Cpu& c, const Insn& i) {
    const uint32_t off = c.ea(i);
    c.linear(i.seg, off, 10, false);
    Float80 v;
    v.mant = c.read<uint32_t>(i.seg, off) | (uint64_t(c.read<uint32_t>(i.seg, off + 4)) << 32);
    v.sexp = c.read<uint16_t>(i.seg, off + 8);
    return v;
}
// Checks the whole destination before storing any part of it.
void write_bytes(Cpu& c, const Insn& i, const void* p, unsigned n) {
    const uint32_t lin = c.linear(i.seg, c.ea(i), n, true);
    c.mmu.probe_write(lin, n, c.user());
    const uint8_t* b = static_cast<const uint8_t*>(p);
    for (unsigned k = 0; k + 4 <= n; k += 4) {
        uint32_t w;
        std::memcpy(&w, b + k, 4);
        c.write_linear<uint32_t>(lin + k, w);
    }
    if (n & 2) {
        uint16_t h;
        std::memcpy(&h, b + (n & ~3u), 2);
        c.write_linear<uint16_t>(lin + (n & ~3u), h);
    }
}

// Source operand kinds of loads and arithmetic.
enum class Src : uint8_t { StI, F32, F64, F80, I16, I32, I64 };

// Reads and converts a memory source; false when an unmasked exception stops the instruction.
template <Src S> bool load_mem(Cpu& c, const Insn& i, Stack& s, Float80& out) {
    if constexpr (S == Src::F80) out = read80(c, i);
    else if constexpr (S == Src::I16) out = x87::from_int(int16_t(c.read<uint16_t>(i.seg, c.ea(i))));
    else if constexpr (S == Src::I32) out = x87::from_int(int32_t(c.read<uint32_t>(i.seg, c.ea(i))));
    else if constexpr (S == Src::I64) out = x87::from_int(int64_t(read64(c, i)));
    else {
        const x87::Result r = S == Src::F32 ? x87::from_f32(c.read<uint32_t>(i.seg, c.ea(i)), c.fpu.fcw)
                                            : x87::from_f64(read64(c, i), c.fpu.fcw);
        out = r.v;
        return s.signal(r.sw & sw::EXC);
    }
    return true;
}

// ---- control -----------------------------------------------------------------------------
void fninit(Cpu& c, const Insn&) {
    FpuState& f = c.fpu;
    f.fcw = 0x037F;
    f.fsw = 0;
    f.ftw = 0xFFFF;
    f.fop = 0;
    f.fip = f.fdp = 0;
    f.fcs = f.fds = 0;
    c.bus.ferr(false);
}
void fnclex(Cpu& c, const Insn&) {
    c.fpu.fsw &= uint16_t(~(sw::EXC | sw::SF | sw::ES | sw::B));
    c.bus.ferr(false);
}
void fnstsw(Cpu& c, const Insn& i) {
    if (i.flags & IF_MEM) c.write<uint16_t>(i.seg, c.ea(i), c.fpu.fsw);
    else c.reg16(EAX) = c.fpu.fsw;
}
void fnstcw(Cpu& c, const Insn& i) { c.write<uint16_t>(i.seg, c.ea(i), c.fpu.fcw); }
void fldcw(Cpu& c, const Insn& i) {
    FpuState& f = c.fpu;
    f.fcw = uint16_t(c.read<uint16_t>(i.seg, c.ea(i)) | 0x40);
    // Unmasking a recorded exception makes it pending, as on the P6.
    if (f.fsw & ~f.fcw & sw::EXC) f.fsw |= sw::ES | sw::B;
    else f.fsw &= uint16_t(~(sw::ES | sw::B));
}
void fnop(Cpu&, const Insn&) {}

// ---- loads and stores ------------------------------------------------------------------------
template <Src S> void fld(Cpu& c, const Insn& i) {
    Stack s{c.fpu};
    Float80 v;
    if constexpr (S == Src::StI) {
        if (s.empty(i.r0)) {
            if (s.stack_fault(false)) s.push_checked(INDEFINITE);
            return;
        }
        v = s.st(i.r0);
    } else if (!load_mem<S>(c, i, s, v)) {
        return;
    }
    s.push_checked(v);
}

template <x87::Const K> void fldconst(Cpu& c, const Insn&) {
    Stack s{c.fpu};
    s.push_checked(x87::constant(K, c.fpu.fcw).v);
}

// FST/FSTP/FIST/FISTP. `Pop` pops after a successful (or masked-fault) store.
template <Src D, bool Pop> void fst(Cpu& c, const Insn& i) {
    Stack s{c.fpu};
    s.set_cc(0, sw::C1);
    const bool underflow = s.empty(0);
    if (underflow && !s.stack_fault(false)) return;
    const Float80 v = underflow ? INDEFINITE : s.st(0);
    if constexpr (D == Src::StI) {
        s.write(i.r0, v);
    } else if constexpr (D == Src::F80) {
        write_bytes(c, i, &v, 10);
    } else {
        x87::Stored out;
        if constexpr (D == Src::F32) out = x87::to_f32(v, c.fpu.fcw);
        else if constexpr (D == Src::F64) out = x87::to_f64(v, c.fpu.fcw);
        else out = x87::to_int(v, D == Src::I16 ? 2 : D == Src::I32 ? 4 : 8, c.fpu.fcw);
        constexpr unsigned bytes = D == Src::F32 || D == Src::I32 ? 4 : D == Src::I16 ? 2 : 8;
        // Check the destination first so a fault leaves the status word unchanged.
        c.mmu.probe_write(c.linear(i.seg, c.ea(i), bytes, true), bytes, c.user());
        if (!s.signal(out.sw & sw::EXC, sw::IE | sw::OE | sw::UE)) return;
        s.set_cc(out.sw & sw::C1, sw::C1);
        write_bytes(c, i, &out.bits, bytes);
    }
    if constexpr (Pop) s.pop();
}

void fxch(Cpu& c, const Insn& i) {
    Stack s{c.fpu};
    s.set_cc(0, sw::C1);
    if (s.empty(0) || s.empty(i.r0)) {
        if (!s.stack_fault(false)) return;
        if (s.empty(0)) s.write(0, INDEFINITE);
        if (s.empty(i.r0)) s.write(i.r0, INDEFINITE);
    }
    const Float80 a = s.st(0);
    s.write(0, s.st(i.r0));
    s.write(i.r0, a);
}

// FCHS and FABS touch only the sign and raise nothing but stack underflow.
template <bool Abs> void fsign(Cpu& c, const Insn&) {
    Stack s{c.fpu};
    s.set_cc(0, sw::C1);
    if (s.empty(0)) {
        if (s.stack_fault(false)) s.write(0, INDEFINITE);
        return;
    }
    Float80 v = s.st(0);
    v.sexp = uint16_t(Abs ? v.sexp & 0x7FFF : v.sexp ^ 0x8000);
    s.write(0, v);
}

template <x87::UnOp Op> void funary(Cpu& c, const Insn&) {
    Stack s{c.fpu};
    s.set_cc(0, sw::C1);
    if (s.empty(0)) {
        if (s.stack_fault(false)) s.write(0, INDEFINITE);
        return;
    }
    const x87::Result r = x87::unary(Op, s.st(0), c.fpu.fcw);
    if (!s.signal(r.sw & sw::EXC)) return;
    s.set_cc(r.sw & sw::C1, sw::C1);
    s.write(0, r.v);
}

// ---- arithmetic ----------------------------------------------------------------------------
// Unmasked overflow or underflow with a register destination (SDM 4.9.1.4/4.9.1.5): the result
// is rounded to the destination precision with an unbounded exponent, then its exponent is
// biased by -24576 (overflow) or +24576 (underflow). Tininess is judged after rounding.
bool finite_nonzero(const Float80& v) {
    const unsigned e = v.sexp & 0x7FFF;
    return e != 0x7FFF && v.mant && (e == 0 || (v.mant >> 63));
}
x87::Result unbounded_response(x87::BinOp op, const Float80& a, const Float80& b, x87::Result masked,
                               uint16_t fcw) {
    const uint16_t trap = ~fcw & (sw::OE | sw::UE);
    // Only a result that overflowed or came out tiny (denormal or zero) needs the wide form.
    const bool suspect = (masked.sw & (sw::OE | sw::UE)) || !(masked.v.sexp & 0x7FFF);
    if (!trap || !suspect || !finite_nonzero(a) || !finite_nonzero(b) || (masked.sw & sw::IE))
        return masked;
    const x87::Wide w = x87::binary_wide(op, a, b, fcw);
    if (!w.r.v.mant) return masked;
    const int e = int(w.r.v.sexp & 0x7FFF) + w.shift;
    int bias = 0;
    uint16_t flag = 0;
    if (e > 0x7FFE && (trap & sw::OE)) bias = -24576, flag = sw::OE;
    else if (e < 1 && (trap & sw::UE)) bias = 24576, flag = sw::UE;
    if (!flag) return masked;
    x87::Result r = w.r;
    r.v.sexp = uint16_t((r.v.sexp & 0x8000) | ((e + bias) & 0x7FFF));
    r.sw = uint16_t((r.sw & (sw::PE | sw::C1)) | flag);
    return r;
}
enum class Arith : uint8_t { Add, Sub, Subr, Mul, Div, Divr };

// ST(r0) = ST(r0) op source; the source is ST(r1) or the memory operand (then r0 = 0).
template <Arith Op, Src S, bool Pop> void farith(Cpu& c, const Insn& i) {
    Stack s{c.fpu};
    const unsigned d = S == Src::StI ? i.r0 : 0;
    Float80 b;
    if constexpr (S != Src::StI) {
        if (!load_mem<S>(c, i, s, b)) return;
    }
    s.set_cc(0, sw::C1);
    if (s.empty(d) || (S == Src::StI && s.empty(i.r1))) {
        if (!s.stack_fault(false)) return;
        s.write(d, INDEFINITE);
        if constexpr (Pop) s.pop();
        return;
    }
    if constexpr (S == Src::StI) b = s.st(i.r1);
    Float80 a = s.st(d);
    constexpr bool reversed = Op == Arith::Subr || Op == Arith::Divr;
    if (reversed) std::swap(a, b);
    constexpr x87::BinOp op = Op == Arith::Add ? x87::BinOp::Add
                              : Op == Arith::Mul ? x87::BinOp::Mul
                              : (Op == Arith::Sub || Op == Arith::Subr) ? x87::BinOp::Sub
                                                                        : x87::BinOp::Div;
    const x87::Result r = unbounded_response(op, a, b, x87::binary(op, a, b, c.fpu.fcw), c.fpu.fcw);
    if (!s.signal(r.sw & sw::EXC)) return;
    s.set_cc(r.sw & sw::C1, sw::C1);
    s.write(d, r.v);
    if constexpr (Pop) s.pop();
}

// ---- compares ------------------------------------------------------------------------------
// Compares ST(0) with ST(r1) or memory; `Pops` is 0, 1 or 2; `Eflags` selects FCOMI forms.
template <Src S, bool Unordered, unsigned Pops, bool Eflags> void fcom(Cpu& c, const Insn& i) {
    Stack s{c.fpu};
    Float80 b{};
    if constexpr (S != Src::StI) {
        if (!load_mem<S>(c, i, s, b)) return;
    }
    const unsigned src = S == Src::StI ? i.r1 : 0;
    uint16_t cc;
    if (s.empty(0) || (S == Src::StI && s.empty(src))) {
        if (!s.stack_fault(false)) return;
        cc = sw::C0 | sw::C2 | sw::C3;
    } else {
        if constexpr (S == Src::StI) b = s.st(src);
        const uint16_t r = x87::compare(s.st(0), b, c.fpu.fcw, Unordered);
        if (!s.signal(r & sw::EXC, sw::IE | sw::DE)) return;
        cc = r & (sw::C0 | sw::C2 | sw::C3);
    }
    if constexpr (Eflags) {
        s.set_cc(0, sw::C1);
        c.flags.set_arith(EFLAGS_ARITH, (cc & sw::C0 ? EFLAGS_CF : 0) | (cc & sw::C2 ? EFLAGS_PF : 0) |
                                            (cc & sw::C3 ? EFLAGS_ZF : 0));
    } else {
        s.set_cc(cc);
    }
    for (unsigned n = 0; n < Pops; ++n) s.pop();
}

void ftst(Cpu& c, const Insn&) {
    Stack s{c.fpu};
    if (s.empty(0)) {
        if (s.stack_fault(false)) s.set_cc(sw::C0 | sw::C2 | sw::C3);
        return;
    }
    const uint16_t r = x87::compare(s.st(0), Float80{}, c.fpu.fcw, false);
    if (!s.signal(r & sw::EXC, sw::IE | sw::DE)) return;
    s.set_cc(r & (sw::C0 | sw::C2 | sw::C3));
}

// Class in C3,C2,C0 and the sign in C1; raises nothing, even for an empty register.
void fxam(Cpu& c, const Insn&) {
    Stack s{c.fpu};
    const Float80& v = s.st(0);
    const unsigned e = v.sexp & 0x7FFF;
    const bool integer = v.mant >> 63, frac = v.mant << 1;
    uint16_t cls;
    if (s.empty(0)) cls = sw::C3 | sw::C0;
    else if (e == 0x7FFF) cls = !integer ? 0 : frac ? sw::C0 : sw::C2 | sw::C0;  // unsupported, NaN, inf
    else if (e == 0) cls = v.mant ? sw::C3 | sw::C2 : sw::C3;                    // denormal, zero
    else cls = integer ? sw::C2 : 0;                                            // normal, unnormal
    s.set_cc(cls | (v.sexp & 0x8000 ? sw::C1 : 0));
}

// FCMOVcc: `i.aux` holds the EFLAGS condition code.
void fcmov(Cpu& c, const Insn& i) {
    Stack s{c.fpu};
    s.set_cc(0, sw::C1);
    if (s.empty(0) || s.empty(i.r1)) {
        if (s.stack_fault(false)) s.write(0, INDEFINITE);
        return;
    }
    if (c.flags.cond(i.aux)) s.write(0, s.st(i.r1));
}

// FFREE, and FFREEP (DF C0+i, undocumented but present on the P6), which also pops.
template <bool Pop> void ffree(Cpu& c, const Insn& i) {
    Stack s{c.fpu};
    s.set_tag(s.phys(i.r0), TAG_EMPTY);
    if constexpr (Pop) s.set_top(c.fpu.top() + 1);
}
template <int D> void fstp_move(Cpu& c, const Insn&) {
    Stack s{c.fpu};
    s.set_cc(0, sw::C1);
    s.set_top(c.fpu.top() + D);
}


// ---- environment and state save ------------------------------------------------------------
// Layouts (SDM 8.1.10, figures 8-9..8-12): 14 bytes with a 16-bit operand size, 28 with 32; the
// real/v86 forms store 20-bit (16-bit) or 32-bit (32-bit) linear instruction and data pointers
// split around the opcode instead of selector:offset. Reserved halves store as 0xFFFF.
struct EnvLayout {
    bool wide, real;
    unsigned size() const { return wide ? 28 : 14; }
};
EnvLayout env_layout(const Cpu& c, const Insn& i) { return {i.osize == 4, !c.pe() || c.vm86()}; }

// Recomputes the tags of non-empty registers from their contents: only empty/non-empty is taken
// from a loaded tag word.
uint16_t live_tags(const FpuState& f, uint16_t ftw) {
    for (unsigned p = 0; p < 8; ++p)
        if (((ftw >> (2 * p)) & 3) != TAG_EMPTY)
            ftw = uint16_t((ftw & ~(3u << (2 * p))) | (tag_of(f.st[p]) << (2 * p)));
    return ftw;
}

void store_env(const Cpu& c, EnvLayout l, uint8_t* out) {
    const FpuState& f = c.fpu;
    const unsigned n = l.wide ? 4 : 2;
    uint32_t w[7];
    const uint32_t hi = l.wide ? 0xFFFF0000u : 0;
    w[0] = hi | f.fcw;
    w[1] = hi | f.fsw;
    w[2] = hi | live_tags(f, f.ftw);
    if (l.real) {
        const uint32_t ip = (uint32_t(f.fcs) << 4) + f.fip, dp = (uint32_t(f.fds) << 4) + f.fdp;
        const uint32_t keep = l.wide ? ~0u : 0xFFFFu;
        w[3] = hi | (ip & 0xFFFF);
        w[4] = (((ip >> 16) << 12) | (f.fop & 0x7FF)) & keep;
        w[5] = hi | (dp & 0xFFFF);
        w[6] = ((dp >> 16) << 12) & keep;
    } else {
        w[3] = l.wide ? f.fip : f.fip & 0xFFFF;
        w[4] = l.wide ? f.fcs | (uint32_t(f.fop & 0x7FF) << 16) : f.fcs;
        w[5] = l.wide ? f.fdp : f.fdp & 0xFFFF;
        w[6] = hi | f.fds;
    }
    for (unsigned k = 0; k < 7; ++k) std::memcpy(out + k * n, &w[k], n);
}

void load_env(Cpu& c, EnvLayout l, const uint8_t* in) {
    FpuState& f = c.fpu;
    const unsigned n = l.wide ? 4 : 2;
    uint32_t w[7] = {};
    for (unsigned k = 0; k < 7; ++k) std::memcpy(&w[k], in + k * n, n);
    f.fcw = uint16_t(w[0] | 0x40);
    f.fsw = uint16_t(w[1]);
    f.ftw = uint16_t(w[2]);
    if (l.real) {
        const uint32_t mask = l.wide ? 0xFFFF : 0xF;
        f.fip = (w[3] & 0xFFFF) | (((w[4] >> 12) & mask) << 16);
        f.fdp = (w[5] & 0xFFFF) | (((w[6] >> 12) & mask) << 16);
        f.fop = uint16_t(w[4] & 0x7FF);
        f.fcs = f.fds = 0;
    } else {
        f.fip = l.wide ? w[3] : w[3] & 0xFFFF;
        f.fcs = uint16_t(w[4]);
        f.fop = l.wide ? uint16_t((w[4] >> 16) & 0x7FF) : 0;
        f.fdp = l.wide ? w[5] : w[5] & 0xFFFF;
        f.fds = uint16_t(w[6]);
    }
    // ES and B summarise the loaded flags against the loaded masks.
    if (f.fsw & ~f.fcw & sw::EXC) f.fsw |= sw::ES | sw::B;
    else f.fsw &= uint16_t(~(sw::ES | sw::B));
}

// Reads n bytes after checking the whole source, so a fault changes nothing.
void read_bytes(Cpu& c, const Insn& i, uint8_t* out, unsigned n) {
    const uint32_t off = c.ea(i);
    c.linear(i.seg, off, n, false);
    for (unsigned k = 0; k < n; k += 2) {
        const uint16_t v = c.read<uint16_t>(i.seg, off + k);
        std::memcpy(out + k, &v, 2);
    }
}

// FNSTENV / FNSAVE: the environment, then (FNSAVE) ST(0)..ST(7) in stack order. FNSTENV then
// masks every exception; FNSAVE then reinitialises like FNINIT.
template <bool Save> void fnstenv(Cpu& c, const Insn& i) {
    const EnvLayout l = env_layout(c, i);
    uint8_t buf[108];
    store_env(c, l, buf);
    unsigned n = l.size();
    if constexpr (Save) {
        Stack s{c.fpu};
        for (unsigned r = 0; r < 8; ++r, n += 10) {
            std::memcpy(buf + n, &s.st(r).mant, 8);
            std::memcpy(buf + n + 8, &s.st(r).sexp, 2);
        }
    }
    write_bytes(c, i, buf, n);
    if constexpr (Save) fninit(c, i);
    else c.fpu.fcw |= sw::EXC;
}

template <bool Save> void fldenv(Cpu& c, const Insn& i) {
    const EnvLayout l = env_layout(c, i);
    uint8_t buf[108];
    const unsigned n = l.size() + (Save ? 80 : 0);
    read_bytes(c, i, buf, n);
    load_env(c, l, buf);
    FpuState& f = c.fpu;
    if constexpr (Save) {
        Stack s{f};
        for (unsigned r = 0; r < 8; ++r) {
            std::memcpy(&s.st(r).mant, buf + l.size() + 10 * r, 8);
            std::memcpy(&s.st(r).sexp, buf + l.size() + 10 * r + 8, 2);
        }
    }
    f.ftw = live_tags(f, f.ftw);
}


// FPREM, FPREM1, FSCALE on ST(0) and ST(1); FXTRACT replaces ST(0) by its exponent and pushes
// the significand.
template <x87::PairOp Op> void fpair(Cpu& c, const Insn&) {
    Stack s{c.fpu};
    constexpr bool pushes = Op == x87::PairOp::Xtract;
    s.set_cc(0, sw::C1);
    const bool under = s.empty(0) || (!pushes && s.empty(1));
    if (under || (pushes && !s.empty(7))) {
        if (!s.stack_fault(!under)) return;
        s.write(0, INDEFINITE);
        if (pushes) s.push(INDEFINITE);
        return;
    }
    const x87::Result2 r = x87::pair(Op, s.st(0), s.st(1), c.fpu.fcw);
    if (!s.signal(r.sw & sw::EXC)) return;
    if constexpr (pushes) {
        s.write(0, r.v1);
        s.push(r.v0);
    } else {
        // The remainders report quotient bits and incompleteness in C0..C3; FSCALE only C1.
        s.set_cc(r.sw, Op == x87::PairOp::Scale ? sw::C1 : sw::CC);
        s.write(0, r.v0);
    }
}

// ---- packed BCD ------------------------------------------------------------------------------
// 18 digits in bytes 0..8 (low nibble first), sign in bit 7 of byte 9. A nibble above 9 is
// taken at its binary value (undefined by the SDM).
void fbld(Cpu& c, const Insn& i) {
    uint8_t b[10];
    read_bytes(c, i, b, 10);
    int64_t v = 0;
    for (int k = 8; k >= 0; --k) v = v * 100 + (b[k] >> 4) * 10 + (b[k] & 15);
    Float80 f = x87::from_int(v);
    f.sexp = uint16_t(f.sexp | (b[9] & 0x80) << 8);
    Stack{c.fpu}.push_checked(f);
}

void fbstp(Cpu& c, const Insn& i) {
    Stack s{c.fpu};
    s.set_cc(0, sw::C1);
    c.mmu.probe_write(c.linear(i.seg, c.ea(i), 10, true), 10, c.user());
    uint8_t b[10] = {};
    const bool under = s.empty(0);
    x87::Stored out{};
    if (!under) out = x87::to_int(s.st(0), 8, c.fpu.fcw);
    const int64_t v = int64_t(out.bits);
    constexpr int64_t LIMIT = 1000000000000000000;
    const bool invalid = !under && ((out.sw & sw::IE) || v >= LIMIT || v <= -LIMIT);
    if (under ? !s.stack_fault(false) : !s.signal(invalid ? sw::IE : out.sw & sw::EXC, sw::IE)) return;
    if (under || invalid) {
        b[7] = 0xC0;  // the packed BCD indefinite
        b[8] = b[9] = 0xFF;
    } else {
        s.set_cc(out.sw & sw::C1, sw::C1);
        uint64_t m = uint64_t(v < 0 ? -v : v);
        for (unsigned k = 0; k < 9; ++k, m /= 100) b[k] = uint8_t((m % 10) | ((m / 10 % 10) << 4));
        b[9] = s.st(0).sexp & 0x8000 ? 0x80 : 0;
    }
    write_bytes(c, i, b, 10);
    s.pop();
}


// ---- transcendentals (transcendental.h) ------------------------------------------------------
using Fn1 = x87::Result (*)(const Float80&, uint16_t);
using Fn2 = x87::Result (*)(const Float80&, const Float80&, uint16_t);
constexpr Float80 ONE{0x8000000000000000ull, 0x3FFF};

// For the trigonometric forms an operand with |x| >= 2^63 only sets C2.
bool out_of_range(Stack& s, bool trig) {
    const bool out = trig && x87::trig_out_of_range(s.st(0));
    s.set_cc(out ? sw::C2 : 0, sw::C2);
    return out;
}

// FSIN, FCOS, F2XM1: ST(0) = F(ST(0)).
template <Fn1 F, bool Trig> void ftrans1(Cpu& c, const Insn&) {
    Stack s{c.fpu};
    s.set_cc(0, sw::C1);
    if (s.empty(0)) {
        if (s.stack_fault(false)) s.write(0, INDEFINITE);
        return;
    }
    if (out_of_range(s, Trig)) return;
    const x87::Result r = F(s.st(0), c.fpu.fcw);
    if (!s.signal(r.sw & sw::EXC)) return;
    s.set_cc(r.sw & sw::C1, sw::C1);
    s.write(0, r.v);
}

// FPTAN (ST(0) = tan, then push 1) and FSINCOS (ST(0) = sin, then push cos).
template <bool SinCos> void ftrans_push(Cpu& c, const Insn&) {
    Stack s{c.fpu};
    s.set_cc(0, sw::C1);
    const bool under = s.empty(0);
    if (under || !s.empty(7)) {
        if (!s.stack_fault(!under)) return;
        s.write(0, INDEFINITE);
        s.push(INDEFINITE);
        return;
    }
    if (out_of_range(s, true)) return;
    const Float80 x = s.st(0);
    const x87::Result first = SinCos ? x87::sin(x, c.fpu.fcw) : x87::tan(x, c.fpu.fcw);
    const x87::Result second = SinCos ? x87::cos(x, c.fpu.fcw) : x87::Result{ONE, 0};
    if (!s.signal((first.sw | second.sw) & sw::EXC)) return;
    s.set_cc((first.sw | second.sw) & sw::C1, sw::C1);
    s.write(0, first.v);
    s.push(second.v);
}

// FPATAN, FYL2X, FYL2XP1: ST(1) = F(ST(1), ST(0)), then pop.
template <Fn2 F> void ftrans2(Cpu& c, const Insn&) {
    Stack s{c.fpu};
    s.set_cc(0, sw::C1);
    if (s.empty(0) || s.empty(1)) {
        if (!s.stack_fault(false)) return;
        s.write(1, INDEFINITE);
        s.pop();
        return;
    }
    const x87::Result r = F(s.st(1), s.st(0), c.fpu.fcw);
    if (!s.signal(r.sw & sw::EXC)) return;
    s.set_cc(r.sw & sw::C1, sw::C1);
    s.write(1, r.v);
    s.pop();
}

// ---- binders -------------------------------------------------------------------------------
// The 11-bit FOP: low three bits of the escape opcode, then the ModRM byte.
void note_fop(const DecodeCtx& ctx, Insn& i) {
    const auto& m = ctx.zi.raw.modrm;
    i.imm2 = uint16_t(((ctx.zi.opcode & 7) << 8) | (m.mod << 6) | (m.reg << 3) | m.rm);
}

template <void (*F)(Cpu&, const Insn&), Kind K = Kind::Compute>
Handler bind_fixed(const DecodeCtx& ctx, Insn& i) {
    note_fop(ctx, i);
    return &guarded<F, K>;
}

template <template <Src> class H> Handler by_source(const DecodeCtx& ctx, unsigned n, bool integer) {
    if (!ctx.is_mem(n)) return H<Src::StI>::fn;
    switch (ctx.size(n)) {
    case 2: return integer ? H<Src::I16>::fn : nullptr;
    case 4: return integer ? H<Src::I32>::fn : H<Src::F32>::fn;
    case 8: return integer ? H<Src::I64>::fn : H<Src::F64>::fn;
    case 10: return integer ? nullptr : H<Src::F80>::fn;
    default: return nullptr;
    }
}

template <Src S> struct FldH { static constexpr Handler fn = &guarded<fld<S>, Kind::Compute>; };
template <bool Integer> Handler bind_fld(const DecodeCtx& ctx, Insn& i) {
    note_fop(ctx, i);
    return by_source<FldH>(ctx, 0, Integer);
}
template <bool Pop> struct FstSel {
    template <Src S> struct H { static constexpr Handler fn = &guarded<fst<S, Pop>, Kind::Compute>; };
};
template <bool Integer, bool Pop> Handler bind_fst(const DecodeCtx& ctx, Insn& i) {
    note_fop(ctx, i);
    // FST m80 and FIST m64 exist only in popping forms.
    if (!Pop && ctx.is_mem(0) && ctx.size(0) == (Integer ? 8u : 10u)) return nullptr;
    return by_source<FstSel<Pop>::template H>(ctx, 0, Integer);
}

template <Arith Op, bool Pop> struct ArithSel {
    template <Src S> struct H { static constexpr Handler fn = &guarded<farith<Op, S, Pop>, Kind::Compute>; };
};
template <Arith Op, bool Pop, bool Integer> Handler bind_arith(const DecodeCtx& ctx, Insn& i) {
    note_fop(ctx, i);
    const unsigned n = ctx.nops > 1 && ctx.is_mem(1) ? 1 : 0;
    if (ctx.is_mem(n) && ctx.size(n) > 8) return nullptr;
    return by_source<ArithSel<Op, Pop>::template H>(ctx, n, Integer);
}

template <bool Unordered, unsigned Pops, bool Eflags> struct ComSel {
    template <Src S> struct H { static constexpr Handler fn = &guarded<fcom<S, Unordered, Pops, Eflags>, Kind::Compute>; };
};
template <bool Unordered, unsigned Pops, bool Eflags, bool Integer = false>
Handler bind_com(const DecodeCtx& ctx, Insn& i) {
    note_fop(ctx, i);
    const unsigned n = ctx.nops > 1 && ctx.is_mem(1) ? 1 : 0;
    if (ctx.is_mem(n) && ctx.size(n) > 8) return nullptr;
    if (!ctx.is_mem(n) && ctx.nops < 2) i.r1 = 1;  // FCOMPP, FUCOMPP: ST(1)
    return by_source<ComSel<Unordered, Pops, Eflags>::template H>(ctx, n, Integer);
}

template <uint8_t Cc> Handler bind_fcmov(const DecodeCtx& ctx, Insn& i) {
    note_fop(ctx, i);
    i.aux = Cc;
    return &guarded<fcmov, Kind::Compute>;
}


// The environment layout depends on the operand size, which Zydis does not report for these.
template <void (*F)(Cpu&, const Insn&)> Handler bind_env(const DecodeCtx& ctx, Insn& i) {
    if (!ctx.is_mem(0)) return nullptr;
    const bool o16 = ctx.zi.attributes & ZYDIS_ATTRIB_HAS_OPERANDSIZE;
    i.osize = ctx.code32 != o16 ? 4 : 2;
    note_fop(ctx, i);
    return &guarded<F, Kind::NoWait>;
}

}  // namespace
}  // namespace jitpc::cpu::ops

namespace jitpc::cpu {

void register_fpu(Binder* t) {
    using namespace ops;
    using x87::Const;
    t[ZYDIS_MNEMONIC_FNINIT] = bind_fixed<fninit, Kind::NoWait>;
    t[ZYDIS_MNEMONIC_FNCLEX] = bind_fixed<fnclex, Kind::NoWait>;
    t[ZYDIS_MNEMONIC_FNSTSW] = bind_fixed<fnstsw, Kind::NoWait>;
    t[ZYDIS_MNEMONIC_FNSTCW] = bind_fixed<fnstcw, Kind::NoWait>;
    t[ZYDIS_MNEMONIC_FLDCW] = bind_fixed<fldcw, Kind::NoWait>;
    t[ZYDIS_MNEMONIC_FWAIT] = bind_fixed<fnop, Kind::Wait>;
    t[ZYDIS_MNEMONIC_FNOP] = bind_fixed<fnop>;
    t[ZYDIS_MNEMONIC_FLD] = bind_fld<false>;
    t[ZYDIS_MNEMONIC_FILD] = bind_fld<true>;
    t[ZYDIS_MNEMONIC_FST] = bind_fst<false, false>;
    t[ZYDIS_MNEMONIC_FSTP] = bind_fst<false, true>;
    t[ZYDIS_MNEMONIC_FIST] = bind_fst<true, false>;
    t[ZYDIS_MNEMONIC_FISTP] = bind_fst<true, true>;
    t[ZYDIS_MNEMONIC_FLD1] = bind_fixed<fldconst<Const::One>>;
    t[ZYDIS_MNEMONIC_FLDZ] = bind_fixed<fldconst<Const::Zero>>;
    t[ZYDIS_MNEMONIC_FLDPI] = bind_fixed<fldconst<Const::Pi>>;
    t[ZYDIS_MNEMONIC_FLDL2E] = bind_fixed<fldconst<Const::L2e>>;
    t[ZYDIS_MNEMONIC_FLDL2T] = bind_fixed<fldconst<Const::L2t>>;
    t[ZYDIS_MNEMONIC_FLDLG2] = bind_fixed<fldconst<Const::Lg2>>;
    t[ZYDIS_MNEMONIC_FLDLN2] = bind_fixed<fldconst<Const::Ln2>>;
    t[ZYDIS_MNEMONIC_FXCH] = bind_fixed<fxch>;
    t[ZYDIS_MNEMONIC_FCHS] = bind_fixed<fsign<false>>;
    t[ZYDIS_MNEMONIC_FABS] = bind_fixed<fsign<true>>;
    t[ZYDIS_MNEMONIC_FSQRT] = bind_fixed<funary<x87::UnOp::Sqrt>>;
    t[ZYDIS_MNEMONIC_FRNDINT] = bind_fixed<funary<x87::UnOp::Rndint>>;
    t[ZYDIS_MNEMONIC_FADD] = bind_arith<Arith::Add, false, false>;
    t[ZYDIS_MNEMONIC_FADDP] = bind_arith<Arith::Add, true, false>;
    t[ZYDIS_MNEMONIC_FIADD] = bind_arith<Arith::Add, false, true>;
    t[ZYDIS_MNEMONIC_FSUB] = bind_arith<Arith::Sub, false, false>;
    t[ZYDIS_MNEMONIC_FSUBP] = bind_arith<Arith::Sub, true, false>;
    t[ZYDIS_MNEMONIC_FISUB] = bind_arith<Arith::Sub, false, true>;
    t[ZYDIS_MNEMONIC_FSUBR] = bind_arith<Arith::Subr, false, false>;
    t[ZYDIS_MNEMONIC_FSUBRP] = bind_arith<Arith::Subr, true, false>;
    t[ZYDIS_MNEMONIC_FISUBR] = bind_arith<Arith::Subr, false, true>;
    t[ZYDIS_MNEMONIC_FMUL] = bind_arith<Arith::Mul, false, false>;
    t[ZYDIS_MNEMONIC_FMULP] = bind_arith<Arith::Mul, true, false>;
    t[ZYDIS_MNEMONIC_FIMUL] = bind_arith<Arith::Mul, false, true>;
    t[ZYDIS_MNEMONIC_FDIV] = bind_arith<Arith::Div, false, false>;
    t[ZYDIS_MNEMONIC_FDIVP] = bind_arith<Arith::Div, true, false>;
    t[ZYDIS_MNEMONIC_FIDIV] = bind_arith<Arith::Div, false, true>;
    t[ZYDIS_MNEMONIC_FDIVR] = bind_arith<Arith::Divr, false, false>;
    t[ZYDIS_MNEMONIC_FDIVRP] = bind_arith<Arith::Divr, true, false>;
    t[ZYDIS_MNEMONIC_FIDIVR] = bind_arith<Arith::Divr, false, true>;
    t[ZYDIS_MNEMONIC_FCOM] = bind_com<false, 0, false>;
    t[ZYDIS_MNEMONIC_FCOMP] = bind_com<false, 1, false>;
    t[ZYDIS_MNEMONIC_FCOMPP] = bind_com<false, 2, false>;
    t[ZYDIS_MNEMONIC_FICOM] = bind_com<false, 0, false, true>;
    t[ZYDIS_MNEMONIC_FICOMP] = bind_com<false, 1, false, true>;
    t[ZYDIS_MNEMONIC_FUCOM] = bind_com<true, 0, false>;
    t[ZYDIS_MNEMONIC_FUCOMP] = bind_com<true, 1, false>;
    t[ZYDIS_MNEMONIC_FUCOMPP] = bind_com<true, 2, false>;
    t[ZYDIS_MNEMONIC_FCOMI] = bind_com<false, 0, true>;
    t[ZYDIS_MNEMONIC_FCOMIP] = bind_com<false, 1, true>;
    t[ZYDIS_MNEMONIC_FUCOMI] = bind_com<true, 0, true>;
    t[ZYDIS_MNEMONIC_FUCOMIP] = bind_com<true, 1, true>;
    t[ZYDIS_MNEMONIC_FTST] = bind_fixed<ftst>;
    t[ZYDIS_MNEMONIC_FXAM] = bind_fixed<fxam>;
    t[ZYDIS_MNEMONIC_FCMOVB] = bind_fcmov<0x2>;
    t[ZYDIS_MNEMONIC_FCMOVNB] = bind_fcmov<0x3>;
    t[ZYDIS_MNEMONIC_FCMOVE] = bind_fcmov<0x4>;
    t[ZYDIS_MNEMONIC_FCMOVNE] = bind_fcmov<0x5>;
    t[ZYDIS_MNEMONIC_FCMOVBE] = bind_fcmov<0x6>;
    t[ZYDIS_MNEMONIC_FCMOVNBE] = bind_fcmov<0x7>;
    t[ZYDIS_MNEMONIC_FCMOVU] = bind_fcmov<0xA>;
    t[ZYDIS_MNEMONIC_FCMOVNU] = bind_fcmov<0xB>;
    t[ZYDIS_MNEMONIC_FFREE] = bind_fixed<ffree<false>>;
    t[ZYDIS_MNEMONIC_FFREEP] = bind_fixed<ffree<true>>;
    t[ZYDIS_MNEMONIC_FSTPNCE] = bind_fst<false, true>;  // D9 D8+i: FSTP ST(i) alias
    // The 8087/287 control opcodes (DB E0, E1, E4) do nothing on a 387 or later.
    t[ZYDIS_MNEMONIC_FENI8087_NOP] = bind_fixed<fnop, Kind::NoWait>;
    t[ZYDIS_MNEMONIC_FDISI8087_NOP] = bind_fixed<fnop, Kind::NoWait>;
    t[ZYDIS_MNEMONIC_FSETPM287_NOP] = bind_fixed<fnop, Kind::NoWait>;
    t[ZYDIS_MNEMONIC_FINCSTP] = bind_fixed<fstp_move<1>>;
    t[ZYDIS_MNEMONIC_FDECSTP] = bind_fixed<fstp_move<-1>>;
    t[ZYDIS_MNEMONIC_FPREM] = bind_fixed<fpair<x87::PairOp::Prem>>;
    t[ZYDIS_MNEMONIC_FPREM1] = bind_fixed<fpair<x87::PairOp::Prem1>>;
    t[ZYDIS_MNEMONIC_FSCALE] = bind_fixed<fpair<x87::PairOp::Scale>>;
    t[ZYDIS_MNEMONIC_FXTRACT] = bind_fixed<fpair<x87::PairOp::Xtract>>;
    t[ZYDIS_MNEMONIC_FBLD] = bind_fixed<fbld>;
    t[ZYDIS_MNEMONIC_FBSTP] = bind_fixed<fbstp>;
    t[ZYDIS_MNEMONIC_FSIN] = bind_fixed<ftrans1<x87::sin, true>>;
    t[ZYDIS_MNEMONIC_FCOS] = bind_fixed<ftrans1<x87::cos, true>>;
    t[ZYDIS_MNEMONIC_F2XM1] = bind_fixed<ftrans1<x87::exp2m1, false>>;
    t[ZYDIS_MNEMONIC_FPTAN] = bind_fixed<ftrans_push<false>>;
    t[ZYDIS_MNEMONIC_FSINCOS] = bind_fixed<ftrans_push<true>>;
    t[ZYDIS_MNEMONIC_FPATAN] = bind_fixed<ftrans2<x87::atan2>>;
    t[ZYDIS_MNEMONIC_FYL2X] = bind_fixed<ftrans2<x87::ylog2x>>;
    t[ZYDIS_MNEMONIC_FYL2XP1] = bind_fixed<ftrans2<x87::ylog2xp1>>;
    t[ZYDIS_MNEMONIC_FNSTENV] = bind_env<fnstenv<false>>;
    t[ZYDIS_MNEMONIC_FNSAVE] = bind_env<fnstenv<true>>;
    t[ZYDIS_MNEMONIC_FLDENV] = bind_env<fldenv<false>>;
    t[ZYDIS_MNEMONIC_FRSTOR] = bind_env<fldenv<true>>;
}

}  // namespace jitpc::cpu
