// El Torito (CD-ROM boot specification 1.0): the boot record volume descriptor, the boot
// catalog's validation entry and its initial/default entry, for no-emulation boot images.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "storage/disk_image.h"

namespace jitpc::bios {

constexpr uint32_t CD_SECTOR = 2048;

// Reads `count` 2048-byte sectors starting at `lba`; false when outside the image.
bool read_cd_sectors(storage::DiskImage& cd, uint64_t lba, uint64_t count, uint8_t* buf);

struct BootImage {
    uint32_t load_rba = 0;       // first 2048-byte sector of the image
    uint16_t load_segment = 0;   // where it runs (seg:0); 0 in the catalog means 07C0h
    uint16_t sector_count = 0;   // 512-byte sectors to load
};

// The CD's no-emulation boot image, or nothing with `why` set to a one-line reason.
std::optional<BootImage> find_boot_image(storage::DiskImage& cd, std::string& why);

}  // namespace jitpc::bios
