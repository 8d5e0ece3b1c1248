// The ATA channel and raw disk images, driven through the ports the way libata's PIO path does.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "devices/ata.h"
#include "tests/unit/temp_file.h"

using namespace jitpc;
using devices::AtaChannel;
using storage::DiskImage;

namespace {

constexpr uint16_t BASE = 0x1F0, CTL = 0x3F6;
constexpr uint64_t SECTORS = 2048;

// A temporary image whose sector i holds bytes (i * 7 + j) & 0xFF at offset j.
struct TempImage : test::TempFile {
    explicit TempImage(uint64_t bytes = SECTORS * 512)
        : TempFile(bytes, [](uint64_t i) { return expected(i / 512, i % 512); }) {}
    static uint8_t expected(uint64_t lba, unsigned j) { return uint8_t(lba * 7 + j); }
};

struct AtaFixture {
    TempImage file;
    std::unique_ptr<DiskImage> image;
    std::unique_ptr<AtaChannel> ata;
    bool irq = false;

    explicit AtaFixture(DiskImage::Mode mode = DiskImage::Mode::Snapshot) { attach(mode); }
    void attach(DiskImage::Mode mode) {
        ata.reset();
        image = std::make_unique<DiskImage>(file.path, mode);
        ata = std::make_unique<AtaChannel>(BASE, CTL, [this](bool l) { irq = l; }, image.get(),
                                           nullptr);
    }
    uint8_t in(unsigned reg) { return uint8_t(ata->port_read(uint16_t(BASE + reg), 1)); }
    void out(unsigned reg, uint8_t v) { ata->port_write(uint16_t(BASE + reg), 1, v); }
    uint8_t alt() { return uint8_t(ata->port_read(CTL, 1)); }
    uint16_t inw() { return uint16_t(ata->port_read(BASE, 2)); }
    std::vector<uint16_t> read_words(unsigned n) {
        std::vector<uint16_t> w;
        for (unsigned i = 0; i < n; ++i) w.push_back(inw());
        return w;
    }
    void lba28(uint32_t lba, uint8_t count, uint8_t cmd) {
        out(6, uint8_t(0xE0 | (lba >> 24)));
        out(2, count);
        out(3, uint8_t(lba)), out(4, uint8_t(lba >> 8)), out(5, uint8_t(lba >> 16));
        out(7, cmd);
    }
    void lba48(uint64_t lba, uint16_t count, uint8_t cmd) {
        out(6, 0x40);
        out(2, uint8_t(count >> 8)), out(3, uint8_t(lba >> 24)), out(4, uint8_t(lba >> 32));
        out(5, uint8_t(lba >> 40));
        out(2, uint8_t(count)), out(3, uint8_t(lba)), out(4, uint8_t(lba >> 8));
        out(5, uint8_t(lba >> 16));
        out(7, cmd);
    }
    // Reads one sector's 256 words and checks them against the pattern.
    void check_sector(uint64_t lba) {
        CHECK((alt() & AtaChannel::DRQ) != 0);
        bool ok = true;
        for (unsigned j = 0; j < 512; j += 2) {
            uint16_t w = inw();
            ok &= w == (TempImage::expected(lba, j) | TempImage::expected(lba, j + 1) << 8);
        }
        CHECK_MESSAGE(ok, "sector ", lba);
    }
};

}  // namespace

TEST_CASE_FIXTURE(AtaFixture, "ATA: IDENTIFY DEVICE words libata reads") {
    out(6, 0xA0);
    out(7, 0xEC);
    CHECK(irq);
    CHECK(in(7) == (AtaChannel::DRDY | AtaChannel::DSC | AtaChannel::DRQ));
    CHECK(!irq);  // reading status acknowledges
    auto id = read_words(256);
    CHECK(alt() == (AtaChannel::DRDY | AtaChannel::DSC));
    CHECK(id[0] == 0x0040);
    CHECK(id[1] == 2);  // 2048 / (16 * 63)
    CHECK(id[3] == 16);
    CHECK(id[6] == 63);
    // "JITPC HARDDISK": first character in the high byte of each word.
    CHECK(id[27] == ('J' << 8 | 'I'));
    CHECK(id[28] == ('T' << 8 | 'P'));
    CHECK(id[33] == ('S' << 8 | 'K'));
    CHECK(id[34] == 0x2020);
    CHECK(id[46] == 0x2020);
    CHECK((id[47] & 0xFF) == 16);
    CHECK((id[49] & 0x0200) != 0);
    CHECK((id[49] & 0x0100) == 0);  // no DMA
    CHECK(id[60] == SECTORS);
    CHECK(id[61] == 0);
    CHECK((id[83] & 0x0400) != 0);
    CHECK((id[86] & 0x0400) != 0);
    CHECK(id[88] == 0);
    CHECK(id[100] == SECTORS);
    CHECK(id[101] == 0);
    CHECK(id[102] == 0);
    CHECK(id[103] == 0);
    uint8_t sum = 0;
    for (uint16_t w : id) sum = uint8_t(sum + (w & 0xFF) + (w >> 8));
    CHECK((id[255] & 0xFF) == 0xA5);
    CHECK(sum == 0);
}

