#include "jit/high_byte.h"

#include <stdexcept>

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

unsigned gpr_of(uint8_t reg8) { return reg8 >= cpu::AH ? reg8 - cpu::AH : reg8; }

x::Gp guest(const Translator& t, unsigned gpr) {
    const auto r = t.reg({Translator::Kind::Reg, uint8_t(gpr)}, 8);
    if (!r) throw std::logic_error("JIT: a byte register's GPR has no host register");
    return *r;
}

}  // namespace

bool HighBytes::named(const Translator& t) {
    if (t.insn().osize != 1 || !(t.insn().flags & cpu::IF_GPR_ONLY)) return false;
    bool high = false;
    unsigned regs = 0;
    for (unsigned n = 0; n < t.operand_count(); ++n) {
        if (t.op(n).kind != Translator::Kind::Reg) continue;
        high |= t.op(n).reg >= cpu::AH;
        ++regs;
    }
    return high && (regs == 1 || !(t.insn().flags & cpu::IF_MEM));
}

HighBytes::HighBytes(Translator& t) : t_(t) {
    for (unsigned n = 0; n < t.operand_count(); ++n) {
        if (t.op(n).kind != Translator::Kind::Reg) continue;
        const unsigned g = gpr_of(t.op(n).reg);
        if (count_ && gpr_[0] == g) continue;
        gpr_[count_] = uint8_t(g);
        t.a.mov(count_ ? x::rcx : x::rdx, guest(t, g));
        ++count_;
    }
}

x::Gp HighBytes::operator[](unsigned n) const {
    const uint8_t reg = t_.op(n).reg;
    const bool in_rdx = gpr_[0] == gpr_of(reg);
    if (reg >= cpu::AH) return in_rdx ? x::dh : x::ch;
    return in_rdx ? x::dl : x::cl;
}

void HighBytes::write_back(unsigned written) const {
    bool done[2] = {};
    for (unsigned n = 0; n < t_.operand_count(); ++n) {
        if (!(written & 1u << n) || t_.op(n).kind != Translator::Kind::Reg) continue;
        const unsigned k = gpr_[0] == gpr_of(t_.op(n).reg) ? 0 : 1;
        if (done[k]) continue;
        done[k] = true;
        t_.a.mov(guest(t_, gpr_[k]), k ? x::rcx : x::rdx);
    }
}

}  // namespace jitpc::jit
