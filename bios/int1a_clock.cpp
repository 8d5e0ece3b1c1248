#include "bios/bios.h"

namespace jitpc::bios {

void Bios::clock(RealModeCall& call) { unsupported(call, 0x1A, 0x00); }

}  // namespace jitpc::bios
