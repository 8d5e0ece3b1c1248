// Power-on self test (the host half) and the two services that read what it recorded.
#include "bios/bios.h"

namespace jitpc::bios {

namespace bda {
constexpr uint32_t EBDA_SEGMENT = 0x0E, EQUIPMENT = 0x10, BASE_MEMORY_KIB = 0x13;
}

void Bios::post(RealModeCall& call) {
    const uint16_t base_kib = uint16_t(EBDA >> 10);
    call.write<uint16_t>(0, BDA + bda::EBDA_SEGMENT, uint16_t(EBDA >> 4));
    call.write<uint16_t>(0, BDA + bda::BASE_MEMORY_KIB, base_kib);
    call.write<uint8_t>(uint16_t(EBDA >> 4), 0, EBDA_KIB);

    e820_ = E820Map{};
    e820_.add(0, cfg_.ram_bytes, e820::RAM);
    e820_.add(EBDA, 0x100000 - EBDA, e820::RESERVED);
    e820_.add(0x100000000ull - ROM_SIZE, ROM_SIZE, e820::RESERVED);
}

void Bios::equipment(RealModeCall& call) {
    call.set_reg16(cpu::EAX, call.read<uint16_t>(0, BDA + bda::EQUIPMENT));
}

void Bios::memory_size(RealModeCall& call) {
    call.set_reg16(cpu::EAX, call.read<uint16_t>(0, BDA + bda::BASE_MEMORY_KIB));
}

}  // namespace jitpc::bios
