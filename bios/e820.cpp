#include "bios/e820.h"

#include <algorithm>

namespace jitpc::bios {

void E820Map::add(uint64_t base, uint64_t length, uint32_t type) {
    if (length == 0) return;
    const uint64_t end = base + length;
    std::vector<E820Entry> out;
    for (const E820Entry& e : entries_) {
        const uint64_t e_end = e.base + e.length;
        if (e_end <= base || e.base >= end) {
            out.push_back(e);
            continue;
        }
        if (e.base < base) out.push_back({e.base, base - e.base, e.type});
        if (e_end > end) out.push_back({end, e_end - end, e.type});
    }
    if (type != e820::ABSENT) out.push_back({base, length, type});
    std::sort(out.begin(), out.end(), [](const E820Entry& a, const E820Entry& b) { return a.base < b.base; });
    entries_.clear();
    for (const E820Entry& e : out) {
        if (!entries_.empty()) {
            E820Entry& last = entries_.back();
            if (last.type == e.type && last.base + last.length == e.base) {
                last.length += e.length;
                continue;
            }
        }
        entries_.push_back(e);
    }
}

E820Map board_memory(const memory::RamLayout& ram) {
    E820Map m;
    m.add(0, ram.below_4g, e820::RAM);
    m.add(memory::RamLayout::HIGH_BASE, ram.above_4g, e820::RAM);
    return m;
}

}  // namespace jitpc::bios
