// Raw firmware images given with -bios.
#pragma once

#include <string>

#include "memory/physmem.h"

namespace jitpc::bios {

// Maps a 64 KiB or 128 KiB image read-only just below 1 MiB and just below 4 GiB, where the
// reset vector F000:FFF0 (linear FFFFFFF0) finds its last 16 bytes.
void load_firmware(memory::PhysMemory& mem, const std::string& path);

}  // namespace jitpc::bios
