// The system group is large; its files each register their part through these.
#pragma once

#include "cpu/cpu.h"
#include "cpu/decode.h"

namespace jitpc::cpu {

void register_system_interrupts(Binder* t);  // INT n, INT3, INTO, INT1, IRET
void register_system_far(Binder* t);         // far JMP, CALL, RET
void register_system_segments(Binder* t);    // MOV Sreg, LDS..LSS, LAR, LSL, VERR, VERW, ARPL
void register_system_model(Binder* t);       // CPUID, RDTSC, RDPMC, RDMSR, WRMSR, SYSENTER, SYSEXIT

// The MTRRs and PAT (memory_types.cpp), for RDMSR/WRMSR once the model's list allowed the MSR.
bool is_memory_type_msr(uint32_t index);
uint64_t read_memory_type_msr(const Cpu& c, uint32_t index);
void write_memory_type_msr(Cpu& c, uint32_t index, uint64_t v);  // #GP(0) for an invalid value

// Installs `mine` for `mnemonic`, keeping the group registered before as the fallback for
// the forms `mine` does not take (it returns nullptr for those).
void chain_binder(Binder* t, unsigned mnemonic, Binder mine);

inline unsigned iopl(const Cpu& c) { return (c.flags.bits & EFLAGS_IOPL) >> 12; }

// A far pointer: the offset (`osize` bytes) at the memory operand, the selector after it.
struct FarPtr {
    uint16_t sel;
    uint32_t off;
};
inline FarPtr read_far_pointer(Cpu& c, const Insn& i) {
    const uint32_t ea = c.ea(i);
    const uint32_t off = i.osize == 4 ? c.read<uint32_t>(i.seg, ea) : c.read<uint16_t>(i.seg, ea);
    return {c.read<uint16_t>(i.seg, ea + i.osize), off};
}

}  // namespace jitpc::cpu
