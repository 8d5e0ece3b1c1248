#include "devices/local_apic.h"

#include <bit>

#include "logging/log.h"

namespace jitpc::devices {

namespace {

// Writable bits of each LVT entry (SDM Vol. 3 figure 10-8): the delivery status (bit 12) reads
// 0 because a message is accepted at once, and LINT's remote IRR (bit 14) is read-only.
constexpr uint32_t LVT_WRITABLE[] = {
    0x300FF,  // timer: vector, mask, one-shot/periodic (bit 18, TSC-deadline, where the model has it)
    0x107FF,  // thermal: vector, delivery mode, mask
    0x107FF,  // performance counters
    0x1A7FF,  // LINT0: vector, delivery mode, polarity, trigger mode, mask
    0x1A7FF,  // LINT1
    0x100FF,  // error: vector, mask
};
// ICR low: vector, delivery mode, destination mode, level, trigger mode, shorthand.
constexpr uint32_t ICR_WRITABLE = 0xCCFFF;
// x2APIC mode's 64-bit ICR: bits 13, 17:16 and 31:20 are reserved (the delivery status, bit
// 12, is ignored); 63:32 are the destination.
constexpr uint64_t X2APIC_ICR_RESERVED = 0xFFF32000;
// Bits of an LVT entry that read back but are not written: delivery status and LINT's remote IRR.
constexpr uint32_t LVT_READ_ONLY = 0x5000;
constexpr uint32_t LVT_POLARITY_LOW = 1u << 13;

unsigned mode_of(uint32_t lvt) { return lvt >> 8 & 7; }

void log_unimp(const char* what) {
    static logging::Site site{logging::UNIMP, "local APIC"};
    site.print("local APIC: %s not implemented", what);
}

}  // namespace

int LocalApic::Bits256::highest() const {
    for (int i = 7; i >= 0; --i)
        if (w[i]) return i * 32 + 31 - std::countl_zero(w[i]);
    return -1;
}

LocalApic::LocalApic(Clock& clock, bool present, Wiring wiring, bool tsc_deadline, bool x2apic)
    : clock_(clock), present_(present), has_tsc_deadline_(tsc_deadline), has_x2apic_(x2apic), wiring_(std::move(wiring)) {
    timer_ = clock_.add_timer([this](uint64_t now) { timer_fired(now); });
    reset();
}

void LocalApic::reset() {
    power_up();
    route_window();
}

void LocalApic::power_up() {
    base_ = DEFAULT_BASE | BASE_BSP | BASE_ENABLE;
    id_ = tpr_ = ldr_ = 0;
    dfr_ = 0xFFFFFFFF;
    svr_ = 0xFF;
    esr_ = esr_pending_ = icr_lo_ = icr_hi_ = 0;
    lvt_.fill(LVT_MASKED);
    // The 8259 in virtual-wire mode from the start, as QEMU's BSP: firmware that never touches
    // the APIC still gets its interrupts.
    lvt_[L_LINT0] = EXTINT << 8;
    isr_ = tmr_ = irr_ = {};
    ext_int_ = false;
    initial_ = divide_ = 0;
    deadline_ = 0;
    clock_.disarm(timer_);
    update();
}

void LocalApic::init() {
    const uint64_t base = base_;
    const uint32_t id = id_;
    power_up();
    base_ = base;
    id_ = id;
    update();
    route_window();
}

void LocalApic::route_window() {
    const uint64_t to = window();
    if (to == window_) return;
    if (wiring_.move_window) wiring_.move_window(window_, to);
    window_ = to;
}

// ---- interrupt acceptance ----------------------------------------------------------------------

bool LocalApic::lint0_ext_int() const {
    return !(lvt_[L_LINT0] & LVT_MASKED) && mode_of(lvt_[L_LINT0]) == EXTINT;
}

// The processor priority: the task priority, or the class of the highest vector in service if
// that is higher (SDM Vol. 3 10.8.3.1).
uint32_t LocalApic::ppr() const {
    const int isrv = isr_.highest();
    const uint32_t isr_class = isrv < 0 ? 0 : uint32_t(isrv) & 0xF0;
    return (tpr_ & 0xF0) >= isr_class ? tpr_ & 0xFF : isr_class;
}

int LocalApic::deliverable() const {
    if (!enabled() || !software_enabled()) return -1;
    const int v = irr_.highest();
    return v >= 0 && (uint32_t(v) & 0xF0) > (ppr() & 0xF0) ? v : -1;
}

void LocalApic::update() {
    const bool pic = enabled() ? (lint0_ext_int() && lint_[0]) || ext_int_ : lint_[0];
    const bool intr = pic || deliverable() >= 0;
    if (intr == intr_) return;
    intr_ = intr;
    if (wiring_.intr) wiring_.intr(intr);
}

uint8_t LocalApic::ack() {
    if (const int v = deliverable(); v >= 0) {
        irr_.set(v, false);
        isr_.set(v, true);
        update();
        return uint8_t(v);
    }
    if ((!enabled() || lint0_ext_int() || ext_int_) && wiring_.ext_int_ack) {
        ext_int_ = false;
        const uint8_t v = wiring_.ext_int_ack();
        update();
        return v;
    }
    return uint8_t(svr_);  // the spurious vector: the request went away
}

// Physical: the APIC ID; logical: flat (DFR model 0xF, a bit of LDR's ID) or cluster (the
// high nibbles equal and a common bit in the low ones). 0xFF is a broadcast in both. In x2APIC
// mode destinations are 32 bits, 0xFFFFFFFF the broadcast, and logical ones always clusters
// (the high 16 bits equal, a common bit in the low 16).
bool LocalApic::addressed(uint32_t dest, bool logical) const {
    if (x2apic_mode()) {
        if (dest == 0xFFFFFFFF) return true;
        if (!logical) return dest == X2APIC_ID;
        return (dest >> 16) == (X2APIC_LDR >> 16) && (dest & X2APIC_LDR & 0xFFFF) != 0;
    }
    const uint32_t logical_id = ldr_ >> 24;
    if (dest == 0xFF) return true;
    if (!logical) return dest == id_ >> 24;
    if (dfr_ >> 28 == 0xF) return (dest & logical_id) != 0;
    return (dest >> 4) == (logical_id >> 4) && (dest & logical_id & 0xF) != 0;
}

// The I/O APIC's 8-bit destination: its broadcast is x2APIC mode's too.
void LocalApic::receive(const ApicMessage& m) {
    const uint32_t dest = x2apic_mode() && m.dest == 0xFF ? 0xFFFFFFFF : m.dest;
    if (addressed(dest, m.logical)) deliver(m.mode, m.vector, m.level);
    else log_unimp("interrupt messages to other CPUs (there is one)");
}

void LocalApic::deliver(unsigned mode, uint8_t vector, bool level) {
    if (!enabled()) return;
    switch (mode) {
    case FIXED: case LOWEST: accept(vector, level); return;
    case NMI: if (wiring_.nmi) wiring_.nmi(); return;
    case INIT: if (wiring_.init) wiring_.init(); return;
    case EXTINT:
        ext_int_ = true;
        update();
        return;
    default: log_unimp("SMI and STARTUP delivery (no SMM; the one CPU is running)"); return;
    }
}

void LocalApic::accept(uint8_t vector, bool level) {
    if (!enabled()) return;
    if (vector < 16) {
        signal_error(ESR_RECEIVE_ILLEGAL);
        return;
    }
    irr_.set(vector, true);
    tmr_.set(vector, level);
    update();
}

bool LocalApic::can_interrupt() const {
    if (!enabled()) return false;
    return irr_.highest() >= 0 || ext_int_ || (clock_.armed(timer_) && !(lvt_[L_TIMER] & LVT_MASKED));
}

void LocalApic::set_lint(unsigned pin, bool level) {
    const bool was = lint_[pin];
    lint_[pin] = level;
    // Hardware-disabled, LINT1 is the CPU's NMI pin (LINT0 its INTR: update()).
    if (!enabled() && pin == 1 && level && !was && wiring_.nmi) wiring_.nmi();
    const Lvt n = pin ? L_LINT1 : L_LINT0;
    const uint32_t lvt = lvt_[n];
    if (!enabled() || (lvt & LVT_MASKED) || mode_of(lvt) == EXTINT) {
        update();
        return;
    }
    const bool active = (lvt & LVT_POLARITY_LOW) ? !level : level;
    const bool was_active = (lvt & LVT_POLARITY_LOW) ? !was : was;
    // Level-triggered: one message per assertion until its EOI clears the remote IRR.
    if (lvt & LVT_LEVEL) {
        if (active && !(lvt & LVT_REMOTE_IRR)) deliver_lvt(n);
    } else if (active && !was_active) {
        deliver_lvt(n);
    }
}

void LocalApic::deliver_lvt(Lvt n) {
    const uint32_t lvt = lvt_[n];
    if (lvt & LVT_MASKED) return;
    const unsigned mode = n == L_TIMER || n == L_ERROR ? unsigned(FIXED) : mode_of(lvt);
    // Only fixed LINT inputs may be level-triggered (SDM Vol. 3 10.5.1); NMI, INIT are edges.
    const bool level = mode == FIXED && (n == L_LINT0 || n == L_LINT1) && (lvt & LVT_LEVEL);
    if (level) lvt_[n] |= LVT_REMOTE_IRR;
    deliver(mode, uint8_t(lvt), level);
}

void LocalApic::signal_error(uint32_t bits) {
    esr_pending_ |= bits;
    const uint32_t lvt = lvt_[L_ERROR];
    if (lvt & LVT_MASKED) return;
    // An illegal error vector only records itself; it cannot recurse.
    if ((lvt & 0xFF) < 16) esr_pending_ |= ESR_RECEIVE_ILLEGAL;
    else accept(uint8_t(lvt), false);
}

void LocalApic::eoi() {
    const int v = isr_.highest();
    if (v < 0) return;
    isr_.set(v, false);
    if (tmr_.get(v)) {
        for (const Lvt n : {L_LINT0, L_LINT1})
            if ((lvt_[n] & 0xFF) == uint32_t(v)) lvt_[n] &= ~LVT_REMOTE_IRR;
        if (wiring_.eoi_broadcast && !(svr_ & SVR_EOI_SUPPRESSION)) wiring_.eoi_broadcast(uint8_t(v));
    }
    update();
}

// One CPU: an IPI reaches it when the shorthand includes self or the destination names it.
// An INIT level de-assert (level bit clear) only synchronises arbitration IDs: nothing to do.
void LocalApic::write_icr(uint32_t value) {
    icr_lo_ = value & ICR_WRITABLE;
    const unsigned shorthand = value >> 18 & 3, mode = mode_of(value);
    const uint32_t dest = x2apic_mode() ? icr_hi_ : icr_hi_ >> 24;
    const bool to_self = shorthand == 0 ? addressed(dest, value & (1u << 11)) : shorthand != 3;
    if (!to_self) {
        log_unimp("IPIs to other CPUs (there is one)");
        return;
    }
    if (mode == INIT && !(value & (1u << 14))) return;
    if ((mode == FIXED || mode == LOWEST) && (value & 0xFF) < 16) signal_error(ESR_SEND_ILLEGAL);
    else deliver(mode, uint8_t(value), false);
}

void LocalApic::write_lvt(Lvt n, uint32_t value) {
    uint32_t writable = LVT_WRITABLE[n];
    if (n == L_TIMER && has_tsc_deadline_) {
        writable |= LVT_TIMER_MODE;
        if ((value & LVT_TIMER_MODE) == LVT_TIMER_MODE) {  // 11b is reserved: the mode stays
            static logging::Site site{logging::GUEST_ERRORS, "APIC timer mode", 1};
            site.print("local APIC: reserved timer mode 3 written to the LVT; mode unchanged");
            value = (value & ~LVT_TIMER_MODE) | (lvt_[n] & LVT_TIMER_MODE);
        }
        // Entering or leaving TSC-deadline mode disarms the timer (SDM Vol. 3 10.5.4.1).
        if ((value ^ lvt_[n]) & LVT_TIMER_MODE & LVT_TSC_DEADLINE) deadline_ = 0;
    }
    uint32_t v = (value & writable) | (lvt_[n] & LVT_REMOTE_IRR);
    // Software-disabled, every LVT entry stays masked (SDM Vol. 3 10.4.7.2).
    if (!software_enabled()) v |= LVT_MASKED;
    lvt_[n] = v;
    if (n == L_TIMER) schedule_timer();
    update();
}

// ---- timer -------------------------------------------------------------------------------------

// Divide configuration bits 0, 1 and 3: 0b111 divides by 1, n otherwise by 2^(n+1).
unsigned LocalApic::divide_shift() const {
    const unsigned n = (divide_ & 3) | (divide_ >> 1 & 4);
    return (n + 1) & 7;
}

uint32_t LocalApic::current_count() const {
    if (initial_ == 0 || deadline_mode()) return 0;
    const uint64_t elapsed = (clock_.now() - timer_start_) >> divide_shift();
    if (lvt_[L_TIMER] & LVT_PERIODIC) return uint32_t(initial_ - elapsed % initial_);
    return elapsed >= initial_ ? 0 : uint32_t(initial_ - elapsed);
}

// Arms the clock for the next time the count reaches zero. A periodic timer whose periods
// passed while it was reprogrammed (divide, mode) restarts its period at the last boundary.
void LocalApic::schedule_timer() {
    if (deadline_mode()) {
        if (deadline_ == 0) {
            clock_.disarm(timer_);
            return;
        }
        // The tick at which the TSC (icount + offset) reaches the deadline; one already passed
        // is now.
        const uint64_t now = clock_.now(), tsc = now + deadline_tsc_offset_;
        clock_.arm(timer_, deadline_ <= tsc ? now : now + (deadline_ - tsc));
        return;
    }
    if (initial_ == 0) {
        clock_.disarm(timer_);
        return;
    }
    const uint64_t now = clock_.now(), p = period();
    if ((lvt_[L_TIMER] & LVT_PERIODIC) && timer_start_ + p <= now)
        timer_start_ += (now - timer_start_) / p * p;
    const uint64_t due = timer_start_ + p;
    if (due > now || (lvt_[L_TIMER] & LVT_PERIODIC)) clock_.arm(timer_, due);
    else clock_.disarm(timer_);  // a one-shot count that already ran out
}

void LocalApic::write_tsc_deadline(uint64_t deadline, uint64_t tsc_offset) {
    if (!deadline_mode()) return;
    deadline_ = deadline;
    deadline_tsc_offset_ = tsc_offset;
    schedule_timer();
}

void LocalApic::timer_fired(uint64_t now) {
    if (deadline_mode()) deadline_ = 0;  // a deadline fires once
    else if (lvt_[L_TIMER] & LVT_PERIODIC) {
        timer_start_ = now;
        clock_.arm(timer_, now + period());
    }
    deliver_lvt(L_TIMER);
}

// ---- registers ---------------------------------------------------------------------------------

uint32_t LocalApic::read_reg(uint32_t reg) {
    switch (reg) {
    case ID: return id_;
    case VER: return version();
    case TPR: return tpr_;
    case APR: case RRD: case EOI: return 0;
    case PPR: return ppr();
    case LDR: return ldr_;
    case DFR: return dfr_;
    case SVR: return svr_;
    case ESR: return esr_;
    case ICR_LO: return icr_lo_;
    case ICR_HI: return icr_hi_;
    case TIMER_INIT: return initial_;
    case TIMER_CURRENT: return current_count();
    case TIMER_DIVIDE: return divide_;
    default: break;
    }
    if (reg >= LVT_TIMER && reg <= LVT_ERROR) return lvt_[(reg - LVT_TIMER) >> 4];
    if (reg >= ISR && reg < ISR + 0x80) return isr_.w[(reg - ISR) >> 4];
    if (reg >= TMR && reg < TMR + 0x80) return tmr_.w[(reg - TMR) >> 4];
    if (reg >= IRR && reg < IRR + 0x80) return irr_.w[(reg - IRR) >> 4];
    signal_error(ESR_ILLEGAL_REGISTER);
    return 0;
}

void LocalApic::set_tpr(uint8_t v) {
    tpr_ = v;
    update();
}

void LocalApic::write_reg(uint32_t reg, uint32_t value) {
    switch (reg) {
    case ID: id_ = value & 0xFF000000; return;
    case TPR: set_tpr(uint8_t(value)); return;
    case EOI: eoi(); return;
    case LDR: ldr_ = value & 0xFF000000; return;
    case DFR: dfr_ = value | 0x0FFFFFFF; return;
    case SVR:
        svr_ = value & svr_writable();
        if (!software_enabled())
            for (uint32_t& l : lvt_) l |= LVT_MASKED;
        update();
        return;
    case ESR:  // a write latches the errors seen since the last one
        esr_ = esr_pending_;
        esr_pending_ = 0;
        return;
    case ICR_HI: icr_hi_ = value & 0xFF000000; return;
    case ICR_LO: write_icr(value); return;
    case TIMER_INIT:
        if (deadline_mode()) return;  // ignored in TSC-deadline mode
        initial_ = value;
        timer_start_ = clock_.now();
        schedule_timer();
        return;
    case TIMER_DIVIDE:
        divide_ = value & DIVIDE_BITS;
        schedule_timer();
        return;
    case VER: case APR: case PPR: case RRD: case TIMER_CURRENT: return;  // read-only
    default: break;
    }
    if (reg >= LVT_TIMER && reg <= LVT_ERROR) write_lvt(Lvt((reg - LVT_TIMER) >> 4), value);
    else if (reg < ISR || reg >= IRR + 0x80) signal_error(ESR_ILLEGAL_REGISTER);
}

// Registers are dwords at 16-byte boundaries; narrower reads see their bytes, the rest of each
// 16-byte slot reads 0. With the APIC hardware-disabled nothing answers the range.
uint32_t LocalApic::mmio_read(memory::PhysAddr offset, unsigned size) {
    if (window() == NO_WINDOW) return size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
    const unsigned sub = offset & 0xF;
    if (sub >= 4) return 0;
    const uint64_t v = read_reg(offset & 0xFF0) >> (sub * 8);
    return size == 4 ? uint32_t(v) : uint32_t(v & ((1u << (size * 8)) - 1));
}

void LocalApic::mmio_write(memory::PhysAddr offset, unsigned size, uint32_t value) {
    if (window() == NO_WINDOW || (offset & 0xF) != 0 || size != 4) {
        if (window() != NO_WINDOW) {
            static logging::Site site{logging::GUEST_ERRORS, "local APIC narrow write"};
            site.print("local APIC: %u-byte write at offset 0x%03x ignored", size, unsigned(offset));
        }
        return;
    }
    write_reg(offset, value);
}

// ---- IA32_APIC_BASE ----------------------------------------------------------------------------

// The base moves the MMIO window; BSP is read-only (the one CPU is the bootstrap processor).
bool LocalApic::write_base_msr(uint64_t value) {
    // Bits 0-7, 9, 10 without x2APIC and those above the 40 physical address bits of the max
    // model are reserved.
    const uint64_t reserved = 0x2FF | (has_x2apic_ ? 0 : BASE_EXTD) | ~((uint64_t(1) << 40) - 1);
    if (value & reserved) return false;
    // The x2APIC state transitions (SDM Vol. 3 10.12.5): EXTD without EN is invalid, x2APIC
    // mode is left only for the disabled state, which cannot go straight to x2APIC mode.
    const bool en = value & BASE_ENABLE, extd = value & BASE_EXTD;
    if ((extd && !en) || (x2apic_mode() && en && !extd) || (!enabled() && extd)) return false;
    const bool was = enabled();
    base_ = (value & ~BASE_BSP) | BASE_BSP;
    // Disabling through the MSR returns the APIC to its power-up state (SDM Vol. 3 10.4.3).
    if (was && !enabled()) {
        const uint64_t keep = base_;
        power_up();
        base_ = keep;
    }
    update();
    route_window();
    return true;
}

// ---- x2APIC mode's MSRs (SDM Vol. 3 10.12.1.2) -------------------------------------------------

bool LocalApic::read_x2apic_msr(uint32_t index, uint64_t& value) {
    if (!x2apic_mode()) return false;
    const uint32_t reg = (index & 0xFF) << 4;
    switch (reg) {
    case ID: value = X2APIC_ID; return true;
    case LDR: value = X2APIC_LDR; return true;
    case ICR_LO: value = uint64_t(icr_hi_) << 32 | icr_lo_; return true;
    case VER: case TPR: case PPR: case SVR: case ESR: case TIMER_INIT: case TIMER_CURRENT: case TIMER_DIVIDE: break;
    default:
        if ((reg >= LVT_TIMER && reg <= LVT_ERROR) || (reg >= ISR && reg < IRR + 0x80)) break;
        return false;  // write-only (EOI, SELF IPI) or not a register in x2APIC mode
    }
    value = read_reg(reg);
    return true;
}

bool LocalApic::write_x2apic_msr(uint32_t index, uint64_t value) {
    if (!x2apic_mode()) return false;
    const uint32_t reg = (index & 0xFF) << 4;
    if (reg == ICR_LO) {
        if (value & X2APIC_ICR_RESERVED) return false;
        icr_hi_ = uint32_t(value >> 32);
        write_icr(uint32_t(value));
        return true;
    }
    uint32_t writable;  // any other bit set is a reserved one: #GP
    switch (reg) {
    case TPR: case SELF_IPI: writable = 0xFF; break;
    case EOI: case ESR: writable = 0; break;  // only 0 is written
    case SVR: writable = svr_writable() | 0x200; break;  // bit 9 (focus checking) ignored
    case TIMER_INIT: writable = 0xFFFFFFFF; break;
    case TIMER_DIVIDE: writable = 0xB; break;
    default:
        if (reg < LVT_TIMER || reg > LVT_ERROR) return false;  // read-only or no such register
        writable = LVT_WRITABLE[(reg - LVT_TIMER) >> 4] | LVT_READ_ONLY |
                   (reg == LVT_TIMER && has_tsc_deadline_ ? LVT_TIMER_MODE : 0);
    }
    if (value & ~uint64_t(writable)) return false;
    if (reg != SELF_IPI) write_reg(reg, uint32_t(value));
    else if (value < 16) signal_error(ESR_SEND_ILLEGAL);
    else accept(uint8_t(value), false);  // a fixed, edge-triggered IPI to itself
    return true;
}

}  // namespace jitpc::devices
