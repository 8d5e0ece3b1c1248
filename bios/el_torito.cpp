#include "bios/el_torito.h"

#include "bios/file_util.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace jitpc::bios {

namespace {

constexpr uint32_t BOOT_RECORD_LBA = 17;
constexpr uint32_t UNITS = CD_SECTOR / storage::DiskImage::SECTOR;
constexpr uint32_t ENTRY = 32;
// Catalog entries: bootable and not bootable initial/section entries, section headers (more
// follow, final) and the extension entries that continue a section entry.
constexpr uint8_t BOOTABLE = 0x88, NOT_BOOTABLE = 0x00, HEADER = 0x90, FINAL_HEADER = 0x91,
                  EXTENSION = 0x44;
constexpr uint8_t PLATFORM_X86 = 0;
// The catalog sectors read: 256 entries, far more than any CD carries.
constexpr uint32_t CATALOG_SECTORS = 4;

// The entry that boots on a PC: the default entry when the validation entry names x86, else
// the first bootable entry of an x86 section (a CD that lists UEFI first, or only).
const uint8_t* pick_entry(const uint8_t* cat, size_t bytes, std::string& why) {
    if (cat[1] == PLATFORM_X86) {
        if (cat[ENTRY] != BOOTABLE) why = "the boot catalog's default entry is not bootable";
        return cat[ENTRY] == BOOTABLE ? cat + ENTRY : nullptr;
    }
    bool x86 = false;
    for (size_t off = 2 * ENTRY; off + ENTRY <= bytes; off += ENTRY) {
        const uint8_t* e = cat + off;
        if (e[0] == HEADER || e[0] == FINAL_HEADER)
            x86 = e[1] == PLATFORM_X86;
        else if (e[0] == BOOTABLE && x86)
            return e;
        else if (e[0] != NOT_BOOTABLE && e[0] != BOOTABLE && e[0] != EXTENSION)
            break;  // the end of the catalog
    }
    why = "the boot catalog has no x86 entry (platform " + std::to_string(cat[1]) + " only)";
    return nullptr;
}

// The emulated disk's CHS view: diskettes by their type, a hard disk by the end of the first
// partition in its MBR (as BIOSes take it; the image is one partitioned disk).
bool emulated_geometry(storage::DiskImage& cd, BootImage& img, std::string& why) {
    if (img.media == Media::HardDisk) {
        uint8_t mbr[storage::DiskImage::SECTOR];
        if (!cd.read(uint64_t(img.load_rba) * UNITS, 1, mbr)) {
            why = "the boot image lies outside the image file";
            return false;
        }
        const uint8_t* end = mbr + 446 + 5;  // first partition: ending head, sector, cylinder
        img.geometry = {uint32_t((end[1] & 0xC0) << 2 | end[2]) + 1, uint32_t(end[0]) + 1,
                        uint32_t(end[1] & 0x3F)};
        if (img.geometry.sectors == 0) {
            why = "the hard disk emulation image has no partition table";
            return false;
        }
    } else {
        static constexpr uint64_t floppy_sectors[] = {0, 2400, 2880, 5760};
        const FloppyFormat f = floppy_format(floppy_sectors[uint8_t(img.media)], cd.path());
        img.geometry = f.geometry;
        img.floppy_type = f.type;
    }
    const uint64_t first = uint64_t(img.load_rba) * UNITS;
    img.sectors = std::min(img.geometry.addressable(), cd.sectors() - std::min(first, cd.sectors()));
    if (img.sectors == 0) {
        why = "the boot image lies outside the image file";
        return false;
    }
    return true;
}

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
    const uint64_t cd_sectors = cd.sectors() / UNITS;
    if (catalog >= cd_sectors) {
        why = "the boot catalog lies outside the image";
        return std::nullopt;
    }
    std::vector<uint8_t> cat(std::min<uint64_t>(CATALOG_SECTORS, cd_sectors - catalog) * CD_SECTOR);
    if (!read_cd_sectors(cd, catalog, cat.size() / CD_SECTOR, cat.data())) {
        why = "the boot catalog lies outside the image";
        return std::nullopt;
    }
    // Validation entry: header ID 1, key bytes 55h AAh, and its words summing to zero.
    uint16_t sum = 0;
    for (uint32_t i = 0; i < ENTRY; i += 2) sum = uint16_t(sum + le16(&cat[i]));
    if (cat[0] != 1 || cat[0x1E] != 0x55 || cat[0x1F] != 0xAA || sum != 0) {
        why = "invalid boot catalog validation entry";
        return std::nullopt;
    }
    const uint8_t* entry = pick_entry(cat.data(), cat.size(), why);
    if (!entry) return std::nullopt;
    if ((entry[1] & 0x0F) > uint8_t(Media::HardDisk)) {
        why = "unknown boot media type " + std::to_string(entry[1] & 0x0F);
        return std::nullopt;
    }
    BootImage img;
    img.media = Media(entry[1] & 0x0F);
    img.load_segment = le16(entry + 2) ? le16(entry + 2) : 0x07C0;
    img.sector_count = le16(entry + 6) ? le16(entry + 6) : 1;
    img.load_rba = le32(entry + 8);
    const uint32_t end = uint32_t(img.load_segment) * 16 + uint32_t(img.sector_count) * 512;
    if (img.load_segment < 0x0050 || end > 0xA0000) {
        why = "the boot image does not fit in conventional memory";
        return std::nullopt;
    }
    if (img.emulated() && !emulated_geometry(cd, img, why)) return std::nullopt;
    return img;
}

}  // namespace jitpc::bios
