// The ATAPI CD-ROM on an ATA channel, driven through the ports in the order libata's probe and
// its PIO packet path use them.
#include <doctest/doctest.h>

#include <array>
#include <initializer_list>
#include <string>
#include <memory>
#include <stdexcept>
#include <vector>

#include "devices/ata.h"
#include "machine/machine.h"
#include "tests/unit/temp_file.h"

using namespace jitpc;
using devices::AtaChannel;
using storage::DiskImage;

namespace {

constexpr uint16_t BASE = 0x170, CTL = 0x376;
constexpr uint32_t BLOCKS = 40;
constexpr uint8_t STATUS_PHASE = AtaChannel::IO | AtaChannel::COD;

// Byte j of 2048-byte block b of the image.
uint8_t pattern(uint32_t b, unsigned j) { return uint8_t(b * 13 + j * 3 + (j >> 8)); }

struct CdImage : test::TempFile {
    explicit CdImage(uint64_t bytes = uint64_t(BLOCKS) * 2048)
        : TempFile(bytes, [](uint64_t i) { return pattern(uint32_t(i / 2048), i % 2048); }) {}
};

struct AtapiFixture {
    CdImage file;
    std::unique_ptr<DiskImage> image;
    std::unique_ptr<DiskImage> disk_image;
    std::unique_ptr<AtaChannel> ata;
    bool irq = false;
    std::vector<size_t> chunks;  // byte counts of the data blocks of the last packet

    // The CD as device 0 (alone), or as device 1 behind a disk (the same file read as a disk).
    explicit AtapiFixture(bool behind_disk = false) {
        image = std::make_unique<DiskImage>(file.path, DiskImage::Mode::ReadOnly);
        AtaChannel::Slot cd{image.get(), true};
        if (!behind_disk) {
            ata = std::make_unique<AtaChannel>(BASE, CTL, [this](bool l) { irq = l; }, cd,
                                               nullptr);
            return;
        }
        disk_image = std::make_unique<DiskImage>(file.path, DiskImage::Mode::Snapshot);
        ata = std::make_unique<AtaChannel>(BASE, CTL, [this](bool l) { irq = l; },
                                           disk_image.get(), cd);
    }
    uint8_t in(unsigned reg) { return uint8_t(ata->port_read(uint16_t(BASE + reg), 1)); }
    void out(unsigned reg, uint8_t v) { ata->port_write(uint16_t(BASE + reg), 1, v); }
    uint8_t alt() { return uint8_t(ata->port_read(CTL, 1)); }
    uint16_t inw() { return uint16_t(ata->port_read(BASE, 2)); }
    unsigned byte_count() { return unsigned(in(5)) << 8 | in(4); }

