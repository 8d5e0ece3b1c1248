#include "bios/el_torito.h"

#include "bios/file_util.h"

#include <cstring>

namespace jitpc::bios {

namespace {

constexpr uint32_t BOOT_RECORD_LBA = 17;
constexpr uint32_t UNITS = CD_SECTOR / storage::DiskImage::SECTOR;


}  // namespace

bool read_cd_sectors(storage::DiskImage& cd, uint64_t lba, uint64_t count, uint8_t* buf) {
    return cd.read(lba * UNITS, count * UNITS, buf);
}

std::optional<BootImage> find_boot_image(storage::DiskImage& cd, std::string& why) {
    uint8_t s[CD_SECTOR];
    static constexpr char boot_record_id[] = "\0CD001\1EL TORITO SPECIFICATION";
    if (!read_cd_sectors(cd, BOOT_RECORD_LBA, 1, s) ||
        std::memcmp(s, boot_record_id, sizeof boot_record_id - 1) != 0) {
        why = "no El Torito boot record";
        return std::nullopt;
    }
    const uint32_t catalog = le32(s + 0x47);
    if (!read_cd_sectors(cd, catalog, 1, s)) {
        why = "the boot catalog lies outside the image";
        return std::nullopt;
    }
    // Validation entry: header ID 1, key bytes 55h AAh, and its words summing to zero.
    uint16_t sum = 0;
    for (int i = 0; i < 32; i += 2) sum = uint16_t(sum + le16(s + i));
    if (s[0] != 1 || s[0x1E] != 0x55 || s[0x1F] != 0xAA || sum != 0) {
        why = "invalid boot catalog validation entry";
        return std::nullopt;
    }
    const uint8_t* initial = s + 32;
    if (initial[0] != 0x88) {
        why = "the boot catalog's initial entry is not bootable";
        return std::nullopt;
    }
    if ((initial[1] & 0x0F) != 0) {
        why = "floppy and hard disk emulation boot images are not supported (no emulation only)";
        return std::nullopt;
    }
    BootImage img;
    img.load_segment = le16(initial + 2) ? le16(initial + 2) : 0x07C0;
    img.sector_count = le16(initial + 6) ? le16(initial + 6) : 1;
    img.load_rba = le32(initial + 8);
    const uint32_t end = uint32_t(img.load_segment) * 16 + uint32_t(img.sector_count) * 512;
    if (img.load_segment < 0x0050 || end > 0xA0000) {
        why = "the boot image does not fit in conventional memory";
        return std::nullopt;
    }
    return img;
}

}  // namespace jitpc::bios
