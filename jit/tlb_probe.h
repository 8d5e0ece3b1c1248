// The TLB hit test of cpu/mmu/tlb.h (tlb_hit), emitted: the only JIT code that knows the entry's
// layout. Every inline memory access and every check of the code TLB goes through it. Outside
// IA-32e mode tags' upper halves are zero (cpu/mmu/tlb.h): the test of 32-bit legacy code
// compares the low half with the 32-bit page; in IA-32e mode (64-bit and compatibility-mode
// code: `wide`) it compares the whole tag with the 64-bit page. A tag is a canonical page, and
// an access whose first and last byte are not both canonical either is in a non-canonical page
// or crosses into another page (whose entry is elsewhere): it never hits, and the slow path
// raises the fault.
#pragma once

#include <asmjit/x86.h>

#include <cstdint>

#include "cpu/mmu/tlb.h"

namespace jitpc::jit {

class TlbProbe {
public:
    // The table at `tlb` bytes from the CPU state register; `entry` receives the entry's
    // offset in it and `scratch` is clobbered (it may be the linear address's register when
    // nothing needs that address after the test).
    TlbProbe(asmjit::x86::Assembler& a, int32_t tlb, asmjit::x86::Gp entry, asmjit::x86::Gp scratch, bool wide)
        : a_(a), tlb_(tlb), entry_(entry.r32()), scratch_(wide ? asmjit::x86::Gp(scratch.r64()) : asmjit::x86::Gp(scratch.r32())) {}

    // Jumps to `miss` unless the entry of `lin`'s page maps [lin, lin + size) for `acc`.
    // Clobbers the host's flags.
    void hit(const asmjit::x86::Gp& lin, unsigned size, cpu::Access acc, const asmjit::Label& miss);
    // hit() without writing the host's flags: BMI2 shifts compute the entry and the page, LEA
    // subtracts, JECXZ (JRCXZ) tests. Clobbers rcx too (neither `lin`, `entry` nor `scratch`).
    void hit_keeping_flags(const asmjit::x86::Gp& lin, unsigned size, cpu::Access acc,
                           const asmjit::Label& miss);
    // After a hit: the host memory of [lin, lin + size) (loads the addend into `scratch`).
    asmjit::x86::Mem host(const asmjit::x86::Gp& lin, unsigned size);
    // After a hit: the entry's physical page number.
    asmjit::x86::Mem frame() const;

private:
    asmjit::x86::Mem field(size_t offset, unsigned size) const;

    asmjit::x86::Assembler& a_;
    int32_t tlb_;
    asmjit::x86::Gp entry_, scratch_;  // scratch_ is as wide as the tags compared
};

}  // namespace jitpc::jit
