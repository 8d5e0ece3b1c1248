// The system group is large; its files each register their part through these.
#pragma once

#include "cpu/cpu.h"
#include "cpu/decode.h"

namespace jitpc::cpu {

void register_system_interrupts(Binder* t);  // INT n, INT3, INTO, INT1, IRET
void register_system_far(Binder* t);         // far JMP, CALL, RET
void register_system_segments(Binder* t);    // MOV Sreg, LDS..LSS, LAR, LSL, VERR, VERW, ARPL
void register_system_model(Binder* t);       // CPUID, RDTSC(P), RDPMC, RDMSR, WRMSR, SYSENTER, SYSEXIT
void register_system_syscall(Binder* t);     // SYSCALL, SYSRET, SWAPGS

// The MTRRs and PAT (memory_types.cpp), for RDMSR/WRMSR once the model's list allowed the MSR.
bool is_memory_type_msr(uint32_t index);
uint64_t read_memory_type_msr(const Cpu& c, uint32_t index);
void write_memory_type_msr(Cpu& c, uint32_t index, uint64_t v);  // #GP(0) for an invalid value

// Installs `mine` for `mnemonic`, keeping the group registered before as the fallback for
// the forms `mine` does not take (it returns nullptr for those).
void chain_binder(Binder* t, unsigned mnemonic, Binder mine);

// The flat segments SYSENTER/SYSEXIT and SYSCALL/SYSRET load without reading descriptors:
// base 0, limit 4 GiB, present, accessed, of `kind` (FLAT_* attributes) and `dpl`.
constexpr uint16_t FLAT_CODE32 = attr::CODE | attr::READABLE | attr::DB;
constexpr uint16_t FLAT_CODE64 = attr::CODE | attr::READABLE | attr::L;
constexpr uint16_t FLAT_DATA = attr::WRITABLE | attr::DB;
inline void load_flat(SegCache& s, uint16_t sel, uint16_t kind, unsigned dpl) {
    s.sel = sel;
    s.base = 0;
    s.limit = 0xFFFFFFFFu;
    s.attrs = static_cast<uint16_t>(attr::P | attr::S | attr::G | attr::ACCESSED | kind |
                                    dpl << attr::DPL_SHIFT);
    s.refresh();
}

inline unsigned iopl(const Cpu& c) { return (c.flags.bits & EFLAGS_IOPL) >> 12; }

// A far pointer: the offset (`osize` bytes, 8 with REX.W) at the memory operand, the selector
// after it.
struct FarPtr {
    uint16_t sel;
    uint64_t off;
};
inline FarPtr read_far_pointer(Cpu& c, const Insn& i) {
    const uint64_t ea = c.ea(i);
    uint64_t off = i.osize == 2 ? c.read<uint16_t>(i.seg, ea) : c.read<uint32_t>(i.seg, ea);
    if (i.osize == 8) off |= uint64_t(c.read<uint32_t>(i.seg, ea + 4)) << 32;
    return {c.read<uint16_t>(i.seg, ea + i.osize), off};
}

}  // namespace jitpc::cpu
