#include "devices/pci_bus.h"

#include <algorithm>

namespace jitpc::devices {

namespace {
constexpr uint32_t ones(unsigned bytes) { return bytes >= 4 ? 0xFFFFFFFFu : (1u << (bytes * 8)) - 1; }
}  // namespace

PciFunction::PciFunction(uint16_t vendor, uint16_t device, uint8_t revision, uint32_t class_code,
                         uint8_t header_type) {
    define(pci_reg::VENDOR, 2, vendor);
    define(pci_reg::DEVICE, 2, device);
    define(pci_reg::REVISION, 1, revision);
    define(pci_reg::CLASS, 3, class_code);
    define(pci_reg::HEADER_TYPE, 1, header_type);
    watch(pci_reg::COMMAND, 2);
}

uint32_t PciFunction::config_read(unsigned offset, unsigned size) const {
    uint32_t v = 0;
    for (unsigned i = 0; i < size; ++i) v |= uint32_t(cfg_[(offset + i) & 0xFF]) << (i * 8);
    return v;
}

void PciFunction::config_write(unsigned offset, unsigned size, uint32_t value) {
    bool notify = false;
    for (unsigned i = 0; i < size; ++i) {
        unsigned off = (offset + i) & 0xFF;
        uint8_t w = writable_[off];
        uint8_t v = uint8_t((cfg_[off] & ~w) | ((value >> (i * 8)) & w));
        notify |= watched_[off] && v != cfg_[off];
        cfg_[off] = v;
    }
    if (notify && decode_changed_) decode_changed_();
}

uint32_t PciFunction::bar_address(unsigned index) const {
    uint32_t v = config_read(pci_reg::BAR0 + 4 * index, 4);
    return v & ((v & 1) ? ~0x3u : ~0xFu);
}

void PciFunction::define(unsigned offset, unsigned size, uint32_t value, uint32_t writable) {
    for (unsigned i = 0; i < size; ++i) {
        cfg_[offset + i] = uint8_t(value >> (i * 8));
        writable_[offset + i] = uint8_t(writable >> (i * 8));
    }
}

void PciFunction::define_bar(unsigned index, BarKind kind, uint32_t size) {
    unsigned offset = pci_reg::BAR0 + 4 * index;
    define(offset, 4, kind == BarKind::Io ? 0x1 : 0x0, ~(size - 1));
    watch(offset, 4);
}

void PciFunction::watch(unsigned offset, unsigned size) {
    for (unsigned i = 0; i < size; ++i) watched_[offset + i] = true;
}

void PciBus::attach(unsigned dev, unsigned func, PciFunction* fn) {
    functions_[(dev & 0x1F) << 3 | (func & 7)] = fn;
}

PciFunction* PciBus::selected() const {
    if (!(address_ & ENABLE) || ((address_ >> 16) & 0xFF) != 0) return nullptr;
    return functions_[(address_ >> 8) & 0xFF];
}

// An access is split into the CONFIG_ADDRESS bytes it covers (one lane each), the CONFIG_DATA
// bytes (one config access of that many bytes) and bytes past 0xCFF (all-ones, writes dropped:
// only a misaligned access reaches them).
uint32_t PciBus::port_read(uint16_t port, unsigned size) {
    if (is_reset_control(port, size)) return reset_control_;
    uint32_t result = 0;
    for (unsigned i = 0, n; i < size; i += n) {
        unsigned p = port + i;
        uint32_t part;
        if (p < 0xCFC) {
            n = 1;
            part = (address_ >> ((p & 3) * 8)) & 0xFF;
        } else if (p < 0xD00) {
            n = std::min(size - i, 0xD00 - p);
            PciFunction* fn = selected();
            part = fn ? fn->config_read((address_ & 0xFC) + (p & 3), n) : ones(n);
        } else {
            n = size - i;
            part = ones(n);
        }
        result |= part << (i * 8);
    }
    return result;
}

void PciBus::port_write(uint16_t port, unsigned size, uint32_t value) {
    if (is_reset_control(port, size)) return write_reset_control(uint8_t(value));
    for (unsigned i = 0, n; i < size; i += n) {
        unsigned p = port + i;
        uint32_t part = value >> (i * 8);
        if (p < 0xCFC) {
            n = 1;
            unsigned shift = (p & 3) * 8;
            address_ = ((address_ & ~(0xFFu << shift)) | ((part & 0xFF) << shift)) & ~0x3u;
        } else if (p < 0xD00) {
            n = std::min(size - i, 0xD00 - p);
            if (PciFunction* fn = selected()) fn->config_write((address_ & 0xFC) + (p & 3), n, part);
        } else {
            n = size - i;
        }
    }
}

// PIIX3 reset control: SRST (bit 1) is stored; RCPU (bit 2) is a pulse that resets on its 0->1
// edge and reads back 0, so every write with RCPU set resets.
void PciBus::write_reset_control(uint8_t v) {
    reset_control_ = v & RC_SRST;
    if (v & RC_RCPU) reset_(v & RC_SRST);
}

}  // namespace jitpc::devices
