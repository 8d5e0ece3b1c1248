// Integer ALU instructions (cpu/ops/arith.cpp) emitted as the same host instruction on the host registers that
// hold the guest's: the host's EFLAGS then are the guest's (translator.h, FlagKind).
#include "jit/high_byte.h"
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

// Where the source operand of a two-operand op is: a guest register, an immediate, or memory
// loaded into eax (sized like the destination).
bool source(Translator& t, const Translator::Operand& s, const x::Gp& dst, asmjit::Operand& out) {
    switch (s.kind) {
    case Translator::Kind::Reg: {
        auto r = t.reg(s);
        if (!r) return false;
        out = *r;
        return true;
    }
    case Translator::Kind::Imm:
        out = asmjit::imm(t.imm());
        return true;
    case Translator::Kind::Mem:
        if (!t.effective_address()) return false;
        t.load(dst.size(), t.insn().seg);
        out = x::gpd(x::Gp::kIdAx).cloneAs(dst);
        return true;
    default: return false;
    }
}

// The source of an op whose destination is memory: a guest register or an immediate.
bool register_or_immediate(const Translator& t, const Translator::Operand& s, asmjit::Operand& out) {
    if (s.kind == Translator::Kind::Imm) {
        out = asmjit::imm(t.imm());
        return true;
    }
    auto r = t.reg(s);
    if (!r) return false;
    out = *r;
    return true;
}

// CMP and TEST read their memory operand (no write permission needed); the others modify it
// in place.
template <x::Inst::Id Op, FlagKind Kind, bool ReadsCarry>
bool binary_to_memory(Translator& t) {
    asmjit::Operand src;
    if (!register_or_immediate(t, t.op(1), src)) return false;
    constexpr bool reads_only = Op == x::Inst::kIdCmp || Op == x::Inst::kIdTest;
    const unsigned size = t.insn().osize;
    if (reads_only) {
        if (!t.effective_address()) return false;
        t.load(size, t.insn().seg);
        t.a.emit(Op, Translator::value_reg(size), src);
    } else if (!t.read_modify_write(size, ReadsCarry, true, [&](const x::Mem& m) { t.a.emit(Op, m, src); })) {
        return false;
    }
    t.flags_produced(Kind);
    return true;
}

constexpr Recompute::Form recompute_form(x::Inst::Id op) {
    switch (op) {
    case x::Inst::kIdAdd: return Recompute::Add;
    case x::Inst::kIdSub: return Recompute::Sub;
    case x::Inst::kIdCmp: return Recompute::Cmp;
    case x::Inst::kIdTest: return Recompute::Test;
    case x::Inst::kIdInc: return Recompute::Inc;
    case x::Inst::kIdDec: return Recompute::Dec;
    case x::Inst::kIdNeg: return Recompute::Neg;
    default: return Recompute::Logic;  // AND, OR, XOR
    }
}

// A byte op naming AH..BH (jit/high_byte.h). The guest's carry goes to the host first: the
// flags' thunk may clobber rcx (ADC/SBB to memory, whose carry path holds the host address in
// rdx, are the interpreter's).
template <x::Inst::Id Op, FlagKind Kind, bool ReadsCarry>
bool binary_high_bytes(Translator& t) {
    using K = Translator::Kind;
    constexpr bool reads_only = Op == x::Inst::kIdCmp || Op == x::Inst::kIdTest;
    const cpu::Insn& i = t.insn();
    if (t.op(0).kind == K::Mem) {
        if (ReadsCarry) return false;
        if (reads_only) {
            if (!t.effective_address()) return false;
            t.load(1, i.seg);
            t.a.emit(Op, x::al, HighBytes(t)[1]);
        } else if (!t.read_modify_write(1, false, true, [&](const x::Mem& m) { t.a.emit(Op, m, HighBytes(t)[1]); })) {
            return false;
        }
        t.flags_produced(Kind);
        return true;
    }
    asmjit::Operand src;
    if (t.op(1).kind == K::Mem) {
        if (!t.effective_address()) return false;
        t.load(1, i.seg);
        src = x::al;
        if (ReadsCarry) t.flags_to_host_keeping_rax();
    } else {
        if (t.op(1).kind == K::Imm) src = asmjit::imm(t.imm());
        if (ReadsCarry) t.flags_to_host();
    }
    const HighBytes r(t);
    if (t.op(1).kind == K::Reg) src = r[1];
    t.a.emit(Op, r[0], src);
    if (!reads_only) r.write_back(1);
    t.flags_produced(Kind);
    return true;
}

