// The physical map beyond 4 GiB: nothing wraps, MMIO answers anywhere below MAXPHYADDR, and
// unmapped space reads all-ones.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "memory/physmem.h"

using namespace jitpc;
using memory::PhysAddr;

namespace {

struct Recorder : memory::MmioDevice {
    std::vector<PhysAddr> offsets;
    uint32_t mmio_read(PhysAddr offset, unsigned) override {
        offsets.push_back(offset);
        return 0x11223344;
    }
    void mmio_write(PhysAddr offset, unsigned, uint32_t) override { offsets.push_back(offset); }
};

}  // namespace

TEST_CASE("bulk copies across 4 GiB reach what lies above, never RAM at 0") {
    memory::PhysMemory mem(1 << 20);
    std::vector<uint8_t> rom(4096, 0xAB);
    mem.map_rom(0xFFFFF000, rom);
    uint8_t buf[8192];
    std::memset(buf, 0, sizeof buf);
    mem.read_bytes(0xFFFFF000, buf, sizeof buf);
    CHECK(buf[4095] == 0xAB);
    CHECK(buf[4096] == 0xFF);  // unmapped above 4 GiB, not RAM page 0 (which holds zeros)
    CHECK(buf[8191] == 0xFF);
    const uint8_t ones[8192] = {};
    std::memset(buf, 0x5A, sizeof buf);
    mem.write_bytes(0xFFFFF000, buf, sizeof buf);  // ROM drops it, nothing lands at 0
    uint8_t low[4096];
    mem.read_bytes(0, low, sizeof low);
    CHECK(std::memcmp(low, ones, sizeof low) == 0);
    CHECK(mem.read(0x100000000ull, 4) == 0xFFFFFFFFu);
}

TEST_CASE("MMIO above 4 GiB and at the top of the physical address space") {
    memory::PhysMemory mem(1 << 20);
    Recorder dev;
    mem.map_mmio(0x100000000ull, 0x2000, &dev);
    mem.map_mmio(memory::PHYS_LIMIT - 0x1000, 0x1000, &dev);
    CHECK(mem.read(0x100001004ull, 4) == 0x11223344u);
    mem.write(memory::PHYS_LIMIT - 4, 4, 7);
    REQUIRE(dev.offsets.size() == 2);
    CHECK(dev.offsets[0] == 0x1004);
    CHECK(dev.offsets[1] == 0xFFC);
    CHECK(mem.read(0x4, 4) == 0);  // RAM at 0 is untouched
    CHECK(mem.read(memory::PHYS_LIMIT, 4) == 0xFFFFFFFFu);  // past MAXPHYADDR: nothing
    CHECK_THROWS(mem.map_mmio(memory::PHYS_LIMIT, 0x1000, &dev));
}

TEST_CASE("an MMIO overlay hides RAM or a device and gives it back, dropping code and translations") {
    memory::PhysMemory mem(1 << 20);
    Recorder apic, other;
    unsigned remaps = 0;
    std::vector<PhysAddr> code_writes;
    mem.on_remap = [&] { ++remaps; };
    mem.on_code_write = [&](PhysAddr p, uint32_t n) { code_writes.push_back(p + n); };
    mem.write(0x8000, 4, 0xCAFE);
    mem.set_code_mask(0x8000, 1);
    mem.overlay_mmio(0x8000, &apic);
    CHECK(mem.read(0x8010, 4) == 0x11223344u);
    CHECK(remaps == 1);
    CHECK(code_writes == std::vector<PhysAddr>{0x9000});  // the page's decoded code went
    mem.remove_overlay(0x8000);
    CHECK(mem.read(0x8000, 4) == 0xCAFE);  // the RAM beneath, unchanged
    CHECK(remaps == 2);
    mem.map_mmio(0x100000000ull, 0x1000, &other);
    mem.overlay_mmio(0x100000000ull, &apic);
    mem.write(0x100000008ull, 4, 1);
    mem.remove_overlay(0x100000000ull);
    mem.write(0x10000000Cull, 4, 1);
    CHECK(apic.offsets.back() == 0x8);
    CHECK(other.offsets == std::vector<PhysAddr>{0xC});  // the device beneath answers again
}
