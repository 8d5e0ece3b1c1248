// Descriptor table access shared by segment loads, gates, task and system instructions.
#include "cpu/descriptor.h"

#include "cpu/cpu.h"

namespace jitpc::cpu {

void Descriptor::load_into(SegCache& s, uint16_t sel) const {
    s.sel = sel;
    s.base = base();
    s.limit = limit();
    s.attrs = attrs();
    s.refresh();
}

bool descriptor_address(const Cpu& c, uint16_t sel, uint64_t& lin) {
    const uint32_t off = sel & 0xFFF8;
    if (sel & 4) {
        // An LDTR holding a null selector has no table at all.
        if ((c.ldtr.sel & 0xFFFC) == 0 || !(c.ldtr.attrs & attr::P)) return false;
        if (off + 7 > c.ldtr.limit) return false;
        lin = c.ldtr.base + off;
    } else {
        if (off + 7 > c.gdtr.limit) return false;
        lin = c.gdtr.base + off;
    }
    // The tables' bases are 64-bit in IA-32e mode; outside it linear addresses wrap at 4 GiB.
    if (!(c.efer & efer::LMA)) lin = uint32_t(lin);
    return true;
}

Descriptor read_descriptor(Cpu& c, uint16_t sel, unsigned vector, uint32_t ext) {
    uint64_t lin;
    if (!descriptor_address(c, sel, lin)) raise_fault(vector, (sel & 0xFFFC) | ext);
    return Descriptor{c.sys_read<uint32_t>(lin), c.sys_read<uint32_t>(lin + 4)};
}

uint32_t read_descriptor_upper(Cpu& c, uint16_t sel) {
    uint64_t lin;
    if ((sel & 0xFFF8) == 0xFFF8 || !descriptor_address(c, static_cast<uint16_t>(sel + 8), lin))
        raise_gp(sel & 0xFFFC);
    if (c.sys_read<uint32_t>(lin + 4) & 0x1F00) raise_gp(sel & 0xFFFC);
    return c.sys_read<uint32_t>(lin);
}

void mark_accessed(Cpu& c, uint16_t sel, const Descriptor& d) {
    if (d.type() & attr::ACCESSED) return;
    uint64_t lin;
    descriptor_address(c, sel, lin);
    c.sys_write<uint8_t>(lin + 5, static_cast<uint8_t>((d.hi >> 8) | attr::ACCESSED));
}

void load_null(SegCache& s, uint16_t sel) {
    s.sel = sel;
    s.base = 0;
    s.limit = 0;
    s.attrs = 0;  // not present: every access through it faults
    s.refresh();
}

}  // namespace jitpc::cpu
