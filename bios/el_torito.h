// El Torito (CD-ROM boot specification 1.0): the boot record volume descriptor, the boot
// catalog's validation entry and the entry that boots: the default entry, or when the catalog
// is for another platform first (UEFI, 0xEF), the first bootable entry of an x86 section. The
// image is booted as it is (no emulation) or as a diskette or hard disk it holds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bios/disk_geometry.h"
#include "storage/disk_image.h"

namespace jitpc::bios {

constexpr uint32_t CD_SECTOR = 2048;

// Reads `count` 2048-byte sectors starting at `lba`; false when outside the image.
bool read_cd_sectors(storage::DiskImage& cd, uint64_t lba, uint64_t count, uint8_t* buf);

// The catalog's boot media type (the low nibble of the entry's media byte).
enum class Media : uint8_t { None = 0, Floppy12 = 1, Floppy144 = 2, Floppy288 = 3, HardDisk = 4 };

struct BootImage {
    Media media = Media::None;
    uint32_t load_rba = 0;       // first 2048-byte sector of the image
    uint16_t load_segment = 0;   // where it runs (seg:0); 0 in the catalog means 07C0h
    uint16_t sector_count = 0;   // 512-byte sectors to load
    // An emulated disk: its CHS view (diskettes by type, a hard disk by its first partition's
    // end) and its size in 512-byte sectors, no more than the CD holds from load_rba on.
    Geometry geometry;
    uint8_t floppy_type = 0;
    uint64_t sectors = 0;

    bool emulated() const { return media != Media::None; }
    // The INT 13h drive it boots as: the CD E0h itself, or the emulated diskette 00h or disk 80h.
    uint8_t drive() const { return media == Media::None ? 0xE0 : media == Media::HardDisk ? 0x80 : 0x00; }
};

// The CD's boot image, or nothing with `why` set to a one-line reason.
std::optional<BootImage> find_boot_image(storage::DiskImage& cd, std::string& why);

}  // namespace jitpc::bios
