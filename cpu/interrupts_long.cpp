// Interrupt and exception delivery in IA-32e mode (SDM Vol. 3 6.14): 16-byte IDT gates, the
// interrupt stack table of the 64-bit TSS, and 64-bit frames that always hold SS:RSP, from
// 64-bit and from compatibility mode alike.
#include "cpu/cpu.h"
#include "cpu/descriptor.h"
#include "cpu/privilege.h"

namespace jitpc::cpu {

namespace {
// The 64-bit TSS: RSP0-2 at 4, IST1-7 at 0x24.
constexpr uint32_t TSS64_RSP0 = 4, TSS64_IST1 = 0x24;
}  // namespace

uint64_t tss_rsp(Cpu& c, uint32_t off) {
    if (off + 7 > c.tr.limit) raise_fault(VEC_TS, c.tr.sel & 0xFFFC);
    return sys_read64(c, c.tr.base + off);
}
uint64_t tss_rsp_for(Cpu& c, unsigned dpl) { return tss_rsp(c, TSS64_RSP0 + 8 * dpl); }

uint64_t sys_read64(Cpu& c, uint64_t lin) {
    return c.sys_read<uint32_t>(lin) | uint64_t(c.sys_read<uint32_t>(lin + 4)) << 32;
}

void write_frame64(Cpu& c, uint64_t& rsp, const uint64_t* vals, unsigned n, uint8_t new_cpl,
                   uint32_t fault_err) {
    const uint64_t top = rsp - 8 * n;
    if (!c.model.canonical(top) || !c.model.canonical(rsp - 1)) raise_fault(VEC_SS, fault_err);
    for (unsigned k = 0; k < n; ++k) {
        const uint64_t lin = top + 8 * (n - 1 - k);
        if (c.watch_armed) [[unlikely]] c.watch_data(lin, 8, true);
        c.mmu.write<uint64_t>(lin, vals[k], new_cpl == 3);  // one access, as a push is
    }
    rsp = top;
}

void load_null_ss(Cpu& c, unsigned rpl) {
    load_null(c.seg[SS], static_cast<uint16_t>(rpl));
    c.seg[SS].attrs = static_cast<uint16_t>(rpl << attr::DPL_SHIFT);
}

void Cpu::deliver_long(uint8_t vector, EventKind kind, uint64_t return_rip, bool has_error,
                       uint32_t error_code) {
    const uint32_t ext = (kind == EventKind::Software) ? 0 : 1;
    const uint32_t gate_err = uint32_t(vector) * 8 + 2 + ext;
    if (uint32_t(vector) * 16 + 15 > idtr.limit) raise_gp(gate_err);
    const uint64_t at = idtr.base + vector * 16u;
    const Descriptor gate{sys_read<uint32_t>(at), sys_read<uint32_t>(at + 4)};
    const uint64_t offset_hi = sys_read<uint32_t>(at + 8);
    // Only 64-bit interrupt and trap gates: the 16-bit types and task gates are gone.
    const unsigned gt = gate.type();
    const bool is_int = gt == sys_type::INT_GATE32;
    if (gate.segment() || !(is_int || gt == sys_type::TRAP_GATE32)) raise_gp(gate_err);
    if (kind == EventKind::Software && gate.dpl() < cpl) raise_gp(gate_err);
    if (!gate.present()) raise_fault(VEC_NP, gate_err);

    const uint16_t sel = gate.gate_selector();
    const Descriptor cs = check_code_target(*this, sel, ext);
    const uint32_t sel_err = (sel & 0xFFFC) | ext;
    if (!cs.code64() || cs.dpl() > cpl) raise_gp(sel_err);
    if (!cs.present()) raise_fault(VEC_NP, sel_err);
    const uint64_t target = gate.gate_offset() | offset_hi << 32;
    if (!model.canonical(target)) raise_gp(ext);

    const bool inner = !cs.conforming() && cs.dpl() < cpl;
    const uint8_t new_cpl = inner ? static_cast<uint8_t>(cs.dpl()) : cpl;
    const unsigned ist = gate.hi & 7;
    uint64_t rsp = gpr[ESP];
    if (ist) rsp = tss_rsp(*this, TSS64_IST1 + 8 * (ist - 1));
    else if (inner) rsp = tss_rsp_for(*this, new_cpl);
    rsp &= ~uint64_t(15);

    uint64_t frame[6];
    unsigned n = 0;
    frame[n++] = seg[SS].sel;
    frame[n++] = gpr[ESP];
    frame[n++] = flags.get();
    frame[n++] = seg[CS].sel;
    frame[n++] = return_rip;
    if (has_error) frame[n++] = error_code;
    write_frame64(*this, rsp, frame, n, new_cpl, ext);

    // Everything that can fault has happened: commit.
    mark_accessed(*this, sel, cs);
    if (inner) load_null_ss(*this, new_cpl);
    gpr[ESP] = rsp;
    enter_handler(*this, sel, cs, new_cpl, is_int, target);
}

}  // namespace jitpc::cpu
