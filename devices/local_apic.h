// The local APIC of the one CPU (xAPIC, SDM Vol. 3 chapter 10; version 0x14, six LVT entries),
// memory-mapped at IA32_APIC_BASE: its 4 KiB window moves with the base and lies over whatever
// is there (Wiring::move_window), and is gone while the APIC is hardware-disabled or in x2APIC
// mode (where the model has it: the registers as MSRs 0x800-0x8FF, SDM Vol. 3 10.12). Its
// timer counts the virtual clock: the bus clock is the 1 GHz tick, divided by the divide
// configuration register, so a count of N at divide 1 lasts N ns.
//
// It sits between the 8259 and the CPU's INTR pin. Hardware-disabled (IA32_APIC_BASE.EN clear,
// or a model without an APIC) the CPU is one without an APIC: LINT0 is its INTR pin (the 8259's
// INTR passes straight through), LINT1 its NMI pin, CPUID.1:EDX.APIC reads 0; enabled, the 8259 reaches
// the CPU through LINT0 in virtual-wire mode (ExtINT), which is how LINT0 comes out of reset, as
// on QEMU. INTA takes the APIC's highest deliverable vector first, then the 8259's.
//
// Messages (its own ICR, the I/O APIC) reach it through receive(): fixed and lowest priority
// into IRR, NMI and INIT to the CPU, ExtINT as an INTR that INTA answers from the 8259. There is
// one CPU: an IPI to any other destination, and STARTUP, reach nobody and are logged.
#pragma once

#include <array>
#include <cstdint>
#include <functional>

#include "devices/apic_message.h"
#include "devices/clock.h"
#include "devices/irq_line.h"
#include "memory/physmem.h"

namespace jitpc::devices {

class LocalApic : public memory::MmioDevice {
public:
    static constexpr uint32_t DEFAULT_BASE = 0xFEE00000;
    static constexpr uint32_t MMIO_SIZE = 0x1000;
    static constexpr uint32_t VERSION = 0x00050014;  // max LVT entry 5, version 0x14
    // EOI-broadcast suppression: advertised in the version register by APICs with x2APIC mode (as
    // Intel's since Nehalem); SVR bit 12 then keeps level-triggered EOIs from the I/O APIC, whose
    // own EOI register the guest writes instead.
    static constexpr uint32_t VERSION_EOI_SUPPRESSION = 1u << 24, SVR_EOI_SUPPRESSION = 1u << 12;
    // IA32_APIC_BASE bits.
    static constexpr uint64_t BASE_BSP = 1u << 8, BASE_EXTD = 1u << 10, BASE_ENABLE = 1u << 11;
    static constexpr uint64_t NO_WINDOW = UINT64_MAX;

    struct Wiring {
        IrqLine intr;                       // to the CPU's INTR pin
        std::function<uint8_t()> ext_int_ack;  // the 8259's INTA cycle
        // An EOI for a level-triggered vector (TMR set), broadcast to the I/O APIC.
        std::function<void(uint8_t vector)> eoi_broadcast;
        std::function<void()> nmi, init;  // the CPU's NMI and INIT signals
        // The MMIO window left page `from` for page `to` (either NO_WINDOW: none).
        std::function<void(uint64_t from, uint64_t to)> move_window;
    };
    // `present`: the CPU model has an APIC; without one this is only the INTR wire.
    // `tsc_deadline`: its timer has TSC-deadline mode (CPUID.1:ECX[24]); `x2apic`: it has
    // x2APIC mode (CPUID.1:ECX[21]).
    LocalApic(Clock& clock, bool present, Wiring wiring, bool tsc_deadline = false, bool x2apic = false);

    // RESET/INIT: the power-up state (ID 0, SVR 0xFF, every LVT masked but LINT0 in ExtINT).
    void reset();
    // INIT: the same, but the APIC ID and IA32_APIC_BASE stay.
    void init();
    bool present() const { return present_; }

    // LINT0 (the 8259's INTR) and LINT1 driven to `level`.
    void set_lint(unsigned pin, bool level);
    // An interrupt message on the APIC bus, taken when its destination names this APIC.
    void receive(const ApicMessage& m);
    // The INTA cycle while INTR is high: the vector taken.
    uint8_t ack();
    // Whether any source (APIC timer, LINT pins) can still interrupt: the halted-CPU check.
    bool can_interrupt() const;

