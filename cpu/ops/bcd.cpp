// DAA DAS AAA AAS AAM AAD.
//
// Each adjusts AL (and AH) and then sets SF/ZF/PF from AL. Undefined flags (docs/undefined.md):
//   DAA, DAS: OF = 0.
//   AAA, AAS: OF = 0; SF, ZF, PF from the final AL.
//   AAM, AAD: OF = AF = CF = 0.
#include "cpu/ops/operands.h"

namespace jitpc::cpu::ops {
namespace {

// Each functor adjusts the accumulator and returns the CF/AF bits it produces.
struct Daa {
    static uint32_t exec(Cpu& c, uint8_t) {
        const uint8_t al = c.reg<uint8_t>(EAX);
        const bool cf = c.flags.cf(), af = (al & 0xF) > 9 || c.flags.af();
        const bool high = al > 0x99 || cf;
        c.set_reg<uint8_t>(EAX, uint8_t(al + (af ? 6 : 0) + (high ? 0x60 : 0)));
        return (af ? EFLAGS_AF : 0) | (high ? EFLAGS_CF : 0);
    }
};
struct Das {
    static uint32_t exec(Cpu& c, uint8_t) {
        const uint8_t al = c.reg<uint8_t>(EAX);
        const bool cf = c.flags.cf(), af = (al & 0xF) > 9 || c.flags.af();
        // Borrow from the low adjustment sets CF even when the high one does not apply.
        const bool high = al > 0x99 || cf, borrow = af && al < 6;
        c.set_reg<uint8_t>(EAX, uint8_t(al - (af ? 6 : 0) - (high ? 0x60 : 0)));
        return (af ? EFLAGS_AF : 0) | (high || borrow ? EFLAGS_CF : 0);
    }
};
// AAA/AAS: on adjustment AX moves by +-0x106 (AL +-6 and AH +-1), then AL keeps its low nibble.
template <int Sign> struct AsciiAdjust {
    static uint32_t exec(Cpu& c, uint8_t) {
        const uint16_t ax = c.reg<uint16_t>(EAX);
        const bool adj = (ax & 0xF) > 9 || c.flags.af();
        uint16_t r = ax;
        if (adj) r = Sign > 0 ? uint16_t(ax + 0x106) : uint16_t((ax - 6) - 0x100);
        c.set_reg<uint16_t>(EAX, uint16_t(r & 0xFF0F));
        return adj ? EFLAGS_AF | EFLAGS_CF : 0;
    }
};
using Aaa = AsciiAdjust<1>;
using Aas = AsciiAdjust<-1>;
struct Aam {
    static uint32_t exec(Cpu& c, uint8_t base) {
        if (base == 0) raise_fault(VEC_DE);
        const uint8_t al = c.reg<uint8_t>(EAX);
        c.set_reg<uint8_t>(AH, uint8_t(al / base));
        c.set_reg<uint8_t>(EAX, uint8_t(al % base));
        return 0;
    }
};
struct Aad {
    static uint32_t exec(Cpu& c, uint8_t base) {
        const uint8_t al = uint8_t(c.reg<uint8_t>(EAX) + c.reg<uint8_t>(AH) * base);
        c.set_reg<uint16_t>(EAX, al);
        return 0;
    }
};

template <typename Op> struct Adjust {
    static void run(Cpu& c, const Insn& i) {
        const uint32_t ca = Op::exec(c, uint8_t(i.imm));
        const uint8_t al = c.reg<uint8_t>(EAX);
        c.flags.set_arith(EFLAGS_ARITH, ca | szp_flags(al, 1));
    }
    static Handler bind(const DecodeCtx& ctx, Insn& i) {
        // AAM/AAD carry their base as imm8 (10 in the usual encoding).
        i.imm = static_cast<uint32_t>(ctx.zi.raw.imm[0].value.u);
        return &run;
    }
};

}  // namespace
}  // namespace jitpc::cpu::ops

namespace jitpc::cpu {

void register_bcd(Binder* t) {
    using namespace ops;
    t[ZYDIS_MNEMONIC_DAA] = Adjust<Daa>::bind;
    t[ZYDIS_MNEMONIC_DAS] = Adjust<Das>::bind;
    t[ZYDIS_MNEMONIC_AAA] = Adjust<Aaa>::bind;
    t[ZYDIS_MNEMONIC_AAS] = Adjust<Aas>::bind;
    t[ZYDIS_MNEMONIC_AAM] = Adjust<Aam>::bind;
    t[ZYDIS_MNEMONIC_AAD] = Adjust<Aad>::bind;
}

}  // namespace jitpc::cpu
