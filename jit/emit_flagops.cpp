// Flag instructions (cpu/ops/flagops.cpp): CLC, STC, CMC, CLD, STD, SAHF.
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;
using namespace state;

namespace {

const x::Gp CPU = CPU_REG;

// CF lives with the other arithmetic flags, in the host's EFLAGS when an inline op left them.
template <x::Inst::Id Op> bool carry_op(Translator& t) {
    t.flags_to_host();
    t.a.emit(Op);
    t.flags_produced(t.flags_kind());
    return true;
}

// SAHF: the host's own, from the guest's AH, over the guest's flags in the host (for OF, which
// it keeps); every flag is then exact.
bool sahf(Translator& t) {
    t.flags_to_host();
    t.a.mov(x::eax, RegAlloc::fixed(cpu::EAX));
    t.a.sahf();
    t.flags_produced(FlagKind::Exact);
    return true;
}

// DF is never lazy: it lives in CpuState::flags.bits.
template <bool Set> bool direction(Translator& t) {
    t.clobber_flags();
    if (Set)
        t.a.or_(x::dword_ptr(CPU, FLAGS_BITS), cpu::EFLAGS_DF);
    else
        t.a.and_(x::dword_ptr(CPU, FLAGS_BITS), ~cpu::EFLAGS_DF);
    return true;
}

}  // namespace

void register_flagops_emitters(GroupEmitters e) {
    e[ZYDIS_MNEMONIC_CLC] = carry_op<x::Inst::kIdClc>;
    e[ZYDIS_MNEMONIC_STC] = carry_op<x::Inst::kIdStc>;
    e[ZYDIS_MNEMONIC_CMC] = carry_op<x::Inst::kIdCmc>;
    e[ZYDIS_MNEMONIC_CLD] = direction<false>;
    e[ZYDIS_MNEMONIC_STD] = direction<true>;
    e[ZYDIS_MNEMONIC_SAHF] = sahf;
}

}  // namespace jitpc::jit
