// System instructions (cpu/ops/system.cpp and its parts): the time stamp counter, CLI, STI.
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;
using namespace state;

namespace {

const x::Gp CPU = CPU_REG, EAX = RegAlloc::fixed(cpu::EAX), ECX = RegAlloc::fixed(cpu::ECX),
            EDX = RegAlloc::fixed(cpu::EDX);

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

// RDTSCP: RDTSC's value, and TSC_AUX in ECX (RCX's upper half cleared).
bool rdtscp(Translator& t) {
    if (!rdtsc(t)) return false;
    t.a.mov(ECX, x::dword_ptr(CPU, int32_t(offsetof(cpu::CpuState, tsc_aux))));
    return true;
}

// CLI at CPL 0 (real mode's too), which CPL <= IOPL always allows: IF cleared. Elsewhere the
// interpreter's handler applies the IOPL rule. It ends its block, which goes on linked.
bool cli(Translator& t) {
    if (t.user()) return false;
    t.guarded([&](const asmjit::Label& slow) {
        t.a.cmp(x::byte_ptr(CPU, int32_t(offsetof(cpu::CpuState, cpl))), 0);
        t.a.jne(slow);
        t.a.and_(x::dword_ptr(CPU, FLAGS_BITS), ~cpu::EFLAGS_IF);
    });
    t.exit_to(t.next_offset());
    return true;
}

// STI at CPL 0, likewise: IF set, and when it was clear, the one-instruction interrupt shadow
// that comes with it. Nothing can observe that shadow when no event is pending now and the next
// boundary is before the count limit, where the platform raises events
// (cpu::Interpreter::quiet_boundary): the block goes on linked without it. Otherwise the
// interpreter's handler sets IF and the shadow, and the dispatcher takes over.
bool sti(Translator& t) {
    if (t.user()) return false;
    t.guarded([&](const asmjit::Label& slow) {
        asmjit::Label done = t.a.newLabel();
        t.a.cmp(x::byte_ptr(CPU, int32_t(offsetof(cpu::CpuState, cpl))), 0);
        t.a.jne(slow);
        t.a.test(x::dword_ptr(CPU, FLAGS_BITS), cpu::EFLAGS_IF);
        t.a.jnz(done);
        t.a.cmp(x::byte_ptr(CPU, int32_t(offsetof(cpu::CpuState, events))), 0);
        t.a.jne(slow);
        t.a.cmp(COUNT_REG, -(t.count_lag() + 1));  // the count after STI, minus the limit, is < 0
        t.a.jge(slow);
        t.a.or_(x::dword_ptr(CPU, FLAGS_BITS), cpu::EFLAGS_IF);
        t.a.bind(done);
    });
    t.exit_to(t.next_offset());
    return true;
}

}  // namespace

void register_system_emitters(GroupEmitters e) {
    e[ZYDIS_MNEMONIC_CLI] = cli;
    e[ZYDIS_MNEMONIC_STI] = sti;
    e[ZYDIS_MNEMONIC_RDTSC] = rdtsc;
    e[ZYDIS_MNEMONIC_RDTSCP] = rdtscp;
}

}  // namespace jitpc::jit