    // Sends one command packet and collects its data-in; returns the final status. Every step
    // is checked against the protocol: packet request without an interrupt, then data blocks
    // within the byte count limit, each with an interrupt, then the status phase.
    uint8_t packet(std::initializer_list<uint8_t> cdb, std::vector<uint8_t>& data,
                   uint16_t limit = 0xFFFE) {
        data.clear();
        chunks.clear();
        out(1, 0);
        out(4, uint8_t(limit)), out(5, uint8_t(limit >> 8));
        out(7, 0xA0);
        CHECK(!irq);
        CHECK(alt() == (AtaChannel::DRDY | AtaChannel::DRQ));
        CHECK(in(2) == AtaChannel::COD);
        std::vector<uint8_t> bytes(cdb);
        bytes.resize(12);
        for (size_t i = 0; i < 12; i += 2)
            ata->port_write(BASE, 2, bytes[i] | bytes[i + 1] << 8);
        for (;;) {
            CHECK(irq);
            uint8_t status = in(7);
            CHECK(!irq);
            if (!(status & AtaChannel::DRQ)) {
                CHECK(in(2) == STATUS_PHASE);
                return status;
            }
            CHECK(in(2) == AtaChannel::IO);
            unsigned n = byte_count();
            REQUIRE(n > 0);
            CHECK(n <= (limit & ~1u));
            chunks.push_back(n);
            for (unsigned i = 0; i < n; i += 2) {
                uint16_t w = inw();
                data.push_back(uint8_t(w));
                if (i + 1 < n) data.push_back(uint8_t(w >> 8));
            }
        }
    }
    // A command expected to end in CHECK CONDITION: returns the sense key, ASC and ASCQ that
    // REQUEST SENSE then reports.
    std::array<uint8_t, 3> failing(std::initializer_list<uint8_t> cdb) {
        std::vector<uint8_t> data;
        uint8_t status = packet(cdb, data);
        CHECK((status & AtaChannel::ERR) != 0);
        uint8_t key = in(1) >> 4;
        CHECK(packet({0x03, 0, 0, 0, 18}, data) == AtaChannel::DRDY);
        REQUIRE(data.size() == 18);
        CHECK(data[0] == 0x70);
        CHECK((data[2] & 0x0F) == key);
        return {data[2], data[12], data[13]};
    }
};

std::vector<uint8_t> bytes(std::initializer_list<uint8_t> b) { return b; }

bool same_block(const uint8_t* p, uint32_t b) {
    for (unsigned j = 0; j < 2048; ++j)
        if (p[j] != pattern(b, j)) return false;
    return true;
}

}  // namespace

TEST_CASE_FIXTURE(AtapiFixture, "ATAPI: packet-device signature after power on, SRST and EDD") {
    auto check = [this] {
        CHECK(in(2) == 1);
        CHECK(in(3) == 1);
        CHECK(in(4) == 0x14);
        CHECK(in(5) == 0xEB);
        CHECK(in(1) == 0x01);
        CHECK(in(7) == 0x00);  // DRDY clear for a packet device
    };
    check();
    out(6, 0xB0);  // the absent device 1: not a second CD-ROM
    CHECK(in(4) == 0x00);
    CHECK(in(5) == 0x00);
    CHECK(in(1) == 0x00);
    CHECK(in(7) == 0x00);
    out(6, 0xA0);
    check();
    out(2, 0x55), out(3, 0xAA);  // a driver's register test overwrites it
    CHECK(in(2) == 0x55);
    ata->port_write(CTL, 1, AtaChannel::SRST);
    CHECK(alt() == AtaChannel::BSY);
    ata->port_write(CTL, 1, 0);
    check();
    out(3, 0);
    out(7, 0x90);
    check();
}

TEST_CASE("ATAPI: a disk and a CD-ROM on one channel each show their own signature") {
    AtapiFixture f(true);
    f.ata->port_write(CTL, 1, AtaChannel::SRST);
    f.ata->port_write(CTL, 1, 0);
    f.out(6, 0xA0);
    CHECK(f.in(4) == 0x00);
    CHECK(f.in(5) == 0x00);
    CHECK(f.in(7) == (AtaChannel::DRDY | AtaChannel::DSC));
    f.out(6, 0xB0);
    CHECK(f.in(2) == 1);
    CHECK(f.in(3) == 1);
    CHECK(f.in(4) == 0x14);
    CHECK(f.in(5) == 0xEB);
    CHECK(f.in(7) == 0x00);
    // The disk still reads; the CD answers packets as device 1.
    std::vector<uint8_t> data;
    CHECK(f.packet({0x25}, data) == AtaChannel::DRDY);
    CHECK(data == std::vector<uint8_t>{0, 0, 0, BLOCKS - 1, 0, 0, 0x08, 0});
}

