// Architectural state of the emulated IA-32 processor. Plain data with fixed offsets: the JIT
// addresses these fields directly from generated code, so keep hot fields first.
#pragma once

#include <cstdint>

#include "cpu/flags.h"
#include "cpu/mode.h"

namespace jitpc::cpu {

// The 16 general registers in encoding order (REX.B/R/X extend the 3-bit numbers to R8-R15).
enum Gpr : uint8_t { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI, R8, R9, R10, R11, R12, R13, R14, R15 };
constexpr unsigned NUM_GPRS = 16;
// Byte-register numbers in the decoded form (Insn::r0/r1 of 8-bit operands, CpuState::reg8):
// 0-15 name the low byte of GPR n (AL..BL, then SPL..DIL and R8B..R15B, which need REX) and
// 16-19 the second byte of GPRs 0-3 (AH..BH, what encodings 4-7 mean without REX). The decoder
// resolves the REX question once, so reg8 is the same two-instruction address computation for
// every number.
enum Reg8 : uint8_t { AL, CL, DL, BL, AH = 16, CH, DH, BH };
// The byte register a 3-bit ModRM number names without REX (0-3 AL..BL, 4-7 AH..BH).
constexpr unsigned legacy_reg8(unsigned n) { return n < 4 ? n : n + (AH - 4); }
// Intel's segment register encoding order (MOV Sreg, ModRM.reg).
enum SegReg : uint8_t { ES, CS, SS, DS, FS, GS, SEG_NONE = 0xFF };

// Descriptor-cache attribute bits: bits 8..23 of a descriptor's high dword, shifted down by 8.
namespace attr {
constexpr uint16_t TYPE = 0x000F;
constexpr uint16_t ACCESSED = 0x0001;  // code/data segments
constexpr uint16_t S = 0x0010;         // code/data (1) vs system (0)
constexpr uint16_t DPL_SHIFT = 5;
constexpr uint16_t P = 0x0080;
constexpr uint16_t AVL = 0x1000;
constexpr uint16_t L = 0x2000;  // 64-bit code segment (IA-32e mode)
constexpr uint16_t DB = 0x4000;
constexpr uint16_t G = 0x8000;
// Code/data type bits when S=1.
constexpr uint16_t CODE = 0x0008;
constexpr uint16_t CONFORMING = 0x0004;  // code
constexpr uint16_t READABLE = 0x0002;    // code
constexpr uint16_t EXPAND_DOWN = 0x0004; // data
constexpr uint16_t WRITABLE = 0x0002;    // data
}  // namespace attr

// Hidden part of a segment register. `lo`/`hi` are the valid offset range derived from limit,
// granularity and expand-down once, when the descriptor is loaded, so access checks are two
// compares. `rights` caches what the current descriptor allows (null selectors allow nothing).
struct SegCache {
    uint64_t base = 0;        // 64 bits for FS/GS in long mode; loads in other modes write 32
    uint32_t limit = 0xFFFF;  // byte-granular effective limit
    uint32_t lo = 0;          // lowest valid offset
    uint32_t hi = 0xFFFF;     // highest valid offset
    uint16_t sel = 0;
    uint16_t attrs = attr::P | attr::S | attr::WRITABLE | attr::ACCESSED;
    uint8_t rights = 3;       // bit 0 readable, bit 1 writable
    uint8_t pad[7] = {};

