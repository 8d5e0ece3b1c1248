// PCI bus 0 behind configuration mechanism #1 (ports 0xCF8-0xCFF), and the configuration space
// of one PCI function.
//
// CONFIG_ADDRESS (0xCF8) latches byte and word writes into the bytes they cover, as chipsets that
// decode byte lanes do: a byte write to 0xCFB followed by a dword read of 0xCF8 returns that byte in
// bits 31:24. Bits 1:0 read 0. The one exception is a byte access to 0xCF9: that is the PIIX3
// reset control register, not a CONFIG_ADDRESS byte. CONFIG_DATA (0xCFC-0xCFF) reaches register
// (CONFIG_ADDRESS & 0xFC) + (port & 3) of the addressed function, with the access's own size.
// Reads of functions that do not exist (another bus, an empty slot, enable bit clear) return
// all-ones and writes to them are dropped.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <functional>

#include "devices/io_bus.h"

namespace jitpc::devices {

// Standard type-0 header offsets used by more than one function.
namespace pci_reg {
constexpr unsigned VENDOR = 0x00, DEVICE = 0x02, COMMAND = 0x04, STATUS = 0x06, REVISION = 0x08,
                   CLASS = 0x09, HEADER_TYPE = 0x0E, BAR0 = 0x10, INTERRUPT_LINE = 0x3C,
                   INTERRUPT_PIN = 0x3D;
}  // namespace pci_reg

namespace pci_cmd {
constexpr uint16_t IO = 0x0001, MEMORY = 0x0002, BUS_MASTER = 0x0004;
}

// One function's 256-byte configuration space. Every byte has a write mask: bits outside it keep
// their value whatever the guest writes (so vendor, class, status and unimplemented registers are
// read-only, and unimplemented registers read 0). The device that owns the function defines its
// registers in its constructor.
class PciFunction {
public:
    enum class BarKind { Io, Memory32 };

    PciFunction(uint16_t vendor, uint16_t device, uint8_t revision, uint32_t class_code,
                uint8_t header_type);

    uint32_t config_read(unsigned offset, unsigned size) const;
    // A write that changes the command register, a BAR or a register marked with watch() calls
    // the decode-change listener once, after the whole access is stored.
    void config_write(unsigned offset, unsigned size, uint32_t value);

    uint16_t command() const { return uint16_t(config_read(pci_reg::COMMAND, 2)); }
    // The base address a BAR holds (type bits stripped).
    uint32_t bar_address(unsigned index) const;
    // Called when a decode-relevant register changed, so the owner can (re)map its ports.
    void on_decode_change(std::function<void()> listener) { decode_changed_ = std::move(listener); }

    // Its state for snapshots (snapshot/archive.h).
    template <class A> void snapshot(A& a) {
        a(cfg_);
    }

protected:
    // Defines the register at offset: its value after reset and which of its bits are writable.
    void define(unsigned offset, unsigned size, uint32_t value, uint32_t writable = 0);
    // A BAR of size bytes (a power of two, at least 4 for I/O and 16 for memory). Writing
    // all-ones and reading back gives ~(size - 1) | type bits; the type bits are read-only.
    void define_bar(unsigned index, BarKind kind, uint32_t size);
    // Makes writes that change these bytes notify the decode-change listener.
    void watch(unsigned offset, unsigned size);

private:
    std::array<uint8_t, 256> cfg_{};
    std::array<uint8_t, 256> writable_{};
    std::bitset<256> watched_;
    std::function<void()> decode_changed_;
};

class PciBus : public PortDevice {
public:
    static constexpr uint16_t PORT_BASE = 0xCF8, PORT_COUNT = 8;
    // hard: reset control bit 1 (SRST) was set, asking for a full system reset rather than a
    // CPU-only one.
    using ResetRequest = std::function<void(bool hard)>;

    explicit PciBus(ResetRequest reset) : reset_(std::move(reset)) {}

    // Places fn at bus 0, device dev (0-31), function func (0-7). Not owned.
    void attach(unsigned dev, unsigned func, PciFunction* fn);

    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;

    // Its state for snapshots (snapshot/archive.h).
    template <class A> void snapshot(A& a) {
        a(address_, reset_control_);
    }

private:
    static constexpr uint32_t ENABLE = 0x80000000u;
    static constexpr uint8_t RC_SRST = 0x02, RC_RCPU = 0x04;

    // The function CONFIG_ADDRESS selects, or nullptr.
    PciFunction* selected() const;
    bool is_reset_control(uint16_t port, unsigned size) const { return port == 0xCF9 && size == 1; }
    void write_reset_control(uint8_t v);

    std::array<PciFunction*, 256> functions_{};  // indexed by device << 3 | function
    uint32_t address_ = 0;
    uint8_t reset_control_ = 0;
    ResetRequest reset_;
};

}  // namespace jitpc::devices
