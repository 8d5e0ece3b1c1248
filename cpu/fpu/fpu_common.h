// Shared by the x87 instruction files: status-word bits, tags, the register stack with its
// exception bookkeeping, the device-not-available/pending-exception wrapper, memory operand
// access and the FOP-recording binder.
#pragma once

#include <cstring>

#include "cpu/fpu/host_x87.h"
#include "cpu/ops/operands.h"

namespace jitpc::cpu::ops::fpu {

namespace sw {
constexpr uint16_t IE = 1, DE = 2, ZE = 4, OE = 8, UE = 0x10, PE = 0x20, SF = 0x40, ES = 0x80,
                   C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000, B = 0x8000,
                   EXC = 0x3F, CC = C0 | C1 | C2 | C3;
}
constexpr Float80 INDEFINITE{0xC000000000000000ull, 0xFFFF};
constexpr unsigned TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3;

inline unsigned tag_of(const Float80& v) {
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
        // An unmasked pre-computation exception stops the operation before any result exists,
        // so the host's post-computation flags for the masked result do not apply.
        if (exc & ~f.fcw & (sw::IE | sw::DE | sw::ZE)) exc &= uint16_t(~(sw::OE | sw::UE | sw::PE));
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
    // Pushes v, or the indefinite on overflow when masked; C1 tells which (SDM FLD, FILD, FLDconst).
    void push_checked(const Float80& v) {
        if (!empty(7)) {
            if (stack_fault(true)) push(INDEFINITE);
            return;
        }
        set_cc(0, sw::C1);
        push(v);
    }
};

// ---- unmasked overflow/underflow to a register -------------------------------------------------
inline bool finite_nonzero(const Float80& v) {
    const unsigned e = v.sexp & 0x7FFF;
    return e != 0x7FFF && v.mant && (e == 0 || (v.mant >> 63));
}
// SDM 4.9.1.4/4.9.1.5, 8.5.4/8.5.5: with OE or UE unmasked, a result that overflows or is tiny
// (judged after rounding) is stored rounded with an unbounded exponent, biased by -24576 or
// +24576. `wide()` gives that unbounded result (x87::Wide); it is only evaluated when the masked
// result is suspect. A result still out of range after the bias (only FSCALE gets that far)
// becomes a signed infinity or zero, inexact. Callers pass finite non-zero operands only.
template <class WideFn> x87::Result biased_response(const x87::Result& masked, uint16_t fcw, WideFn wide) {
    const uint16_t trap = ~fcw & (sw::OE | sw::UE);
    const bool suspect = (masked.sw & (sw::OE | sw::UE)) || !(masked.v.sexp & 0x7FFF);
    if (!trap || !suspect || (masked.sw & sw::IE)) return masked;
    const x87::Wide w = wide();
    if (!w.r.v.mant) return masked;
    const int e = int(w.r.v.sexp & 0x7FFF) + w.shift;
    const bool over = e > 0x7FFE && (trap & sw::OE), under = e < 1 && (trap & sw::UE);
    if (!over && !under) return masked;
    const int biased = e + (over ? -24576 : 24576);
    const uint16_t sign = w.r.v.sexp & 0x8000, denormal = masked.sw & sw::DE;
    if (biased > 0x7FFE)
        return {{0x8000000000000000ull, uint16_t(sign | 0x7FFF)}, uint16_t(denormal | sw::OE | sw::PE | sw::C1)};
    if (biased < 1) return {{0, sign}, uint16_t(denormal | sw::UE | sw::PE)};
    x87::Result r = w.r;
    r.v.sexp = uint16_t(sign | biased);
    r.sw = uint16_t(denormal | (r.sw & (sw::PE | sw::C1)) | (over ? sw::OE : sw::UE));
    return r;
}

// Recomputes the tags of non-empty registers from their contents: only empty/non-empty is taken
// from a loaded tag word (FLDENV, FRSTOR, and FXRSTOR's abridged tags).
inline uint16_t live_tags(const FpuState& f, uint16_t ftw) {
    for (unsigned p = 0; p < 8; ++p)
        if (((ftw >> (2 * p)) & 3) != TAG_EMPTY)
            ftw = uint16_t((ftw & ~(3u << (2 * p))) | (tag_of(f.st[p]) << (2 * p)));
    return ftw;
}

// Compute: waits (checks pending exceptions) and records FIP/FCS/FOP/FDP/FDS. Control (FLDCW,
// FLDENV, FRSTOR): waits, leaves the pointers. NoWait: the FN* forms. Wait: FWAIT itself.
enum class Kind : uint8_t { Compute, Control, NoWait, Wait };

// False for #MF, reported by value (Cpu::raise_pending).
[[nodiscard]] inline bool pending_check(Cpu& c) {
    if (!(c.fpu.fsw & sw::ES)) [[likely]] return true;
    if (c.cr0 & cr0::NE) return c.fail(VEC_MF);
    c.bus.ferr(true);
    return true;
}

template <void (*F)(Cpu&, const Insn&), Kind K> void guarded(Cpu& c, const Insn& i) {
    if constexpr (K == Kind::Wait) {
        if ((c.cr0 & (cr0::TS | cr0::MP)) == (cr0::TS | cr0::MP)) return void(c.fail(VEC_NM));
        (void)pending_check(c);  // FWAIT does nothing else
        return;
    } else {
        if (c.cr0 & (cr0::EM | cr0::TS)) return void(c.fail(VEC_NM));
        if constexpr (K != Kind::NoWait)
            if (!pending_check(c)) return;
        F(c, i);
        if constexpr (K == Kind::Compute) {
            FpuState& f = c.fpu;
            f.fip = c.rip;
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
inline uint64_t read64(Cpu& c, const Insn& i) {
    const uint64_t off = c.ea(i);
    c.linear(i.seg, off, 8, false);
    const uint64_t lo = c.read<uint32_t>(i.seg, off);
    return lo | (uint64_t(c.read<uint32_t>(i.seg, off + 4)) << 32);
}
inline Float80 read80(Cpu& c, const Insn& i) {
    const uint64_t off = c.ea(i);
    c.linear(i.seg, off, 10, false);
    Float80 v;
    v.mant = c.read<uint32_t>(i.seg, off) | (uint64_t(c.read<uint32_t>(i.seg, off + 4)) << 32);
    v.sexp = c.read<uint16_t>(i.seg, off + 8);
    return v;
}
// Checks the whole destination before storing any part of it.
inline void write_bytes(Cpu& c, const Insn& i, const void* p, unsigned n) {
    const uint64_t lin = c.linear(i.seg, c.ea(i), n, true);
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

// After a loaded status word: ES and B summarise its flags against the control word's masks;
// FERR# follows a cleared ES.
inline void summarize_es(Cpu& c) {
    FpuState& f = c.fpu;
    if (f.fsw & ~f.fcw & sw::EXC) {
        f.fsw |= sw::ES | sw::B;
    } else {
        f.fsw &= uint16_t(~(sw::ES | sw::B));
        c.bus.ferr(false);
    }
}

// FNINIT's state, also left by FNSAVE.
inline void fninit(Cpu& c, const Insn&) {
    FpuState& f = c.fpu;
    f.fcw = 0x037F;
    f.fsw = 0;
    f.ftw = 0xFFFF;
    f.fop = 0;
    f.fip = f.fdp = 0;
    f.fcs = f.fds = 0;
    c.bus.ferr(false);
}

// The 11-bit FOP: low three bits of the escape opcode, then the ModRM byte.
inline void note_fop(const DecodeCtx& ctx, Insn& i) {
    const auto& m = ctx.zi.raw.modrm;
    i.imm2 = uint16_t(((ctx.zi.opcode & 7) << 8) | (m.mod << 6) | (m.reg << 3) | m.rm);
}

template <void (*F)(Cpu&, const Insn&), Kind K = Kind::Compute>
Handler bind_fixed(const DecodeCtx& ctx, Insn& i) {
    note_fop(ctx, i);
    return &guarded<F, K>;
}

// Reads n bytes after checking the whole source, so a fault changes nothing.
inline void read_bytes(Cpu& c, const Insn& i, uint8_t* out, unsigned n) {
    const uint64_t off = c.ea(i);
    c.linear(i.seg, off, n, false);
    for (unsigned k = 0; k < n; k += 2) {
        const uint16_t v = c.read<uint16_t>(i.seg, off + k);
        std::memcpy(out + k, &v, 2);
    }
}

// Bindings of the other x87 files, called from register_fpu.
void register_env(Binder* t);
void register_math(Binder* t);

}  // namespace jitpc::cpu::ops::fpu