template <x::Inst::Id Op, FlagKind Kind, bool ReadsCarry>
bool binary(Translator& t) {
    if (HighBytes::named(t)) return binary_high_bytes<Op, Kind, ReadsCarry>(t);
    const auto& d = t.op(0);
    if (d.kind == Translator::Kind::Mem) return binary_to_memory<Op, Kind, ReadsCarry>(t);
    auto dst = t.reg(d);
    if (!dst) return false;
    asmjit::Operand src;
    const bool from_memory = t.op(1).kind == Translator::Kind::Mem;
    if (ReadsCarry && from_memory) {
        // ADC/SBB from memory: a load that does not keep the host's flags loses them, so the
        // guest's are loaded after it.
        if (!source(t, t.op(1), *dst, src)) return false;
        t.flags_to_host_keeping_rax();
    } else {
        if (ReadsCarry) t.flags_to_host();
        if (!source(t, t.op(1), *dst, src)) return false;
    }
    t.a.emit(Op, *dst, src);
    t.flags_produced(Kind);
    if (!ReadsCarry && !from_memory) t.flags_recomputable({recompute_form(Op), *dst, src});
    return true;
}

// INC and DEC keep CF: on a register, Translator::keep_carry() makes that work without loading
// the guest's flags into the host; in memory, the read-modify-write loads them. NEG and NOT have
// no such input (NOT writes no flags at all).
template <x::Inst::Id Op, bool KeepsCarry, bool WritesFlags> bool unary(Translator& t) {
    const auto& d = t.op(0);
    if (HighBytes::named(t)) {  // AH..BH: jit/high_byte.h
        if (KeepsCarry) t.keep_carry();  // before the copies: it may call the flags' thunk
        const HighBytes r(t);
        t.a.emit(Op, r[0]);
        r.write_back(1);
        if (WritesFlags && !KeepsCarry) t.flags_produced(FlagKind::Exact);
        return true;
    }
    if (d.kind == Translator::Kind::Mem) {
        if (!t.read_modify_write(t.insn().osize, KeepsCarry, WritesFlags, [&](const x::Mem& m) { t.a.emit(Op, m); }))
            return false;
    } else {
        auto dst = t.reg(d);
        if (!dst) return false;
        if (KeepsCarry) {
            t.keep_carry();
            t.a.emit(Op, *dst);
            t.flags_recomputable({recompute_form(Op), *dst, {}});
            return true;
        }
        t.a.emit(Op, *dst);
        if (WritesFlags) {
            t.flags_produced(FlagKind::Exact);
            t.flags_recomputable({recompute_form(Op), *dst, {}});
        }
        return true;
    }
    if (WritesFlags) t.flags_produced(FlagKind::Exact);
    return true;
}

}  // namespace

void register_arith_emitters(GroupEmitters e) {
    e[ZYDIS_MNEMONIC_ADD] = binary<x::Inst::kIdAdd, FlagKind::Exact, false>;
    e[ZYDIS_MNEMONIC_SUB] = binary<x::Inst::kIdSub, FlagKind::Exact, false>;
    e[ZYDIS_MNEMONIC_ADC] = binary<x::Inst::kIdAdc, FlagKind::Exact, true>;
    e[ZYDIS_MNEMONIC_SBB] = binary<x::Inst::kIdSbb, FlagKind::Exact, true>;
    e[ZYDIS_MNEMONIC_CMP] = binary<x::Inst::kIdCmp, FlagKind::Exact, false>;
    e[ZYDIS_MNEMONIC_AND] = binary<x::Inst::kIdAnd, FlagKind::Logic, false>;
    e[ZYDIS_MNEMONIC_OR] = binary<x::Inst::kIdOr, FlagKind::Logic, false>;
    e[ZYDIS_MNEMONIC_XOR] = binary<x::Inst::kIdXor, FlagKind::Logic, false>;
    e[ZYDIS_MNEMONIC_TEST] = binary<x::Inst::kIdTest, FlagKind::Logic, false>;
    e[ZYDIS_MNEMONIC_INC] = unary<x::Inst::kIdInc, true, true>;
    e[ZYDIS_MNEMONIC_DEC] = unary<x::Inst::kIdDec, true, true>;
    e[ZYDIS_MNEMONIC_NEG] = unary<x::Inst::kIdNeg, false, true>;
    e[ZYDIS_MNEMONIC_NOT] = unary<x::Inst::kIdNot, false, false>;
}

}  // namespace jitpc::jit
