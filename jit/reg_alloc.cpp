#include "jit/reg_alloc.h"

#include "cpu/state.h"
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

x::Gp host_of(unsigned r) { return x::gpq(8 + r); }

x::Gp sized(const x::Gp& r64, unsigned size, unsigned r) {
    switch (size) {
    case 8: return r64;
    case 4: return r64.r32();
    case 2: return r64.r16();
    case 1: return r < cpu::AH ? x::Gp(r64.r8Lo()) : x::Gp();
    default: return x::Gp();
    }
}

// The pinned guest registers a binding spills first: those instructions name least often
// as implicit operands (never RSP).
constexpr uint8_t VICTIMS[] = {cpu::EBP, cpu::EBX, cpu::ESI, cpu::EDI, cpu::EDX, cpu::ECX, cpu::EAX};

}  // namespace

std::optional<x::Gp> RegAlloc::guest(unsigned r, unsigned size) {
    // A byte register is a cpu::Reg8: SPL..DIL (4-7) are the low bytes of their registers, and
    // AH..BH (16-19) cannot be named next to REX registers.
    if (r >= HOSTED) return std::nullopt;
    const x::Gp g = sized(host_of(r), size, r);
    return g.isValid() ? std::optional(g) : std::nullopt;
}

std::optional<x::Gp> RegAlloc::host(unsigned r, unsigned size) const {
    const unsigned gpr = r >= cpu::AH ? r - cpu::AH : r;  // a cpu::Reg8
    for (unsigned n = 0; n < binding_.count; ++n) {
        if (binding_.victim[n] == gpr) return std::nullopt;
        if (binding_.bound[n] == r) {
            const x::Gp g = sized(host_of(binding_.victim[n]), size, r);
            return g.isValid() ? std::optional(g) : std::nullopt;
        }
    }
    return guest(r, size);
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

bool RegAlloc::prepare(x::Assembler& a, uint16_t named, uint16_t touched) {
    uint16_t victims = 0, bound = 0;
    for (unsigned n = 0; n < binding_.count; ++n) {
        victims |= uint16_t(1u << binding_.victim[n]);
        bound |= uint16_t(1u << binding_.bound[n]);
    }
    if (touched & victims) {
        close(a);
        victims = bound = 0;
    }
    const uint16_t missing = named & ~bound & ~((1u << HOSTED) - 1);
    unsigned v = 0;
    for (unsigned r = HOSTED; r < 16; ++r) {
        if (!(missing & 1u << r)) continue;
        while (v < std::size(VICTIMS) && ((touched | victims) & 1u << VICTIMS[v])) ++v;
        if (v == std::size(VICTIMS)) {
            // Out of victims: begin again with none bound, unless that was the case already.
            const bool retry = binding_.count > 0;
            close(a);
            return retry && prepare(a, named, touched);
        }
        const unsigned victim = VICTIMS[v++];
        a.mov(home(victim), host_of(victim));
        a.mov(host_of(victim), home(r));
        binding_.bound[binding_.count] = uint8_t(r);
        binding_.victim[binding_.count++] = uint8_t(victim);
    }
    return true;
}

void RegAlloc::wrote(uint16_t written) {
    for (unsigned n = 0; n < binding_.count; ++n) binding_.dirty |= uint16_t(written & 1u << binding_.bound[n]);
}

void RegAlloc::close(x::Assembler& a) {
    leave(a, binding_);
    binding_ = {};
}

void RegAlloc::leave(x::Assembler& a, const Binding& b) {
    for (unsigned n = 0; n < b.count; ++n) {
        if (b.dirty & 1u << b.bound[n]) a.mov(home(b.bound[n]), host_of(b.victim[n]));
        a.mov(host_of(b.victim[n]), home(b.victim[n]));
    }
}

void RegAlloc::enter(x::Assembler& a, const Binding& b) {
    for (unsigned n = 0; n < b.count; ++n) a.mov(host_of(b.victim[n]), home(b.bound[n]));
}

}  // namespace jitpc::jit