    uint64_t base_msr() const { return base_; }
    // WRMSR IA32_APIC_BASE: false for reserved bits and for the transitions x2APIC mode forbids
    // (#GP).
    bool write_base_msr(uint64_t value);
    // RDMSR and WRMSR of 0x800-0x8FF: false where the SDM raises #GP (not in x2APIC mode, no
    // such register, a write-only register read or a read-only one written, reserved bits set).
    bool read_x2apic_msr(uint32_t index, uint64_t& value);
    bool write_x2apic_msr(uint32_t index, uint64_t value);
    // IA32_TSC_DEADLINE: the armed deadline, 0 once it fired, was disarmed or outside
    // TSC-deadline mode. A write outside that mode is ignored; 0 disarms; a deadline already
    // passed fires at once. The TSC is the clock plus `tsc_offset`.
    uint64_t tsc_deadline() const { return deadline_mode() ? deadline_ : 0; }
    void write_tsc_deadline(uint64_t deadline, uint64_t tsc_offset);
    // The task-priority register, also 64-bit mode's CR8 (its bits 7:4).
    uint8_t tpr() const { return uint8_t(tpr_); }
    void set_tpr(uint8_t v);

    uint32_t mmio_read(memory::PhysAddr offset, unsigned size) override;
    void mmio_write(memory::PhysAddr offset, unsigned size, uint32_t value) override;

    // Register offsets (each register is a dword at a 16-byte-aligned offset).
    enum Reg : uint32_t {
        ID = 0x20, VER = 0x30, TPR = 0x80, APR = 0x90, PPR = 0xA0, EOI = 0xB0, RRD = 0xC0,
        LDR = 0xD0, DFR = 0xE0, SVR = 0xF0, ISR = 0x100, TMR = 0x180, IRR = 0x200, ESR = 0x280,
        ICR_LO = 0x300, ICR_HI = 0x310, LVT_TIMER = 0x320, LVT_THERMAL = 0x330, LVT_PERF = 0x340,
        LVT_LINT0 = 0x350, LVT_LINT1 = 0x360, LVT_ERROR = 0x370, TIMER_INIT = 0x380,
        TIMER_CURRENT = 0x390, TIMER_DIVIDE = 0x3E0, SELF_IPI = 0x3F0,  // SELF IPI: x2APIC mode only
    };
    // x2APIC mode's fixed ID (the initial APIC ID of the one CPU) and the logical ID derived
    // from it: cluster ID << 16 | 1 << (ID & 15) (SDM Vol. 3 10.12.10.2).
    static constexpr uint32_t X2APIC_ID = 0, X2APIC_LDR = (X2APIC_ID >> 4) << 16 | 1u << (X2APIC_ID & 15);
    // LVT timer mode (bits 18:17): one-shot 00, periodic 01, TSC-deadline 10.
    static constexpr uint32_t LVT_TIMER_MODE = 3u << 17, LVT_TSC_DEADLINE = 2u << 17;
    static constexpr uint32_t LVT_MASKED = 1u << 16, LVT_PERIODIC = 1u << 17, LVT_LEVEL = 1u << 15,
                              LVT_REMOTE_IRR = 1u << 14, SVR_ENABLE = 1u << 8;
    static constexpr uint32_t DIVIDE_BITS = 0xB;  // the divide configuration register's bits 0, 1 and 3
    // ESR bits.
    static constexpr uint32_t ESR_SEND_ILLEGAL = 1u << 5, ESR_RECEIVE_ILLEGAL = 1u << 6,
                              ESR_ILLEGAL_REGISTER = 1u << 7;

