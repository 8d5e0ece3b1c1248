// An interrupt message on the APIC bus: what the I/O APIC and the local APIC's ICR send and a
// local APIC accepts when the destination names it (SDM Vol. 3 10.6.2).
#pragma once

#include <cstdint>

namespace jitpc::devices {

// Delivery modes: bits 8-10 of the ICR, LVT and I/O APIC redirection entries.
enum ApicDelivery : uint8_t { FIXED = 0, LOWEST = 1, SMI = 2, NMI = 4, INIT = 5, STARTUP = 6, EXTINT = 7 };

struct ApicMessage {
    uint8_t vector = 0;
    uint8_t mode = FIXED;  // ApicDelivery
    bool logical = false;  // destination: logical (LDR/DFR match) or physical APIC ID
    uint8_t dest = 0;      // 0xFF: broadcast in either mode
    bool level = false;    // level-triggered: the vector's TMR bit, and an EOI broadcast
};

}  // namespace jitpc::devices
