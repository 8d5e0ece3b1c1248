#include "bios/bios.h"

namespace jitpc::bios {

void Bios::disk(RealModeCall& call) { unsupported(call, 0x13, 0x01); }

}  // namespace jitpc::bios
