#include "bios/bios.h"

namespace jitpc::bios {

void Bios::system(RealModeCall& call) { unsupported(call, 0x15, 0x86); }

}  // namespace jitpc::bios
