#include "bios/firmware.h"

#include <stdexcept>

#include "bios/file_util.h"

namespace jitpc::bios {

void load_firmware(memory::PhysMemory& mem, const std::string& path) {
    const auto rom = read_file(path, "firmware", 1 << 20);
    if (rom.size() != 0x10000 && rom.size() != 0x20000)
        throw std::runtime_error("firmware '" + path + "': size " + std::to_string(rom.size()) +
                                 " bytes; a -bios image must be exactly 64 KiB or 128 KiB");
    const uint32_t size = static_cast<uint32_t>(rom.size());
    mem.map_rom(0x100000 - size, rom);
    mem.map_rom(static_cast<uint32_t>(0x100000000ull - size), rom);
}

}  // namespace jitpc::bios
