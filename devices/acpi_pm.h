// ACPI fixed-hardware PM1a registers: the event block (PM1_STS, PM1_EN; 4 bytes at EVT_PORT),
// the control block (PM1_CNT; 2 bytes at CNT_PORT) and the PM timer (PM_TMR; 4 bytes at TMR_PORT),
// at the ports QEMU's PIIX4 PM uses.
//
// The machine is always in ACPI mode (the FADT has SMI_CMD = 0): SCI_EN is hard-wired to 1.
// Writing PM1_CNT with SLP_EN set enters the sleep type in SLP_TYP: SLP_TYP_S5 (the value the
// DSDT's _S5_ package names) powers the machine off; any other type is logged once and the
// machine stays awake, reporting WAK_STS as though it had woken at once, so an OS that polls for
// the wake returns.
//
// The PM timer is a 24-bit count at 3.579545 MHz of the virtual clock (counting from tick 0, so
// it never runs backwards, not even across a reset); TMR_STS sets each time its bit 23 changes
// and, with TMR_EN, raises the SCI (IRQ 9, level = any status bit whose enable bit is set). The
// FADT advertises it only on the models with the APIC-era chipset (bios/acpi_tables.h); the
// ports answer on every model, as the PIIX4's PM block does. No other fixed event exists (no
// fixed power/sleep buttons, FADT FIX_RTC); WAK_STS has no enable bit.
#pragma once

#include <cstdint>
#include <functional>

#include "devices/clock.h"
#include "devices/io_bus.h"
#include "devices/irq_line.h"

namespace jitpc::devices {

class AcpiPm : public PortDevice {
public:
    static constexpr uint16_t EVT_PORT = 0x600;
    static constexpr uint16_t CNT_PORT = 0x604;
    static constexpr uint16_t TMR_PORT = 0x608;
    static constexpr uint16_t PORT_COUNT = 12;  // the three blocks, claimed as one range
    static constexpr uint8_t EVT_LEN = 4, CNT_LEN = 2, TMR_LEN = 4;
    static constexpr uint64_t TIMER_HZ = 3'579'545;
    static constexpr unsigned TIMER_BITS = 24;
    static constexpr uint8_t SCI_IRQ = 9;
    static constexpr unsigned SLP_TYP_S5 = 5;

    static constexpr uint16_t STS_TMR = 1u << 0, STS_WAK = 1u << 15;
    static constexpr uint16_t EN_TMR = 1u << 0;
    // TMR_EN, GBL_EN, PWRBTN_EN, SLPBTN_EN and RTC_EN are plain read/write bits.
    static constexpr uint16_t EN_WRITABLE = 0x0721;
    static constexpr uint16_t CNT_SCI_EN = 1u << 0;
    static constexpr unsigned CNT_SLP_TYP_SHIFT = 10;
    static constexpr uint16_t CNT_SLP_TYP = 7u << CNT_SLP_TYP_SHIFT;
    static constexpr uint16_t CNT_SLP_EN = 1u << 13;

    struct Wiring {
        IrqLine sci;
        std::function<void()> power_off;
    };
    AcpiPm(Clock& clock, Wiring wiring);

    // The PM timer's full count since tick 0 (PM_TMR reads its low TIMER_BITS).
    uint64_t timer_count() const { return scale(clock_.now(), TIMER_HZ, TICKS_PER_SECOND); }

    // Any byte, word or dword access within the ports; bytes past the registers read 0xFF.
    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;

    // Its state for snapshots (snapshot/archive.h).
    template <class A> void snapshot(A& a) {
        a(sts_, en_, slp_typ_, tmr_epoch_, sci_level_);
    }

private:
    // 16-bit registers by port offset / 2: PM1_STS, PM1_EN, PM1_CNT, a gap, PM_TMR's halves.
    enum Reg : unsigned { STS, EN, CNT, GAP, TMR_LO, TMR_HI, NUM_REGS };
    uint16_t read_reg(unsigned reg) const;
    void write_reg(unsigned reg, uint16_t value, uint16_t mask);
    uint16_t status() const;
    void sleep(unsigned type);
    void update_sci();
    void timer_overflow(uint64_t now);

    Clock& clock_;
    Wiring wiring_;
    int timer_;
    uint16_t sts_ = 0, en_ = 0, slp_typ_ = 0;
    // timer_count() >> (TIMER_BITS - 1) when TMR_STS was last cleared: a change sets TMR_STS.
    uint64_t tmr_epoch_ = 0;
    bool sci_level_ = false;
};

}  // namespace jitpc::devices