TEST_CASE_FIXTURE(AtapiFixture, "ATAPI: IDENTIFY DEVICE aborts, IDENTIFY PACKET DEVICE answers") {
    out(4, 0), out(5, 0);
    out(7, 0xEC);
    CHECK(irq);
    CHECK(in(7) == (AtaChannel::DRDY | AtaChannel::ERR));
    CHECK(in(1) == AtaChannel::ABRT);
    CHECK(in(4) == 0x14);
    CHECK(in(5) == 0xEB);

    out(7, 0xA1);
    CHECK(irq);
    CHECK(in(7) == (AtaChannel::DRDY | AtaChannel::DRQ));
    std::vector<uint16_t> id;
    for (int i = 0; i < 256; ++i) id.push_back(inw());
    CHECK(alt() == AtaChannel::DRDY);
    CHECK(id[0] == 0x85C0);
    CHECK(id[27] == ('J' << 8 | 'I'));
    CHECK(id[31] == ('-' << 8 | 'R'));
    CHECK(id[32] == ('O' << 8 | 'M'));
    CHECK(id[33] == 0x2020);
    CHECK(id[23] == ('1' << 8 | '.'));
    CHECK((id[49] & 0x0200) != 0);
    CHECK((id[49] & 0x0100) == 0);  // no DMA ...
    CHECK(id[62] == 0);
    CHECK(id[63] == 0);
    CHECK(id[88] == 0);
    CHECK((id[53] & 0x0004) == 0);  // ... and word 88 not claimed valid
    CHECK(id[64] == 0x0003);
    CHECK((id[82] & 0x0010) != 0);  // PACKET
    CHECK((id[85] & 0x0010) != 0);
    CHECK((id[255] & 0xFF) == 0xA5);
    uint8_t sum = 0;
    for (uint16_t w : id) sum = uint8_t(sum + w + (w >> 8));
    CHECK(sum == 0);
}

TEST_CASE_FIXTURE(AtapiFixture, "ATAPI: SET FEATURES, power modes, DEVICE RESET, DMA refused") {
    out(1, 0x03), out(2, 0x0C), out(7, 0xEF);  // PIO mode 4
    CHECK(in(7) == AtaChannel::DRDY);
    out(1, 0x03), out(2, 0x42), out(7, 0xEF);  // UDMA 2
    CHECK(in(7) == (AtaChannel::DRDY | AtaChannel::ERR));
    out(7, 0xE0);
    out(7, 0xE5);
    CHECK(in(2) == 0x00);
    out(7, 0xE1);
    out(7, 0xE5);
    CHECK(in(2) == 0xFF);
    out(7, 0x20);  // READ SECTORS: not for a packet device
    CHECK(in(7) == (AtaChannel::DRDY | AtaChannel::ERR));
    CHECK(in(1) == AtaChannel::ABRT);
    out(1, 0x01), out(7, 0xA0);  // PACKET with DMA
    CHECK(in(7) == (AtaChannel::DRDY | AtaChannel::ERR));
    CHECK(in(1) == AtaChannel::ABRT);
    irq = false;
    out(7, 0x08);
    CHECK(!irq);
    CHECK(in(4) == 0x14);
    CHECK(in(5) == 0xEB);
    CHECK(in(7) == 0x00);
}

TEST_CASE_FIXTURE(AtapiFixture, "ATAPI: READ(10) across two blocks in byte-count-limited DRQ blocks") {
    std::vector<uint8_t> data;
    CHECK(packet({0x28, 0, 0, 0, 0, 7, 0, 0, 2}, data, 0x0601) == AtaChannel::DRDY);
    CHECK(chunks == std::vector<size_t>{0x600, 0x600, 0x400});
    REQUIRE(data.size() == 4096);
    CHECK(same_block(&data[0], 7));
    CHECK(same_block(&data[2048], 8));
    CHECK(in(1) == 0);

    // READ(12) of the last block, in one DRQ block.
    CHECK(packet({0xA8, 0, 0, 0, 0, BLOCKS - 1, 0, 0, 0, 1}, data) == AtaChannel::DRDY);
    CHECK(chunks == std::vector<size_t>{2048});
    CHECK(same_block(&data[0], BLOCKS - 1));
    // No blocks: no data phase.
    CHECK(packet({0x28, 0, 0, 0, 0, 3, 0, 0, 0}, data) == AtaChannel::DRDY);
    CHECK(data.empty());
}

