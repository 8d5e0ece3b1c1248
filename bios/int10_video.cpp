#include "bios/bios.h"

namespace jitpc::bios {

void Bios::video(RealModeCall& call) { unsupported(call, 0x10, 0x00); }

}  // namespace jitpc::bios
