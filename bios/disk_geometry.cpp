#include "bios/disk_geometry.h"

#include <algorithm>
#include <stdexcept>

namespace jitpc::bios {

FloppyFormat floppy_format(uint64_t sectors, const std::string& path) {
    static constexpr FloppyFormat formats[] = {
        {{40, 2, 9}, 1}, {{80, 2, 15}, 2}, {{80, 2, 9}, 3}, {{80, 2, 18}, 4}, {{80, 2, 36}, 5},
    };
    for (const FloppyFormat& f : formats)
        if (f.geometry.addressable() == sectors) return f;
    throw std::runtime_error("floppy image '" + path + "': " + std::to_string(sectors * 512) +
                             " bytes is not a diskette size (360K, 720K, 1.2M, 1.44M, 2.88M)");
}

Geometry hard_disk_geometry(uint64_t sectors) {
    constexpr uint32_t spt = 63, max_cylinders = 1024;
    uint32_t heads = 255;
    for (uint32_t h : {16u, 32u, 64u, 128u})
        if (sectors <= uint64_t(max_cylinders) * h * spt) {
            heads = h;
            break;
        }
    const uint64_t cylinders = std::clamp<uint64_t>(sectors / (uint64_t(heads) * spt), 1, max_cylinders);
    return {uint32_t(cylinders), heads, spt};
}

}  // namespace jitpc::bios
