// CPUID, RDTSC, RDTSCP, RDPMC, RDMSR/WRMSR and SYSENTER/SYSEXIT.
//
// Implementation choices (docs/undefined.md, "System instructions"): RDMSR/WRMSR reach only
// the MSRs the CPU model lists (cpu/models/), any other raises #GP(0). Of those:
//   0x10 TSC (WRMSR loads EAX zero-extended: a P6 clears the high half), 0x17 platform ID
//   (reads 0, writes ignored), 0x3A FEATURE_CONTROL (reads 1: locked, VMX off; writes #GP as
//   on a locked register), 0x8B BIOS_SIGN_ID (the model's microcode revision in EDX, EAX 0;
//   writes ignored), 0x174-0x176 SYSENTER_CS/ESP/EIP, 0x1A0 MISC_ENABLE (the model's value;
//   writes ignored), 0x1D9 DEBUGCTL (bits 0-6 kept), 0xC1/0xC2 PerfCtr0/1 (a write loads EAX
//   sign-extended to 40 bits, as on the P6), 0x186/0x187 PerfEvtSel0/1 (kept; no event is
//   counted), 0xC0000080 EFER (the model's writable bits; LMA read-only), the MTRRs and
//   PAT (memory_types.cpp) and the long-mode MSRs: 0xC0000081 STAR (any value),
//   0xC0000082/83 LSTAR/CSTAR, 0xC0000100/101 FS_BASE/GS_BASE (the segment registers' bases)
//   and 0xC0000102 KERNEL_GS_BASE (a non-canonical address #GP(0)), 0xC0000084 FMASK and
//   0xC0000103 TSC_AUX (bits 63:32 reserved: #GP(0)).
#include "cpu/ops/operands.h"
#include "cpu/ops/system_parts.h"

