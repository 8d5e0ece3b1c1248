// Hardware task switches (32-bit TSS): JMP/CALL to a TSS or task gate, task gates in the IDT,
// IRET with NT set.
#include "cpu/cpu.h"
#include "cpu/privilege.h"

namespace jitpc::cpu {

namespace {

// 32-bit TSS layout.
constexpr uint32_t TSS_LINK = 0x00, TSS_CR3 = 0x1C, TSS_EIP = 0x20, TSS_EFLAGS = 0x24,
                   TSS_EAX = 0x28, TSS_ES = 0x48, TSS_LDT = 0x60, TSS_TRAP = 0x64,
                   TSS32_MIN_LIMIT = 0x67;

bool tss32(unsigned type) {
    return type == sys_type::TSS32_AVAIL || type == sys_type::TSS32_BUSY;
}

void set_busy(Cpu& c, uint16_t sel, bool busy) {
    uint32_t lin;
    if (!descriptor_address(c, sel, lin)) return;
    const uint8_t access = c.sys_read<uint8_t>(lin + 5);
    c.sys_write<uint8_t>(lin + 5, static_cast<uint8_t>(busy ? access | 2 : access & ~2));
}

void load_task_ldt(Cpu& c, uint16_t sel) {
    if ((sel & 0xFFFC) == 0) return load_null(c.ldtr, sel);
    if (sel & 4) raise_fault(VEC_TS, sel & 0xFFFC);
    const Descriptor d = read_descriptor(c, sel, VEC_TS);
    if (d.segment() || d.type() != sys_type::LDT) raise_fault(VEC_TS, sel & 0xFFFC);
    if (!d.present()) raise_fault(VEC_NP, sel & 0xFFFC);
    d.load_into(c.ldtr, sel);
}

// Segment loads after the commit point report #TS where a MOV would report #GP.
void load_task_segments(Cpu& c, const uint16_t sel[6]) {
    if (c.vm86()) {
        for (unsigned sr = 0; sr < 6; ++sr) c.load_seg_real(sr, sel[sr]);
        return;
    }
    const uint16_t cs = sel[CS];
    if ((cs & 0xFFFC) == 0) raise_fault(VEC_TS, 0);
    const Descriptor d = read_descriptor(c, cs, VEC_TS);
    const unsigned rpl = cs & 3;
    if (!d.code() || (d.conforming() ? d.dpl() > rpl : d.dpl() != rpl))
        raise_fault(VEC_TS, cs & 0xFFFC);
    if (!d.present()) raise_fault(VEC_NP, cs & 0xFFFC);
    d.load_into(c.seg[CS], cs);
    c.set_cpl(static_cast<uint8_t>(rpl));
    try {
        for (unsigned sr : {SS, ES, DS, FS, GS}) c.load_seg_protected(sr, sel[sr]);
    } catch (const GuestFault& f) {
        if (f.vector != VEC_GP) throw;
        raise_fault(VEC_TS, f.error_code);
    }
}

}  // namespace

void task_switch(Cpu& c, uint16_t sel, const Descriptor& d, TaskSwitch why, uint32_t return_eip) {
    const uint32_t err = sel & 0xFFFC;
    const bool want_busy = why == TaskSwitch::Iret;
    const unsigned bad = want_busy ? VEC_TS : VEC_GP;
    if ((sel & 4) || d.segment() || !tss32(d.type()) || ((d.type() & 2) != 0) != want_busy)
        raise_fault(bad, err);
    if (!d.present()) raise_fault(VEC_NP, err);
    if (d.limit() < TSS32_MIN_LIMIT) raise_fault(VEC_TS, err);
    if (!tss32(c.tr.attrs & attr::TYPE) || c.tr.limit < TSS_LDT - 1)
        raise_fault(VEC_TS, c.tr.sel & 0xFFFC);

    // Read the whole new state first: a fault here leaves the old task intact.
    const uint32_t nb = d.base();
    uint32_t regs[8];
    for (unsigned r = 0; r < 8; ++r) regs[r] = c.sys_read<uint32_t>(nb + TSS_EAX + 4 * r);
    uint16_t segs[6];
    for (unsigned sr = 0; sr < 6; ++sr) segs[sr] = c.sys_read<uint16_t>(nb + TSS_ES + 4 * sr);
    const uint32_t new_cr3 = c.sys_read<uint32_t>(nb + TSS_CR3);
    const uint32_t new_eip = c.sys_read<uint32_t>(nb + TSS_EIP);
    uint32_t new_flags = c.sys_read<uint32_t>(nb + TSS_EFLAGS);
    const uint16_t new_ldt = c.sys_read<uint16_t>(nb + TSS_LDT);
    const bool debug_trap = c.sys_read<uint16_t>(nb + TSS_TRAP) & 1;

    // Save the outgoing task.
    uint32_t old_flags = c.flags.get();
    if (why == TaskSwitch::Iret) old_flags &= ~EFLAGS_NT;
    const uint32_t ob = c.tr.base;
    c.sys_write<uint32_t>(ob + TSS_EIP, return_eip);
    c.sys_write<uint32_t>(ob + TSS_EFLAGS, old_flags);
    for (unsigned r = 0; r < 8; ++r) c.sys_write<uint32_t>(ob + TSS_EAX + 4 * r, c.gpr[r]);
    for (unsigned sr = 0; sr < 6; ++sr) c.sys_write<uint32_t>(ob + TSS_ES + 4 * sr, c.seg[sr].sel);

    // Commit point: from here on faults belong to the new task.
    if (why == TaskSwitch::Jmp || why == TaskSwitch::Iret) set_busy(c, c.tr.sel, false);
    if (why == TaskSwitch::Call) {
        c.sys_write<uint16_t>(nb + TSS_LINK, c.tr.sel);
        new_flags |= EFLAGS_NT;
    }
    if (why != TaskSwitch::Iret) set_busy(c, sel, true);
    Descriptor loaded = d;
    loaded.hi |= 2u << 8;
    loaded.load_into(c.tr, sel);
    c.cr0 |= cr0::TS;
    // The T bit: a #DB trap (DR6.BT) before the new task's first instruction. Local
    // breakpoint enables (DR7.L0-L3) belong to the old task and are cleared.
    if (debug_trap) c.db_pending |= dr6::BT;
    c.dr[7] &= ~dr7::LOCAL_ENABLES;
    c.debug_regs_changed();
    if (c.cr0 & cr0::PG) {
        c.cr3 = new_cr3 & 0xFFFFF018u;
        c.mmu.flush_nonglobal();
    }
    c.flags.set(new_flags, EFLAGS_WRITABLE);
    for (unsigned r = 0; r < 8; ++r) c.gpr[r] = regs[r];
    c.eip = c.next_eip = new_eip;
    c.request_exit();
    load_task_ldt(c, new_ldt);
    if (c.vm86()) c.set_cpl(3);
    load_task_segments(c, segs);
    if (new_eip > c.seg[CS].limit) raise_gp(0);
}

}  // namespace jitpc::cpu
