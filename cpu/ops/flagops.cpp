// CLC STC CMC CLD STD LAHF SAHF SALC. (CLI/STI check IOPL and belong to the system group.)
//
// LAHF stores AH = SF:ZF:0:AF:0:PF:1:CF (the reserved bits read as EFLAGS holds them).
// SAHF loads SF ZF AF PF CF from AH and leaves OF alone.
#include "cpu/ops/operands.h"

namespace jitpc::cpu::ops {
namespace {

constexpr uint32_t AH_FLAGS = EFLAGS_SF | EFLAGS_ZF | EFLAGS_AF | EFLAGS_PF | EFLAGS_CF;

void clc(Cpu& c, const Insn&) { c.flags.set_arith(EFLAGS_CF, 0); }
void stc(Cpu& c, const Insn&) { c.flags.set_arith(EFLAGS_CF, EFLAGS_CF); }
void cmc(Cpu& c, const Insn&) { c.flags.set_arith(EFLAGS_CF, c.flags.cf() ? 0 : EFLAGS_CF); }
void cld(Cpu& c, const Insn&) { c.flags.bits &= ~EFLAGS_DF; }
void std_(Cpu& c, const Insn&) { c.flags.bits |= EFLAGS_DF; }
void lahf(Cpu& c, const Insn&) { c.reg8(AH) = uint8_t((c.flags.get() & AH_FLAGS) | EFLAGS_FIXED1); }
void sahf(Cpu& c, const Insn&) { c.flags.set_arith(AH_FLAGS, c.reg8(AH)); }
// SALC (D6, undocumented): AL = CF ? FF : 00, flags unchanged.
void salc(Cpu& c, const Insn&) { c.reg8(EAX) = c.flags.cf() ? 0xFF : 0; }

}  // namespace
}  // namespace jitpc::cpu::ops

namespace jitpc::cpu {

void register_flagops(Binder* t) {
    using namespace ops;
    t[ZYDIS_MNEMONIC_CLC] = bind_fixed<clc>;
    t[ZYDIS_MNEMONIC_STC] = bind_fixed<stc>;
    t[ZYDIS_MNEMONIC_CMC] = bind_fixed<cmc>;
    t[ZYDIS_MNEMONIC_CLD] = bind_fixed<cld>;
    t[ZYDIS_MNEMONIC_STD] = bind_fixed<std_>;
    t[ZYDIS_MNEMONIC_LAHF] = bind_fixed<lahf>;
    t[ZYDIS_MNEMONIC_SAHF] = bind_fixed<sahf>;
    t[ZYDIS_MNEMONIC_SALC] = bind_fixed<salc>;
}

}  // namespace jitpc::cpu
