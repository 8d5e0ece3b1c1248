// The BIOS's view of drives: diskette formats, the LBA-assisted hard disk translation and the
// El Torito boot catalog checks.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
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
};

// A boot record at 17 pointing at a catalog at 20 whose initial entry names `media`.
void make_bootable(TempCd& cd, uint8_t media) {
    std::memcpy(cd.sector(17), "\0CD001\1EL TORITO SPECIFICATION", 30);
    cd.sector(17)[0x47] = 20;
    uint8_t* cat = cd.sector(20);
    cat[0] = 1;
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

}  // namespace

TEST_CASE("El Torito no-emulation boot image") {
    TempCd cd(32);
    make_bootable(cd, 0);
    storage::DiskImage img = cd.open();
    std::string why;
    const auto boot = bios::find_boot_image(img, why);
    REQUIRE(boot);
    CHECK(boot->load_rba == 21);
    CHECK(boot->load_segment == 0x07C0);
    CHECK(boot->sector_count == 4);
}

TEST_CASE("El Torito refusals") {
    std::string why;
    SUBCASE("emulation modes") {
        TempCd cd(32);
        make_bootable(cd, 2);
        storage::DiskImage img = cd.open();
        CHECK_FALSE(bios::find_boot_image(img, why));
        CHECK(why.find("emulation") != std::string::npos);
    }
    SUBCASE("bad checksum") {
        TempCd cd(32);
        make_bootable(cd, 0);
        cd.sector(20)[4] ^= 1;
        storage::DiskImage img = cd.open();
        CHECK_FALSE(bios::find_boot_image(img, why));
        CHECK(why.find("validation") != std::string::npos);
    }
    SUBCASE("no boot record") {
        TempCd cd(32);
        storage::DiskImage img = cd.open();
        CHECK_FALSE(bios::find_boot_image(img, why));
    }
    SUBCASE("catalog outside the image") {
        TempCd cd(32);
        make_bootable(cd, 0);
        cd.data.resize(18 * bios::CD_SECTOR);  // ends before the catalog
        storage::DiskImage img = cd.open();
        CHECK_FALSE(bios::find_boot_image(img, why));
    }
}
