// The processor: architectural state plus the services instruction semantics call (segmented
// memory access, stack, I/O, exception and interrupt delivery, segment loads).
#pragma once

#include <cstdint>
#include <functional>

#include "cpu/block_cache.h"
#include "cpu/bus.h"
#include "cpu/fault.h"
#include "cpu/fpu/fpu_state.h"
#include "cpu/host_debug.h"
#include "cpu/insn.h"
#include "cpu/mmu/mmu.h"
#include "cpu/model.h"
#include "cpu/sse_state.h"
#include "cpu/state.h"
#include "memory/physmem.h"

namespace jitpc::cpu {

// How an event enters the IDT/IVT: decides EIP pushed, gate DPL checks and error codes.
enum class EventKind : uint8_t {
    Exception,    // fault or trap raised by the CPU (GuestFault, #DB, #BP via INT3 is Soft)
    Hardware,     // external interrupt (INTR/NMI)
    Software,     // INT n, INT3, INTO: gate DPL is checked against CPL
    Icebp,        // INT1 (F1): like a trap exception, no DPL check
};

class Cpu : public CpuState {
public:
    Cpu(memory::PhysMemory& pm, Bus& bus, const CpuModel& model);

    memory::PhysMemory& mem;
    Bus& bus;
    const CpuModel& model;
    Mmu mmu;
    BlockCache code;
    FpuState fpu;
    SseState sse;
    HostDebug host_debug;  // the gdbstub's breakpoints and watchpoints (cpu/host_debug.h)

    // Architectural reset (power-on or INIT-like): real mode at F000:FFF0.
    void reset();

    // ---- addressing -------------------------------------------------------------------
    // The memory operand's offset, wrapped to the address size (2, 4 or 8 bytes); a
    // RIP-relative operand (64-bit mode) counts from the next instruction.
    uint64_t ea(const Insn& i) const {
        uint64_t a = gpr[i.base] + (gpr[i.index] << i.scale) + uint64_t(int64_t(int32_t(i.disp)));
        if (i.prefix & PFX_RIP_REL) [[unlikely]] a += next_rip;
        return a & size_mask(i.asize);
    }
    bool user() const { return cpl == 3; }
    // Whether code at offset `last` lies past CS's limit (64-bit mode has none).
    bool beyond_cs(uint64_t last) const { return !long64() && last > seg[CS].hi; }
    // The linear address of the next instruction (CS's base is 0 in 64-bit mode).
    uint64_t code_linear() const { return long64() ? rip : uint32_t(seg[CS].base + rip); }

    // Segment limit/rights check; returns the linear address or raises #GP(0)/#SS(0).
    uint64_t linear(unsigned sr, uint64_t off, unsigned size, bool write) {
        uint64_t lin;
        const GuestFault f = check_linear(sr, off, size, write, lin);
        if (f.vector != NO_FAULT) [[unlikely]] throw f;
        return lin;
    }
    // linear()'s checks: the fault they raise, or vector NO_FAULT with `lin` set. Outside
    // 64-bit mode linear addresses wrap at 4 GiB.
    GuestFault check_linear(unsigned sr, uint64_t off, unsigned size, bool write, uint64_t& lin) const {
        if (long64()) [[unlikely]] return check_linear64(sr, off, size, lin);
        if (!in_segment(sr, off, size, write)) [[unlikely]]
            return {uint8_t(sr == SS ? VEC_SS : VEC_GP), 0};
        lin = uint32_t(seg[sr].base + off);
        if ((lin & (size - 1)) && alignment_check_on()) [[unlikely]] return {VEC_AC, 0};
        return {NO_FAULT, 0};
    }
    // 64-bit mode: no limits or rights, bases only in FS and GS, and every byte's linear address
    // canonical (#SS(0) for stack references, #GP(0) for the rest).
    GuestFault check_linear64(unsigned sr, uint64_t off, unsigned size, uint64_t& lin) const {
        lin = (sr == FS || sr == GS ? seg[sr].base : 0) + off;
        if (!model.canonical(lin) || !model.canonical(lin + size - 1)) [[unlikely]]
            return {uint8_t(sr == SS ? VEC_SS : VEC_GP), 0};
        if ((lin & (size - 1)) && alignment_check_on()) [[unlikely]] return {VEC_AC, 0};
        return {NO_FAULT, 0};
    }
    // The linear address of `off` in `sr` without any check (INVLPG).
    uint64_t linear_unchecked(unsigned sr, uint64_t off) const {
        if (long64()) return (sr == FS || sr == GS ? seg[sr].base : 0) + off;
        return uint32_t(seg[sr].base + off);
    }
    bool in_segment(unsigned sr, uint64_t off, uint32_t size, bool write) const {
        const SegCache& s = seg[sr];
        const uint64_t end = off + size - 1;
        return off >= s.lo && end <= s.hi && (s.rights & (write ? SegCache::W : SegCache::R));
    }
    bool alignment_check_on() const {
        return cpl == 3 && (cr0 & cr0::AM) && (flags.bits & EFLAGS_AC);
    }

