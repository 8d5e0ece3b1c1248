// String instructions (cpu/ops/string.cpp): LODS, STOS, MOVS, SCAS and CMPS without a REP prefix, with 32-bit addresses: the accesses
// inline, then the pointers moved by the operand size, downwards when DF is set (DF is never
// lazy: it lives in CpuState::flags.bits), then SCAS and CMPS compare as CMP does. The accesses
// come first, so a fault leaves the pointers as they were.
// REP forms run the interpreter's handler, which may leave the instruction unfinished to run
// again (Translator::fallback).
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;
using namespace state;

namespace {

enum class Str { Lods, Stos, Movs, Scas, Cmps };

const x::Gp CPU = CPU_REG, EAX = RegAlloc::fixed(cpu::EAX), ESI = RegAlloc::fixed(cpu::ESI),
            EDI = RegAlloc::fixed(cpu::EDI);

// Adds the operand size to each pointer in `regs`, or subtracts it when DF is set.
void step(Translator& t, unsigned size, std::initializer_list<x::Gp> regs) {
    auto& a = t.a;
    a.mov(x::ecx, x::dword_ptr(CPU, FLAGS_BITS));
    a.shr(x::ecx, 10);
    a.and_(x::ecx, 1);
    a.neg(x::ecx);
    a.and_(x::ecx, -2 * int32_t(size));
    a.add(x::ecx, size);  // DF ? -size : size
    for (const x::Gp& r : regs) a.lea(r, x::ptr(r.r64(), x::rcx));
}

template <Str S> bool string_op(Translator& t) {
    const cpu::Insn& i = t.insn();
    // MOVSD and CMPSD are also SSE2's: those have explicit operands.
    if ((i.flags & (cpu::IF_R0 | cpu::IF_MEM)) || i.asize != 4 || t.long64() ||
        (i.prefix & (cpu::PFX_REP | cpu::PFX_REPNE)))
        return false;
    const unsigned size = i.osize;
    const x::Gp value = size == 1 ? x::Gp(x::al) : size == 2 ? x::Gp(x::ax) : x::Gp(x::eax);
    auto& a = t.a;
    t.clobber_flags();
    switch (S) {
    case Str::Lods:
        a.mov(x::esi, ESI);
        t.load(size, i.seg);
        a.mov(EAX.cloneAs(value), value);
        step(t, size, {ESI});
        break;
    case Str::Stos:
        a.mov(x::eax, EAX);
        a.mov(x::esi, EDI);
        t.store(size, cpu::ES);
        step(t, size, {EDI});
        break;
    case Str::Movs:
        a.mov(x::esi, ESI);
        t.load(size, i.seg);
        a.mov(x::esi, EDI);
        t.store(size, cpu::ES);
        step(t, size, {ESI, EDI});
        break;
    case Str::Scas:  // AL/AX/EAX - ES:[EDI]
        a.mov(x::esi, EDI);
        t.load(size, cpu::ES);
        step(t, size, {EDI});
        a.cmp(EAX.cloneAs(value), value);
        t.flags_produced(FlagKind::Exact);
        break;
    case Str::Cmps: {  // [ESI] - ES:[EDI]
        a.mov(x::esi, ESI);
        t.load(size, i.seg);
        t.park_eax();
        a.mov(x::esi, EDI);
        t.load(size, cpu::ES);
        step(t, size, {ESI, EDI});
        a.mov(x::edx, x::eax);
        t.unpark_eax();
        a.cmp(value, x::edx.cloneAs(value));
        t.flags_produced(FlagKind::Exact);
        break;
    }
    }
    return true;
}

}  // namespace

void register_string_emitters(GroupEmitters e) {
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_LODSB, ZYDIS_MNEMONIC_LODSW, ZYDIS_MNEMONIC_LODSD})
        e[m] = string_op<Str::Lods>;
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_STOSB, ZYDIS_MNEMONIC_STOSW, ZYDIS_MNEMONIC_STOSD})
        e[m] = string_op<Str::Stos>;
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_MOVSB, ZYDIS_MNEMONIC_MOVSW, ZYDIS_MNEMONIC_MOVSD})
        e[m] = string_op<Str::Movs>;
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_SCASB, ZYDIS_MNEMONIC_SCASW, ZYDIS_MNEMONIC_SCASD})
        e[m] = string_op<Str::Scas>;
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_CMPSB, ZYDIS_MNEMONIC_CMPSW, ZYDIS_MNEMONIC_CMPSD})
        e[m] = string_op<Str::Cmps>;
}

}  // namespace jitpc::jit
