// String instructions (cpu/ops/string.cpp): LODS, STOS, MOVS, SCAS and CMPS without a REP
// prefix, with 32-bit addresses in 32-bit code and 64-bit ones in 64-bit code: the accesses
// inline, then the pointers moved by the operand size, downwards when DF is set (DF is never
// lazy: it lives in CpuState::flags.bits), then SCAS and CMPS compare as CMP does. The accesses
// come first, so a fault leaves the pointers as they were.
// REP MOVS and STOS with DF clear move the iterations whose elements lie in the pages of the
// first ones at once with the host's REP MOVS/STOS (a TLB hit for each page: RAM, no code;
// the host's string instructions keep the one-by-one order where source and destination
// overlap) when they fit before the count limit, as the interpreter's REP loop, which stops
// only at that limit or on an exit request (none can arise in generated code), would run them
// too. The instruction counts one tick per iteration (cpu/ops/string.cpp) and ends its block.
// The iterations past those pages, and everything else (DF set, a count of zero, an element
// straddling two pages, a miss, MMIO, a page holding code, segments that need checks, the
// other REP forms) run the interpreter's handler, which may leave the instruction unfinished
// to run again.
#include "jit/emit_sse.h"
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;
using namespace state;

namespace {

enum class Str { Lods, Stos, Movs, Scas, Cmps };

const x::Gp CPU = CPU_REG, EAX = RegAlloc::fixed(cpu::EAX), ESI = RegAlloc::fixed(cpu::ESI),
            EDI = RegAlloc::fixed(cpu::EDI);

// Adds the operand size to each pointer in `regs` (of the address size), or subtracts it when
// DF is set.
void step(Translator& t, unsigned size, std::initializer_list<x::Gp> regs) {
    auto& a = t.a;
    a.mov(x::ecx, x::dword_ptr(CPU, FLAGS_BITS));
    a.shr(x::ecx, 10);
    a.and_(x::ecx, 1);
    a.neg(x::rcx);
    a.and_(x::rcx, -2 * int32_t(size));
    a.add(x::rcx, size);  // DF ? -size : size
    for (const x::Gp& r : regs) a.lea(r, x::ptr(r.r64(), x::rcx));
}

// REP MOVS (S = Movs) or REP STOS (S = Stos) of 32-bit addresses in 32-bit code, 64-bit ones
// in 64-bit code: see the file's comment.
template <Str S> bool rep_string(Translator& t) {
    const cpu::Insn& i = t.insn();
    const unsigned size = i.osize;
    if (!t.flat_access(size, cpu::ES) || !t.flat_access(size, i.seg)) return false;
    auto& a = t.a;
    const x::Gp addr = t.address_reg(), count = RegAlloc::fixed(cpu::ECX).cloneAs(addr);
    const x::Gp esi = ESI.cloneAs(addr), edi = EDI.cloneAs(addr);
    const unsigned scale = size == 8 ? 3 : size / 2;
    asmjit::Label slow = a.newLabel();
    t.clobber_flags();
    a.mov(x::ecx.cloneAs(addr), count);  // rcx: the count, zero-extended
    a.test(x::byte_ptr(CPU_REG, FLAGS_BITS + 1), cpu::EFLAGS_DF >> 8);
    a.jnz(slow);
    // rcx = k, the iterations whose elements lie in the pages of the first ones (none when an
    // element straddles two pages, or for a count of 0: the interpreter's).
    auto clamp = [&](const x::Gp& ptr) {
        a.mov(x::edx, ptr.r32());
        a.and_(x::edx, int32_t(memory::PAGE_SIZE - 1));
        a.sub(x::edx, int32_t(memory::PAGE_SIZE));
        a.neg(x::edx);  // bytes to the page's end
        a.shr(x::edx, scale);
        a.cmp(x::rcx, x::rdx);
        a.cmova(x::rcx, x::rdx);
    };
    clamp(edi);
    if (S == Str::Movs) clamp(esi);
    a.test(x::rcx, x::rcx);
    a.jz(slow);
    // They fit before the count limit, icount + k <= icount_limit, and when iterations remain
    // the next would run too (< then): the interpreter, which runs the rest, checks the limit
    // before each iteration but its first.
    a.cmp(x::ecx.cloneAs(addr), count);  // CF: iterations remain
    a.lea(x::rdx, x::ptr(COUNT_REG, x::rcx, 0, t.count_lag()));
    a.adc(x::rdx, 0);
    a.test(x::rdx, x::rdx);
    a.jg(slow);
    auto host = [&](const x::Gp& ptr, bool write, const x::Gp& out) {
        a.mov(addr, ptr);
        a.lea(out, t.host_memory(1, write, slow));
    };
    host(edi, true, x::rax);
    if (S == Str::Movs) host(esi, false, x::rsi);
    a.mov(x::rdi, x::rax);
    a.lea(edi, x::ptr(edi.r64(), x::rcx, scale));
    if (S == Str::Movs) a.lea(esi, x::ptr(esi.r64(), x::rcx, scale));
    a.sub(count, x::rcx.cloneAs(count));
    a.lea(COUNT_REG, x::ptr(COUNT_REG, x::rcx, 0, -1));  // one tick per iteration
    if (S == Str::Stos) a.mov(x::rax, EAX.r64());
    const x::Mem dst = x::ptr(x::rdi, 0, size), src = x::ptr(x::rsi, 0, size);
    if (S == Str::Movs)
        a.rep().movs(dst, src);
    else
        a.rep().stos(dst, Translator::value_reg(size));
    // The rest (past a page) through the interpreter's handler, the iterations done counted.
    asmjit::Label done = a.newLabel();
    a.test(count, count);
    a.jz(done);
    count_by(a, 1);
    a.jmp(slow);
    a.bind(done);
    t.exec_and_leave(slow);
    t.exit_to(t.next_offset());
    return true;
}

template <Str S> bool string_op(Translator& t) {
    const cpu::Insn& i = t.insn();
    // MOVSD and CMPSD are also SSE2's: those have explicit operands.
    if (i.flags & (cpu::IF_R0 | cpu::IF_MEM)) {
        if (S == Str::Movs && i.mnemonic == ZYDIS_MNEMONIC_MOVSD) return sse::movsd(t);
        if (S == Str::Cmps && i.mnemonic == ZYDIS_MNEMONIC_CMPSD) return sse::cmpsd(t);
        return false;
    }
    if (i.asize != (t.long64() ? 8 : 4)) return false;
    if (i.prefix & (cpu::PFX_REP | cpu::PFX_REPNE)) {
        if constexpr (S == Str::Movs || S == Str::Stos) return rep_string<S>(t);
        return false;
    }
    const unsigned size = i.osize;
    const x::Gp value = Translator::value_reg(size), addr = t.address_reg();
    const x::Gp esi = ESI.cloneAs(addr), edi = EDI.cloneAs(addr);
    auto& a = t.a;
    t.clobber_flags();
    switch (S) {
    case Str::Lods:
        a.mov(addr, esi);
        t.load(size, i.seg);
        a.mov(EAX.cloneAs(value), value);
        step(t, size, {esi});
        break;
    case Str::Stos:
        a.mov(x::rax, EAX.r64());
        a.mov(addr, edi);
        t.store(size, cpu::ES);
        step(t, size, {edi});
        break;
    case Str::Movs:
        a.mov(addr, esi);
        t.load(size, i.seg);
        a.mov(addr, edi);
        t.store(size, cpu::ES);
        step(t, size, {esi, edi});
        break;
    case Str::Scas:  // AL/AX/EAX/RAX - ES:[EDI]
        a.mov(addr, edi);
        t.load(size, cpu::ES);
        step(t, size, {edi});
        a.cmp(EAX.cloneAs(value), value);
        t.flags_produced(FlagKind::Exact);
        break;
    case Str::Cmps: {  // [ESI] - ES:[EDI]
        a.mov(addr, esi);
        t.load(size, i.seg);
        t.park_eax();
        a.mov(addr, edi);
        t.load(size, cpu::ES);
        step(t, size, {esi, edi});
        a.mov(x::rdx, x::rax);
        t.unpark_eax();
        a.cmp(value, x::rdx.cloneAs(value));
        t.flags_produced(FlagKind::Exact);
        break;
    }
    }
    return true;
}

}  // namespace

void register_string_emitters(GroupEmitters e) {
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_LODSB, ZYDIS_MNEMONIC_LODSW, ZYDIS_MNEMONIC_LODSD, ZYDIS_MNEMONIC_LODSQ})
        e[m] = string_op<Str::Lods>;
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_STOSB, ZYDIS_MNEMONIC_STOSW, ZYDIS_MNEMONIC_STOSD, ZYDIS_MNEMONIC_STOSQ})
        e[m] = string_op<Str::Stos>;
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_MOVSB, ZYDIS_MNEMONIC_MOVSW, ZYDIS_MNEMONIC_MOVSD, ZYDIS_MNEMONIC_MOVSQ})
        e[m] = string_op<Str::Movs>;
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_SCASB, ZYDIS_MNEMONIC_SCASW, ZYDIS_MNEMONIC_SCASD, ZYDIS_MNEMONIC_SCASQ})
        e[m] = string_op<Str::Scas>;
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_CMPSB, ZYDIS_MNEMONIC_CMPSW, ZYDIS_MNEMONIC_CMPSD, ZYDIS_MNEMONIC_CMPSQ})
        e[m] = string_op<Str::Cmps>;
}

}  // namespace jitpc::jit
