// Bit tests and scans (cpu/ops/bits.cpp): BT/BTS/BTR/BTC r/m, r/imm8 and BSF/BSR r, r/m. They write one flag and keep the others (docs/undefined.md: BT* write CF,
// BSF/BSR ZF), where the host leaves those others undefined: the guest's flags go to the host
// first, are captured after the op, and the written flag is merged in (as rotates do,
// emit_shift.cpp). A zero BSF/BSR source leaves the destination as it was (the host's is
// undefined then): the host instruction is skipped.
#include <bit>

#include "cpu/flags.h"
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

// Around `op`, which writes the host's `flag` (CF or ZF) as the guest's and leaves the other
// host flags undefined: the guest's flags end up in CpuState with only `flag` changed, or,
// when nothing sees `flag`, wherever they were kept. `op` gets the label to jump to with the
// host's `flag` set when it skips its host instruction (a BSF/BSR of zero: ZF = 1). With
// `loaded`, rax holds a loaded operand, which `op` finds in rdx instead (getting the flags into
// the host uses rax; the stack keeps it meanwhile, as CMOVcc does).
void keeping_other_flags(Translator& t, uint32_t flag, bool loaded, const std::function<void(const asmjit::Label&)>& op) {
    auto& a = t.a;
    asmjit::Label set = a.newLabel(), done = a.newLabel();
    if (t.flags_dead()) {
        t.clobber_flags();  // the others in CpuState; the host's EFLAGS are the op's to trash
        if (loaded) a.mov(x::rdx, x::rax);
        op(set);
        a.bind(set);
        return;
    }
    if (loaded) a.push(x::rax), a.push(x::rax);
    t.flags_to_host();
    if (loaded) a.pop(x::rdx), a.pop(x::rdx);
    const FlagKind before = t.flags_kind();  // what AF, which stays, needs
    t.capture_flags(true);
    op(set);
    const x::Inst::Id to_bit = flag == cpu::EFLAGS_CF ? x::Inst::kIdSetc : x::Inst::kIdSetz;
    a.emit(to_bit, x::cl);
    a.movzx(x::ecx, x::cl);
    a.jmp(done);
    a.bind(set);
    a.mov(x::ecx, 1);
    a.bind(done);
    if (flag == cpu::EFLAGS_ZF) a.shl(x::ecx, 6);
    uint32_t keep = cpu::EFLAGS_ARITH & ~flag;
    if (before != FlagKind::Exact) keep &= ~cpu::EFLAGS_AF;
    t.flags_captured(keep, x::ecx);
}

// BT/BTS/BTR/BTC m, r/imm8: the host's on the operand-sized unit the offset selects (an
// immediate: the operand itself; a register: floor(offset / width) units away, the offset
// signed, the address wrapped to the address size) with the offset masked to the width, so
// the host's own bit-string addressing never reaches past it. The flags are in CpuState
// (guarded); CF goes in there after the op.
template <x::Inst::Id Id> bool bit_test_memory(Translator& t) {
    using K = Translator::Kind;
    const cpu::Insn& i = t.insn();
    const unsigned size = i.osize, width = size * 8;
    std::optional<x::Gp> offset;
    if (t.op(1).kind == K::Reg) {
        offset = t.reg(t.op(1));
        if (!offset) return false;
    } else if (t.op(1).kind != K::Imm) {
        return false;
    }
    if (!t.effective_address()) return false;
    auto& a = t.a;
    t.guarded([&](const asmjit::Label& slow) {
        if (offset) {
            if (size == 8)
                a.mov(x::rdx, *offset);
            else if (size == 4)
                a.movsxd(x::rdx, *offset);
            else
                a.movsx(x::rdx, *offset);
            a.sar(x::rdx, std::countr_zero(width));
            a.lea(t.address_reg(), x::ptr(x::rsi, x::rdx, std::countr_zero(size)));
        }
        const x::Mem m = t.host_memory(size, Id != x::Inst::kIdBt, slow);
        if (offset) {  // in edx: `m` may be based on rcx (a segment's linear address)
            a.mov(x::edx, offset->r32());
            a.and_(x::edx, width - 1);
            a.emit(Id, m, x::edx.cloneAs(*offset));
        } else {
            a.emit(Id, m, asmjit::imm(i.imm & (width - 1)));
        }
        if (t.flags_dead()) return;  // the others stay in CpuState
        a.setc(x::dl);
        a.movzx(x::edx, x::dl);
        t.flags_to_host();
        uint32_t keep = cpu::EFLAGS_ARITH & ~cpu::EFLAGS_CF;
        if (t.flags_kind() != FlagKind::Exact) keep &= ~cpu::EFLAGS_AF;
        t.capture_flags(true);
        t.flags_captured(keep, x::edx);
    });
    return true;
}

// BT/BTS/BTR/BTC r, r or r, imm8: the host's instruction, which masks the offset to the operand
// width as the guest's does for a register operand.
template <x::Inst::Id Id> bool bit_test(Translator& t) {
    using K = Translator::Kind;
    if (t.op(0).kind == K::Mem) return bit_test_memory<Id>(t);
    const auto dst = t.reg(t.op(0));
    if (!dst || t.op(0).kind != K::Reg) return false;
    asmjit::Operand offset;
    if (t.op(1).kind == K::Imm) {
        offset = asmjit::imm(t.insn().imm & (dst->size() * 8 - 1));
    } else {
        const auto r = t.reg(t.op(1));
        if (!r) return false;
        offset = *r;
    }
    keeping_other_flags(t, cpu::EFLAGS_CF, false, [&](const asmjit::Label&) { t.a.emit(Id, *dst, offset); });
    return true;
}

// BSF/BSR r, r/m: the source (a register, or memory), tested for zero before the host's
// instruction.
template <x::Inst::Id Id> bool bit_scan(Translator& t) {
    using K = Translator::Kind;
    const auto dst = t.reg(t.op(0));
    if (!dst) return false;
    x::Gp src;
    const bool mem = t.op(1).kind == K::Mem;
    if (mem) {
        if (!t.effective_address()) return false;
        t.load(dst->size(), t.insn().seg);
        src = x::rdx.cloneAs(*dst);
    } else {
        const auto r = t.reg(t.op(1));
        if (!r) return false;
        src = *r;
    }
    keeping_other_flags(t, cpu::EFLAGS_ZF, mem, [&](const asmjit::Label& zero) {
        t.a.test(src, src);
        t.a.jz(zero);
        t.a.emit(Id, *dst, src);
    });
    return true;
}

}  // namespace

void register_bits_emitters(GroupEmitters e) {
    e[ZYDIS_MNEMONIC_BT] = bit_test<x::Inst::kIdBt>;
    e[ZYDIS_MNEMONIC_BTS] = bit_test<x::Inst::kIdBts>;
    e[ZYDIS_MNEMONIC_BTR] = bit_test<x::Inst::kIdBtr>;
    e[ZYDIS_MNEMONIC_BTC] = bit_test<x::Inst::kIdBtc>;
    e[ZYDIS_MNEMONIC_BSF] = bit_scan<x::Inst::kIdBsf>;
    e[ZYDIS_MNEMONIC_BSR] = bit_scan<x::Inst::kIdBsr>;
}

}  // namespace jitpc::jit