    // Memory accesses through a segment. The try_ forms report a fault by value
    // (raise_pending) and return false having committed nothing: instruction semantics use them
    // (see "Faults are precise" in docs/ARCHITECTURE.md). The plain forms throw it, for paths
    // where a fault is rare (event delivery, descriptor tables, system instructions).
    // try_read and try_write are always inlined, as operands.h's accessors are: they are the
    // handlers' whole memory path.
    template <typename T> [[nodiscard, gnu::always_inline]] bool try_read(unsigned sr, uint64_t off, T& v) {
        uint64_t lin;
        if (!try_linear(sr, off, sizeof(T), false, lin)) [[unlikely]] return false;
        if (mmu.try_read<T>(lin, user(), v)) [[likely]] return true;
        raise_pending(mmu.fault);
        return false;
    }
    template <typename T> [[gnu::always_inline]] bool try_write(unsigned sr, uint64_t off, T v) {
        uint64_t lin;
        if (!try_linear(sr, off, sizeof(T), true, lin)) [[unlikely]] return false;
        if (mmu.try_write<T>(lin, v, user())) [[likely]] return true;
        raise_pending(mmu.fault);
        return false;
    }
    // Read-modify-write operands: check writability before reading so the instruction either
    // completes or faults with nothing changed; the store then goes to `lin` (write_linear).
    template <typename T> [[nodiscard]] bool try_read_for_write(unsigned sr, uint64_t off, uint64_t& lin, T& v) {
        if (!try_linear(sr, off, sizeof(T), true, lin)) [[unlikely]] return false;
        // The read half, which a host read watchpoint sees (DR0-DR3 have no read-only kind).
        if ((watch_armed & ARMED_HOST) && host_debug.hit != HostDebug::Hit::Watch) [[unlikely]]
            watch_host(lin, sizeof(T), false);
        if (mmu.try_probe_write(lin, sizeof(T), user()) && mmu.try_read<T>(lin, user(), v)) [[likely]]
            return true;
        raise_pending(mmu.fault);
        return false;
    }
    template <typename T> T read(unsigned sr, uint64_t off) {
        T v;
        if (!try_read<T>(sr, off, v)) [[unlikely]] throw_pending();
        return v;
    }
    template <typename T> void write(unsigned sr, uint64_t off, T v) {
        if (!try_write<T>(sr, off, v)) [[unlikely]] throw_pending();
    }
    template <typename T> T read_for_write(unsigned sr, uint64_t off, uint64_t& lin) {
        T v;
        if (!try_read_for_write<T>(sr, off, lin, v)) [[unlikely]] throw_pending();
        return v;
    }
    template <typename T> void write_linear(uint64_t lin, T v) {
        if (watch_armed) [[unlikely]] watch_data(lin, sizeof(T), true);
        mmu.write<T>(lin, v, user());
    }
    // check_linear() reporting its fault by value, and the data breakpoints' look at the access.
    [[nodiscard]] bool try_linear(unsigned sr, uint64_t off, unsigned size, bool write, uint64_t& lin) {
        if (const GuestFault f = check_linear(sr, off, size, write, lin); f.vector != NO_FAULT) [[unlikely]] {
            raise_pending(f);
            return false;
        }
        if (watch_armed) [[unlikely]] watch_data(lin, size, write);
        return true;
    }

    // Implicit supervisor accesses (descriptor tables, TSS, IDT) at any CPL.
    template <typename T> T sys_read(uint64_t lin) { return mmu.read<T>(lin, false); }
    template <typename T> void sys_write(uint64_t lin, T v) { mmu.write<T>(lin, v, false); }

