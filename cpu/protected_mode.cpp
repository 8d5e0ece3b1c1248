// Protected-mode segment loads and I/O permission checks.
#include "cpu/cpu.h"

namespace jitpc::cpu {

void Cpu::load_seg_protected(unsigned, uint16_t sel) { raise_gp(sel & 0xFFFC); }

void Cpu::deliver_protected(uint8_t vector, EventKind, uint32_t, bool, uint32_t) {
    raise_gp(uint32_t(vector) * 8 + 2);
}

void Cpu::check_io(uint16_t, unsigned) {
    if (protected_mode() && cpl > ((flags.bits & EFLAGS_IOPL) >> 12)) raise_gp(0);
}

}  // namespace jitpc::cpu