    static constexpr uint8_t R = 1, W = 2;
    unsigned dpl() const { return (attrs >> attr::DPL_SHIFT) & 3; }
    bool big() const { return attrs & attr::DB; }
    // Recomputes lo/hi/rights from base/limit/attrs; call after writing those fields.
    void refresh();
};

struct TableReg {
    uint64_t base = 0;
    uint16_t limit = 0xFFFF;
};

// CR0/CR4 bits the core looks at.
namespace cr0 {
constexpr uint32_t PE = 1u << 0, MP = 1u << 1, EM = 1u << 2, TS = 1u << 3, ET = 1u << 4,
                   NE = 1u << 5, WP = 1u << 16, AM = 1u << 18, NW = 1u << 29, CD = 1u << 30,
                   PG = 1u << 31;
}
namespace cr4 {
constexpr uint32_t VME = 1u << 0, PVI = 1u << 1, TSD = 1u << 2, DE = 1u << 3, PSE = 1u << 4,
                   PAE = 1u << 5, PGE = 1u << 7, PCE = 1u << 8, OSFXSR = 1u << 9,
                   OSXMMEXCPT = 1u << 10, OSXSAVE = 1u << 18;
}

// IA32_EFER (MSR 0xC0000080) bits.
namespace efer {
constexpr uint64_t SCE = 1u << 0, LME = 1u << 8, LMA = 1u << 10, NXE = 1u << 11;
}

// The memory-type registers: MTRRs (MSRs 0xFE, 0x200-0x20F, 0x250-0x26F, 0x2FF) and PAT (0x277),
// on models that list them. jitpc has no caches, so a memory type changes nothing a guest can
// observe: the registers hold what software wrote, with the architecture's validity checks.
struct MemoryTypeRegs {
    static constexpr uint64_t PAT_RESET = 0x0007040600070406;  // WB WT UC- UC, twice
    uint64_t def_type = 0;  // IA32_MTRR_DEF_TYPE: MTRRs disabled at reset
    uint64_t fixed[11] = {};  // FIX64K_00000, FIX16K_80000/A0000, FIX4K_C0000..F8000
    uint64_t var[16] = {};  // PHYSBASE0, PHYSMASK0, …, PHYSMASK7
    uint64_t pat = PAT_RESET;
};

// CpuState::events bits.
constexpr uint8_t EVENT_INTR = 1, EVENT_NMI = 2;
// irq_shadow bits.
constexpr uint8_t SHADOW_IRQ = 1, SHADOW_DEBUG = 2, SHADOW_SS = SHADOW_IRQ | SHADOW_DEBUG;

// DR6/DR7 bits.
namespace dr6 {
constexpr uint32_t B0 = 1u << 0, BD = 1u << 13, BS = 1u << 14, BT = 1u << 15;
}
namespace dr7 {
constexpr uint32_t LOCAL_ENABLES = 0x55, GD = 1u << 13;
}

// Virtual-clock ticks a PAUSE takes (1 tick = 1 ns = one instruction of the 1 GHz virtual
// CPU). Real cores take about 10 cycles (before Skylake) to 140 (Skylake and later, Intel's
// optimization manual). PAUSE sits in spin-waits, where the long figure makes a loop that
// polls the clock or a device retire the fewest instructions for the same guest time, and it
// costs nothing else: an event due during a PAUSE still comes at its tick (the PAUSE stops
// there, as REP does between iterations: cpu/ops/datamov.cpp).
constexpr uint32_t PAUSE_TICKS = 140;

struct CpuState {
    // gpr[NUM_GPRS] is a permanent zero so effective-address math can index it for absent
    // registers (NO_REG).
    uint64_t gpr[NUM_GPRS + 1] = {};
    // RIP; outside 64-bit mode bits 63:32 are zero (EIP), and code that runs only there (the
    // JIT) may treat it as 32 bits.
    uint64_t rip = 0;
    // RIP of the instruction after the executing one; a control transfer overwrites it. The run
    // loop copies it into `rip` once the instruction retires.
    uint64_t next_rip = 0;
    // RFLAGS: bits 63:22 are reserved and read as zero, so the flags keep 32 bits.
    Flags flags;
    SegCache seg[6];
    TableReg gdtr, idtr;
    SegCache ldtr, tr;
    uint64_t cr0 = cr0::ET | cr0::CD | cr0::NW;
    uint64_t cr2 = 0, cr3 = 0, cr4 = 0;
    uint64_t dr[8] = {0, 0, 0, 0, 0xFFFF0FF0, 0x400, 0xFFFF0FF0, 0x400};
    uint8_t cpl = 0;
    // Set when something changed that the run loop must look at before the next instruction
    // (a pending interrupt, a mode change, invalidated code under the running block).
    uint8_t exit_request = 0;
    // Interrupts are held off until after the next instruction retires: STI sets SHADOW_IRQ,
    // MOV SS/POP SS set SHADOW_SS, which also holds single-step and data-breakpoint traps.
    uint8_t irq_shadow = 0;
    uint8_t halted = 0;
    // External events, one byte so that the run loop's test at every block boundary is one
    // load: EVENT_INTR, the interrupt controller's INTR output as it last drove it
    // (Cpu::set_intr: an input pin, not a question to the platform); EVENT_NMI, an NMI latched
    // by the platform (Cpu::raise_nmi), taken before INTR whatever IF says.
    uint8_t events = 0;
    bool intr_line() const { return events & EVENT_INTR; }
    // Once an NMI is delivered, further NMIs wait for the next IRET.
    uint8_t nmi_blocked = 0;
    uint8_t a20 = 1;

