// INT n, INT3, INTO, INT1 (ICEBP), BOUND and IRET/IRETD/IRETQ in every mode.
#include "cpu/descriptor.h"
#include "cpu/ops/operands.h"
#include "cpu/ops/system_parts.h"
#include "cpu/privilege.h"

namespace jitpc::cpu::ops {
namespace {


void int_n(Cpu& c, const Insn& i) {
    // Without CR4.VME, INT n (not INT3/INTO) in virtual-8086 mode is IOPL-sensitive.
    if (c.vm86() && iopl(c) < 3) raise_gp(0);
    c.deliver(static_cast<uint8_t>(i.imm), EventKind::Software, c.next_rip, false, 0);
}
void int3(Cpu& c, const Insn&) { c.deliver(VEC_BP, EventKind::Software, c.next_rip, false, 0); }
void into(Cpu& c, const Insn&) {
    if (c.flags.of()) c.deliver(VEC_OF, EventKind::Software, c.next_rip, false, 0);
}
void int1(Cpu& c, const Insn&) { c.deliver(VEC_DB, EventKind::Icebp, c.next_rip, false, 0); }

// BOUND: a signed range check against the pair [lower, upper] in memory; #BR is a fault (the
// pushed EIP names BOUND). The upper bound's offset is not wrapped, so a pair that straddles
// the segment limit faults there.
template <typename T> void bound(Cpu& c, const Insn& i) {
    using S = sint_t<T>;
    const uint32_t off = c.ea(i);
    const S lower = S(c.read<T>(i.seg, off)), upper = S(c.read<T>(i.seg, off + sizeof(T)));
    const S v = S(c.reg<T>(i.r0));
    if (v < lower || v > upper) raise_fault(VEC_BR, 0);
}
Handler bind_bound(const DecodeCtx& ctx, Insn& i) {
    if (!ctx.is_mem(1)) return nullptr;
    return i.osize == 2 ? bound<uint16_t> : bound<uint32_t>;
}

// Slot k of an IRET frame with `w`-byte slots, read without popping.
uint32_t slot(Cpu& c, unsigned w, unsigned k) { return stack_slot(c, w, k * w); }

// EFLAGS bits IRET may load: 0x257FD5 is everything but VM/VIF/VIP and the fixed bits.
constexpr uint32_t IRET_BASE = 0x257FD5;

// Real mode and virtual-8086 mode (IOPL 3 only; IOPL itself stays).
void iret_real(Cpu& c, unsigned w) {
    if (c.vm86() && iopl(c) < 3) raise_gp(0);
    const uint32_t ip = slot(c, w, 0);
    const uint16_t cs = static_cast<uint16_t>(slot(c, w, 1));
    const uint32_t fl = slot(c, w, 2);
    if (ip > c.seg[CS].limit) raise_gp(0);
    uint32_t mask = w == 4 ? IRET_BASE : 0xFFFF;
    if (c.vm86()) mask &= ~EFLAGS_IOPL;
    release_stack(c, 3 * w);
    c.flags.set(fl, mask);
    c.load_seg_real(CS, cs);
    c.next_rip = ip;
}

void iret_to_v86(Cpu& c) {
    uint32_t v[9];
    for (unsigned k = 0; k < 9; ++k) v[k] = slot(c, 4, k);
    if ((v[0] & 0xFFFF0000u) != 0) raise_gp(0);
    c.flags.set(v[2], EFLAGS_WRITABLE);
    const SegReg order[5] = {SS, ES, DS, FS, GS};
    c.load_seg_real(CS, static_cast<uint16_t>(v[1]));
    for (unsigned k = 0; k < 5; ++k) c.load_seg_real(order[k], static_cast<uint16_t>(v[4 + k]));
    c.gpr[ESP] = v[3];
    c.set_cpl(3);
    c.next_rip = v[0];
}

void iret_protected(Cpu& c, unsigned w) {
    if (c.flags.bits & EFLAGS_NT) {
        // Return to the task in the back link of the current TSS.
        const uint16_t link = c.sys_read<uint16_t>(c.tr.base);
        return task_switch(c, link, read_descriptor(c, link, VEC_TS), TaskSwitch::Iret,
                           c.next_rip);
    }
    uint32_t new_eip = slot(c, w, 0);
    const uint16_t cs_sel = static_cast<uint16_t>(slot(c, w, 1));
    const uint32_t new_flags = slot(c, w, 2);
    if (w == 4 && (new_flags & EFLAGS_VM) && c.cpl == 0) return iret_to_v86(c);

    const Descriptor cs = check_code_target(c, cs_sel, 0);
    const unsigned rpl = cs_sel & 3;
    const uint32_t err = cs_sel & 0xFFFC;
    if (rpl < c.cpl) raise_gp(err);
    if (cs.conforming() ? cs.dpl() > rpl : cs.dpl() != rpl) raise_gp(err);
    if (!cs.present()) raise_fault(VEC_NP, err);
    if (w == 2) new_eip &= 0xFFFF;
    if (new_eip > cs.limit()) raise_gp(0);

    const bool outer = rpl > c.cpl;
    SegCache ss = c.seg[SS];
    uint32_t esp = 0;
    if (outer) {
        esp = slot(c, w, 3);
        ss = load_outer_stack(c, static_cast<uint16_t>(slot(c, w, 4)), rpl);
    }

    // Commit. Which EFLAGS bits load depends on the CPL the IRET ran at.
    uint32_t mask = IRET_BASE & ~(EFLAGS_IF | EFLAGS_IOPL);
    if (c.cpl <= iopl(c)) mask |= EFLAGS_IF;
    if (c.cpl == 0) mask |= EFLAGS_IOPL | (w == 4 ? EFLAGS_VIF | EFLAGS_VIP : 0);
    if (w == 2) mask &= 0xFFFF;
    mark_accessed(c, cs_sel, cs);
    c.flags.set(new_flags, mask);
    cs.load_into(c.seg[CS], cs_sel);
    if (outer) {
        c.seg[SS] = ss;
        const uint32_t m = ss.big() ? 0xFFFFFFFFu : 0xFFFFu;
        c.gpr[ESP] = (c.gpr[ESP] & ~m) | (esp & m);
        c.set_cpl(static_cast<uint8_t>(rpl));
        drop_inner_segments(c);
    } else {
        release_stack(c, 3 * w);
    }
    c.next_rip = new_eip;
}

// IA-32e mode (SDM Vol. 2 IRET, IA-32e-MODE): NT set is #GP(0), as there are no task
// switches; 64-bit code always pops SS:RSP, compatibility mode only on a return to an outer
// level. A null SS is taken only by a return to 64-bit code below ring 3.
void iret_long(Cpu& c, unsigned w) {
    if (c.flags.bits & EFLAGS_NT) raise_gp(0);
    uint64_t new_rip = stack_slot64(c, w, 0);
    const uint16_t cs_sel = static_cast<uint16_t>(stack_slot64(c, w, w));
    const uint32_t new_flags = static_cast<uint32_t>(stack_slot64(c, w, 2 * w));
    const Descriptor cs = check_code_target(c, cs_sel, 0);
    const unsigned rpl = cs_sel & 3;
    const uint32_t err = cs_sel & 0xFFFC;
    if (rpl < c.cpl) raise_gp(err);
    if (cs.conforming() ? cs.dpl() > rpl : cs.dpl() != rpl) raise_gp(err);
    if (cs.long_reserved()) raise_gp(err);
    if (!cs.present()) raise_fault(VEC_NP, err);
    const bool to64 = cs.code64();
    if (w == 2) new_rip &= 0xFFFF;
    if (to64 ? !c.model.canonical(new_rip) : new_rip > cs.limit()) raise_gp(0);

    const bool outer = rpl > c.cpl;
    const bool pop_ss = outer || c.mode() == CpuMode::Long64;
    SegCache ss = c.seg[SS];
    uint64_t rsp = 0;
    uint16_t ss_sel = 0;
    if (pop_ss) {
        rsp = stack_slot64(c, w, 3 * w);
        ss_sel = static_cast<uint16_t>(stack_slot64(c, w, 4 * w));
        if ((ss_sel & 0xFFFC) != 0) ss = load_outer_stack(c, ss_sel, rpl);
        else if (!to64 || rpl == 3) raise_gp(0);
    }

    uint32_t mask = IRET_BASE & ~(EFLAGS_IF | EFLAGS_IOPL);
    if (c.cpl <= iopl(c)) mask |= EFLAGS_IF;
    if (c.cpl == 0) mask |= EFLAGS_IOPL | (w >= 4 ? EFLAGS_VIF | EFLAGS_VIP : 0);
    if (w == 2) mask &= 0xFFFF;
    mark_accessed(c, cs_sel, cs);
    c.flags.set(new_flags, mask);
    cs.load_into(c.seg[CS], cs_sel);
    if (pop_ss) {
        if ((ss_sel & 0xFFFC) != 0) c.seg[SS] = ss;
        else load_null_ss(c, rpl);
        c.gpr[ESP] = w == 2 ? (c.gpr[ESP] & ~uint64_t(0xFFFF)) | (rsp & 0xFFFF) : rsp;
        c.set_cpl(static_cast<uint8_t>(rpl));
        if (outer) drop_inner_segments(c);
    } else {
        release_stack(c, 3 * w);
    }
    c.next_rip = new_rip;
}

template <unsigned W> void iret(Cpu& c, const Insn&) {
    if (c.efer & efer::LMA) iret_long(c, W);
    else if (c.protected_mode()) iret_protected(c, W);
    else iret_real(c, W);
    c.nmi_blocked = 0;
    c.request_exit();
}


}  // namespace
}  // namespace jitpc::cpu::ops

namespace jitpc::cpu {

void register_system_interrupts(Binder* t) {
    using namespace ops;
    t[ZYDIS_MNEMONIC_INT] = bind_end<int_n>;
    t[ZYDIS_MNEMONIC_INT3] = bind_end<int3>;
    t[ZYDIS_MNEMONIC_INTO] = bind_end<into>;
    t[ZYDIS_MNEMONIC_INT1] = bind_end<int1>;
    t[ZYDIS_MNEMONIC_BOUND] = bind_bound;
    t[ZYDIS_MNEMONIC_IRET] = bind_end<iret<2>>;
    t[ZYDIS_MNEMONIC_IRETD] = bind_end<iret<4>>;
    t[ZYDIS_MNEMONIC_IRETQ] = bind_end<iret<8>>;
}

}  // namespace jitpc::cpu
