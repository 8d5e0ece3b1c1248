#include "bios/firmware.h"

#include <stdexcept>

#include "bios/file_util.h"

namespace jitpc::bios {

namespace {
// The ISA window below 1 MiB shows at most the image's last 128 KiB (0xE0000-0xFFFFF), as
// QEMU's isa-bios region does; the whole image sits below 4 GiB.
constexpr uint32_t ISA_WINDOW = 0x20000;
}  // namespace

void load_firmware(memory::PhysMemory& mem, const std::string& path) {
    const auto rom = read_file(path, "firmware", 1 << 20);
    if (rom.size() != 0x10000 && rom.size() != 0x20000 && rom.size() != 0x40000)
        throw std::runtime_error("firmware '" + path + "': size " + std::to_string(rom.size()) +
                                 " bytes; a -bios image must be exactly 64, 128 or 256 KiB");
    const uint32_t size = static_cast<uint32_t>(rom.size());
    const uint32_t low = std::min(size, ISA_WINDOW);
    mem.map_rom(0x100000 - low, std::span(rom).last(low));
    mem.map_rom(static_cast<uint32_t>(0x100000000ull - size), rom);
}

}  // namespace jitpc::bios
