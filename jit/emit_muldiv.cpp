// MUL, IMUL, DIV and IDIV (cpu/ops/muldiv.cpp).
// - MUL/IMUL: the host's CF and OF are the guest's; SF, ZF and PF are undefined on the host
//   and, per docs/undefined.md, come from the low half of the product (the destination of the
//   2/3-operand IMUL, AL/AX/EAX for the one-operand forms); AF = 0. They are computed at once:
//   CF is saved in cl, TEST of the low half gives SF/ZF/PF, and the flags are stored.
// - DIV and IDIV: the host's when the quotient fits (unsigned_divide, signed_divide);
//   otherwise the interpreter raises #DE. The guest's flags are unchanged (docs/undefined.md),
//   the host's are not: they are stored first.
#include "cpu/flags.h"
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

const x::Gp EAX = RegAlloc::fixed(cpu::EAX), EDX = RegAlloc::fixed(cpu::EDX);

// The r/m operand `s` of `size` bytes: a guest register, or memory loaded into al/ax/eax/rax.
bool multiplier(Translator& t, const Translator::Operand& s, unsigned size, x::Gp& out) {
    if (s.kind == Translator::Kind::Reg) {
        auto r = t.reg(s, size);
        if (!r) return false;
        out = *r;
        return true;
    }
    if (s.kind != Translator::Kind::Mem || !t.effective_address()) return false;
    t.load(size, t.insn().seg);
    out = Translator::value_reg(size);
    return true;
}

// ecx, or rcx for 8 bytes: where a multiplier or divisor waits while rax and rdx are set up.
x::Gp wide_rcx(unsigned size) { return size == 8 ? x::Gp(x::rcx) : x::Gp(x::ecx); }

// The multiply has just set CF/OF and the low half is in `low`.
void multiply_flags(Translator& t, const x::Gp& low) {
    if (t.flags_dead()) return t.drop_flags();
    auto& a = t.a;
    a.setc(x::cl);
    a.test(low, low);
    t.capture_flags(false);
    a.movzx(x::eax, x::cl);
    a.imul(x::eax, x::eax, cpu::EFLAGS_CF | cpu::EFLAGS_OF);  // CF = OF
    t.flags_captured(cpu::EFLAGS_SF | cpu::EFLAGS_ZF | cpu::EFLAGS_PF, x::eax);
}

// MUL/IMUL r/m: AX = AL * r/m8, DX:AX = AX * r/m16, EDX:EAX = EAX * r/m32, RDX:RAX = RAX *
// r/m64, on the host's own rax/rdx (the source moves to ecx/rcx first: a loaded one is in rax).
template <bool Signed> bool accumulator(Translator& t) {
    const unsigned size = t.insn().osize;
    x::Gp src;
    if (!multiplier(t, t.op(0), size, src)) return false;
    auto& a = t.a;
    const x::Gp c = wide_rcx(size);
    t.clobber_flags();
    a.mov(c, src.cloneAs(c));
    a.mov(x::rax.cloneAs(c), EAX.cloneAs(c));
    a.emit(Signed ? x::Inst::kIdImul : x::Inst::kIdMul, x::rcx.cloneAs(src));
    switch (size) {
    case 1: a.mov(EAX.r16(), x::ax); break;
    case 2: a.mov(EAX.r16(), x::ax), a.mov(EDX.r16(), x::dx); break;
    default: a.mov(EAX.cloneAs(c), x::rax.cloneAs(c)), a.mov(EDX.cloneAs(c), x::rdx.cloneAs(c)); break;
    }
    multiply_flags(t, x::eax.cloneAs(src));
    return true;
}

bool imul(Translator& t) {
    const unsigned operands = t.operand_count();
    if (operands == 1) return accumulator<true>(t);
    auto dst = t.reg(t.op(0));
    if (!dst) return false;
    x::Gp src;
    if (!multiplier(t, t.op(1), dst->size(), src)) return false;
    auto& a = t.a;
    t.clobber_flags();
    if (operands == 3)
        a.imul(*dst, src, asmjit::imm(t.imm()));
    else
        a.imul(*dst, src);
    multiply_flags(t, *dst);
    return true;
}