    // ---- operand helpers ----------------------------------------------------------------
    template <typename T> T rm_read(const Insn& i) {
        return (i.flags & IF_MEM) ? read<T>(i.seg, ea(i)) : reg<T>(i.r0);
    }

    // ---- stack ----------------------------------------------------------------------------
    uint64_t sp_mask() const { return long64() ? ~uint64_t(0) : stack32() ? 0xFFFFFFFFu : 0xFFFFu; }
    // RSP after a push or pop: the bits of `m` from `sp`; a 16-bit stack keeps SP's neighbours
    // in bits 31:16 (and, as every narrower-than-64 update, clears 63:32).
    void set_sp(uint64_t sp, uint64_t m) { gpr[ESP] = (gpr[ESP] & uint32_t(~m)) | (sp & m); }
    // Pushes without committing ESP until the store succeeded; pops commit it after the load.
    // By value as try_read/try_write; the plain forms throw.
    template <typename T> bool try_push(T v) {
        const uint64_t m = sp_mask();
        const uint64_t nsp = (gpr[ESP] - sizeof(T)) & m;
        if (!try_write<T>(SS, nsp, v)) [[unlikely]] return false;
        set_sp(nsp, m);
        return true;
    }
    template <typename T> [[nodiscard]] bool try_pop(T& v) {
        const uint64_t m = sp_mask();
        if (!try_read<T>(SS, gpr[ESP] & m, v)) [[unlikely]] return false;
        set_sp(gpr[ESP] + sizeof(T), m);
        return true;
    }
    // Reads the stack at ESP + `offset` without popping.
    template <typename T> [[nodiscard]] bool try_peek_stack(uint64_t offset, T& v) {
        return try_read<T>(SS, (gpr[ESP] + offset) & sp_mask(), v);
    }
    template <typename T> void push(T v) {
        if (!try_push<T>(v)) [[unlikely]] throw_pending();
    }
    template <typename T> T peek_stack(uint64_t offset) {
        T v;
        if (!try_peek_stack<T>(offset, v)) [[unlikely]] throw_pending();
        return v;
    }

    // ---- control transfer -----------------------------------------------------------------
    // Near jump to `target` for the given operand size (16- and 32-bit targets wrap). Outside
    // 64-bit mode the target must lie within CS, in it it must be canonical (#GP(0)).
    void jump_near(uint64_t target, unsigned osize) {
        target &= size_mask(osize);
        if (long64()) {
            if (!model.canonical(target)) raise_gp(0);
        } else if (target < seg[CS].lo || target > seg[CS].hi) {
            raise_gp(0);
        }
        next_rip = target;
    }

    // ---- segments --------------------------------------------------------------------------
    // Loads a segment register the way MOV/POP/LxS do in the current mode (all checks). The
    // interrupt shadow of MOV SS and POP SS is theirs to set.
    void load_seg(unsigned sr, uint16_t sel);
    // Real-mode and v86 load: base = sel << 4, limit and rights kept (hidden cache semantics).
    void load_seg_real(unsigned sr, uint16_t sel);
    // Protected-mode load with every descriptor check (#GP/#SS/#NP with selector error codes).
    void load_seg_protected(unsigned sr, uint16_t sel);
    void set_cpl(uint8_t new_cpl);
    // The state a loader hands over in flat 32-bit protected mode (Multiboot's entry state):
    // CR0.PE set, paging off, CPL 0, every segment cache base 0 / limit 4 GiB, CS selector
    // 0x08 and data selectors 0x10 (the GDT itself is the guest's business).
    void enter_flat32();
    [[noreturn]] void seg_fault(unsigned sr) {
        raise_fault(sr == SS ? VEC_SS : VEC_GP, 0);
    }

