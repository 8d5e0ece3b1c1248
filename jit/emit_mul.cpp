// IMUL r16/32, r/m [, imm]. The host's CF and OF are the guest's; SF, ZF and PF are undefined
// on the host and, per docs/undefined.md, come from the (truncated) destination; AF = 0. They
// are computed at once: CF is saved, TEST gives SF/ZF/PF, and the flags are stored.
#include "cpu/flags.h"
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

bool imul(Translator& t) {
    const unsigned operands = t.zi().operand_count_visible;
    if (operands != 2 && operands != 3) return false;
    auto dst = Translator::guest_reg(t.op(0).reg.value);
    if (!dst) return false;
    const auto& s = t.op(1);
    x::Gp src;
    if (s.type == ZYDIS_OPERAND_TYPE_REGISTER) {
        auto r = Translator::guest_reg(s.reg.value);
        if (!r) return false;
        src = *r;
    } else if (s.type == ZYDIS_OPERAND_TYPE_MEMORY) {
        if (!t.effective_address(s)) return false;
        t.load(dst->size(), t.insn().seg);
        src = x::eax.cloneAs(*dst);
    } else {
        return false;
    }
    auto& a = t.a;
    t.clobber_flags();
    if (operands == 3)
        a.imul(*dst, src, asmjit::imm(t.op(2).imm.value.s));
    else
        a.imul(*dst, src);
    a.setc(x::dl);
    a.test(*dst, *dst);
    t.capture_flags();
    a.movzx(x::eax, x::dl);
    a.imul(x::eax, x::eax, cpu::EFLAGS_CF | cpu::EFLAGS_OF);  // CF = OF = the carry
    t.flags_captured(cpu::EFLAGS_SF | cpu::EFLAGS_ZF | cpu::EFLAGS_PF, x::eax);
    return true;
}

}  // namespace

void register_mul_emitters(Emitter* e) { e[ZYDIS_MNEMONIC_IMUL] = imul; }

}  // namespace jitpc::jit
