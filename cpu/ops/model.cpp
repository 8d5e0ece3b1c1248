// CPUID, RDTSC, RDPMC, RDMSR/WRMSR and SYSENTER/SYSEXIT.
//
// Implementation choices (docs/undefined.md, "System instructions"):
//   MSRs: 0x10 TSC (WRMSR loads EAX zero-extended: a P6 clears the high half), 0x17 platform
//   ID (reads 0, writes ignored), 0x8B BIOS_SIGN_ID (microcode revision MICROCODE_REV in EDX,
//   EAX 0; writes ignored), 0x174-0x176
//   SYSENTER_CS/ESP/EIP, 0x1D9 DEBUGCTL (bits 0-6 kept), 0xC1/0xC2 PerfCtr0/1 (a write loads
//   EAX sign-extended to 40 bits, as on the P6) and 0x186/0x187 PerfEvtSel0/1 (kept; no event
//   is counted). Every other MSR raises #GP(0).
#include "cpu/cpuid.h"
#include "cpu/ops/operands.h"
#include "cpu/ops/system_parts.h"

namespace jitpc::cpu::ops {
namespace {

void cpuid_op(Cpu& c, const Insn&) {
    const CpuidResult r = cpuid(c.gpr[EAX]);
    c.gpr[EAX] = r.eax;
    c.gpr[EBX] = r.ebx;
    c.gpr[ECX] = r.ecx;
    c.gpr[EDX] = r.edx;
}

void set_edx_eax(Cpu& c, uint64_t v) {
    c.gpr[EAX] = static_cast<uint32_t>(v);
    c.gpr[EDX] = static_cast<uint32_t>(v >> 32);
}

void rdtsc(Cpu& c, const Insn&) {
    if ((c.cr4 & cr4::TSD) && c.pe() && c.cpl != 0) raise_gp(0);
    set_edx_eax(c, c.tsc());
}

constexpr uint32_t MICROCODE_REV = 1;

enum Msr : uint32_t {
    MSR_TSC = 0x10, MSR_PLATFORM_ID = 0x17, MSR_BIOS_SIGN_ID = 0x8B, MSR_PERFCTR0 = 0xC1,
    MSR_PERFCTR1 = 0xC2, MSR_SYSENTER_CS = 0x174, MSR_SYSENTER_ESP = 0x175,
    MSR_SYSENTER_EIP = 0x176, MSR_PERFEVTSEL0 = 0x186, MSR_PERFEVTSEL1 = 0x187,
    MSR_DEBUGCTL = 0x1D9,
};
constexpr uint64_t PERFCTR_MASK = (uint64_t(1) << 40) - 1;

// RDPMC: counters 0 and 1; outside ring 0 only with CR4.PCE (v86 mode is ring 3).
void rdpmc(Cpu& c, const Insn&) {
    if (c.pe() && c.cpl != 0 && !(c.cr4 & cr4::PCE)) raise_gp(0);
    const uint32_t n = c.gpr[ECX];
    if (n > 1) raise_gp(0);
    set_edx_eax(c, c.perfctr[n]);
}

void require_msr_access(const Cpu& c) {
    if (c.pe() && c.cpl != 0) raise_gp(0);
}

void rdmsr(Cpu& c, const Insn&) {
    require_msr_access(c);
    uint64_t v;
    switch (c.gpr[ECX]) {
    case MSR_TSC: v = c.tsc(); break;
    case MSR_PLATFORM_ID: v = 0; break;
    case MSR_BIOS_SIGN_ID: v = uint64_t(MICROCODE_REV) << 32; break;
    case MSR_SYSENTER_CS: v = c.sysenter_cs; break;
    case MSR_SYSENTER_ESP: v = c.sysenter_esp; break;
    case MSR_SYSENTER_EIP: v = c.sysenter_eip; break;
    case MSR_DEBUGCTL: v = c.debugctl; break;
    case MSR_PERFCTR0: case MSR_PERFCTR1: v = c.perfctr[c.gpr[ECX] - MSR_PERFCTR0]; break;
    case MSR_PERFEVTSEL0: case MSR_PERFEVTSEL1: v = c.perfevtsel[c.gpr[ECX] - MSR_PERFEVTSEL0]; break;
    default: raise_gp(0);
    }
    set_edx_eax(c, v);
}

void wrmsr(Cpu& c, const Insn&) {
    require_msr_access(c);
    const uint32_t lo = c.gpr[EAX];
    switch (c.gpr[ECX]) {
    case MSR_TSC: c.tsc_offset = uint64_t(lo) - c.icount; break;
    case MSR_PLATFORM_ID: case MSR_BIOS_SIGN_ID: break;
    case MSR_SYSENTER_CS: c.sysenter_cs = lo & 0xFFFF; break;
    case MSR_SYSENTER_ESP: c.sysenter_esp = lo; break;
    case MSR_SYSENTER_EIP: c.sysenter_eip = lo; break;
    case MSR_DEBUGCTL: c.debugctl = lo & 0x7F; break;
    case MSR_PERFCTR0: case MSR_PERFCTR1:
        c.perfctr[c.gpr[ECX] - MSR_PERFCTR0] = uint64_t(int64_t(int32_t(lo))) & PERFCTR_MASK;
        break;
    case MSR_PERFEVTSEL0: case MSR_PERFEVTSEL1: c.perfevtsel[c.gpr[ECX] - MSR_PERFEVTSEL0] = lo; break;
    default: raise_gp(0);
    }
    c.request_exit();
}

// The flat 4 GiB segments SYSENTER/SYSEXIT load without reading descriptors.
void load_flat(SegCache& s, uint16_t sel, bool code, unsigned dpl) {
    s.sel = sel;
    s.base = 0;
    s.limit = 0xFFFFFFFFu;
    s.attrs = attr::P | attr::S | attr::DB | attr::G | attr::ACCESSED |
              static_cast<uint16_t>(dpl << attr::DPL_SHIFT) |
              (code ? attr::CODE | attr::READABLE : attr::WRITABLE);
    s.refresh();
}

void sysenter(Cpu& c, const Insn&) {
    if (!c.pe() || (c.sysenter_cs & 0xFFFC) == 0) raise_gp(0);
    c.flags.bits &= ~(EFLAGS_VM | EFLAGS_IF | EFLAGS_RF);
    const uint16_t cs = static_cast<uint16_t>(c.sysenter_cs & 0xFFFC);
    load_flat(c.seg[CS], cs, true, 0);
    load_flat(c.seg[SS], static_cast<uint16_t>(cs + 8), false, 0);
    c.set_cpl(0);
    c.gpr[ESP] = c.sysenter_esp;
    c.next_rip = c.sysenter_eip;
}

void sysexit(Cpu& c, const Insn&) {
    if (!c.protected_mode() || c.cpl != 0 || (c.sysenter_cs & 0xFFFC) == 0) raise_gp(0);
    const uint16_t cs = static_cast<uint16_t>(c.sysenter_cs);
    load_flat(c.seg[CS], static_cast<uint16_t>((cs + 16) | 3), true, 3);
    load_flat(c.seg[SS], static_cast<uint16_t>((cs + 24) | 3), false, 3);
    c.set_cpl(3);
    c.gpr[ESP] = c.gpr[ECX];
    c.next_rip = c.gpr[EDX];
}

}  // namespace
}  // namespace jitpc::cpu::ops

namespace jitpc::cpu {

void register_system_model(Binder* t) {
    using namespace ops;
    t[ZYDIS_MNEMONIC_CPUID] = bind_fixed<cpuid_op>;
    t[ZYDIS_MNEMONIC_RDTSC] = bind_fixed<rdtsc>;
    t[ZYDIS_MNEMONIC_RDPMC] = bind_fixed<rdpmc>;
    t[ZYDIS_MNEMONIC_RDMSR] = bind_fixed<rdmsr>;
    t[ZYDIS_MNEMONIC_WRMSR] = bind_end<wrmsr>;
    t[ZYDIS_MNEMONIC_SYSENTER] = bind_end<sysenter>;
    t[ZYDIS_MNEMONIC_SYSEXIT] = bind_end<sysexit>;
}

}  // namespace jitpc::cpu