TEST_CASE_FIXTURE(AtaFixture, "ATA: READ SECTORS (LBA28) with an IRQ per sector") {
    lba28(100, 3, 0x20);
    for (uint64_t s = 100; s < 103; ++s) {
        CHECK(irq);
        CHECK((in(7) & AtaChannel::DRQ) != 0);
        check_sector(s);
    }
    CHECK(!irq);  // no interrupt after the last block of a read
    CHECK(alt() == (AtaChannel::DRDY | AtaChannel::DSC));
    CHECK(in(3) == 102);  // the task file holds the last sector read
}

TEST_CASE_FIXTURE(AtaFixture, "ATA: READ SECTORS EXT (LBA48) and HOB readback") {
    lba48(1500, 2, 0x24);
    CHECK(in(7) == (AtaChannel::DRDY | AtaChannel::DSC | AtaChannel::DRQ));
    check_sector(1500);
    check_sector(1501);
    CHECK(alt() == (AtaChannel::DRDY | AtaChannel::DSC));
    ata->port_write(CTL, 1, AtaChannel::HOB);
    CHECK(in(3) == 0);      // LBA bits 31:24
    ata->port_write(CTL, 1, 0);
    CHECK(in(3) == (1501 & 0xFF));
    CHECK(in(4) == (1501 >> 8));
}

TEST_CASE_FIXTURE(AtaFixture, "ATA: 32-bit data reads move two words") {
    lba28(5, 1, 0x20);
    uint32_t d = ata->port_read(BASE, 4);
    CHECK(d == (uint32_t(TempImage::expected(5, 0)) | TempImage::expected(5, 1) << 8 |
                TempImage::expected(5, 2) << 16 | uint32_t(TempImage::expected(5, 3)) << 24));
    for (int i = 0; i < 127; ++i) ata->port_read(BASE, 4);
    CHECK(alt() == (AtaChannel::DRDY | AtaChannel::DSC));
}

TEST_CASE_FIXTURE(AtaFixture, "ATA: CHS addressing") {
    // C/H/S 1/2/3 with 16 heads, 63 sectors: LBA (1*16+2)*63+2 = 1136.
    out(6, 0xA2);
    out(2, 1), out(3, 3), out(4, 1), out(5, 0);
    out(7, 0x20);
    check_sector(1136);
}

TEST_CASE_FIXTURE(AtaFixture, "ATA: snapshot writes are seen by the guest but never reach the file") {
    auto before = file.contents();
    lba28(7, 2, 0x30);
    CHECK(!irq);  // the first block is requested without an interrupt
    CHECK(in(7) == (AtaChannel::DRDY | AtaChannel::DSC | AtaChannel::DRQ));
    for (int s = 0; s < 2; ++s) {
        for (int i = 0; i < 256; ++i) ata->port_write(BASE, 2, 0xBEEF);
        CHECK(irq);  // after each block
        in(7);
    }
    CHECK(alt() == (AtaChannel::DRDY | AtaChannel::DSC));
    CHECK(file.contents() == before);
    lba28(8, 1, 0x20);
    CHECK(inw() == 0xBEEF);
}

TEST_CASE("ATA: a read-write image is written") {
    AtaFixture f(DiskImage::Mode::ReadWrite);
    f.lba28(3, 1, 0x30);
    for (int i = 0; i < 256; ++i) f.ata->port_write(BASE, 2, 0x1234);
    CHECK(f.file.contents()[3 * 512] == 0x34);
    CHECK(f.file.contents()[3 * 512 + 1] == 0x12);
}

TEST_CASE("ATA: writing a read-only image aborts") {
    AtaFixture f(DiskImage::Mode::ReadOnly);
    auto before = f.file.contents();
    f.lba28(3, 1, 0x30);
    CHECK(f.irq);
    CHECK(f.in(7) == (AtaChannel::DRDY | AtaChannel::DSC | AtaChannel::ERR));
    CHECK(f.in(1) == AtaChannel::ABRT);
    f.ata->port_write(BASE, 2, 0x1234);
    CHECK(f.file.contents() == before);
}

