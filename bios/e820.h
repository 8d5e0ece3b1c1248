// The physical memory map INT 15h E820 reports: sorted, non-overlapping ranges.
#pragma once

#include <cstdint>
#include <vector>

#include "memory/ram_layout.h"

namespace jitpc::bios {

struct E820Entry {
    uint64_t base, length;
    uint32_t type;
};

namespace e820 {
constexpr uint32_t RAM = 1, RESERVED = 2, ACPI = 3, NVS = 4;
constexpr uint32_t ABSENT = 0;  // add() punches a hole: the range is in no entry
}

class E820Map {
public:
    // Adds a range. A later range wins where it overlaps earlier ones, so a map is built as
    // "all RAM" first, then the holes punched into it. Neighbours of the same type merge.
    void add(uint64_t base, uint64_t length, uint32_t type);
    const std::vector<E820Entry>& entries() const { return entries_; }

private:
    std::vector<E820Entry> entries_;
};

// The RAM the board has: below the PCI hole from 0, and above 4 GiB what did not fit there
// (memory/ram_layout.h). What QEMU's fw_cfg etc/e820 gives firmware that reserves its own
// ranges; the built-in BIOS's map is this with its holes and reserved ranges added.
E820Map board_memory(const memory::RamLayout& ram);

}  // namespace jitpc::bios