TEST_CASE_FIXTURE(AtapiFixture, "ATAPI: nIEN masks the packet interrupts") {
    ata->port_write(CTL, 1, AtaChannel::NIEN);
    out(4, 0), out(5, 8);
    out(7, 0xA0);
    for (int i = 0; i < 6; ++i) ata->port_write(BASE, 2, i ? 0 : 0x25);
    CHECK(!irq);
    CHECK(alt() == (AtaChannel::DRDY | AtaChannel::DRQ));
    CHECK(byte_count() == 8);
    for (int i = 0; i < 4; ++i) inw();
    CHECK(!irq);
    CHECK(alt() == AtaChannel::DRDY);
    CHECK(in(2) == STATUS_PHASE);
}

TEST_CASE_FIXTURE(AtapiFixture, "ATAPI: CHECK CONDITION and REQUEST SENSE") {
    std::vector<uint8_t> data;
    CHECK(packet({0xFF}, data) == (AtaChannel::DRDY | AtaChannel::ERR));
    CHECK(in(1) == 0x50);  // ILLEGAL REQUEST in the high nibble
    CHECK(packet({0x03, 0, 0, 0, 96}, data) == AtaChannel::DRDY);
    REQUIRE(data.size() == 18);  // fixed format, whatever the allocation length
    CHECK(data[0] == 0x70);
    CHECK(data[2] == 0x05);
    CHECK(data[7] == 10);
    CHECK(data[12] == 0x20);
    CHECK(data[13] == 0x00);
    // Reported once; then nothing.
    CHECK(packet({0x03, 0, 0, 0, 18}, data) == AtaChannel::DRDY);
    CHECK(data[2] == 0);
    CHECK(data[12] == 0);

    CHECK(failing({0x1A, 0, 0x2A, 0, 64}) == std::array<uint8_t, 3>{5, 0x20, 0});  // MODE SENSE(6)
    CHECK(failing({0x28, 0, 0, 0, 0, BLOCKS - 1, 0, 0, 2}) == std::array<uint8_t, 3>{5, 0x21, 0});
    CHECK(failing({0xA8, 0, 0, 0, 0, BLOCKS, 0, 0, 0, 1}) == std::array<uint8_t, 3>{5, 0x21, 0});
    CHECK(failing({0x12, 1, 0x83, 0, 64}) == std::array<uint8_t, 3>{5, 0x24, 0});
    CHECK(failing({0x1B, 0, 0, 0, 0x02}) == std::array<uint8_t, 3>{5, 0x53, 0x02});  // eject
    // A successful command clears the sense of a failed one.
    CHECK(packet({0xFF}, data) == (AtaChannel::DRDY | AtaChannel::ERR));
    CHECK(packet({0x00}, data) == AtaChannel::DRDY);
    CHECK(packet({0x03, 0, 0, 0, 18}, data) == AtaChannel::DRDY);
    CHECK(data[2] == 0);
}

