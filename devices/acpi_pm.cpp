#include "devices/acpi_pm.h"

#include "logging/log.h"

namespace jitpc::devices {

AcpiPm::AcpiPm(Clock& clock, Wiring wiring) : clock_(clock), wiring_(std::move(wiring)) {
    timer_ = clock_.add_timer([this](uint64_t now) { timer_overflow(now); });
}

uint32_t AcpiPm::port_read(uint16_t port, unsigned size) {
    uint32_t v = 0;
    for (unsigned i = 0; i < size; ++i) {
        const unsigned b = port - EVT_PORT + i;
        const uint32_t byte = b < PORT_COUNT ? (read_reg(b / 2) >> (8 * (b % 2))) & 0xFF : 0xFF;
        v |= byte << (8 * i);
    }
    return v;
}

// Bytes are gathered per 16-bit register first, so a word write of PM1_CNT carrying SLP_TYP and
// SLP_EN acts once, with both fields, as does a byte write of its high half.
void AcpiPm::port_write(uint16_t port, unsigned size, uint32_t value) {
    uint16_t vals[NUM_REGS]{}, masks[NUM_REGS]{};
    for (unsigned i = 0; i < size; ++i) {
        const unsigned b = port - EVT_PORT + i;
        if (b >= PORT_COUNT) continue;
        const unsigned shift = 8 * (b % 2);
        vals[b / 2] |= uint16_t(((value >> (8 * i)) & 0xFF) << shift);
        masks[b / 2] |= uint16_t(0xFF << shift);
    }
    for (unsigned r = 0; r < NUM_REGS; ++r)
        if (masks[r]) write_reg(r, vals[r], masks[r]);
}

uint16_t AcpiPm::read_reg(unsigned reg) const {
    const uint32_t tmr = uint32_t(timer_count()) & ((1u << TIMER_BITS) - 1);
    switch (reg) {
    case STS: return status();
    case EN: return en_;
    case CNT: return uint16_t(CNT_SCI_EN | (slp_typ_ << CNT_SLP_TYP_SHIFT));
    case TMR_LO: return uint16_t(tmr);
    case TMR_HI: return uint16_t(tmr >> 16);
    default: return 0xFFFF;
    }
}

uint16_t AcpiPm::status() const {
    const bool tmr = (timer_count() >> (TIMER_BITS - 1)) != tmr_epoch_;
    return uint16_t(sts_ | (tmr ? STS_TMR : 0));
}

void AcpiPm::write_reg(unsigned reg, uint16_t value, uint16_t mask) {
    value &= mask;
    switch (reg) {
    case STS:
        sts_ &= uint16_t(~value);  // write 1 to clear
        if (value & STS_TMR) tmr_epoch_ = timer_count() >> (TIMER_BITS - 1);
        break;
    case EN:
        en_ = uint16_t((en_ & ~(mask & EN_WRITABLE)) | (value & EN_WRITABLE));
        break;
    case CNT:
        if (mask & CNT_SLP_TYP) slp_typ_ = (value & CNT_SLP_TYP) >> CNT_SLP_TYP_SHIFT;
        if (value & CNT_SLP_EN) sleep(slp_typ_);  // SLP_EN itself is write-only
        break;
    default: break;  // PM_TMR is read-only
    }
    update_sci();
}

void AcpiPm::sleep(unsigned type) {
    if (type == SLP_TYP_S5) {
        wiring_.power_off();
        return;
    }
    static logging::Site site{logging::UNIMP, "ACPI sleep", 1};
    site.print("ACPI sleep type %u is not supported; staying awake", type);
    sts_ |= STS_WAK;
}

// The SCI follows the status bits; while TMR_EN is set and TMR_STS clear, the clock is armed
// for the tick at which bit 23 of the count next changes.
void AcpiPm::update_sci() {
    const uint16_t sts = status();
    if ((en_ & EN_TMR) && !(sts & STS_TMR))
        clock_.arm(timer_, unscale((tmr_epoch_ + 1) << (TIMER_BITS - 1), TIMER_HZ, TICKS_PER_SECOND));
    else
        clock_.disarm(timer_);
    const bool level = (sts & en_) != 0;
    if (level == sci_level_) return;
    sci_level_ = level;
    wiring_.sci(level);
}

void AcpiPm::timer_overflow(uint64_t) { update_sci(); }

}  // namespace jitpc::devices
