// The I/O APIC of the max model (82093AA register layout, version 0x20 as on QEMU's pc: 24
// pins, the EOI register at 0x40), memory-mapped at 0xFEC00000. Each pin's redirection entry
// turns its input into an APIC message for the local APIC (devices/apic_message.h).
//
// Pins are wired as on PC boards and QEMU's: 0 the 8259's INTR (ExtINT), ISA IRQ n on pin n
// except the PIT's IRQ 0 on pin 2 (the MADT's override), PIRQ A-D on pins 16-19.
//
// Choices where the datasheet leaves room: a message is accepted at once, so the delivery
// status bit reads 0; an edge on a masked pin is lost (82093AA: "not delivered or held
// pending"), while a level input still asserted when its pin is unmasked or its remote IRR
// clears is delivered again. Only fixed and lowest-priority level messages set remote IRR;
// NMI, INIT and ExtINT are sent as edges whatever the trigger bit says.
#pragma once

#include <array>
#include <cstdint>
#include <functional>

#include "devices/apic_message.h"
#include "memory/physmem.h"

namespace jitpc::devices {

class IoApic : public memory::MmioDevice {
public:
    static constexpr uint32_t BASE = 0xFEC00000;
    static constexpr uint32_t MMIO_SIZE = 0x1000;
    static constexpr unsigned PINS = 24;
    static constexpr uint32_t VERSION = 0x00170020;  // max redirection entry 23, version 0x20
    // MMIO offsets.
    static constexpr uint32_t IOREGSEL = 0x00, IOWIN = 0x10, EOI = 0x40;
    // Indirect registers; redirection entry n is REDTBL + 2n (low dword) and + 2n + 1 (high).
    enum Reg : uint8_t { ID = 0x00, VER = 0x01, ARB = 0x02, REDTBL = 0x10 };
    // Redirection entry bits.
    static constexpr uint32_t ID_BITS = 0x0F000000;  // the writable part of the ID register
    static constexpr uint64_t LOGICAL = 1u << 11, DELIVERY_STATUS = 1u << 12, POLARITY_LOW = 1u << 13,
                              REMOTE_IRR = 1u << 14, LEVEL = 1u << 15, MASKED = 1u << 16;

    using Deliver = std::function<void(const ApicMessage&)>;
    explicit IoApic(Deliver deliver);

    // RESET: ID 0, every entry masked.
    void reset();
    // The input line of `pin` driven to `level` (electrical: polarity applies).
    void set_irq(unsigned pin, bool level);
    // A local APIC's EOI for a level-triggered vector: clears remote IRR of the entries using it.
    void eoi(uint8_t vector);
    // Whether an unmasked pin could still send a message (the halted-CPU check).
    bool any_unmasked() const;

    uint32_t mmio_read(memory::PhysAddr offset, unsigned size) override;
    void mmio_write(memory::PhysAddr offset, unsigned size, uint32_t value) override;

    // Its state for snapshots (snapshot/archive.h).
    template <class A> void snapshot(A& a) {
        a(select_, id_, redir_, line_);
        a.check(!(id_ & ~ID_BITS), "the I/O APIC's ID");
    }

private:
    bool active(unsigned pin) const;
    // Sends the pin's message when its input calls for one (level: asserted, unmasked, no
    // remote IRR outstanding).
    void service_level(unsigned pin);
    void send(unsigned pin);
    uint32_t read_reg(uint8_t reg) const;
    void write_reg(uint8_t reg, uint32_t value);

    Deliver deliver_;
    uint8_t select_ = 0;
    uint32_t id_ = 0;
    std::array<uint64_t, PINS> redir_{};
    std::array<bool, PINS> line_{};
};

}  // namespace jitpc::devices
