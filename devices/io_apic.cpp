#include "devices/io_apic.h"

#include "logging/log.h"

namespace jitpc::devices {

namespace {

// Low dword: vector, delivery mode, destination mode, polarity, trigger mode, mask (delivery
// status and remote IRR are read-only). High dword: the destination, bits 56-63.
constexpr uint64_t WRITABLE_LOW = 0x1AFFF, WRITABLE_HIGH = 0xFF000000;

unsigned mode_of(uint64_t e) { return e >> 8 & 7; }
bool remote_irr_kind(uint64_t e) { return (e & IoApic::LEVEL) && mode_of(e) <= LOWEST; }

}  // namespace

IoApic::IoApic(Deliver deliver) : deliver_(std::move(deliver)) { reset(); }

void IoApic::reset() {
    select_ = 0;
    id_ = 0;
    redir_.fill(MASKED);
}

bool IoApic::active(unsigned pin) const { return line_[pin] != bool(redir_[pin] & POLARITY_LOW); }

bool IoApic::any_unmasked() const {
    for (uint64_t e : redir_)
        if (!(e & MASKED)) return true;
    return false;
}

void IoApic::send(unsigned pin) {
    const uint64_t e = redir_[pin];
    const unsigned mode = mode_of(e);
    if (mode == SMI || mode == 3 || mode == STARTUP) {
        static logging::Site site{logging::UNIMP, "I/O APIC delivery mode"};
        site.print("I/O APIC: pin %u delivery mode %u (SMI, reserved or STARTUP) not delivered", pin, mode);
        return;
    }
    const bool level = remote_irr_kind(e);
    if (level) redir_[pin] |= REMOTE_IRR;
    deliver_(ApicMessage{uint8_t(e), uint8_t(mode), bool(e & LOGICAL), uint8_t(e >> 56), level});
}

void IoApic::service_level(unsigned pin) {
    const uint64_t e = redir_[pin];
    if ((e & LEVEL) && !(e & (MASKED | REMOTE_IRR)) && active(pin)) send(pin);
}

void IoApic::set_irq(unsigned pin, bool level) {
    const bool was_active = active(pin);
    line_[pin] = level;
    const uint64_t e = redir_[pin];
    if (e & LEVEL) service_level(pin);
    else if (active(pin) && !was_active && !(e & MASKED)) send(pin);
}

void IoApic::eoi(uint8_t vector) {
    for (unsigned pin = 0; pin < PINS; ++pin) {
        if (!(redir_[pin] & REMOTE_IRR) || uint8_t(redir_[pin]) != vector) continue;
        redir_[pin] &= ~REMOTE_IRR;
        service_level(pin);
    }
}

uint32_t IoApic::read_reg(uint8_t reg) const {
    switch (reg) {
    case ID: case ARB: return id_;  // the arbitration ID is loaded from the ID
    case VER: return VERSION;
    default: break;
    }
    if (reg >= REDTBL && reg < REDTBL + 2 * PINS) {
        const uint64_t e = redir_[(reg - REDTBL) / 2];
        return uint32_t(reg & 1 ? e >> 32 : e);
    }
    return 0;
}

void IoApic::write_reg(uint8_t reg, uint32_t value) {
    if (reg == ID) {
        id_ = value & ID_BITS;
        return;
    }
    if (reg < REDTBL || reg >= REDTBL + 2 * PINS) return;  // VER, ARB and the gaps are read-only
    const unsigned pin = (reg - REDTBL) / 2;
    uint64_t& e = redir_[pin];
    if (reg & 1) {
        e = (e & 0xFFFFFFFF) | uint64_t(value & WRITABLE_HIGH) << 32;
        return;
    }
    e = (e & ~uint64_t(0xFFFFFFFF)) | (e & REMOTE_IRR) | (value & WRITABLE_LOW);
    // Remote IRR means nothing for an edge-triggered entry: Linux clears a stuck one of a
    // version 0x11 I/O APIC by switching the entry to edge and back.
    if (!(e & LEVEL)) e &= ~REMOTE_IRR;
    service_level(pin);
}

// IOREGSEL takes any access size (its low byte selects); IOWIN and EOI are dword registers.
uint32_t IoApic::mmio_read(memory::PhysAddr offset, unsigned size) {
    const uint32_t mask = size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
    if (offset == IOREGSEL) return select_;
    if (offset >= IOWIN && offset < IOWIN + 4) return read_reg(select_) >> ((offset - IOWIN) * 8) & mask;
    return 0;
}

void IoApic::mmio_write(memory::PhysAddr offset, unsigned size, uint32_t value) {
    if (offset == IOREGSEL) {
        select_ = uint8_t(value);
        return;
    }
    if ((offset == IOWIN || offset == EOI) && size == 4) {
        if (offset == IOWIN) write_reg(select_, value);
        else eoi(uint8_t(value));
        return;
    }
    static logging::Site site{logging::GUEST_ERRORS, "I/O APIC write"};
    site.print("I/O APIC: %u-byte write at offset 0x%02x ignored", size, unsigned(offset));
}

}  // namespace jitpc::devices