    // ---- events ----------------------------------------------------------------------------
    // Delivers an interrupt or exception through the IVT/IDT. `return_eip` is the EIP pushed
    // (the faulting instruction for faults, the next instruction for traps and INT n). Raises
    // #DF and signals shutdown (triple fault) as the architecture says.
    void deliver(uint8_t vector, EventKind kind, uint64_t return_eip, bool has_error,
                 uint32_t error_code);
    // Told of every event as its delivery starts, CS:EIP still where it was raised: both
    // engines deliver through deliver(), so the machine's -d int log and its hint about a
    // fault loop see the same events under either. It only looks.
    struct Event {
        uint8_t vector;
        EventKind kind;
        bool has_error;
        uint32_t error_code;
    };
    std::function<void(const Cpu&, const Event&)> on_deliver;
    // Entry point for a GuestFault caught at an instruction boundary.
    void deliver_fault(const GuestFault& f);
    // A fault reported by value instead of thrown, for the paths a guest can hit in a loop (#UD,
    // MOV's memory operand, the JIT's memory helpers): the semantics record it and return
    // having committed nothing; the engine sees it before retiring the instruction (it also
    // requests an exit, which the engines test anyway) and the dispatcher delivers it through
    // deliver_fault exactly as a thrown one.
    void raise_pending(const GuestFault& f) {
        pending_fault = f;
        fault_pending = 1;
        request_exit();
    }
    // raise_pending() for semantics that report a fault as false: `return c.fail(VEC_NM);`.
    bool fail(unsigned vector, uint32_t error_code = 0) {
        raise_pending(GuestFault{uint8_t(vector), error_code});
        return false;
    }
    GuestFault pending_fault{};
    uint8_t fault_pending = 0;
    // Faults that still reached an engine as a C++ throw (the cold paths): tests hold the hot
    // ones to none.
    uint64_t faults_unwound = 0;
    // The plain accessors' way back to a throw: takes the pending fault and throws it.
    [[noreturn]] void throw_pending() {
        fault_pending = 0;
        throw pending_fault;
    }
    void deliver_real(uint8_t vector, uint32_t return_eip);
    // Protected and virtual-8086 mode: IDT gates, privilege and stack switches, task gates.
    void deliver_protected(uint8_t vector, EventKind kind, uint32_t return_eip, bool has_error,
                           uint32_t error_code);
    // IA-32e mode (cpu/interrupts_long.cpp): 16-byte gates, IST, 64-bit frames.
    void deliver_long(uint8_t vector, EventKind kind, uint64_t return_rip, bool has_error,
                      uint32_t error_code);

    // ---- debug architecture (cpu/debug.cpp) ------------------------------------------------
    // Recomputes which breakpoints are armed after a DR7 or CR4.DE change (or a change of the
    // host debugger's).
    void debug_regs_changed();
    // Data and I/O breakpoints: record matches in db_pending (a trap after the instruction).
    void watch_data(uint64_t lin, unsigned size, bool write);
    void watch_io(uint16_t port, unsigned size);
    void watch_host(uint64_t lin, unsigned size, bool write);
    // Instruction breakpoints at CS:EIP: true when the host debugger's stops the run before
    // it; else a #DB fault before the instruction if a guest's matches, unless EFLAGS.RF.
    bool check_insn_breakpoint();
    // Delivers the #DB trap at an instruction boundary for the conditions in db_pending plus
    // `dr6_bits` (BS), consuming db_pending.
    void debug_trap(uint32_t dr6_bits);

    // ---- I/O -------------------------------------------------------------------------------
    // Checks IOPL and the TSS permission bitmap (#GP(0) when denied).
    void check_io(uint16_t port, unsigned size);

    // ---- platform hooks ---------------------------------------------------------------------
    // The A20 gate (port 0x92, the 8042 output port): masked, physical address bit 20 reads as
    // 0 (8086 wrap-around). Changing it changes every translation, so the TLB is flushed.
    void set_a20(bool enabled) {
        if (a20 == enabled) return;
        a20 = enabled;
        mmu.flush_all();
        request_exit();
    }

    // ---- misc -------------------------------------------------------------------------------
    // Whether the model advertises (and so has) a CPUID feature.
    bool has(Feature f) const { return model.has(f); }
    uint64_t tsc() const { return icount + tsc_offset; }
    // Raised by semantics that change what later code means (CR0, CR4, EFLAGS.TF …): ends the
    // block after the current instruction.
    void request_exit() { exit_request = 1; }
    // The platform drives the INTR pin. A rising line stops a running block at the next
    // instruction boundary, so an IRQ raised by an instruction is taken right after it.
    void set_intr(bool level) {
        events = uint8_t((events & ~EVENT_INTR) | (level ? EVENT_INTR : 0));
        if (level) request_exit();
    }
    void raise_nmi() {
        events |= EVENT_NMI;
        request_exit();
    }

    // Nesting depth of deliver() while an exception is being delivered (for #DF/triple fault).
    uint8_t delivering = 0;
    uint8_t first_fault_vector = 0;
    bool shutdown = false;  // triple fault seen; the platform resets or stops
};

}  // namespace jitpc::cpu
