// The debug architecture's breakpoint side: DR7 decoding, instruction breakpoints (faults before
// the instruction), data and I/O breakpoints (traps after it) and #DB trap delivery. Single-step
// sequencing lives in the interpreter's careful path (cpu/interp.cpp).
//
// Implementation choices (see docs/undefined.md, "Debug architecture"):
//   - LEN = 10 (undefined on the P6) watches 8 bytes, as later processors define it.
//   - An instruction breakpoint (R/W = 00) matches the exact linear address in DRn whatever LEN.
//   - R/W = 10 without CR4.DE (undefined) never matches; with CR4.DE it is an I/O breakpoint.
//   - DR6 bits are never cleared by the processor: each #DB ORs in its B0-B3/BS/BD bits.
//   - Data breakpoints watch explicit operand and stack accesses; implicit supervisor accesses
//     (descriptor tables, TSS, IDT, frames pushed by event delivery) are not watched.
#include "cpu/cpu.h"

#include <algorithm>

namespace jitpc::cpu {

namespace {

enum RwKind : unsigned { RW_EXEC = 0, RW_WRITE = 1, RW_IO = 2, RW_ACCESS = 3 };

bool enabled(uint32_t dr7, unsigned n) { return (dr7 >> (2 * n)) & 3; }
unsigned rw_of(uint32_t dr7, unsigned n) { return (dr7 >> (16 + 4 * n)) & 3; }
uint32_t len_of(uint32_t dr7, unsigned n) {
    static constexpr uint32_t bytes[4] = {1, 2, 8, 4};
    return bytes[(dr7 >> (18 + 4 * n)) & 3];
}

// B0-B3 bits of the enabled breakpoints of one kind whose aligned range overlaps
// [addr, addr + size). Addresses are 64-bit linear ones (DR0-DR3 hold 64 bits in 64-bit mode).
template <typename Match>
uint32_t matches(const Cpu& c, uint64_t addr, unsigned size, Match kind_ok) {
    uint32_t hits = 0;
    for (unsigned n = 0; n < 4; ++n) {
        if (!enabled(c.dr[7], n) || !kind_ok(rw_of(c.dr[7], n))) continue;
        const uint64_t len = len_of(c.dr[7], n);
        const uint64_t base = c.dr[n] & ~(len - 1);
        if (addr + size > base && addr < base + len) hits |= dr6::B0 << n;
    }
    return hits;
}

}  // namespace

void Cpu::debug_regs_changed() {
    std::vector<uint64_t>& pages = host_debug.break_pages;
    pages.clear();
    for (const uint64_t lin : host_debug.breaks) pages.push_back(lin >> 12);
    std::sort(pages.begin(), pages.end());
    pages.erase(std::unique(pages.begin(), pages.end()), pages.end());
    insn_bp_armed = host_debug.breaks.empty() ? 0 : ARMED_HOST;
    watch_armed = host_debug.watches.empty() ? 0 : ARMED_HOST;
    std::vector<std::pair<uint64_t, uint64_t>> watched;
    for (const HostDebug::Watch& w : host_debug.watches) watched.emplace_back(w.addr >> 12, (w.addr + w.len - 1) >> 12);
    mmu.watch_pages(std::move(watched));
    for (unsigned n = 0; n < 4; ++n) {
        if (!enabled(dr[7], n)) continue;
        const unsigned rw = rw_of(dr[7], n);
        if (rw == RW_EXEC) insn_bp_armed |= ARMED_GUEST;
        else if (rw != RW_IO || (cr4 & cr4::DE)) watch_armed |= ARMED_GUEST;
    }
}

// A host watchpoint's hit ends the run after this instruction (or REP iteration), which the
// debugger sees as stopped just after the access, as gdb expects of a hardware watchpoint.
void Cpu::watch_host(uint64_t lin, unsigned size, bool write) {
    for (const HostDebug::Watch& w : host_debug.watches) {
        const bool kind_ok = w.kind == HostDebug::Kind::Access || (w.kind == HostDebug::Kind::Write) == write;
        if (!kind_ok || lin + size <= w.addr || lin >= w.addr + w.len) continue;
        host_debug.hit = HostDebug::Hit::Watch;
        host_debug.watched = w;
        icount_limit = std::min(icount_limit, icount + 1);
        request_exit();
        return;
    }
}

void Cpu::watch_data(uint64_t lin, unsigned size, bool write) {
    if (watch_armed & ARMED_HOST) watch_host(lin, size, write);
    const uint32_t hits = matches(*this, lin, size, [write](unsigned rw) {
        return rw == RW_ACCESS || (rw == RW_WRITE && write);
    });
    if (hits) {
        db_pending |= hits;
        // A REP string instruction yields after this iteration so the trap follows it.
        request_exit();
    }
}

void Cpu::watch_io(uint16_t port, unsigned size) {
    if (!(cr4 & cr4::DE)) return;
    const uint32_t hits = matches(*this, port, size, [](unsigned rw) { return rw == RW_IO; });
    if (hits) {
        db_pending |= hits;
        request_exit();
    }
}

bool Cpu::check_insn_breakpoint() {
    const uint64_t lin = code_linear();
    if (insn_bp_armed & ARMED_HOST) {
        const bool resuming = host_debug.resume_at == lin;
        host_debug.resume_at = UINT64_MAX;
        if (!resuming && std::find(host_debug.breaks.begin(), host_debug.breaks.end(), lin) != host_debug.breaks.end()) {
            host_debug.hit = HostDebug::Hit::Break;
            icount_limit = icount;
            return true;
        }
    }
    if (flags.bits & EFLAGS_RF) return false;
    uint32_t hits = 0;
    for (unsigned n = 0; n < 4; ++n)
        if (enabled(dr[7], n) && rw_of(dr[7], n) == RW_EXEC && dr[n] == lin)
            hits |= dr6::B0 << n;
    if (!hits) return false;
    dr[6] |= hits;
    dr[7] &= ~dr7::GD;
    raise_fault(VEC_DB);
}

void Cpu::debug_trap(uint32_t dr6_bits) {
    dr[6] |= dr6_bits | db_pending;
    db_pending = 0;
    dr[7] &= ~dr7::GD;
    deliver(VEC_DB, EventKind::Exception, rip, false, 0);
}

}  // namespace jitpc::cpu
