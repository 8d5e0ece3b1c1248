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
