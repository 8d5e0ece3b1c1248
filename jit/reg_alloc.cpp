#include "jit/reg_alloc.h"

#include "cpu/state.h"
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

x::Gp host_of(unsigned r) { return x::gpq(8 + r); }

}  // namespace

std::optional<x::Gp> RegAlloc::guest(unsigned r, unsigned size) {
    // A byte register is a cpu::Reg8: SPL..DIL (4-7) are the low bytes of their registers, and
    // AH..BH (16-19) cannot be named next to REX registers.
    if (r >= HOSTED) return std::nullopt;
    switch (size) {
    case 8: return host_of(r);
    case 4: return host_of(r).r32();
    case 2: return host_of(r).r16();
    case 1: return host_of(r).r8Lo();
    default: return std::nullopt;
    }
}

x::Gp RegAlloc::fixed(unsigned r) { return host_of(r).r32(); }

std::optional<unsigned> RegAlloc::guest_of(const x::Gp& host) {
    if (host.id() < 8) return std::nullopt;
    return unsigned(host.id()) - 8;
}

x::Mem RegAlloc::home(unsigned r) { return x::qword_ptr(CPU_REG, state::GPR + 8 * int32_t(r)); }

void RegAlloc::write_back(x::Assembler& a) {
    for (unsigned r = 0; r < HOSTED; ++r) a.mov(home(r), host_of(r));
}

void RegAlloc::reload(x::Assembler& a) {
    for (unsigned r = 0; r < HOSTED; ++r) a.mov(host_of(r), home(r));
}

// r8-r11 are caller-saved in the System V ABI.
void RegAlloc::save_caller_saved(x::Assembler& a) {
    for (unsigned r = 0; r < CALLER_SAVED; ++r) a.push(host_of(r));
}

void RegAlloc::restore_caller_saved(x::Assembler& a) {
    for (unsigned r = CALLER_SAVED; r-- > 0;) a.pop(host_of(r));
}

}  // namespace jitpc::jit
