// Dirty-page tracking (memory/physmem.h): every way a write reaches RAM marks its page — the
// JIT's inline store through a TLB entry made before the marks were cleared, a device's DMA,
// a BIOS service — and reads mark nothing.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "bios/fw_cfg_files.h"
#include "devices/fw_cfg.h"
#include "jit/engine.h"
#include "tests/unit/boot_sector_fixture.h"
#include "tests/unit/cpu_fixture.h"

using namespace jitpc;

namespace {

using Pages = std::vector<uint64_t>;

}  // namespace

TEST_CASE("a translated block's inline store marks its page after the marks were cleared") {
    test::CpuFixture f;
    jit::Engine engine{f.cpu};
    f.interp.native = &engine;
    f.flat32();
    // mov ecx, 200; L: mov eax, [0x31000]; mov [0x30000], ecx; dec ecx; jnz L; hlt
    f.load({0xB9, 200, 0, 0, 0, 0xA1, 0x00, 0x10, 0x03, 0x00, 0x89, 0x0D, 0x00, 0x00, 0x03, 0x00, 0x49, 0x75, 0xF2,
            0xF4});
    REQUIRE(f.run(1000) == cpu::StopReason::Halted);
    REQUIRE(engine.blocks_translated > 0);
    CHECK(f.mem.take_dirty() == Pages{0x10, 0x30});  // the code loaded, then the stores
    // The loop's block is translated: its store goes inline through the TLB entry it used before.
    f.cpu.rip = test::CpuFixture::CODE;
    f.cpu.halted = 0;
    const uint64_t before = engine.blocks_translated;
    REQUIRE(f.run(1000) == cpu::StopReason::Halted);
    CHECK(engine.blocks_translated == before);
    CHECK(f.mem.take_dirty() == Pages{0x30});
    CHECK(f.mem.take_dirty().empty());
}

TEST_CASE("fw_cfg DMA marks the pages it writes") {
    memory::PhysMemory mem{16u << 20};
    devices::FwCfg fw{mem};
    bios::fill_fw_cfg(fw, {{16u << 20, 0}, "cad", {true, false, true, false}, {false, false, true, false}, 0x3F8, {}});
    // The DMA structure at 0x1000 (big-endian): select the signature, read 4 bytes to 0x5000.
    const uint8_t request[16] = {0, uint8_t(devices::FwCfg::SIGNATURE), 0, 0x0A, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0x50, 0};
    mem.write_bytes(0x1000, request, sizeof request);
    mem.take_dirty();
    fw.port_write(0x514, 4, 0);
    fw.port_write(0x518, 4, __builtin_bswap32(0x1000));
    REQUIRE(mem.ram()[0x5000] == 'Q');
    CHECK(mem.take_dirty() == Pages{0x1, 0x5});  // the status written back, the data
}

TEST_CASE("a BIOS service's write marks the page it wrote") {
    test::Asm16 a;
    // mov ax, 0x7000; mov es, ax; xor di, di; xor ebx, ebx; mov eax, 0xE820; mov ecx, 20;
    // mov edx, 'SMAP'; int 15h: the first memory-map entry at 0x70000.
    a.bytes({0xB8, 0x00, 0x70, 0x8E, 0xC0, 0x31, 0xFF, 0x66, 0x31, 0xDB, 0x66, 0xB8, 0x20, 0xE8, 0, 0, 0x66, 0xB9, 20, 0,
             0, 0, 0x66, 0xBA, 0x50, 0x41, 0x4D, 0x53});
    a.intr(0x15).exit();
    test::BootSectorMachine b(a);
    REQUIRE(b.run() == test::BootSectorMachine::PASSED);
    REQUIRE(b.rd<uint32_t>(0x70008) != 0);  // the entry's length
    const Pages dirty = b.m->mem.take_dirty();
    CHECK(std::find(dirty.begin(), dirty.end(), 0x70) != dirty.end());
}
