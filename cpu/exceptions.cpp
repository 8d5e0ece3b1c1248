// Exception and interrupt delivery: the IVT in real mode, escalation to #DF and shutdown.
#include "cpu/cpu.h"

namespace jitpc::cpu {

namespace {

enum class FaultClass { Benign, Contributory, PageFault };

FaultClass classify(unsigned v) {
    switch (v) {
    case VEC_DE: case VEC_TS: case VEC_NP: case VEC_SS: case VEC_GP: return FaultClass::Contributory;
    case VEC_PF: return FaultClass::PageFault;
    default: return FaultClass::Benign;
    }
}

// SDM Vol. 3 table 6-5: which second fault during delivery of a first one becomes #DF.
bool becomes_double_fault(unsigned first, unsigned second) {
    const FaultClass a = classify(first), b = classify(second);
    if (a == FaultClass::Contributory) return b == FaultClass::Contributory;
    if (a == FaultClass::PageFault) return b != FaultClass::Benign;
    return false;
}

}  // namespace

void Cpu::deliver_fault(const GuestFault& f) {
    // Every fault but #DB saves EFLAGS with RF set, so the handler's IRETD restarts the
    // instruction without re-reporting an instruction breakpoint on it (SDM 17.3.1.1).
    if (f.vector != VEC_DB) flags.bits |= EFLAGS_RF;
    deliver(f.vector, EventKind::Exception, rip, vector_has_error_code(f.vector), f.error_code);
}

void Cpu::deliver(uint8_t vector, EventKind kind, uint64_t return_eip, bool has_error,
                  uint32_t error_code) {
    if (on_deliver) on_deliver(*this, Event{vector, kind, has_error, error_code});
    halted = 0;
    pause_left = 0;  // a PAUSE it interrupts runs whole again after the handler
    // Data breakpoints do not watch the frames event delivery pushes (docs/undefined.md); a
    // task gate's T bit still asks for its trap.
    const uint32_t watched = db_pending;
    try {
        if (efer & efer::LMA)
            deliver_long(vector, kind, return_eip, has_error, error_code);
        else if (protected_mode() || vm86())
            deliver_protected(vector, kind, return_eip, has_error, error_code);
        else
            deliver_real(vector, return_eip);
    } catch (const GuestFault& g) {
        // A fault while INT n/INT3/INTO/INT1 starts belongs to that instruction: the run loop
        // delivers it with EIP still naming it.
        if (kind == EventKind::Software || kind == EventKind::Icebp) throw;
        if (kind == EventKind::Exception && vector == VEC_DF) {
            shutdown = true;
            bus.cpu_reset_request("triple fault");
            return;
        }
        if (kind == EventKind::Exception && becomes_double_fault(vector, g.vector))
            deliver(VEC_DF, EventKind::Exception, return_eip, true, 0);
        else
            deliver(g.vector, EventKind::Exception, return_eip, vector_has_error_code(g.vector),
                    g.error_code);
    }
    db_pending = watched | (db_pending & dr6::BT);
}

void Cpu::deliver_real(uint8_t vector, uint32_t return_eip) {
    const uint32_t entry = uint32_t(vector) * 4;
    if (entry + 3 > idtr.limit) raise_gp(uint32_t(vector) * 8 + 2);
    const uint32_t vec = sys_read<uint32_t>(idtr.base + entry);
    // Check the whole frame fits before pushing anything.
    const uint32_t sp = gpr[ESP] & sp_mask();
    if (sp < 6 && sp != 0) seg_fault(SS);
    push<uint16_t>(static_cast<uint16_t>(flags.get()));
    push<uint16_t>(seg[CS].sel);
    push<uint16_t>(static_cast<uint16_t>(return_eip));
    flags.bits &= ~(EFLAGS_IF | EFLAGS_TF | EFLAGS_AC | EFLAGS_RF);
    load_seg_real(CS, static_cast<uint16_t>(vec >> 16));
    rip = next_rip = vec & 0xFFFF;
    request_exit();
}

}  // namespace jitpc::cpu
