// The cylinder/head/sector view INT 13h gives of a raw image: the standard diskette formats,
// and the LBA-assisted translation BIOSes apply to hard disks (16 heads up to 504 MiB, then
// 32, 64, 128, 255 heads, 63 sectors per track, at most 1024 cylinders).
#pragma once

#include <cstdint>
#include <string>

namespace jitpc::bios {

struct Geometry {
    uint32_t cylinders = 0, heads = 0, sectors = 0;  // sectors per track, numbered from 1
    uint64_t addressable() const { return uint64_t(cylinders) * heads * sectors; }
};

struct FloppyFormat {
    Geometry geometry;
    uint8_t type;  // the CMOS/INT 13h AH=08h drive type: 1 360K, 2 1.2M, 3 720K, 4 1.44M, 5 2.88M
};

// Throws std::runtime_error naming `path` when `sectors` is not a standard diskette size.
FloppyFormat floppy_format(uint64_t sectors, const std::string& path);
Geometry hard_disk_geometry(uint64_t sectors);

}  // namespace jitpc::bios
