#include "bios/bios.h"

namespace jitpc::bios {

void Bios::keyboard(RealModeCall& call) { unsupported(call, 0x16, 0x00); }

void Bios::keyboard_irq(RealModeCall&) { bus_.io_read(0x60, 1); }

}  // namespace jitpc::bios
