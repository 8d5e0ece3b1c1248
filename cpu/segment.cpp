// Segment register loads and privilege level changes.
#include "cpu/cpu.h"

namespace jitpc::cpu {

void Cpu::load_seg_real(unsigned sr, uint16_t sel) {
    SegCache& s = seg[sr];
    s.sel = sel;
    s.base = uint32_t(sel) << 4;
    if (vm86()) {
        // Virtual-8086 mode reloads the whole cache: 64 KiB, writable data, DPL 3.
        s.limit = 0xFFFF;
        s.attrs = attr::P | attr::S | attr::WRITABLE | attr::ACCESSED | (3 << attr::DPL_SHIFT);
        if (sr == CS) s.attrs |= attr::CODE | attr::READABLE;
        s.refresh();
    }
    // Real mode keeps limit and attributes (the "unreal mode" that BIOSes and GRUB rely on)
    // and checks no types.
    s.rights = SegCache::R | SegCache::W;
}

void Cpu::load_seg(unsigned sr, uint16_t sel) {
    if (!protected_mode())
        load_seg_real(sr, sel);
    else
        load_seg_protected(sr, sel);
    // The block ends here: the JIT specialises translations on segment state (jit/engine.h).
    request_exit();
}

void Cpu::enter_flat32() {
    cr0 = (cr0 | cr0::PE) & ~cr0::PG;
    for (unsigned sr = 0; sr < 6; ++sr) {
        SegCache& s = seg[sr];
        s.sel = sr == CS ? 0x08 : 0x10;
        s.base = 0;
        s.limit = 0xFFFFFFFF;
        s.attrs = attr::P | attr::S | attr::DB | attr::G | attr::ACCESSED |
                  (sr == CS ? attr::CODE | attr::READABLE : attr::WRITABLE);
        s.refresh();
    }
    cpl = 0;
    mmu.flush_all();
}

void Cpu::set_cpl(uint8_t new_cpl) {
    cpl = new_cpl;
    request_exit();
}

}  // namespace jitpc::cpu
