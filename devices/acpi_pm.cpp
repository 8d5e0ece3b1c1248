#include "devices/acpi_pm.h"

#include "logging/log.h"

namespace jitpc::devices {

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
    switch (reg) {
    case STS: return sts_;
    case EN: return en_;
    default: return uint16_t(CNT_SCI_EN | (slp_typ_ << CNT_SLP_TYP_SHIFT));
    }
}

void AcpiPm::write_reg(unsigned reg, uint16_t value, uint16_t mask) {
    value &= mask;
    switch (reg) {
    case STS:
        sts_ &= uint16_t(~value);  // write 1 to clear
        break;
    case EN:
        en_ = uint16_t((en_ & ~(mask & EN_WRITABLE)) | (value & EN_WRITABLE));
        break;
    default:
        if (mask & CNT_SLP_TYP) slp_typ_ = (value & CNT_SLP_TYP) >> CNT_SLP_TYP_SHIFT;
        if (value & CNT_SLP_EN) sleep(slp_typ_);  // SLP_EN itself is write-only
        break;
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

void AcpiPm::update_sci() {
    const bool level = (sts_ & en_) != 0;
    if (level == sci_level_) return;
    sci_level_ = level;
    wiring_.sci(level);
}

}  // namespace jitpc::devices
