// Raw firmware images given with -bios.
#pragma once

#include <string>

#include "memory/physmem.h"

namespace jitpc::bios {

// Maps a 64, 128 or 256 KiB image read-only just below 4 GiB, where the reset vector F000:FFF0
// (linear FFFFFFF0) finds its last 16 bytes, and its last 128 KiB at most just below 1 MiB (on
// the bus: the i440FX's PAM registers decide whether reads there see it or shadow RAM).
void load_firmware(memory::PhysMemory& mem, const std::string& path);

}  // namespace jitpc::bios