    // Its state for snapshots (snapshot/archive.h).
    template <class A> void snapshot(A& a) {
        a(base_, id_, tpr_, ldr_, dfr_, svr_, esr_, esr_pending_, icr_lo_, icr_hi_, lvt_, isr_, tmr_, irr_, initial_,
          divide_, timer_start_, deadline_, deadline_tsc_offset_, lint_, ext_int_, intr_);
        a.check(!(divide_ & ~DIVIDE_BITS) && timer_start_ <= clock_.now(), "the local APIC's timer");
        a.check(base_ >> 40 == 0, "IA32_APIC_BASE");  // its window must be a physical page
        if constexpr (A::loading) route_window();
    }

private:
    enum Lvt : unsigned { L_TIMER, L_THERMAL, L_PERF, L_LINT0, L_LINT1, L_ERROR, LVT_COUNT };
    struct Bits256 {
        std::array<uint32_t, 8> w{};
        bool get(unsigned v) const { return w[v / 32] >> (v % 32) & 1; }
        void set(unsigned v, bool on) {
            if (on) w[v / 32] |= 1u << (v % 32);
            else w[v / 32] &= ~(1u << (v % 32));
        }
        int highest() const;  // -1 when empty
    };

    void power_up();  // reset() but for the window, which follows base_ later
    bool enabled() const { return present_ && (base_ & BASE_ENABLE); }
    bool x2apic_mode() const { return enabled() && (base_ & BASE_EXTD); }
    // The page the MMIO window answers at, or NO_WINDOW; route_window moves it there.
    uint64_t window() const { return enabled() && !x2apic_mode() ? base_ & ~uint64_t(0xFFF) : NO_WINDOW; }
    void route_window();
    // A destination (8 bits in xAPIC mode, 32 in x2APIC mode) naming this APIC.
    bool addressed(uint32_t dest, bool logical) const;
    uint32_t logical_id() const;
    // A message of `mode` for this APIC: fixed (and lowest priority) set IRR, `level` its TMR bit.
    void deliver(unsigned mode, uint8_t vector, bool level);
    void accept(uint8_t vector, bool level);
    bool software_enabled() const { return svr_ & SVR_ENABLE; }
    uint32_t version() const { return VERSION | (has_x2apic_ ? VERSION_EOI_SUPPRESSION : 0); }
    uint32_t svr_writable() const { return 0x1FF | (has_x2apic_ ? SVR_EOI_SUPPRESSION : 0); }
    bool lint0_ext_int() const;
    uint32_t ppr() const;
    int deliverable() const;  // the vector INTA would take, or -1
    void update();            // drives INTR
    void write_lvt(Lvt n, uint32_t value);
    void deliver_lvt(Lvt n);
    void signal_error(uint32_t bits);
    void eoi();
    void write_icr(uint32_t value);

    // Timer.
    bool deadline_mode() const { return (lvt_[L_TIMER] & LVT_TIMER_MODE) == LVT_TSC_DEADLINE; }
    unsigned divide_shift() const;
    uint64_t period() const { return uint64_t(initial_) << divide_shift(); }
    uint32_t current_count() const;
    void schedule_timer();
    void timer_fired(uint64_t now);
    uint32_t read_reg(uint32_t reg);
    void write_reg(uint32_t reg, uint32_t value);

    Clock& clock_;
    const bool present_;
    const bool has_tsc_deadline_, has_x2apic_;
    Wiring wiring_;
    int timer_;
    uint64_t base_ = DEFAULT_BASE | BASE_BSP | BASE_ENABLE;
    uint32_t id_ = 0, tpr_ = 0, ldr_ = 0, dfr_ = 0xFFFFFFFF, svr_ = 0xFF;
    uint32_t esr_ = 0, esr_pending_ = 0, icr_lo_ = 0, icr_hi_ = 0;
    std::array<uint32_t, LVT_COUNT> lvt_{};
    Bits256 isr_, tmr_, irr_;
    uint32_t initial_ = 0, divide_ = 0;
    uint64_t timer_start_ = 0;  // tick the initial count was loaded (or a period began)
    uint64_t deadline_ = 0, deadline_tsc_offset_ = 0;  // TSC-deadline mode's IA32_TSC_DEADLINE
    bool lint_[2] = {};
    bool ext_int_ = false;  // an ExtINT message waits for its INTA
    bool intr_ = false;
    uint64_t window_ = NO_WINDOW;  // where the window is mapped now (follows base_)
};

}  // namespace jitpc::devices
