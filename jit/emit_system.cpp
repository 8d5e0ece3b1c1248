// The time stamp counter and the flag instructions CLC/STC/CMC/CLD/STD.
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;
using namespace state;

namespace {

const x::Gp CPU = CPU_REG, EAX = guest_gpr(cpu::EAX), EDX = guest_gpr(cpu::EDX);

// RDTSC reads the virtual clock at its own instruction: the count in rbp plus the instructions
// of this block not counted there yet, plus the TSC offset. Ring 0 only: elsewhere CR4.TSD may
// make it #GP, which the interpreter's handler decides.
bool rdtsc(Translator& t) {
    if (t.user()) return false;
    t.clobber_flags();
    count_to(t.a, x::rax);
    if (t.count_lag()) t.a.add(x::rax, t.count_lag());
    t.a.add(x::rax, x::qword_ptr(CPU, TSC_OFFSET));
    t.a.mov(EAX, x::eax);
    t.a.shr(x::rax, 32);
    t.a.mov(EDX, x::eax);
    return true;
}

// CF lives with the other arithmetic flags, in the host's EFLAGS when an inline op left them.
template <x::Inst::Id Op> bool carry_op(Translator& t) {
    t.flags_to_host();
    t.a.emit(Op);
    t.flags_produced(t.flags_kind());
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

void register_system_emitters(Emitter* e) {
    e[ZYDIS_MNEMONIC_RDTSC] = rdtsc;
    e[ZYDIS_MNEMONIC_CLC] = carry_op<x::Inst::kIdClc>;
    e[ZYDIS_MNEMONIC_STC] = carry_op<x::Inst::kIdStc>;
    e[ZYDIS_MNEMONIC_CMC] = carry_op<x::Inst::kIdCmc>;
    e[ZYDIS_MNEMONIC_CLD] = direction<false>;
    e[ZYDIS_MNEMONIC_STD] = direction<true>;
}

}  // namespace jitpc::jit
