// Interrupt and exception delivery through IDT gates in protected and virtual-8086 mode.
#include "cpu/cpu.h"
#include "cpu/descriptor.h"
#include "cpu/privilege.h"

namespace jitpc::cpu {

void tss_stack(Cpu& c, unsigned dpl, uint16_t& ss, uint32_t& esp) {
    const unsigned type = c.tr.attrs & attr::TYPE;
    const bool tss32 = type == sys_type::TSS32_AVAIL || type == sys_type::TSS32_BUSY;
    const uint32_t off = tss32 ? 4 + dpl * 8 : 2 + dpl * 4;
    const uint32_t size = tss32 ? 8 : 4;
    if (off + size - 1 > c.tr.limit) raise_fault(VEC_TS, c.tr.sel & 0xFFFC);
    if (tss32) {
        esp = c.sys_read<uint32_t>(c.tr.base + off);
        ss = c.sys_read<uint16_t>(c.tr.base + off + 4);
    } else {
        esp = c.sys_read<uint16_t>(c.tr.base + off);
        ss = c.sys_read<uint16_t>(c.tr.base + off + 2);
    }
}

SegCache load_inner_stack(Cpu& c, uint16_t ss, unsigned dpl, uint32_t ext) {
    const uint32_t err = (ss & 0xFFFC) | ext;
    if ((ss & 0xFFFC) == 0) raise_fault(VEC_TS, ext);
    const Descriptor d = read_descriptor(c, ss, VEC_TS, ext);
    if ((ss & 3) != dpl || d.dpl() != dpl || !d.writable_data()) raise_fault(VEC_TS, err);
    if (!d.present()) raise_fault(VEC_SS, err);
    mark_accessed(c, ss, d);
    SegCache s;
    d.load_into(s, ss);
    return s;
}

void write_frame(Cpu& c, const SegCache& ss, uint32_t& esp, const uint32_t* vals, unsigned n,
                 unsigned width, uint8_t new_cpl, uint32_t fault_err) {
    const uint32_t mask = ss.big() ? 0xFFFFFFFFu : 0xFFFFu;
    const uint32_t top = (esp - n * width) & mask;
    if (top < ss.lo || uint64_t(top) + n * width - 1 > ss.hi) raise_fault(VEC_SS, fault_err);
    for (unsigned k = 0; k < n; ++k) {
        const uint32_t lin = ss.base + ((top + (n - 1 - k) * width) & mask);
        if (c.watch_armed) [[unlikely]] c.watch_data(lin, width, true);
        if (width == 4) c.mmu.write<uint32_t>(lin, vals[k], new_cpl == 3);
        else c.mmu.write<uint16_t>(lin, static_cast<uint16_t>(vals[k]), new_cpl == 3);
    }
    esp = (esp & ~mask) | top;
}

Descriptor check_code_target(Cpu& c, uint16_t sel, uint32_t ext) {
    if ((sel & 0xFFFC) == 0) raise_gp(ext);
    const Descriptor d = read_descriptor(c, sel, VEC_GP, ext);
    if (!d.code()) raise_gp((sel & 0xFFFC) | ext);
    return d;
}

SegCache load_outer_stack(Cpu& c, uint16_t ss, unsigned rpl) {
    if ((ss & 0xFFFC) == 0) raise_gp(0);
    const Descriptor d = read_descriptor(c, ss, VEC_GP);
    if ((ss & 3) != rpl || d.dpl() != rpl || !d.writable_data()) raise_gp(ss & 0xFFFC);
    if (!d.present()) raise_fault(VEC_SS, ss & 0xFFFC);
    mark_accessed(c, ss, d);
    SegCache s;
    d.load_into(s, ss);
    return s;
}

void drop_inner_segments(Cpu& c) {
    for (unsigned sr : {ES, DS, FS, GS}) {
        const SegCache& s = c.seg[sr];
        const bool conforming = (s.attrs & attr::CODE) && (s.attrs & attr::CONFORMING);
        if ((s.attrs & attr::S) && !conforming && s.dpl() < c.cpl) load_null(c.seg[sr], 0);
    }
}

uint32_t stack_slot(Cpu& c, unsigned w, uint32_t offset) {
    return w == 4 ? c.peek_stack<uint32_t>(offset) : c.peek_stack<uint16_t>(offset);
}

uint64_t stack_slot64(Cpu& c, unsigned w, uint32_t offset) {
    if (w != 8) return stack_slot(c, w, offset);
    return c.peek_stack<uint32_t>(offset) | uint64_t(c.peek_stack<uint32_t>(offset + 4)) << 32;
}

void release_stack(Cpu& c, unsigned bytes) { c.set_sp(c.gpr[ESP] + bytes, c.sp_mask()); }

void Cpu::deliver_protected(uint8_t vector, EventKind kind, uint32_t return_eip, bool has_error,
                            uint32_t error_code) {
    const uint32_t ext = (kind == EventKind::Software) ? 0 : 1;
    const uint32_t gate_err = uint32_t(vector) * 8 + 2 + ext;
    if (uint32_t(vector) * 8 + 7 > idtr.limit) raise_gp(gate_err);
    const Descriptor gate{sys_read<uint32_t>(idtr.base + vector * 8u),
                          sys_read<uint32_t>(idtr.base + vector * 8u + 4)};
    const unsigned gt = gate.type();
    const bool is_int = gt == sys_type::INT_GATE16 || gt == sys_type::INT_GATE32;
    const bool is_trap = gt == sys_type::TRAP_GATE16 || gt == sys_type::TRAP_GATE32;
    const bool is_task = gt == sys_type::TASK_GATE;
    if (gate.segment() || !(is_int || is_trap || is_task)) raise_gp(gate_err);
    if (kind == EventKind::Software && gate.dpl() < cpl) raise_gp(gate_err);
    if (!gate.present()) raise_fault(VEC_NP, gate_err);
    if (is_task) {
        const uint16_t tsel = gate.gate_selector();
        task_switch(*this, tsel, read_descriptor(*this, tsel, VEC_GP, ext), TaskSwitch::Call,
                    return_eip);
        // The error code goes on the new task's stack in the width of its TSS.
        if (has_error) {
            if ((tr.attrs & attr::TYPE) == sys_type::TSS32_BUSY) push<uint32_t>(error_code);
            else push<uint16_t>(static_cast<uint16_t>(error_code));
        }
        return;
    }
    const bool gate32 = gt & 8;

    const uint16_t sel = gate.gate_selector();
    const Descriptor cs = check_code_target(*this, sel, ext);
    const uint32_t sel_err = (sel & 0xFFFC) | ext;
    if (cs.dpl() > cpl) raise_gp(sel_err);
    if (!cs.present()) raise_fault(VEC_NP, sel_err);
    const uint32_t target = gate32 ? gate.gate_offset() : gate.gate_offset() & 0xFFFF;
    if (target > cs.limit()) raise_gp(ext);

    const bool inner = !cs.conforming() && cs.dpl() < cpl;
    if (vm86() && (!inner || cs.dpl() != 0)) raise_gp(sel_err);
    const uint8_t new_cpl = inner ? cs.dpl() : cpl;
    const uint32_t old_flags = flags.get();

    uint32_t frame[11];
    unsigned n = 0;
    SegCache new_ss = seg[SS];
    uint32_t esp = gpr[ESP];
    if (inner) {
        uint16_t ss_sel;
        uint32_t new_esp;
        tss_stack(*this, new_cpl, ss_sel, new_esp);
        new_ss = load_inner_stack(*this, ss_sel, new_cpl, ext);
        esp = new_esp;
        if (vm86()) {
            frame[n++] = seg[GS].sel;
            frame[n++] = seg[FS].sel;
            frame[n++] = seg[DS].sel;
            frame[n++] = seg[ES].sel;
        }
        frame[n++] = seg[SS].sel;
        frame[n++] = gpr[ESP];
    }
    frame[n++] = old_flags;
    frame[n++] = seg[CS].sel;
    frame[n++] = return_eip;
    if (has_error) frame[n++] = error_code;
    write_frame(*this, new_ss, esp, frame, n, gate32 ? 4 : 2, new_cpl,
                inner ? (new_ss.sel & 0xFFFC) | ext : ext);

    // Everything that can fault has happened: commit.
    mark_accessed(*this, sel, cs);
    if (vm86())
        for (unsigned sr : {ES, DS, FS, GS}) load_null(seg[sr], 0);
    seg[SS] = new_ss;
    gpr[ESP] = esp;
    enter_handler(*this, sel, cs, new_cpl, is_int, target);
}

void enter_handler(Cpu& c, uint16_t sel, const Descriptor& cs, uint8_t new_cpl, bool int_gate,
                   uint64_t target) {
    cs.load_into(c.seg[CS], static_cast<uint16_t>((sel & 0xFFFC) | new_cpl));
    c.set_cpl(new_cpl);
    c.flags.bits &= ~(EFLAGS_TF | EFLAGS_NT | EFLAGS_RF | EFLAGS_VM | (int_gate ? EFLAGS_IF : 0));
    c.rip = c.next_rip = target;
    c.request_exit();
}

}  // namespace jitpc::cpu
