// Far JMP, CALL and RET: real/v86 mode, code segments, call gates and task switches in
// protected mode, 64-bit call gates and 8-byte returns in IA-32e mode.
#include "cpu/descriptor.h"
#include "cpu/ops/operands.h"
#include "cpu/ops/system_parts.h"
#include "cpu/privilege.h"

namespace jitpc::cpu::ops {
namespace {

FarPtr far_operand(Cpu& c, const Insn& i) {
    if (!(i.flags & IF_MEM)) return {i.imm2, i.osize == 4 ? i.imm : i.imm & 0xFFFF};
    return read_far_pointer(c, i);
}

// Pushes the return CS:EIP (`w`-byte slots) on the current stack; nothing changes on a fault.
void push_return(Cpu& c, unsigned w) {
    if (w == 8) {
        const uint64_t vals[2] = {c.seg[CS].sel, c.next_rip};
        uint64_t rsp = c.gpr[ESP];
        write_frame64(c, rsp, vals, 2, c.cpl, 0);
        c.gpr[ESP] = rsp;
        return;
    }
    const uint32_t vals[2] = {c.seg[CS].sel, uint32_t(c.next_rip)};
    uint32_t esp = c.gpr[ESP];
    write_frame(c, c.seg[SS], esp, vals, 2, w, c.cpl, 0);
    c.gpr[ESP] = esp;
}

// Whether `off` may be the new RIP in the code segment `d`: canonical for 64-bit code, within
// the limit otherwise.
bool target_ok(const Cpu& c, const Descriptor& d, uint64_t off) {
    return d.code64() ? c.model.canonical(off) : off <= d.limit();
}

void enter_cs(Cpu& c, uint16_t sel, const Descriptor& d, unsigned new_cpl, uint64_t off) {
    mark_accessed(c, sel, d);
    d.load_into(c.seg[CS], static_cast<uint16_t>((sel & 0xFFFC) | new_cpl));
    if (new_cpl != c.cpl) c.set_cpl(static_cast<uint8_t>(new_cpl));
    c.next_rip = off;
}

// CALL through a gate to a more privileged non-conforming segment: new stack from the TSS,
// with the old SS:ESP and the gate's parameter count of stack words copied over.
void call_inner(Cpu& c, const Descriptor& gate, uint16_t sel, const Descriptor& d, uint32_t off) {
    const unsigned w = (gate.type() & 8) ? 4 : 2;
    const unsigned dpl = d.dpl();
    uint16_t ss_sel;
    uint32_t esp;
    tss_stack(c, dpl, ss_sel, esp);
    const SegCache ss = load_inner_stack(c, ss_sel, dpl, 0);
    const unsigned params = gate.hi & 0x1F;
    uint32_t frame[4 + 31];
    unsigned n = 0;
    frame[n++] = c.seg[SS].sel;
    frame[n++] = c.gpr[ESP];
    for (unsigned k = params; k-- > 0;) frame[n++] = stack_slot(c, w, k * w);
    frame[n++] = c.seg[CS].sel;
    frame[n++] = c.next_rip;
    write_frame(c, ss, esp, frame, n, w, static_cast<uint8_t>(dpl), ss_sel & 0xFFFC);
    c.seg[SS] = ss;
    c.gpr[ESP] = esp;
    enter_cs(c, sel, d, dpl, off);
}

// IA-32e mode's call gates (SDM Vol. 3 5.8.3.1): 16 bytes, always to 64-bit code; an inner
// CALL takes RSPn from the 64-bit TSS with a null SS, copies no parameters and pushes 8-byte
// slots, as does a CALL at the same level.
void call_gate_long(Cpu& c, const Descriptor& gate, uint16_t gate_sel, bool call) {
    const uint64_t off = gate.gate_offset() | uint64_t(read_descriptor_upper(c, gate_sel)) << 32;
    const uint16_t sel = gate.gate_selector();
    const Descriptor cd = check_code_target(c, sel, 0);
    const uint32_t cerr = sel & 0xFFFC;
    if (!cd.code64() || cd.dpl() > c.cpl || (!call && !cd.conforming() && cd.dpl() != c.cpl))
        raise_gp(cerr);
    if (!cd.present()) raise_fault(VEC_NP, cerr);
    if (!c.model.canonical(off)) raise_gp(0);
    if (call && !cd.conforming() && cd.dpl() < c.cpl) {
        const unsigned dpl = cd.dpl();
        uint64_t rsp = tss_rsp_for(c, dpl);
        const uint64_t frame[4] = {c.seg[SS].sel, c.gpr[ESP], c.seg[CS].sel, c.next_rip};
        write_frame64(c, rsp, frame, 4, static_cast<uint8_t>(dpl), 0);
        load_null_ss(c, dpl);
        c.gpr[ESP] = rsp;
        return enter_cs(c, sel, cd, dpl, off);
    }
    if (call) push_return(c, 8);
    enter_cs(c, sel, cd, c.cpl, off);
}

void far_protected(Cpu& c, FarPtr p, unsigned w, bool call) {
    const uint32_t err = p.sel & 0xFFFC;
    if (err == 0) raise_gp(0);
    const Descriptor d = read_descriptor(c, p.sel, VEC_GP);
    if (d.code()) {
        if (d.conforming() ? d.dpl() > c.cpl : ((p.sel & 3) > c.cpl || d.dpl() != c.cpl))
            raise_gp(err);
        if (d.long_reserved() && (c.efer & efer::LMA)) raise_gp(err);
        if (!d.present()) raise_fault(VEC_NP, err);
        if (!target_ok(c, d, p.off)) raise_gp(0);
        if (call) push_return(c, w);
        return enter_cs(c, p.sel, d, c.cpl, p.off);
    }
    if (c.efer & efer::LMA) {
        // Only 64-bit call gates: TSS and task-gate targets (task switches) are gone.
        if (d.segment() || d.type() != sys_type::CALL_GATE32) raise_gp(err);
        if (d.dpl() < c.cpl || d.dpl() < (p.sel & 3u)) raise_gp(err);
        if (!d.present()) raise_fault(VEC_NP, err);
        return call_gate_long(c, d, p.sel, call);
    }
    const unsigned gt = d.type();
    const bool call_gate = gt == sys_type::CALL_GATE16 || gt == sys_type::CALL_GATE32;
    const bool tss = gt == sys_type::TSS16_AVAIL || gt == sys_type::TSS32_AVAIL;
    const bool task = tss || gt == sys_type::TASK_GATE;
    if (d.segment() || !(call_gate || task)) raise_gp(err);
    if (d.dpl() < c.cpl || d.dpl() < (p.sel & 3u)) raise_gp(err);
    if (!d.present()) raise_fault(VEC_NP, err);
    if (task) {
        const TaskSwitch why = call ? TaskSwitch::Call : TaskSwitch::Jmp;
        if (tss) return task_switch(c, p.sel, d, why, c.next_rip);
        const uint16_t tsel = d.gate_selector();
        return task_switch(c, tsel, read_descriptor(c, tsel, VEC_GP), why, c.next_rip);
    }
    const uint16_t sel = d.gate_selector();
    const uint32_t off = gt == sys_type::CALL_GATE32 ? d.gate_offset() : d.gate_offset() & 0xFFFF;
    const Descriptor cd = check_code_target(c, sel, 0);
    const uint32_t cerr = sel & 0xFFFC;
    if (cd.dpl() > c.cpl || (!call && !cd.conforming() && cd.dpl() != c.cpl)) raise_gp(cerr);
    if (!cd.present()) raise_fault(VEC_NP, cerr);
    if (off > cd.limit()) raise_gp(0);
    if (call && !cd.conforming() && cd.dpl() < c.cpl) return call_inner(c, d, sel, cd, off);
    if (call) push_return(c, (gt & 8) ? 4 : 2);
    enter_cs(c, sel, cd, c.cpl, off);
}

template <bool Call> void far_transfer(Cpu& c, const Insn& i) {
    const FarPtr p = far_operand(c, i);
    if (c.protected_mode()) {
        far_protected(c, p, i.osize, Call);
    } else {
        if (p.off > (c.vm86() ? 0xFFFFu : c.seg[CS].limit)) raise_gp(0);
        if (Call) push_return(c, i.osize);
        c.load_seg_real(CS, p.sel);
        c.next_rip = p.off;
    }
    c.request_exit();
}

// RETF [imm16]: imm bytes of parameters are released from both stacks on an outer return.
// In IA-32e mode REX.W makes the slots 8 bytes, and an outer return to 64-bit code below ring
// 3 may load a null SS.
void ret_far(Cpu& c, const Insn& i) {
    const unsigned w = i.osize;
    const uint32_t extra = i.imm & 0xFFFF;
    const uint64_t ip = stack_slot64(c, w, 0);
    const uint16_t sel = static_cast<uint16_t>(stack_slot64(c, w, w));
    if (!c.protected_mode()) {
        if (ip > c.seg[CS].limit) raise_gp(0);
        release_stack(c, 2 * w + extra);
        c.load_seg_real(CS, sel);
        c.next_rip = ip;
        c.request_exit();
        return;
    }
    const Descriptor d = check_code_target(c, sel, 0);
    const unsigned rpl = sel & 3;
    const uint32_t err = sel & 0xFFFC;
    if (rpl < c.cpl || (d.conforming() ? d.dpl() > rpl : d.dpl() != rpl)) raise_gp(err);
    if (!d.present()) raise_fault(VEC_NP, err);
    if (d.long_reserved() && (c.efer & efer::LMA)) raise_gp(err);
    if (!target_ok(c, d, ip)) raise_gp(0);
    if (rpl > c.cpl) {
        const uint64_t rsp = stack_slot64(c, w, 2 * w + extra);
        const uint16_t ss_sel = static_cast<uint16_t>(stack_slot64(c, w, 3 * w + extra));
        const bool null_ss = (ss_sel & 0xFFFC) == 0 && (c.efer & efer::LMA) && d.code64() && rpl != 3;
        const SegCache ss = null_ss ? SegCache{} : load_outer_stack(c, ss_sel, rpl);
        enter_cs(c, sel, d, rpl, ip);
        if (null_ss) load_null_ss(c, rpl);
        else c.seg[SS] = ss;
        const uint64_t m = d.code64() ? ~uint64_t(0) : ss.big() ? 0xFFFFFFFFu : 0xFFFFu;
        c.gpr[ESP] = (c.gpr[ESP] & ~m) | ((rsp + extra) & m);
        drop_inner_segments(c);
    } else {
        release_stack(c, 2 * w + extra);
        enter_cs(c, sel, d, c.cpl, ip);
    }
    c.request_exit();
}

bool is_far(const DecodeCtx& ctx) { return ctx.zi.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR; }

template <bool Call> Handler bind_far(const DecodeCtx& ctx, Insn& i) {
    if (!is_far(ctx)) return nullptr;
    // The register form of JMP/CALL FAR (ModRM mod = 3) does not exist.
    if (ctx.is_reg(0)) return nullptr;
    i.flags |= IF_END_BLOCK;
    return far_transfer<Call>;
}
Handler bind_retf(const DecodeCtx& ctx, Insn& i) {
    if (!is_far(ctx)) return nullptr;
    i.flags |= IF_END_BLOCK;
    return ret_far;
}

}  // namespace
}  // namespace jitpc::cpu::ops

namespace jitpc::cpu {

void register_system_far(Binder* t) {
    chain_binder(t, ZYDIS_MNEMONIC_JMP, ops::bind_far<false>);
    chain_binder(t, ZYDIS_MNEMONIC_CALL, ops::bind_far<true>);
    chain_binder(t, ZYDIS_MNEMONIC_RET, ops::bind_retf);
}

}  // namespace jitpc::cpu