namespace jitpc::cpu::ops {
namespace {

// Leaf 1 ECX bit 27 (OSXSAVE) mirrors CR4.OSXSAVE.
constexpr uint32_t CPUID1_ECX_OSXSAVE = 1u << 27, CPUID1_EDX_APIC = 1u << 9;
constexpr uint64_t APIC_BASE_ENABLE = 1u << 11;

void cpuid_op(Cpu& c, const Insn&) {
    CpuidResult r = c.model.cpuid(c.gpr[EAX], c.gpr[ECX]);
    if (uint32_t(c.gpr[EAX]) == 1 && (c.cr4 & cr4::OSXSAVE)) r.ecx |= CPUID1_ECX_OSXSAVE;
    // A hardware-disabled APIC (IA32_APIC_BASE.EN clear) is no APIC (SDM Vol. 3 10.4.3).
    if (uint32_t(c.gpr[EAX]) == 1 && !(c.bus.apic_base() & APIC_BASE_ENABLE)) r.edx &= ~CPUID1_EDX_APIC;
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
// RDTSCP: RDTSC's value and its TSD rule, with TSC_AUX in ECX (RCX's upper half cleared).
void rdtscp(Cpu& c, const Insn& i) {
    rdtsc(c, i);
    c.gpr[ECX] = c.tsc_aux;
}

enum Msr : uint32_t {
    MSR_TSC = 0x10, MSR_PLATFORM_ID = 0x17, MSR_FEATURE_CONTROL = 0x3A, MSR_BIOS_SIGN_ID = 0x8B, MSR_APIC_BASE = 0x1B,
    MSR_PERFCTR0 = 0xC1, MSR_PERFCTR1 = 0xC2, MSR_SYSENTER_CS = 0x174, MSR_SYSENTER_ESP = 0x175,
    MSR_SYSENTER_EIP = 0x176, MSR_PERFEVTSEL0 = 0x186, MSR_PERFEVTSEL1 = 0x187,
    MSR_MISC_ENABLE = 0x1A0, MSR_DEBUGCTL = 0x1D9, MSR_TSC_DEADLINE = 0x6E0, MSR_EFER = 0xC0000080, MSR_STAR = 0xC0000081,
    MSR_LSTAR = 0xC0000082, MSR_CSTAR = 0xC0000083, MSR_FMASK = 0xC0000084, MSR_FS_BASE = 0xC0000100,
    MSR_GS_BASE = 0xC0000101, MSR_KERNEL_GS_BASE = 0xC0000102, MSR_TSC_AUX = 0xC0000103,
};
constexpr uint64_t FEATURE_CONTROL_LOCKED = 1;
constexpr uint64_t PERFCTR_MASK = (uint64_t(1) << 40) - 1;

// RDPMC: counters 0 and 1; outside ring 0 only with CR4.PCE (v86 mode is ring 3).
void rdpmc(Cpu& c, const Insn&) {
    if (c.pe() && c.cpl != 0 && !(c.cr4 & cr4::PCE)) raise_gp(0);
    const uint32_t n = c.gpr[ECX];
    if (n > 1) raise_gp(0);
    set_edx_eax(c, c.perfctr[n]);
}

// The x2APIC registers' MSRs, which the local APIC answers (or not: #GP) by its mode.
bool x2apic_msr(const Cpu& c, uint32_t index) {
    return c.model.has(Feature::X2APIC) && (index & ~0xFFu) == 0x800;
}

// The MSR ECX names, once CPL 0 and the model's MSR list allow the access.
uint32_t msr_index(const Cpu& c) {
    const uint32_t index = uint32_t(c.gpr[ECX]);
    if ((c.pe() && c.cpl != 0) || !(c.model.has_msr(index) || x2apic_msr(c, index))) raise_gp(0);
    return index;
}

// EFER: reserved bits and the bits the model lacks #GP; LMA keeps its value; LME cannot change
// while paging is on (SDM Vol. 3 9.8.5).
void write_efer(Cpu& c, uint64_t v) {
    const uint64_t writable = c.model.efer_writable();
    if (v & ~(writable | efer::LMA)) raise_gp(0);
    if ((c.cr0 & cr0::PG) && ((v ^ c.efer) & efer::LME)) raise_gp(0);
    const uint64_t changed = c.efer ^ ((v & writable) | (c.efer & efer::LMA));
    c.efer ^= changed;
    // The TLB caches execute rights and reserved-bit results that NXE changes.
    if (changed & efer::NXE) c.mmu.flush_all();
}

void rdmsr(Cpu& c, const Insn&) {
    uint64_t v;
    switch (const uint32_t index = msr_index(c)) {
    case MSR_TSC: v = c.tsc(); break;
    case MSR_PLATFORM_ID: v = 0; break;
    case MSR_FEATURE_CONTROL: v = FEATURE_CONTROL_LOCKED; break;
    case MSR_BIOS_SIGN_ID: v = uint64_t(c.model.microcode_revision) << 32; break;
    case MSR_APIC_BASE: v = c.bus.apic_base(); break;
    case MSR_TSC_DEADLINE: v = c.bus.tsc_deadline(); break;
    case MSR_SYSENTER_CS: v = c.sysenter_cs; break;
    case MSR_SYSENTER_ESP: v = c.sysenter_esp; break;
    case MSR_SYSENTER_EIP: v = c.sysenter_eip; break;
    case MSR_MISC_ENABLE: v = c.model.misc_enable; break;
    case MSR_DEBUGCTL: v = c.debugctl; break;
    case MSR_PERFCTR0: case MSR_PERFCTR1: v = c.perfctr[index - MSR_PERFCTR0]; break;
    case MSR_PERFEVTSEL0: case MSR_PERFEVTSEL1: v = c.perfevtsel[index - MSR_PERFEVTSEL0]; break;
    case MSR_EFER: v = c.efer; break;
    case MSR_STAR: v = c.star; break;
    case MSR_LSTAR: v = c.lstar; break;
    case MSR_CSTAR: v = c.cstar; break;
    case MSR_FMASK: v = c.fmask; break;
    case MSR_FS_BASE: v = c.seg[FS].base; break;
    case MSR_GS_BASE: v = c.seg[GS].base; break;
    case MSR_KERNEL_GS_BASE: v = c.kernel_gs_base; break;
    case MSR_TSC_AUX: v = c.tsc_aux; break;
    default:
        if (x2apic_msr(c, index)) {
            if (!c.bus.read_x2apic(index, v)) raise_gp(0);
            break;
        }
        if (!is_memory_type_msr(index)) raise_gp(0);
        v = read_memory_type_msr(c, index);
    }
    set_edx_eax(c, v);
}

// An address MSR takes canonical values only; a 32-bit one has reserved bits 63:32.
uint64_t canonical_msr(const Cpu& c, uint64_t v) {
    if (!c.model.canonical(v)) raise_gp(0);
    return v;
}
uint32_t msr32(uint64_t v) {
    if (v >> 32) raise_gp(0);
    return uint32_t(v);
}

void wrmsr(Cpu& c, const Insn&) {
    const uint32_t lo = c.gpr[EAX];
    const uint64_t v = uint64_t(c.gpr[EDX]) << 32 | lo;
    switch (const uint32_t index = msr_index(c)) {
    case MSR_TSC:
        c.tsc_offset = uint64_t(lo) - c.icount;
        // An armed TSC deadline stays a TSC value: its tick moves with the TSC.
        if (c.model.has_msr(MSR_TSC_DEADLINE)) c.bus.set_tsc_deadline(c.bus.tsc_deadline(), c.tsc_offset);
        break;
    case MSR_TSC_DEADLINE: c.bus.set_tsc_deadline(uint64_t(c.gpr[EDX]) << 32 | lo, c.tsc_offset); break;
    case MSR_PLATFORM_ID: case MSR_BIOS_SIGN_ID: case MSR_MISC_ENABLE: break;
    case MSR_SYSENTER_CS: c.sysenter_cs = lo & 0xFFFF; break;
    case MSR_SYSENTER_ESP: c.sysenter_esp = lo; break;
    case MSR_SYSENTER_EIP: c.sysenter_eip = lo; break;
    case MSR_DEBUGCTL: c.debugctl = lo & 0x7F; break;
    case MSR_PERFCTR0: case MSR_PERFCTR1:
        c.perfctr[index - MSR_PERFCTR0] = uint64_t(int64_t(int32_t(lo))) & PERFCTR_MASK;
        break;
    case MSR_PERFEVTSEL0: case MSR_PERFEVTSEL1: c.perfevtsel[index - MSR_PERFEVTSEL0] = lo; break;
    case MSR_EFER: write_efer(c, v); break;
    case MSR_APIC_BASE:
        if (!c.bus.set_apic_base(v)) raise_gp(0);
        break;
    case MSR_FEATURE_CONTROL: raise_gp(0);  // locked
    case MSR_STAR: c.star = v; break;
    case MSR_LSTAR: c.lstar = canonical_msr(c, v); break;
    case MSR_CSTAR: c.cstar = canonical_msr(c, v); break;
    case MSR_FMASK: c.fmask = msr32(v); break;
    case MSR_FS_BASE: c.seg[FS].base = canonical_msr(c, v); break;
    case MSR_GS_BASE: c.seg[GS].base = canonical_msr(c, v); break;
    case MSR_KERNEL_GS_BASE: c.kernel_gs_base = canonical_msr(c, v); break;
    case MSR_TSC_AUX: c.tsc_aux = msr32(v); break;
    default:
        if (x2apic_msr(c, index)) {
            if (!c.bus.write_x2apic(index, v)) raise_gp(0);
            break;
        }
        if (!is_memory_type_msr(index)) raise_gp(0);
        write_memory_type_msr(c, index, v);
    }
    c.request_exit();
}

void sysenter(Cpu& c, const Insn&) {
    if (!c.pe() || (c.sysenter_cs & 0xFFFC) == 0) raise_gp(0);
    c.flags.bits &= ~(EFLAGS_VM | EFLAGS_IF | EFLAGS_RF);
    const uint16_t cs = static_cast<uint16_t>(c.sysenter_cs & 0xFFFC);
    load_flat(c.seg[CS], cs, FLAT_CODE32, 0);
    load_flat(c.seg[SS], static_cast<uint16_t>(cs + 8), FLAT_DATA, 0);
    c.set_cpl(0);
    c.gpr[ESP] = c.sysenter_esp;
    c.next_rip = c.sysenter_eip;
}

void sysexit(Cpu& c, const Insn&) {
    if (!c.protected_mode() || c.cpl != 0 || (c.sysenter_cs & 0xFFFC) == 0) raise_gp(0);
    const uint16_t cs = static_cast<uint16_t>(c.sysenter_cs);
    load_flat(c.seg[CS], static_cast<uint16_t>((cs + 16) | 3), FLAT_CODE32, 3);
    load_flat(c.seg[SS], static_cast<uint16_t>((cs + 24) | 3), FLAT_DATA, 3);
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
    t[ZYDIS_MNEMONIC_RDTSCP] = bind_fixed<rdtscp>;
    t[ZYDIS_MNEMONIC_RDPMC] = bind_fixed<rdpmc>;
    t[ZYDIS_MNEMONIC_RDMSR] = bind_fixed<rdmsr>;
    t[ZYDIS_MNEMONIC_WRMSR] = bind_end<wrmsr>;
    t[ZYDIS_MNEMONIC_SYSENTER] = bind_end<sysenter>;
    t[ZYDIS_MNEMONIC_SYSEXIT] = bind_end<sysexit>;
}

}  // namespace jitpc::cpu