// DIV r/m: the host's DIV when the quotient fits (the high half of the dividend below the
// divisor, which also rules out a zero divisor); otherwise the interpreter raises #DE.
void unsigned_divide(Translator& t, const x::Gp& divisor, const asmjit::Label& slow) {
    auto& a = t.a;
    const unsigned size = divisor.size();
    switch (size) {
    case 1:
        a.movzx(x::ecx, divisor);
        a.movzx(x::eax, EAX.r16());
        a.cmp(x::ah, x::cl);
        a.jae(slow);
        a.div(x::cl);
        a.mov(EAX.r16(), x::ax);
        return;
    case 2:
        a.movzx(x::ecx, divisor);
        a.movzx(x::eax, EAX.r16());
        a.movzx(x::edx, EDX.r16());
        a.cmp(x::edx, x::ecx);
        a.jae(slow);
        a.div(x::cx);
        a.mov(EAX.r16(), x::ax);
        a.mov(EDX.r16(), x::dx);
        return;
    }
    const x::Gp c = wide_rcx(size), ax = x::rax.cloneAs(c), dx = x::rdx.cloneAs(c);
    const x::Gp eax = EAX.cloneAs(c), edx = EDX.cloneAs(c);
    a.mov(c, divisor);
    a.cmp(edx, c);
    a.jae(slow);
    a.mov(ax, eax);
    a.mov(dx, edx);
    a.div(c);
    a.mov(eax, ax);
    a.mov(edx, dx);
}

// IDIV r/m: 8, 16 and 32 bits on the host's 64-bit IDIV of the sign-extended dividend, which
// cannot overflow (a 32-bit divisor of -1, which could meet INT64_MIN, is the interpreter's),
// when the quotient fits the operand size; 64 bits when RDX is RAX's sign extension (CQO, as
// compilers emit it) and the divisor is not -1. A zero divisor and everything else: the
// interpreter, which raises #DE where it must.
void signed_divide(Translator& t, const x::Gp& divisor, const asmjit::Label& slow) {
    auto& a = t.a;
    const unsigned size = divisor.size();
    if (size == 8)
        a.mov(x::rcx, divisor);
    else if (size == 4)
        a.movsxd(x::rcx, divisor);
    else
        a.movsx(x::rcx, divisor);
    a.test(x::rcx, x::rcx);
    a.jz(slow);
    switch (size) {
    case 1: a.movsx(x::rax, EAX.r16()); break;
    case 2:
        a.mov(x::eax, EDX.r32());
        a.shl(x::eax, 16);
        a.mov(x::ax, EAX.r16());
        a.movsxd(x::rax, x::eax);
        break;
    case 4:
        a.cmp(x::rcx, -1);
        a.je(slow);
        a.mov(x::rax, EDX.r64());
        a.shl(x::rax, 32);
        a.mov(x::edx, EAX.r32());
        a.or_(x::rax, x::rdx);
        break;
    default:
        a.cmp(x::rcx, -1);
        a.je(slow);
        a.mov(x::rax, EAX.r64());
        a.mov(x::rsi, x::rax);
        a.sar(x::rsi, 63);
        a.cmp(x::rsi, EDX.r64());
        a.jne(slow);
        break;
    }
    a.cqo();
    a.idiv(x::rcx);
    if (size < 8) {  // the quotient must fit
        if (size == 4)
            a.movsxd(x::rsi, x::eax);
        else
            a.movsx(x::rsi, x::rax.cloneAs(divisor));
        a.cmp(x::rsi, x::rax);
        a.jne(slow);
    }
    switch (size) {
    case 1:  // AL = quotient, AH = remainder
        a.shl(x::edx, 8);
        a.mov(x::dl, x::al);
        a.mov(EAX.r16(), x::dx);
        break;
    case 2: a.mov(EAX.r16(), x::ax), a.mov(EDX.r16(), x::dx); break;
    case 4: a.mov(EAX.r32(), x::eax), a.mov(EDX.r32(), x::edx); break;
    default: a.mov(EAX.r64(), x::rax), a.mov(EDX.r64(), x::rdx); break;
    }
}

template <bool Signed> bool divide(Translator& t) {
    x::Gp divisor;
    if (!multiplier(t, t.op(0), t.insn().osize, divisor)) return false;
    t.clobber_flags();
    asmjit::Label slow = t.a.newLabel(), done = t.a.newLabel();
    if (Signed)
        signed_divide(t, divisor, slow);
    else
        unsigned_divide(t, divisor, slow);
    t.a.bind(done);
    t.exec_out_of_line(slow, done);
    return true;
}

}  // namespace

void register_muldiv_emitters(GroupEmitters e) {
    e[ZYDIS_MNEMONIC_IMUL] = imul;
    e[ZYDIS_MNEMONIC_MUL] = accumulator<false>;
    e[ZYDIS_MNEMONIC_DIV] = divide<false>;
    e[ZYDIS_MNEMONIC_IDIV] = divide<true>;
}

}  // namespace jitpc::jit
