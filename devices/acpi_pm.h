// ACPI fixed-hardware PM1a registers: the event block (PM1_STS, PM1_EN; 4 bytes at EVT_PORT) and
// the control block (PM1_CNT; 2 bytes at CNT_PORT), at the ports QEMU's PIIX4 PM uses.
//
// The machine is always in ACPI mode (the FADT has SMI_CMD = 0): SCI_EN is hard-wired to 1.
// Writing PM1_CNT with SLP_EN set enters the sleep type in SLP_TYP: SLP_TYP_S5 (the value the
// DSDT's _S5_ package names) powers the machine off; any other type is logged once and the
// machine stays awake, reporting WAK_STS as though it had woken at once, so an OS that polls for
// the wake returns.
//
// No fixed event exists here (no PM timer, no fixed power/sleep buttons, FADT FIX_RTC): the
// only status bit that ever sets is WAK_STS, which has no enable bit, so the SCI (IRQ 9, level
// = any status bit whose enable bit is set) is modelled but never asserted.
#pragma once

#include <cstdint>
#include <functional>

#include "devices/io_bus.h"
#include "devices/irq_line.h"

namespace jitpc::devices {

class AcpiPm : public PortDevice {
public:
    static constexpr uint16_t EVT_PORT = 0x600;
    static constexpr uint16_t CNT_PORT = 0x604;
    static constexpr uint16_t PORT_COUNT = 6;  // both blocks, claimed as one range
    static constexpr uint8_t EVT_LEN = 4, CNT_LEN = 2;
    static constexpr uint8_t SCI_IRQ = 9;
    static constexpr unsigned SLP_TYP_S5 = 5;

    static constexpr uint16_t STS_WAK = 1u << 15;
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
    explicit AcpiPm(Wiring wiring) : wiring_(std::move(wiring)) {}

    // Any byte, word or dword access within the six ports; bytes past them read 0xFF.
    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;

private:
    enum Reg : unsigned { STS, EN, CNT, NUM_REGS };
    uint16_t read_reg(unsigned reg) const;
    void write_reg(unsigned reg, uint16_t value, uint16_t mask);
    void sleep(unsigned type);
    void update_sci();

    Wiring wiring_;
    uint16_t sts_ = 0, en_ = 0, slp_typ_ = 0;
    bool sci_level_ = false;
};

}  // namespace jitpc::devices