TEST_CASE_FIXTURE(AtapiFixture, "ATAPI: INQUIRY, READ CAPACITY, MODE SENSE(10), allocation lengths") {
    std::vector<uint8_t> data;
    CHECK(packet({0x12, 0, 0, 0, 36}, data) == AtaChannel::DRDY);
    REQUIRE(data.size() == 36);
    CHECK(data[0] == 0x05);
    CHECK(data[1] == 0x80);
    CHECK(data[3] == 0x02);
    CHECK(data[4] == 31);
    CHECK(std::string(data.begin() + 8, data.begin() + 16) == "JITPC   ");
    CHECK(packet({0x12, 0, 0, 0, 5}, data) == AtaChannel::DRDY);  // odd: last word padded
    CHECK(chunks == std::vector<size_t>{5});
    CHECK(data.size() == 5);
    CHECK(packet({0x12, 1, 0x00, 0, 255}, data) == AtaChannel::DRDY);
    CHECK(data == std::vector<uint8_t>{0x05, 0, 0, 2, 0x00, 0x80});
    CHECK(packet({0x12, 1, 0x80, 0, 255}, data) == AtaChannel::DRDY);
    CHECK(std::string(data.begin() + 4, data.end()) == "JITPC-170-0");  // IDENTIFY's serial
    CHECK(data[3] == 11);

    CHECK(packet({0x25}, data) == AtaChannel::DRDY);
    CHECK(data == std::vector<uint8_t>{0, 0, 0, BLOCKS - 1, 0, 0, 0x08, 0});

    CHECK(packet({0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 128}, data) == AtaChannel::DRDY);
    REQUIRE(data.size() == 30);
    CHECK(data[1] == 28);
    CHECK(data[6] == 0);
    CHECK(data[7] == 0);  // no block descriptors
    CHECK(data[8] == 0x2A);
    CHECK(data[9] == 20);
    CHECK((data[8 + 6] & 0x08) == 0);  // no eject
    CHECK(packet({0x1E, 0, 0, 0, 1}, data) == AtaChannel::DRDY);  // PREVENT
    CHECK(packet({0x5A, 0, 0x3F, 0, 0, 0, 0, 0, 16}, data) == AtaChannel::DRDY);
    REQUIRE(data.size() == 16);
    CHECK(data[8] == 0x2A);
    CHECK((data[8 + 6] & 0x02) != 0);  // locked
    CHECK(failing({0x5A, 0, 0x01, 0, 0, 0, 0, 0, 128}) == std::array<uint8_t, 3>{5, 0x24, 0});
}

TEST_CASE_FIXTURE(AtapiFixture, "ATAPI: READ TOC, GET CONFIGURATION, event status, disc information") {
    std::vector<uint8_t> data;
    CHECK(packet({0x43, 0, 0, 0, 0, 0, 0, 0, 100}, data) == AtaChannel::DRDY);
    CHECK(data == std::vector<uint8_t>{0, 18, 1, 1,                            //
                                       0, 0x14, 1, 0, 0, 0, 0, 0,              // track 1 at 0
                                       0, 0x14, 0xAA, 0, 0, 0, 0, BLOCKS});    // lead-out
    CHECK(packet({0x43, 2, 0, 0, 0, 0, 0, 0, 100}, data) == AtaChannel::DRDY);  // MSF
    REQUIRE(data.size() == 20);
    // 00:02:00 and the lead-out at 150 + BLOCKS frames = 00:02:BLOCKS
    CHECK(std::vector<uint8_t>(data.begin() + 8, data.begin() + 12) == bytes({0, 0, 2, 0}));
    CHECK(std::vector<uint8_t>(data.begin() + 16, data.end()) == bytes({0, 0, 2, BLOCKS}));
    CHECK(packet({0x43, 0, 0, 0, 0, 0, 0xAA, 0, 100}, data) == AtaChannel::DRDY);
    CHECK(data.size() == 12);
    CHECK(data[6] == 0xAA);
    CHECK(packet({0x43, 0, 1, 0, 0, 0, 0, 0, 100}, data) == AtaChannel::DRDY);  // sessions
    CHECK(data == std::vector<uint8_t>{0, 10, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0});
    CHECK(packet({0x43, 0, 0, 0, 0, 0, 0, 0, 12}, data) == AtaChannel::DRDY);  // truncated
    CHECK(data.size() == 12);
    CHECK(data[1] == 18);

    CHECK(packet({0x46, 0, 0, 0, 0, 0, 0, 0, 255}, data) == AtaChannel::DRDY);
    REQUIRE(data.size() == 8 + 8 + 8);
    CHECK(data[3] == 20);
    CHECK(data[7] == 0x08);  // current profile CD-ROM
    // The profile list: feature 0000h, current and persistent, one descriptor (0008h, current).
    CHECK(std::vector<uint8_t>(data.begin() + 8, data.begin() + 16) ==
          bytes({0, 0, 0x03, 4, 0, 0x08, 0x01, 0}));
    CHECK(packet({0x46, 2, 0, 0x20, 0, 0, 0, 0, 255}, data) == AtaChannel::DRDY);
    CHECK(data.size() == 8);  // random writable: absent
    CHECK(packet({0x46, 2, 0, 0x01, 0, 0, 0, 0, 255}, data) == AtaChannel::DRDY);
    CHECK(data == bytes({0, 0, 0, 12, 0, 0, 0, 0x08, 0, 0x01, 0x03, 4, 0, 0, 0, 2}));  // core: ATAPI

    CHECK(packet({0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8}, data) == AtaChannel::DRDY);
    CHECK(data == std::vector<uint8_t>{0, 6, 0x04, 0x10, 0, 0x02, 0, 0});
    CHECK(failing({0x4A, 0, 0, 0, 0x10, 0, 0, 0, 8}) == std::array<uint8_t, 3>{5, 0x24, 0});

    CHECK(packet({0x51, 0, 0, 0, 0, 0, 0, 0, 34}, data) == AtaChannel::DRDY);
    REQUIRE(data.size() == 34);
    CHECK(data[2] == 0x0E);
    CHECK(packet({0xBD, 0, 0, 0, 0, 0, 0, 0, 0, 8}, data) == AtaChannel::DRDY);
    CHECK(data.size() == 8);
    CHECK(packet({0xBB, 0, 0xFF, 0xFF}, data) == AtaChannel::DRDY);
    CHECK(packet({0x1B, 0, 0, 0, 0x01}, data) == AtaChannel::DRDY);  // start
}