TEST_CASE_FIXTURE(AtaFixture, "ATA: out-of-range LBA gives IDNF") {
    lba28(SECTORS - 1, 2, 0x20);
    CHECK(in(7) == (AtaChannel::DRDY | AtaChannel::DSC | AtaChannel::ERR));
    CHECK(in(1) == AtaChannel::IDNF);
    lba48(uint64_t(1) << 40, 1, 0x24);
    CHECK(in(1) == AtaChannel::IDNF);
    lba28(SECTORS - 1, 1, 0x20);  // the last sector itself is fine
    check_sector(SECTORS - 1);
}

TEST_CASE_FIXTURE(AtaFixture, "ATA: unknown commands abort") {
    out(7, 0xFF);
    CHECK(in(7) == (AtaChannel::DRDY | AtaChannel::DSC | AtaChannel::ERR));
    CHECK(in(1) == AtaChannel::ABRT);
}

TEST_CASE_FIXTURE(AtaFixture, "ATA: an absent slave reads status 0 and ignores commands") {
    out(6, 0xB0);
    CHECK(in(7) == 0);
    CHECK(alt() == 0);
    out(7, 0xEC);
    CHECK(!irq);
    CHECK(in(7) == 0);
    out(6, 0xA0);
    CHECK(in(7) == (AtaChannel::DRDY | AtaChannel::DSC));
}

TEST_CASE_FIXTURE(AtaFixture, "ATA: SRST leaves the disk signature") {
    lba28(100, 1, 0x20);
    ata->port_write(CTL, 1, AtaChannel::SRST);
    CHECK(alt() == AtaChannel::BSY);
    ata->port_write(CTL, 1, 0);
    CHECK(in(2) == 1);
    CHECK(in(3) == 1);
    CHECK(in(4) == 0);
    CHECK(in(5) == 0);
    CHECK(in(6) == 0xA0);
    CHECK(in(1) == 0x01);
    CHECK(in(7) == (AtaChannel::DRDY | AtaChannel::DSC));
    CHECK(inw() == 0xFFFF);  // the interrupted transfer is gone
}

TEST_CASE_FIXTURE(AtaFixture, "ATA: nIEN gates the IRQ line and reading status clears it") {
    ata->port_write(CTL, 1, AtaChannel::NIEN);
    out(7, 0xE5);  // CHECK POWER MODE
    CHECK(!irq);
    ata->port_write(CTL, 1, 0);
    CHECK(irq);  // still pending once enabled
    alt();
    CHECK(irq);  // alternate status does not acknowledge
    in(7);
    CHECK(!irq);
    CHECK(in(2) == 0xFF);
}

TEST_CASE_FIXTURE(AtaFixture, "ATA: READ MULTIPLE moves blocks of the SET MULTIPLE size") {
    out(6, 0xE0);
    out(7, 0xC4);  // multiple mode not set yet
    CHECK(in(1) == AtaChannel::ABRT);
    out(2, 4);
    out(7, 0xC6);
    CHECK(in(7) == (AtaChannel::DRDY | AtaChannel::DSC));
    lba28(10, 6, 0xC4);
    CHECK(irq);
    in(7);
    for (uint64_t s = 10; s < 14; ++s) check_sector(s);
    CHECK(irq);  // second block (2 sectors)
    in(7);
    check_sector(14);
    check_sector(15);
    CHECK(alt() == (AtaChannel::DRDY | AtaChannel::DSC));
}

TEST_CASE_FIXTURE(AtaFixture, "ATA: SET FEATURES accepts PIO modes only") {
    out(1, 0x03), out(2, 0x0C), out(7, 0xEF);  // PIO mode 4
    CHECK(in(7) == (AtaChannel::DRDY | AtaChannel::DSC));
    out(1, 0x03), out(2, 0x42), out(7, 0xEF);  // UDMA 2: no DMA
    CHECK(in(1) == AtaChannel::ABRT);
}

TEST_CASE("Disk image: size and open errors") {
    TempImage odd(1000);
    CHECK_THROWS_WITH_AS(DiskImage(odd.path, DiskImage::Mode::ReadOnly),
                         ("disk image '" + odd.path +
                          "': size 1000 is not a multiple of 512 bytes").c_str(),
                         std::runtime_error);
    CHECK_THROWS_AS(DiskImage("/nonexistent/jitpc.img", DiskImage::Mode::ReadOnly),
                    std::runtime_error);
    TempImage ok(4096);
    DiskImage img(ok.path, DiskImage::Mode::Snapshot);
    std::vector<uint8_t> buf(512 * 9);
    CHECK(img.sectors() == 8);
    CHECK(!img.read(7, 2, buf.data()));
    CHECK(!img.read(UINT64_MAX, 2, buf.data()));
    CHECK(!img.write(8, 1, buf.data()));
    CHECK(img.read(0, 8, buf.data()));
}
