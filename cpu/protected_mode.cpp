// Protected-mode data/stack segment loads and I/O permission checks.
#include "cpu/cpu.h"
#include "cpu/descriptor.h"
#include "cpu/privilege.h"

namespace jitpc::cpu {

void Cpu::load_seg_protected(unsigned sr, uint16_t sel) {
    const uint32_t err = sel & 0xFFFC;
    const unsigned rpl = sel & 3;
    if ((sel & 0xFFFC) == 0) {
        // 64-bit mode lets code below ring 3 run on a null SS (with RPL = CPL).
        if (sr == SS && mode() == CpuMode::Long64 && cpl != 3 && rpl == cpl) {
            load_null_ss(*this, cpl);
            return;
        }
        if (sr == SS || sr == CS) raise_gp(0);
        load_null(seg[sr], sel);
        return;
    }
    const Descriptor d = read_descriptor(*this, sel, VEC_GP);
    if (sr == SS) {
        if (rpl != cpl || !d.writable_data() || d.dpl() != cpl) raise_gp(err);
        if (!d.present()) raise_fault(VEC_SS, err);
    } else {
        if (!d.segment() || !d.readable()) raise_gp(err);
        // Data and non-conforming code need max(CPL, RPL) <= DPL.
        if (!d.conforming() && (rpl > d.dpl() || cpl > d.dpl())) raise_gp(err);
        if (!d.present()) raise_fault(VEC_NP, err);
    }
    mark_accessed(*this, sel, d);
    d.load_into(seg[sr], sel);
}

void Cpu::check_io(uint16_t port, unsigned size) {
    if (watch_armed) [[unlikely]] watch_io(port, size);
    if (!pe()) return;
    if (!vm86() && cpl <= ((flags.bits & EFLAGS_IOPL) >> 12)) return;
    // Only a 32-bit TSS has a permission bitmap; its offset sits at 0x66.
    const unsigned type = tr.attrs & attr::TYPE;
    if ((type != 9 && type != 11) || tr.limit < 0x67) raise_gp(0);
    const uint32_t map = sys_read<uint16_t>(tr.base + 0x66);
    const uint32_t byte = map + port / 8;
    // Two bytes are always read, so a check near the end of the map needs both inside the TSS.
    if (byte + 1 > tr.limit) raise_gp(0);
    const uint32_t bits = sys_read<uint16_t>(tr.base + byte) >> (port & 7);
    if (bits & ((1u << size) - 1)) raise_gp(0);
}

}  // namespace jitpc::cpu
