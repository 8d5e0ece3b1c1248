// x87 memory images: FNSTENV/FLDENV, FNSAVE/FRSTOR and packed BCD (FBLD/FBSTP).
#include "cpu/fpu/fpu_common.h"

namespace jitpc::cpu::ops::fpu {
namespace {

// ---- environment and state save ------------------------------------------------------------
// Layouts (SDM 8.1.10, figures 8-9..8-12): 14 bytes with a 16-bit operand size, 28 with 32; the
// real/v86 forms store 20-bit (16-bit) or 32-bit (32-bit) linear instruction and data pointers
// split around the opcode instead of selector:offset. Reserved halves store as 0xFFFF.
struct EnvLayout {
    bool wide, real;
    unsigned size() const { return wide ? 28 : 14; }
};
EnvLayout env_layout(const Cpu& c, const Insn& i) { return {i.osize == 4, !c.pe() || c.vm86()}; }

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
    summarize_es(c);
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


// The environment layout depends on the operand size, which Zydis does not report for these.
template <void (*F)(Cpu&, const Insn&), Kind K> Handler bind_env(const DecodeCtx& ctx, Insn& i) {
    if (!ctx.is_mem(0)) return nullptr;
    const bool o16 = ctx.zi.attributes & ZYDIS_ATTRIB_HAS_OPERANDSIZE;
    i.osize = ctx.code32() != o16 ? 4 : 2;
    note_fop(ctx, i);
    return &guarded<F, K>;
}

}  // namespace

void register_env(Binder* t) {
    t[ZYDIS_MNEMONIC_FNSTENV] = bind_env<fnstenv<false>, Kind::NoWait>;
    t[ZYDIS_MNEMONIC_FNSAVE] = bind_env<fnstenv<true>, Kind::NoWait>;
    t[ZYDIS_MNEMONIC_FLDENV] = bind_env<fldenv<false>, Kind::Control>;
    t[ZYDIS_MNEMONIC_FRSTOR] = bind_env<fldenv<true>, Kind::Control>;
    t[ZYDIS_MNEMONIC_FBLD] = bind_fixed<fbld>;
    t[ZYDIS_MNEMONIC_FBSTP] = bind_fixed<fbstp>;
}

}  // namespace jitpc::cpu::ops::fpu
