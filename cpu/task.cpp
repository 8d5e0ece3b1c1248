// Hardware task switches: JMP/CALL to a TSS or task gate, task gates in the IDT, IRET with NT
// set. 32-bit and 16-bit (286) TSSs share one switch procedure driven by a layout table; the
// outgoing task is saved in its own TSS's format, the incoming one loaded from its own.
//
// Implementation choices (docs/undefined.md, "16-bit TSS task switches"):
//   Loading a 16-bit TSS sets the upper 16 bits of every GPR to 0xFFFF, clears the upper word
//   of EFLAGS (so never enters v86) and of EIP, loads null FS and GS and keeps CR3.
//   Saving into a 16-bit TSS stores the low 16 bits of IP, FLAGS and the GPRs; FS, GS and the
//   upper halves are not saved.
#include "cpu/cpu.h"
#include "cpu/privilege.h"

namespace jitpc::cpu {

namespace {

// Where a TSS format keeps each field; registers and selectors are `width` bytes apart.
struct TssLayout {
    unsigned width;
    uint32_t cr3;  // 0: the format has no CR3 (the previous task's page tables stay)
    uint32_t ip, flags, gpr, seg;
    unsigned segs;  // ES CS SS DS [FS GS]
    uint32_t ldt, min_limit;
    uint32_t trap;  // 0: no debug-trap (T) bit in this format
};
constexpr TssLayout TSS32{4, 0x1C, 0x20, 0x24, 0x28, 0x48, 6, 0x60, 0x67, 0x64};
constexpr TssLayout TSS16{2, 0, 0x0E, 0x10, 0x12, 0x22, 4, 0x2A, 0x2B, 0};

const TssLayout* layout_of(unsigned type) {
    switch (type) {
    case sys_type::TSS32_AVAIL: case sys_type::TSS32_BUSY: return &TSS32;
    case sys_type::TSS16_AVAIL: case sys_type::TSS16_BUSY: return &TSS16;
    default: return nullptr;
    }
}

uint32_t read_field(Cpu& c, uint32_t lin, unsigned width) {
    return width == 4 ? c.sys_read<uint32_t>(lin) : c.sys_read<uint16_t>(lin);
}
void write_field(Cpu& c, uint32_t lin, unsigned width, uint32_t v) {
    if (width == 4) c.sys_write<uint32_t>(lin, v);
    else c.sys_write<uint16_t>(lin, static_cast<uint16_t>(v));
}

// The incoming task's state, read completely before anything changes.
struct TaskState {
    uint32_t regs[8], eip, flags, cr3;
    uint16_t segs[6], ldt;
    bool debug_trap;
};

TaskState read_task(Cpu& c, uint32_t base, const TssLayout& l) {
    TaskState t{};
    // A 16-bit TSS only holds the low halves; the upper ones become 0xFFFF.
    const uint32_t upper = l.width == 4 ? 0 : 0xFFFF0000u;
    for (unsigned r = 0; r < 8; ++r)
        t.regs[r] = upper | read_field(c, base + l.gpr + l.width * r, l.width);
    for (unsigned sr = 0; sr < l.segs; ++sr)
        t.segs[sr] = c.sys_read<uint16_t>(base + l.seg + l.width * sr);
    if (l.cr3) t.cr3 = c.sys_read<uint32_t>(base + l.cr3);
    t.eip = read_field(c, base + l.ip, l.width);
    t.flags = read_field(c, base + l.flags, l.width);
    t.ldt = c.sys_read<uint16_t>(base + l.ldt);
    t.debug_trap = l.trap && (c.sys_read<uint16_t>(base + l.trap) & 1);
    return t;
}

void save_task(Cpu& c, uint32_t base, const TssLayout& l, uint32_t eip, uint32_t flags) {
    write_field(c, base + l.ip, l.width, eip);
    write_field(c, base + l.flags, l.width, flags);
    for (unsigned r = 0; r < 8; ++r) write_field(c, base + l.gpr + l.width * r, l.width, c.gpr[r]);
    for (unsigned sr = 0; sr < l.segs; ++sr)
        write_field(c, base + l.seg + l.width * sr, l.width, c.seg[sr].sel);
}

void set_busy(Cpu& c, uint16_t sel, bool busy) {
    uint64_t lin;
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
    const TssLayout* nl = d.segment() ? nullptr : layout_of(d.type());
    if ((sel & 4) || !nl || ((d.type() & 2) != 0) != want_busy) raise_fault(bad, err);
    if (!d.present()) raise_fault(VEC_NP, err);
    if (d.limit() < nl->min_limit) raise_fault(VEC_TS, err);
    // The outgoing TSS must hold everything up to the field before its LDT selector.
    const TssLayout* ol = layout_of(c.tr.attrs & attr::TYPE);
    if (!ol || c.tr.limit < ol->ldt - 1) raise_fault(VEC_TS, c.tr.sel & 0xFFFC);

    // Read the whole new state first: a fault here leaves the old task intact.
    TaskState t = read_task(c, d.base(), *nl);

    // Save the outgoing task.
    uint32_t old_flags = c.flags.get();
    if (why == TaskSwitch::Iret) old_flags &= ~EFLAGS_NT;
    save_task(c, c.tr.base, *ol, return_eip, old_flags);

    // Commit point: from here on faults belong to the new task.
    if (why == TaskSwitch::Jmp || why == TaskSwitch::Iret) set_busy(c, c.tr.sel, false);
    if (why == TaskSwitch::Call) {
        c.sys_write<uint16_t>(d.base(), c.tr.sel);
        t.flags |= EFLAGS_NT;
    }
    if (why != TaskSwitch::Iret) set_busy(c, sel, true);
    Descriptor loaded = d;
    loaded.hi |= 2u << 8;
    loaded.load_into(c.tr, sel);
    c.cr0 |= cr0::TS;
    // The T bit: a #DB trap (DR6.BT) before the new task's first instruction. Local
    // breakpoint enables (DR7.L0-L3) belong to the old task and are cleared.
    if (t.debug_trap) c.db_pending |= dr6::BT;
    c.dr[7] &= ~dr7::LOCAL_ENABLES;
    c.debug_regs_changed();
    if ((c.cr0 & cr0::PG) && nl->cr3) {
        // Past the commit point: a PDPTE fault is taken in the new task, as the SDM has it.
        if (!c.mmu.load_cr3(t.cr3)) raise_gp(0);
    }
    c.flags.set(t.flags, EFLAGS_WRITABLE);
    for (unsigned r = 0; r < 8; ++r) c.gpr[r] = t.regs[r];
    c.rip = c.next_rip = t.eip;
    c.request_exit();
    load_task_ldt(c, t.ldt);
    if (c.vm86()) c.set_cpl(3);
    load_task_segments(c, t.segs);
    if (t.eip > c.seg[CS].limit) raise_gp(0);
}

}  // namespace jitpc::cpu
