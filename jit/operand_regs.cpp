// Where an instruction's general register operands are in host registers: the R8-R15 binding
// before each instruction of 64-bit code (jit/reg_alloc.h) and the host registers emitters ask
// for.
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

std::optional<x::Gp> Translator::reg(const Operand& o, unsigned size) const {
    if (o.kind != Kind::Reg || !(insn_->flags & cpu::IF_GPR_ONLY)) return std::nullopt;
    return ra_.host(o.reg, size ? size : insn_->osize);
}

std::optional<x::Gp> Translator::general_reg(unsigned r, unsigned size) {
    if (r >= 8 && (!long64() || !bind(uint16_t(1u << r), uint16_t(touched_ | 1u << r)))) return std::nullopt;
    return ra_.host(r, size);
}

// 64-bit code: the R8-R15 instruction k_ names bound into host registers (RegAlloc::prepare),
// the binding kept from the instructions before when it can be. False when it names some the
// allocator could not bind (the emitter then finds them nowhere and declines).
bool Translator::prepare_registers() {
    touched_ = 0;
    if (!long64()) return true;
    if (insn_->flags & cpu::IF_END_BLOCK) {
        ra_.close(a);  // its exits see the pinned assignment
        return false;
    }
    const cpu::InsnInfo& info = table_[insn_->mnemonic];
    const bool gprs = insn_->flags & cpu::IF_GPR_ONLY;
    uint16_t named = 0, touched = uint16_t(info.implicit_gprs | info.implicit_reads | 1u << cpu::ESP);
    for (unsigned n = 0; n < nops_; ++n) {
        if (ops_[n].kind != Kind::Reg) continue;
        const unsigned r = ops_[n].reg >= cpu::AH ? ops_[n].reg - cpu::AH : ops_[n].reg;  // a cpu::Reg8
        // Other register operands (XMM) may share a number with a general register that an
        // SSE emitter names (general_reg): kept off the victims, bound only when it asks.
        (gprs ? named : touched) |= uint16_t(1u << r);
    }
    if (insn_->flags & cpu::IF_MEM)
        for (uint8_t r : {insn_->base, insn_->index})
            if (r != cpu::NO_REG) named |= uint16_t(1u << r);
    touched_ = touched | named;
    return bind(named, touched_);
}

bool Translator::bind(uint16_t named, uint16_t touched) {
    const size_t before = a.offset();
    const bool ok = ra_.prepare(a, named, touched);
    if (a.offset() != before) recompute_ = {};  // its registers may be victims now
    return ok;
}

}  // namespace jitpc::jit