    // The virtual clock: 1 tick = 1 ns of guest time. Each retired instruction (each REP
    // iteration) takes one tick, a PAUSE PAUSE_TICKS, and a halt skips to the next event
    // (machine::Machine::idle_ticks); retired instructions are icount less those two.
    uint64_t icount = 0;
    // Ticks PAUSE took beyond its own one (never turned back, as icount), and how many of
    // its ticks the PAUSE being executed still has to take (0: none under way).
    uint64_t spin_ticks = 0;
    uint32_t pause_left = 0;
    // The engine stops when icount reaches this (the next timer event or the caller's budget);
    // instructions that retire several ticks at once (REP iterations) stop there too.
    uint64_t icount_limit = UINT64_MAX;
    // Bumped whenever a code block is removed (and by a snapshot's load): block-to-block links
    // learned under an older epoch are not followed. TLB flushes leave it: a link is followed
    // only while the TLB maps its target where it did (Interpreter::fetch_maps).
    uint64_t code_epoch = 0;
    uint64_t tsc_offset = 0;
    uint32_t sysenter_cs = 0, sysenter_esp = 0, sysenter_eip = 0;
    // The long-mode MSRs (cpu/ops/model.cpp): SYSCALL's STAR/LSTAR/CSTAR/FMASK, SWAPGS's
    // KernelGSbase, RDTSCP's TSC_AUX. The FS and GS bases are seg[FS].base and seg[GS].base.
    uint64_t star = 0, lstar = 0, cstar = 0, kernel_gs_base = 0;
    uint32_t fmask = 0, tsc_aux = 0;
    // IA32_EFER, on models that have it (CpuModel::efer_writable). Nothing sets LMA yet (long
    // mode is not implemented), so mode() never returns the IA-32e modes.
    uint64_t efer = 0;
    MemoryTypeRegs memtypes;
    uint32_t debugctl = 0;
    // The P6's two performance counters (40 bits, MSRs 0xC1/0xC2) and their event selects
    // (0x186/0x187): software reads what it wrote; no events are counted.
    uint64_t perfctr[2] = {};
    uint32_t perfevtsel[2] = {};
    // Debug-register state derived from DR7/CR4 (Cpu::debug_regs_changed): which kinds of
    // breakpoint are armed, so unarmed code pays one flag test. `db_pending` collects DR6 bits
    // of traps owed at the next instruction boundary: B0-B3 of data/I/O breakpoints hit by the
    // executing instruction, BT of a task switch into a TSS with the T bit.
    uint8_t insn_bp_armed = 0;
    uint8_t watch_armed = 0;
    uint32_t db_pending = 0;

    bool pe() const { return cr0 & cr0::PE; }
    bool vm86() const { return flags.bits & EFLAGS_VM; }
    bool protected_mode() const { return pe() && !vm86(); }
    // The one place the operating mode is derived; it keys decoding and code blocks.
    CpuMode mode() const {
        const bool d = seg[CS].big();
        if (!pe()) return d ? CpuMode::Real32 : CpuMode::Real16;
        if (vm86()) return CpuMode::V86;
        if (efer & efer::LMA)
            return (seg[CS].attrs & attr::L) ? CpuMode::Long64 : d ? CpuMode::Compat32 : CpuMode::Compat16;
        return d ? CpuMode::Prot32 : CpuMode::Prot16;
    }
    bool stack32() const { return seg[SS].big(); }
    // mode() == Long64, as the memory accessors ask it on every access (one test outside
    // IA-32e mode).
    bool long64() const { return (efer & efer::LMA) && (seg[CS].attrs & attr::L); }

    // Register access by operand size. 8- and 16-bit writes keep the rest of the register; a
    // 32-bit write zero-extends into bits 63:32, as the hardware does (and as the JIT's host
    // 32-bit operations on the pinned registers do). `i` of reg8 is a Reg8 number.
    uint8_t& reg8(unsigned i) { return reinterpret_cast<uint8_t*>(&gpr[i & 15])[i >> 4]; }
    uint16_t& reg16(unsigned i) { return *reinterpret_cast<uint16_t*>(&gpr[i]); }
    template <typename T> T reg(unsigned i);
    template <typename T> void set_reg(unsigned i, T v);
};

template <> inline uint8_t CpuState::reg<uint8_t>(unsigned i) { return reg8(i); }
template <> inline uint16_t CpuState::reg<uint16_t>(unsigned i) { return reg16(i); }
template <> inline uint32_t CpuState::reg<uint32_t>(unsigned i) { return uint32_t(gpr[i]); }
template <> inline uint64_t CpuState::reg<uint64_t>(unsigned i) { return gpr[i]; }
template <> inline void CpuState::set_reg<uint8_t>(unsigned i, uint8_t v) { reg8(i) = v; }
template <> inline void CpuState::set_reg<uint16_t>(unsigned i, uint16_t v) { reg16(i) = v; }
template <> inline void CpuState::set_reg<uint32_t>(unsigned i, uint32_t v) { gpr[i] = v; }
template <> inline void CpuState::set_reg<uint64_t>(unsigned i, uint64_t v) { gpr[i] = v; }

}  // namespace jitpc::cpu
