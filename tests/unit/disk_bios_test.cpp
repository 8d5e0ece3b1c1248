// The BIOS's view of drives: diskette formats, the LBA-assisted hard disk translation and the
// El Torito boot catalog: the entry that boots, emulated disks' geometry, refusals.
#include <doctest/doctest.h>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bios/disk_geometry.h"
#include "bios/el_torito.h"

using namespace jitpc;
using bios::Geometry;

TEST_CASE("diskette formats by image size") {
    const bios::FloppyFormat f = bios::floppy_format(2880, "a.img");
    CHECK(f.type == 4);
    CHECK(f.geometry.cylinders == 80);
    CHECK(f.geometry.heads == 2);
    CHECK(f.geometry.sectors == 18);
    CHECK(bios::floppy_format(720, "a.img").type == 1);
    CHECK(bios::floppy_format(1440, "a.img").type == 3);
    CHECK(bios::floppy_format(2400, "a.img").type == 2);
    CHECK(bios::floppy_format(5760, "a.img").type == 5);
    CHECK_THROWS_AS(bios::floppy_format(2000, "a.img"), std::runtime_error);
}

TEST_CASE("hard disk LBA-assisted translation") {
    auto check = [](uint64_t sectors, uint32_t c, uint32_t h) {
        const Geometry g = bios::hard_disk_geometry(sectors);
        CHECK(g.cylinders == c);
        CHECK(g.heads == h);
        CHECK(g.sectors == 63);
    };
    check(4032, 4, 16);
    check(100, 1, 16);                       // smaller than one cylinder
    check(1024ull * 16 * 63, 1024, 16);      // 504 MiB
    check(1024ull * 16 * 63 + 1, 512, 32);
    check(2ull << 30 >> 9, 520, 128);        // 2 GiB
    check(100ull << 30 >> 9, 1024, 255);     // beyond 8 GiB: capped
}

namespace {

// An ISO-like image of `sectors` 2048-byte sectors written by `fill`.
struct TempCd {
    std::string path;
    std::vector<uint8_t> data;
    explicit TempCd(unsigned sectors) : data(sectors * bios::CD_SECTOR) {}
    uint8_t* sector(unsigned lba) { return data.data() + lba * bios::CD_SECTOR; }
    storage::DiskImage open() {
        char tmpl[] = "/tmp/jitpc-cd-XXXXXX";
        const int fd = mkstemp(tmpl);
        REQUIRE(fd >= 0);
        close(fd);
        path = tmpl;
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data.data()), data.size());
        return storage::DiskImage(path, storage::DiskImage::Mode::ReadOnly);
    }
    ~TempCd() {
        if (!path.empty()) std::remove(path.c_str());
    }
    // The boot image the BIOS finds on it, or nothing with `why` set.
    std::optional<bios::BootImage> boot(std::string& why) {
        storage::DiskImage img = open();
        return bios::find_boot_image(img, why);
    }
    std::optional<bios::BootImage> boot() {
        std::string why;
        return boot(why);
    }
};

// A boot record at 17 pointing at a catalog at 20 (validation entry for `platform`) whose
// initial entry names `media`.
void make_bootable(TempCd& cd, uint8_t media, uint8_t platform = 0) {
    std::memcpy(cd.sector(17), "\0CD001\1EL TORITO SPECIFICATION", 30);
    cd.sector(17)[0x47] = 20;
    uint8_t* cat = cd.sector(20);
    cat[0] = 1;
    cat[1] = platform;
    cat[0x1E] = 0x55;
    cat[0x1F] = 0xAA;
    uint16_t sum = 0;
    for (int i = 0; i < 32; i += 2) sum = uint16_t(sum + (cat[i] | cat[i + 1] << 8));
    const uint16_t fix = uint16_t(-sum);
    cat[0x1C] = uint8_t(fix);
    cat[0x1D] = uint8_t(fix >> 8);
    cat[0x20] = 0x88;
    cat[0x21] = media;
    cat[0x26] = 4;   // sector count
    cat[0x28] = 21;  // load RBA
}

std::array<uint32_t, 3> chs(const Geometry& g) { return {g.cylinders, g.heads, g.sectors}; }

}  // namespace

TEST_CASE("El Torito no-emulation boot image") {
    TempCd cd(32);
    make_bootable(cd, 0);
    const auto boot = cd.boot();
    REQUIRE(boot);
    CHECK(boot->load_rba == 21);
    CHECK(boot->load_segment == 0x07C0);
    CHECK(boot->sector_count == 4);
}

