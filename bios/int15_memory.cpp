// INT 15h memory services: the E820 map, one entry per call, the E801h and 88h sizes, and the
// AH=87h extended block move.
#include <algorithm>
#include <cstring>
#include <vector>

#include "bios/bios.h"

namespace jitpc::bios {

namespace {

constexpr uint32_t SMAP = 0x534D4150;  // 'SMAP'
constexpr uint32_t E820_ENTRY_SIZE = 20, E820_EXT_ENTRY_SIZE = 24;
constexpr uint32_t E820_ATTR_ENABLED = 1u << 0;  // ACPI 3.0 extended attributes: "use this entry"

}  // namespace

// EAX=E820h, EDX='SMAP', EBX = continuation (the entry's index), ES:DI = buffer of ECX bytes.
// The last entry comes back with EBX=0 and CF=0; a continuation past the end fails.
void Bios::e820_next(RealModeCall& call) {
    const auto& entries = e820_.entries();
    const uint32_t index = call.reg32(cpu::EBX);
    const uint32_t room = call.reg32(cpu::ECX);
    if (call.reg32(cpu::EDX) != SMAP || room < E820_ENTRY_SIZE || index >= entries.size())
        return call.fail(0x86);
    const E820Entry& e = entries[index];
    const uint32_t size = room >= E820_EXT_ENTRY_SIZE ? E820_EXT_ENTRY_SIZE : E820_ENTRY_SIZE;
    uint8_t out[E820_EXT_ENTRY_SIZE];
    std::memcpy(out, &e.base, 8);
    std::memcpy(out + 8, &e.length, 8);
    std::memcpy(out + 16, &e.type, 4);
    std::memcpy(out + 20, &E820_ATTR_ENABLED, 4);
    call.write(call.sreg(cpu::ES), call.reg16(cpu::EDI), out, size);
    call.set_reg32(cpu::EAX, SMAP);
    call.set_reg32(cpu::ECX, size);
    call.set_reg32(cpu::EBX, index + 1 < entries.size() ? index + 1 : 0);
    call.ok();
}

// AX=E801h: KiB between 1 and 16 MiB, then 64 KiB blocks above 16 MiB; twice (AX/BX
// "extended", CX/DX "configured"), both ending where the ACPI block starts.
void Bios::memory_size_e801(RealModeCall& call) {
    const uint32_t top = usable_ram_top();
    const uint32_t low_kib = (std::min<uint32_t>(top, 16u << 20) - (1u << 20)) >> 10;
    const uint32_t high_blocks = top > (16u << 20) ? (top - (16u << 20)) >> 16 : 0;
    call.set_reg16(cpu::EAX, uint16_t(low_kib));
    call.set_reg16(cpu::ECX, uint16_t(low_kib));
    call.set_reg16(cpu::EBX, uint16_t(high_blocks));
    call.set_reg16(cpu::EDX, uint16_t(high_blocks));
    call.ok();
}

// AH=88h: KiB above 1 MiB, capped at 63 MiB like SeaBIOS so 16-bit callers never see 64 MiB.
void Bios::memory_size_88h(RealModeCall& call) {
    const uint32_t kib = (usable_ram_top() - (1u << 20)) >> 10;
    call.set_reg16(cpu::EAX, uint16_t(std::min<uint32_t>(kib, 63u << 10)));
    call.ok();
}

// AH=87h: copy CX words between two 32-bit physical addresses described by the source and
// destination descriptors (entries 2 and 3) of the GDT at ES:SI. Every byte of the block must lie
// within both descriptors' limits; otherwise nothing is copied and AH=02h (the protected-mode
// move would have faulted), as when either block would run past 4 GiB. The copy is physical: the BIOS's own move runs with A20 on.
void Bios::block_move(RealModeCall& call) {
    constexpr uint32_t SOURCE = 0x10, DEST = 0x18;
    const uint16_t es = call.sreg(cpu::ES), si = call.reg16(cpu::ESI);
    const uint32_t bytes = uint32_t(call.reg16(cpu::ECX)) * 2;
    auto descriptor = [&](uint32_t at, uint32_t& base) {
        uint8_t d[8];
        call.read(es, uint32_t(si) + at, d, 8);
        base = uint32_t(d[2]) | uint32_t(d[3]) << 8 | uint32_t(d[4]) << 16 | uint32_t(d[7]) << 24;
        const uint32_t limit = uint32_t(d[0]) | uint32_t(d[1]) << 8;
        return bytes == 0 || bytes - 1 <= limit;
    };
    uint32_t src, dst;
    if (bytes > 0x10000 || !descriptor(SOURCE, src) || !descriptor(DEST, dst) ||
        !in_address_space(src, bytes) || !in_address_space(dst, bytes))
        return call.fail(0x02);
    std::vector<uint8_t> buf(bytes);
    mem_.read_bytes(src, buf.data(), bytes);
    mem_.write_bytes(dst, buf.data(), bytes);
    call.set_ah(0);
    call.set_zf(true);
    call.ok();
}

}  // namespace jitpc::bios
