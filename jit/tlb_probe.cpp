#include "jit/tlb_probe.h"

#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;
using cpu::TlbEntry;

x::Mem TlbProbe::field(size_t offset, unsigned size) const {
    return x::ptr(CPU_REG, entry_.r64(), 0, tlb_ + int32_t(offset), size);
}

void TlbProbe::hit(const x::Gp& lin, unsigned size, cpu::Access acc, const asmjit::Label& miss) {
    a_.mov(entry_, lin.r32());
    a_.shr(entry_, 12 - cpu::TLB_ENTRY_SHIFT);  // the page's entry index times the entry size
    a_.and_(entry_, (cpu::TLB_SIZE - 1) << cpu::TLB_ENTRY_SHIFT);
    if (size > 1 || scratch_.id() != lin.id()) a_.lea(scratch_, x::ptr(lin.r64(), int32_t(size - 1)));
    a_.and_(scratch_, int32_t(memory::PAGE_MASK));  // the page of the last byte
    a_.cmp(scratch_, field(offsetof(TlbEntry, tag) + sizeof(uint64_t) * acc, scratch_.size()));
    a_.jne(miss);
}

void TlbProbe::hit_keeping_flags(const x::Gp& lin, unsigned size, cpu::Access acc,
                                 const asmjit::Label& miss) {
    const x::Gp c = x::rcx.cloneAs(scratch_);
    a_.mov(x::ecx, 12);
    a_.lea(scratch_, x::ptr(lin.r64(), int32_t(size - 1)));
    a_.shrx(scratch_, scratch_, c);
    a_.shlx(scratch_, scratch_, c);  // the page of the last byte
    a_.not_(scratch_);
    a_.rorx(entry_, lin.r32(), 12);  // the page number's low 20 bits in bits 0-19
    a_.mov(x::ecx, 32 - cpu::TLB_BITS);
    a_.shlx(entry_, entry_, x::ecx);
    a_.rorx(entry_, entry_, 32 - cpu::TLB_BITS - cpu::TLB_ENTRY_SHIFT);  // its entry's offset
    a_.mov(c, field(offsetof(TlbEntry, tag) + sizeof(uint64_t) * acc, c.size()));
    a_.lea(c, x::ptr(x::rcx, scratch_.r64(), 0, 1));  // tag - page: 0 on a hit
    asmjit::Label hit = a_.newLabel();
    a_.jecxz(c, hit);
    a_.jmp(miss);
    a_.bind(hit);
}

x::Mem TlbProbe::host(const x::Gp& lin, unsigned size) {
    a_.mov(scratch_.r64(), field(offsetof(TlbEntry, addend), 8));
    return x::ptr(scratch_.r64(), lin.r64(), 0, 0, size);
}

x::Mem TlbProbe::frame() const { return field(offsetof(TlbEntry, frame), 4); }

}  // namespace jitpc::jit