TEST_CASE("El Torito diskette emulation: the geometry of the media type, drive 00h") {
    struct Case {
        uint8_t media;
        unsigned cd_sectors;                // after the 21 the catalog takes
        std::array<uint32_t, 3> geometry;
        uint8_t type;
        uint64_t sectors;                   // the emulated disk's size
    };
    for (const Case& c : {Case{1, 600, {80, 2, 15}, 2, 2400}, Case{2, 720, {80, 2, 18}, 4, 2880},
                          Case{3, 100, {80, 2, 36}, 5, 400}}) {  // the last cut short by the CD's end
        CAPTURE(c.media);
        TempCd cd(21 + c.cd_sectors);
        make_bootable(cd, c.media);
        const auto boot = cd.boot();
        REQUIRE(boot);
        CHECK(uint8_t(boot->media) == c.media);
        CHECK(boot->drive() == 0x00);
        CHECK(chs(boot->geometry) == c.geometry);
        CHECK(boot->floppy_type == c.type);
        CHECK(boot->sectors == c.sectors);
    }
}

TEST_CASE("El Torito hard disk emulation: the geometry of the first partition's end, drive 80h") {
    TempCd cd(21 + 1008);
    make_bootable(cd, 4);
    uint8_t* end = cd.sector(21) + 446 + 5;
    end[0] = 15;                    // last head
    end[1] = 63 | (300 >> 2 & 0xC0);  // sectors per track, cylinder bits 9-8
    end[2] = 300 & 0xFF;            // last cylinder 300
    const auto boot = cd.boot();
    REQUIRE(boot);
    CHECK(boot->drive() == 0x80);
    CHECK(chs(boot->geometry) == std::array<uint32_t, 3>{301, 16, 63});
    CHECK(boot->sectors == 1008 * 4);  // what the CD holds, less than the geometry's 301 cylinders
}

TEST_CASE("El Torito: a catalog for UEFI first boots its x86 section's bootable entry") {
    TempCd cd(32);
    make_bootable(cd, 0, 0xEF);  // the default entry is the UEFI image's
    uint8_t* e = cd.sector(20) + 64;
    e[0] = 0x90;  // section header, more follow: UEFI, one entry
    e[1] = 0xEF;
    e[2] = 1;
    e[32] = 0x88;
    e[32 + 8] = 30;
    e += 64;
    e[0] = 0x91;  // final section header: x86, a non-bootable entry, then the bootable one
    e[1] = 0x00;
    e[2] = 2;
    e[32 + 8] = 24;
    e[64] = 0x88;
    e[64 + 6] = 4;
    e[64 + 8] = 22;
    const auto boot = cd.boot();
    REQUIRE(boot);
    CHECK(boot->load_rba == 22);
    CHECK(boot->sector_count == 4);
    CHECK(boot->media == bios::Media::None);
}

TEST_CASE("El Torito refusals") {
    std::string why;
    SUBCASE("unknown media type") {
        TempCd cd(32);
        make_bootable(cd, 5);
        CHECK_FALSE(cd.boot(why));
        CHECK(why.find("media type 5") != std::string::npos);
    }
    SUBCASE("hard disk emulation without a partition table") {
        TempCd cd(32);
        make_bootable(cd, 4);
        CHECK_FALSE(cd.boot(why));
        CHECK(why.find("partition") != std::string::npos);
    }
    SUBCASE("UEFI only") {
        TempCd cd(32);
        make_bootable(cd, 0, 0xEF);
        CHECK_FALSE(cd.boot(why));
        CHECK(why.find("no x86 entry") != std::string::npos);
    }
    SUBCASE("bad checksum") {
        TempCd cd(32);
        make_bootable(cd, 0);
        cd.sector(20)[4] ^= 1;
        CHECK_FALSE(cd.boot(why));
        CHECK(why.find("validation") != std::string::npos);
    }
    SUBCASE("no boot record") {
        TempCd cd(32);
        CHECK_FALSE(cd.boot(why));
    }
    SUBCASE("catalog outside the image") {
        TempCd cd(32);
        make_bootable(cd, 0);
        cd.data.resize(18 * bios::CD_SECTOR);  // ends before the catalog
        CHECK_FALSE(cd.boot(why));
    }
}
