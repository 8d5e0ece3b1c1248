// MMU and TLB rules that guest code relies on without flushing everything.
#include <doctest/doctest.h>

#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using cpu::ACC_READ;

namespace {

constexpr uint32_t PD = 0x20000, PT = 0x21000;
constexpr uint32_t P = 1, W = 2, PS = 0x80;

struct PagingFixture : test::CpuFixture {
    PagingFixture() {
        flat32();
        cpu.cr3 = PD;
        cpu.cr4 |= cpu::cr4::PSE;
        cpu.cr0 |= cpu::cr0::PG;
        cpu.mmu.flush_all();
    }
    void pde(uint32_t lin, uint32_t v) { mem.write(PD + (lin >> 22) * 4, 4, v); }
};

}  // namespace

TEST_CASE_FIXTURE(PagingFixture, "INVLPG inside a 4 MiB page above linear 0 drops all of it") {
    pde(0x800000, 0x000000 | P | W | PS);
    CHECK(cpu.mmu.translate(0x801234, ACC_READ, false) == 0x001234);
    CHECK(cpu.mmu.translate(0xBFF000, ACC_READ, false) == 0x3FF000);
    // Remapped to a page table without a flush: the TLB still holds both pieces.
    pde(0x800000, PT | P | W);
    mem.write(PT + 1 * 4, 4, 0x500000 | P | W);
    mem.write(PT + 0x3FF * 4, 4, 0x600000 | P | W);
    CHECK(cpu.mmu.translate(0x801234, ACC_READ, false) == 0x001234);
    cpu.mmu.invlpg(0xA00000);
    CHECK(cpu.mmu.translate(0x801234, ACC_READ, false) == 0x500234);
    CHECK(cpu.mmu.translate(0xBFF000, ACC_READ, false) == 0x600000);
}

TEST_CASE_FIXTURE(PagingFixture, "MOV CR3 drops non-global entries and keeps global ones, whose large pages INVLPG still finds") {
    constexpr uint32_t G = 0x100;
    cpu.cr4 |= cpu::cr4::PGE;
    cpu.mmu.flush_all();
    pde(0xC00000, 0x000000 | P | W | PS | G);
    pde(0x400000, PT | P | W);
    mem.write(PT + 5 * 4, 4, 0x700000 | P | W);
    CHECK(cpu.mmu.translate(0xC01234, ACC_READ, false) == 0x001234);
    CHECK(cpu.mmu.translate(0x405000, ACC_READ, false) == 0x700000);
    // Both changed without INVLPG: the TLB keeps the old translations until MOV CR3.
    pde(0xC00000, 0x800000 | P | W | PS | G);
    mem.write(PT + 5 * 4, 4, 0x900000 | P | W);
    CHECK(cpu.mmu.translate(0xC01234, ACC_READ, false) == 0x001234);
    CHECK(cpu.mmu.translate(0x405000, ACC_READ, false) == 0x700000);
    REQUIRE(cpu.mmu.load_cr3(PD));
    CHECK(cpu.mmu.translate(0xC01234, ACC_READ, false) == 0x001234);  // global: kept
    CHECK(cpu.mmu.translate(0x405000, ACC_READ, false) == 0x900000);
    // INVLPG at the other end of the global 4 MiB page (another TLB index) drops it too.
    cpu.mmu.invlpg(0xFFF000);
    CHECK(cpu.mmu.translate(0xC01234, ACC_READ, false) == 0x801234);
}

TEST_CASE_FIXTURE(PagingFixture, "pages 4 MiB apart, a stack and data in a loop, do not evict each other") {
    pde(0x08000000, PT | P | W);
    pde(0xBF800000, PT | P | W);  // the same page table: only the TLB tells the pages apart
    mem.write(PT + 0x23E * 4, 4, 0x300000 | P | W);
    CHECK(cpu.mmu.translate(0x0823E000, ACC_READ, false) == 0x300000);
    CHECK(cpu.mmu.translate(0xBFA3E000, ACC_READ, false) == 0x300000);
    const uint64_t walks = cpu.mmu.stats.walks;
    for (int k = 0; k < 10; ++k) {
        CHECK(cpu.mmu.translate(0x0823E000, ACC_READ, false) == 0x300000);
        CHECK(cpu.mmu.translate(0xBFA3E000, ACC_READ, false) == 0x300000);
    }
    CHECK(cpu.mmu.stats.walks == walks);
}
