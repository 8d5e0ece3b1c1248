// The fw_cfg device as SeaBIOS drives it (selector and data ports, the DMA structure, the file
// directory), and the files jitpc puts there: following etc/table-loader as a firmware does must
// give byte for byte the ACPI tables the built-in BIOS installs at the same address.
#include <doctest/doctest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "bios/acpi_tables.h"
#include "bios/fw_cfg_files.h"
#include "devices/fw_cfg.h"

using namespace jitpc;
using devices::FwCfg;

namespace {

uint64_t le(const std::vector<uint8_t>& b, size_t at, unsigned n) {
    uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i) v |= uint64_t(b.at(at + i)) << (8 * i);
    return v;
}
uint64_t be(const std::vector<uint8_t>& b, size_t at, unsigned n) {
    uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i) v = v << 8 | b.at(at + i);
    return v;
}

struct FwCfgFixture {
    memory::PhysMemory mem{16u << 20};
    FwCfg fw{mem};
    FwCfgFixture() {
        bios::fill_fw_cfg(fw, {{128u << 20, 0}, "cad", {true, false, true, false}, {false, false, true, false}, 0x3F8, {}});
    }
    std::vector<uint8_t> read(uint16_t key, size_t n) {
        fw.port_write(0x510, 2, key);
        std::vector<uint8_t> out(n);
        for (auto& b : out) b = uint8_t(fw.port_read(0x511, 1));
        return out;
    }
    // The directory as name -> (key, size).
    std::map<std::string, std::pair<uint16_t, uint32_t>> files() {
        const uint32_t count = uint32_t(be(read(FwCfg::FILE_DIR, 4), 0, 4));
        const std::vector<uint8_t> dir = read(FwCfg::FILE_DIR, 4 + 64 * count);
        std::map<std::string, std::pair<uint16_t, uint32_t>> out;
        for (uint32_t i = 0; i < count; ++i) {
            const size_t e = 4 + 64 * i;
            out[reinterpret_cast<const char*>(&dir[e + 8])] = {uint16_t(be(dir, e + 4, 2)), uint32_t(be(dir, e, 4))};
        }
        return out;
    }
    std::vector<uint8_t> file(const std::string& name) {
        auto f = files().at(name);
        return read(f.first, f.second);
    }
    // Writes the DMA structure at `at` and hands its address over as SeaBIOS does: the high
    // half at 0x514, then the low half at 0x518, each a big-endian dword.
    uint32_t dma(uint32_t at, uint32_t control, uint32_t length, uint32_t target) {
        uint8_t s[16] = {};
        for (int i = 0; i < 4; ++i) {
            s[i] = uint8_t(control >> (24 - 8 * i));
            s[4 + i] = uint8_t(length >> (24 - 8 * i));
            s[12 + i] = uint8_t(target >> (24 - 8 * i));
        }
        mem.write_bytes(at, s, sizeof s);
        fw.port_write(0x514, 4, 0);
        fw.port_write(0x518, 4, __builtin_bswap32(at));
        uint8_t c[4];
        mem.read_bytes(at, c, 4);
        return uint32_t(c[0]) << 24 | c[1] << 16 | c[2] << 8 | c[3];
    }
};

}  // namespace

TEST_CASE_FIXTURE(FwCfgFixture, "signature, ID with DMA, and the DMA register's signature") {
    const auto sig = read(FwCfg::SIGNATURE, 5);
    CHECK(std::string(sig.begin(), sig.begin() + 4) == "QEMU");
    CHECK(sig[4] == 0);  // past the end: zeros
    CHECK(le(read(FwCfg::ID, 4), 0, 4) == 3);
    CHECK(fw.port_read(0x514, 4) == 0x554D4551u);  // "QEMU" in port order
    CHECK(fw.port_read(0x518, 4) == 0x47464320u);  // " CFG"
    CHECK(le(read(0x1234, 2), 0, 2) == 0);         // an unknown key reads zeros
}