TEST_CASE("ATAPI: a CD-ROM image must be whole 2048-byte blocks") {
    CdImage odd(2048 * 3 + 512);
    DiskImage image(odd.path, DiskImage::Mode::ReadOnly);
    CHECK_THROWS_AS(AtaChannel(BASE, CTL, [](bool) {}, {&image, true}, nullptr),
                    std::runtime_error);
    CHECK_NOTHROW(AtaChannel(BASE, CTL, [](bool) {}, {&image, false}, nullptr));
}

TEST_CASE("ATAPI: the machine puts a -drive media=cdrom in its IDE slot") {
    CdImage file;
    machine::Config cfg;
    cfg.ram_bytes = 4 << 20;
    cfg.debugcon = nullptr;
    cfg.drives.push_back({file.path, machine::DriveConfig::Interface::Ide, true, 2, false});
    machine::Machine m(cfg);
    // Secondary master: the packet signature; the primary channel is empty.
    CHECK(m.bus.io_read(0x174, 1) == 0x14);
    CHECK(m.bus.io_read(0x175, 1) == 0xEB);
    CHECK(m.bus.io_read(0x1F7, 1) == 0x00);
    m.bus.io_write(0x176, 1, 0xA0);
    m.bus.io_write(0x177, 1, 0xA1);  // IDENTIFY PACKET DEVICE
    m.bus.io_write(0xA0, 1, 0x0A);   // OCW3: read the slave 8259's IRR
    CHECK((m.bus.io_read(0xA0, 1) & 0x80) != 0);  // IRQ 15
    CHECK(m.bus.io_read(0x177, 1) == (AtaChannel::DRDY | AtaChannel::DRQ));
    CHECK(m.bus.io_read(0x170, 2) == 0x85C0);

    CdImage odd(2048 * 2 + 1024);
    cfg.drives[0].path = odd.path;
    CHECK_THROWS_WITH_AS(machine::Machine{cfg},
                         doctest::Contains("not a positive whole number of 2048-byte blocks"),
                         std::runtime_error);
}
