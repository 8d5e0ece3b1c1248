// Where the board puts its RAM, as QEMU's pc machine (i440FX) does: from 0 up to the PCI hole
// when it all fits there, else 3 GiB below 4 GiB (gigabyte-aligned) and the rest from 4 GiB up,
// as a CPU with PAE or long mode can address it. The PCI hole, 0xE0000000 up, is the window
// the DSDT declares; with the 3 GiB split 0xC0000000-0xDFFFFFFF is an empty part of it.
#pragma once

#include <cstdint>

namespace jitpc::memory {

struct RamLayout {
    static constexpr uint64_t PCI_HOLE = 0xE0000000;  // the most RAM below 4 GiB (3.5 GiB)
    static constexpr uint64_t SPLIT_BELOW = 0xC0000000;  // RAM below 4 GiB once some is above
    static constexpr uint64_t HIGH_BASE = 0x100000000;

    uint64_t below_4g = 0, above_4g = 0;

    uint64_t total() const { return below_4g + above_4g; }
    // QEMU's rule (hw/i386/pc_piix.c): from 3.5 GiB of RAM up it splits, 3 GiB below 4 GiB.
    // `above_4g_ok`: the CPU model addresses memory above 4 GiB (PAE or LM); without, all of it
    // stays below the hole (the caller refuses more than PCI_HOLE).
    static constexpr RamLayout of(uint64_t ram_bytes, bool above_4g_ok) {
        if (!above_4g_ok || ram_bytes < PCI_HOLE) return {ram_bytes, 0};
        return {SPLIT_BELOW, ram_bytes - SPLIT_BELOW};
    }
};

}  // namespace jitpc::memory
