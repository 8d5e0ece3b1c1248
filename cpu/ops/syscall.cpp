// SYSCALL, SYSRET and SWAPGS, as Intel processors have them: only in 64-bit mode (#UD
// elsewhere, and SYSCALL/SYSRET also while EFER.SCE is clear).
//
// The segments come from STAR without reading descriptors (SDM Vol. 2 SYSCALL, SYSRET):
// SYSCALL loads CS = STAR[47:32] (64-bit, DPL 0) and SS = that + 8; SYSRET loads SS =
// STAR[63:48] + 8 and CS = STAR[63:48] (32-bit compatibility code) or, with REX.W, that + 16
// (64-bit code), all with RPL and DPL 3. The caches are flat 4 GiB, as the SDM writes them.
#include <utility>

#include "cpu/ops/operands.h"
#include "cpu/ops/system_parts.h"

namespace jitpc::cpu::ops {
namespace {

// RFLAGS bits SYSRET loads from R11: everything but RF, VM and the reserved bits.
constexpr uint32_t SYSRET_FLAGS = 0x3C7FD7;

void require_syscall(const Cpu& c) {
    if (c.mode() != CpuMode::Long64 || !(c.efer & efer::SCE)) raise_ud();
}

void syscall(Cpu& c, const Insn&) {
    require_syscall(c);
    c.gpr[ECX] = c.next_rip;
    const uint32_t rflags = c.flags.get() & ~EFLAGS_RF;
    c.gpr[R11] = rflags;
    c.flags.set(rflags & ~c.fmask, EFLAGS_WRITABLE);
    const uint16_t cs = static_cast<uint16_t>(c.star >> 32) & 0xFFFC;
    load_flat(c.seg[CS], cs, FLAT_CODE64, 0);
    load_flat(c.seg[SS], static_cast<uint16_t>(cs + 8), FLAT_DATA, 0);
    c.set_cpl(0);
    c.next_rip = c.lstar;
}

void sysret(Cpu& c, const Insn& i) {
    require_syscall(c);
    if (c.cpl != 0) raise_gp(0);
    const bool to64 = i.osize == 8;
    // Intel checks RCX before leaving ring 0, so a non-canonical return address faults in the
    // kernel rather than at CPL 3.
    if (to64 && !c.model.canonical(c.gpr[ECX])) raise_gp(0);
    const uint16_t base = static_cast<uint16_t>(c.star >> 48);
    c.flags.set(uint32_t(c.gpr[R11]), SYSRET_FLAGS);
    if (to64) load_flat(c.seg[CS], static_cast<uint16_t>((base + 16) | 3), FLAT_CODE64, 3);
    else load_flat(c.seg[CS], static_cast<uint16_t>(base | 3), FLAT_CODE32, 3);
    // SS's selector is written, its cache made flat; Intel leaves its DPL at 3.
    load_flat(c.seg[SS], static_cast<uint16_t>((base + 8) | 3), FLAT_DATA, 3);
    c.set_cpl(3);
    c.next_rip = to64 ? c.gpr[ECX] : uint32_t(c.gpr[ECX]);
}

void swapgs(Cpu& c, const Insn&) {
    if (c.mode() != CpuMode::Long64) raise_ud();
    if (c.cpl != 0) raise_gp(0);
    std::swap(c.seg[GS].base, c.kernel_gs_base);
}

}  // namespace
}  // namespace jitpc::cpu::ops

namespace jitpc::cpu {

void register_system_syscall(Binder* t) {
    using namespace ops;
    t[ZYDIS_MNEMONIC_SYSCALL] = bind_end<syscall>;
    t[ZYDIS_MNEMONIC_SYSRET] = bind_end<sysret>;
    t[ZYDIS_MNEMONIC_SWAPGS] = bind_end<swapgs>;
}

}  // namespace jitpc::cpu
