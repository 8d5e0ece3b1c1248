// What the CPU sees of the machine around it. The platform (devices/, the front end, tests)
// implements it; the CPU core never includes a device header.
#pragma once

#include <cstdint>

namespace jitpc::cpu {

class Bus {
public:
    virtual ~Bus() = default;
    virtual uint32_t io_read(uint16_t port, unsigned size) = 0;
    virtual void io_write(uint16_t port, unsigned size, uint32_t value) = 0;
    // The INTA cycle that returns the vector, run while the INTR line (Cpu::set_intr) is high;
    // the controller drives the line again for what it signals next.
    virtual uint8_t intr_ack() { return 0; }
    // IA32_APIC_BASE, kept by the local APIC (models with an APIC list the MSR); a write
    // returns false for reserved bits (#GP).
    virtual uint64_t apic_base() { return 0; }
    virtual bool set_apic_base(uint64_t) { return false; }
    // RDMSR and WRMSR of the local APIC's x2APIC registers (0x800-0x8FF, on models with x2APIC):
    // false raises #GP.
    virtual bool read_x2apic(uint32_t, uint64_t&) { return false; }
    virtual bool write_x2apic(uint32_t, uint64_t) { return false; }
    // IA32_TSC_DEADLINE, kept by the local APIC's timer (models with TSC-deadline list the MSR).
    // The TSC is icount + tsc_offset: a write, or a new offset (WRMSR to the TSC), passes it.
    virtual uint64_t tsc_deadline() { return 0; }
    virtual void set_tsc_deadline(uint64_t, uint64_t /*tsc_offset*/) {}
    // The local APIC's task-priority register, which 64-bit mode's CR8 reads and writes (bits
    // 7:4 of it); without an APIC it reads 0 and keeps nothing.
    virtual uint8_t apic_tpr() { return 0; }
    virtual void set_apic_tpr(uint8_t) {}
    // The CPU shut down (triple fault) or asked for a reset; the platform decides what follows.
    virtual void cpu_reset_request(const char* why) = 0;
    // FERR# asserted by an unmasked x87 exception while CR0.NE=0 (PC wiring: IRQ 13).
    virtual void ferr(bool) {}
};

}  // namespace jitpc::cpu