TEST_CASE_FIXTURE(FwCfgFixture, "DMA select, read, skip, zero fill and refused write") {
    const uint16_t key = files().at("etc/e820").first;
    CHECK(dma(0x1000, uint32_t(key) << 16 | 0x08 | 0x02, 8, 0x2000) == 0);
    CHECK(le(std::vector<uint8_t>(mem.ram() + 0x2000, mem.ram() + 0x2008), 0, 8) == 0);  // base
    CHECK(dma(0x1000, 0x02, 8, 0x2000) == 0);  // continues at offset 8: the length
    CHECK(le(std::vector<uint8_t>(mem.ram() + 0x2000, mem.ram() + 0x2008), 0, 8) == (128u << 20));
    CHECK(dma(0x1000, 0x04, 2, 0) == 0);  // skip 2 of the type's 4 bytes
    std::memset(mem.ram() + 0x3000, 0xEE, 8);
    CHECK(dma(0x1000, 0x02, 8, 0x3000) == 0);  // 2 bytes left, then zeros
    for (int i = 0; i < 8; ++i) CHECK(mem.ram()[0x3000 + i] == 0);
    CHECK(dma(0x1000, uint32_t(key) << 16 | 0x08 | 0x10, 4, 0x2000) == 1);  // write: error
}

TEST_CASE_FIXTURE(FwCfgFixture, "memory map, boot order and serial console files") {
    const auto e820 = file("etc/e820");
    REQUIRE(e820.size() == 20);
    CHECK(le(e820, 0, 8) == 0);
    CHECK(le(e820, 8, 8) == (128u << 20));
    CHECK(le(e820, 16, 4) == 1);
    const auto order = file("bootorder");
    CHECK(std::string(reinterpret_cast<const char*>(order.data())) ==
          "/pci@i0cf8/ide@1,1/drive@0/disk@0\n/pci@i0cf8/ide@1,1/drive@1/disk@0");
    CHECK(le(file("etc/sercon-port"), 0, 2) == 0x3F8);
}

TEST_CASE_FIXTURE(FwCfgFixture, "following etc/table-loader gives the built-in BIOS's ACPI tables") {
    constexpr uint32_t HIGH = 0x07FF0000, FSEG = 0xF5A40;
    std::map<std::string, std::vector<uint8_t>> blobs;
    std::map<std::string, uint32_t> placed;
    const auto loader = file("etc/table-loader");
    REQUIRE(loader.size() % 128 == 0);
    auto name = [&](size_t at) { return std::string(reinterpret_cast<const char*>(&loader[at])); };
    for (size_t c = 0; c < loader.size(); c += 128) {
        switch (le(loader, c, 4)) {
        case 1: {  // allocate
            const std::string f = name(c + 4);
            const uint8_t zone = loader[c + 64];
            blobs[f] = file(f);
            placed[f] = zone == 2 ? FSEG : HIGH;
            CHECK(placed[f] % le(loader, c + 60, 4) == 0);
            break;
        }
        case 2: {  // add pointer
            auto& dest = blobs.at(name(c + 4));
            const uint32_t off = uint32_t(le(loader, c + 116, 4));
            const unsigned size = loader[c + 120];
            uint64_t v = le(dest, off, size) + placed.at(name(c + 60));
            for (unsigned i = 0; i < size; ++i) dest.at(off + i) = uint8_t(v >> (8 * i));
            break;
        }
        case 3: {  // add checksum
            auto& f = blobs.at(name(c + 4));
            const uint32_t at = uint32_t(le(loader, c + 60, 4)), start = uint32_t(le(loader, c + 64, 4));
            uint8_t sum = 0;
            for (uint32_t i = 0; i < le(loader, c + 68, 4); ++i) sum = uint8_t(sum + f.at(start + i));
            f.at(at) = uint8_t(f.at(at) - sum);
            break;
        }
        default: FAIL("unknown loader command");
        }
    }
    const bios::AcpiTables want = bios::build_acpi(HIGH);
    CHECK(blobs.at("etc/acpi/tables") == want.bytes);
    CHECK(blobs.at("etc/acpi/rsdp") == bios::rsdp(want.rsdt));
}
