// The page walker on its own: PAE and 4-level paging, their reserved bits, rights, NX, and the
// accessed and dirty bits it sets.
#include <doctest/doctest.h>

#include "cpu/fault.h"
#include "cpu/mmu/walk.h"
#include "cpu/state.h"

using namespace jitpc;
using namespace jitpc::cpu;

namespace {

constexpr uint64_t P = pte::P, W = pte::W, U = pte::U, A = pte::A, D = pte::D, PS = pte::PS, G = pte::G,
                   NX = pte::NX;
constexpr uint32_t PDPT = 0x1000, PD = 0x2000, PT = 0x3000, PML4 = 0x4000, PDPT4 = 0x5000, PD4 = 0x6000,
                   PT4 = 0x7000;

struct WalkFixture {
    memory::PhysMemory mem{16 << 20};
    PageWalker walker{mem};
    uint64_t pdpte[4] = {};
    PagingRegs regs;
    Walk w{};
    uint32_t error = 0;

    WalkFixture() {
        regs.cr0 = cr0::PG | cr0::PE | cr0::WP;
        regs.cr4 = cr4::PAE;
        regs.cr3 = PDPT;
        regs.pdpte = pdpte;
        regs.phys_bits = 40;
        set(PDPT, PD | P);
        set(PD, PT | P | W | U);
        set(PT + 5 * 8, 0x50000 | P | W | U);     // 0x5000 → 0x50000, user, writable
        set(PT + 6 * 8, 0x60000 | P);             // 0x6000: supervisor, read-only
        set(PD + 1 * 8, 0x400000 | P | W | PS);   // 0x200000: a 2 MiB page at 4 MiB
        load();
    }
    void set(uint64_t at, uint64_t v) {
        mem.write(at, 4, uint32_t(v));
        mem.write(at + 4, 4, uint32_t(v >> 32));
    }
    uint64_t get(uint64_t at) { return mem.read(at, 4) | uint64_t(mem.read(at + 4, 4)) << 32; }
    bool load() { return walker.load_pdptes(regs, regs.cr3, pdpte); }
    bool go(uint64_t lin, Access acc, bool user = false) { return walker.walk(regs, lin, acc, user, w, error); }
    // The #PF error code of a walk that must fault.
    uint32_t fault(uint64_t lin, Access acc, bool user = false) {
        REQUIRE_FALSE(go(lin, acc, user));
        return error;
    }
    void long_mode() {
        regs.lma = true;
        regs.cr3 = PML4;
        set(PML4 + 0xFF * 8, PDPT4 | P | W | U);  // linear 0x7F80_0000_0000
        set(PDPT4 + 1 * 8, PD4 | P | W | U);
        set(PD4 + 2 * 8, PT4 | P | W | U);
        set(PT4 + 3 * 8, 0x70000 | P | W | U);
    }
};

constexpr uint64_t LONG_LIN = 0x7F8000000000ull | (1ull << 30) | (2ull << 21) | (3ull << 12);

}  // namespace

TEST_CASE_FIXTURE(WalkFixture, "PAE: 4 KiB and 2 MiB pages, accessed and dirty bits") {
    REQUIRE(go(0x5123, ACC_READ));
    CHECK(w.phys == 0x50000);
    CHECK(w.large == LARGE_NONE);
    CHECK((get(PD) & A) != 0);
    CHECK((get(PT + 5 * 8) & (A | D)) == A);  // D only on a write
    CHECK_FALSE(w.dirty);
    REQUIRE(go(0x5123, ACC_WRITE));
    CHECK((get(PT + 5 * 8) & D) != 0);
    CHECK(w.dirty);
    REQUIRE(go(0x3FF234, ACC_READ));
    CHECK(w.phys == 0x5FF000);
    CHECK(w.large == (0x200000 | LARGE_2M));
    CHECK((get(PD + 8) & (A | D)) == A);
}

TEST_CASE_FIXTURE(WalkFixture, "PAE: #PF error codes for P, W/R and U/S; CR0.WP") {
    CHECK(fault(0x9000, ACC_READ) == 0);                    // not present
    CHECK(fault(0x9000, ACC_WRITE, true) == (pf::W | pf::U));
    CHECK(fault(0x40000000, ACC_READ) == 0);                // PDPTE 1 not present
    CHECK(fault(0x6000, ACC_READ, true) == (pf::P | pf::U));  // user on a supervisor page
    CHECK(fault(0x6000, ACC_WRITE) == (pf::P | pf::W));     // read-only with WP
    regs.cr0 &= ~cr0::WP;
    CHECK(go(0x6000, ACC_WRITE));
    CHECK(w.writable);
    CHECK(go(0x6000, ACC_READ));
    set(PD, PT | P | U);  // the PDE takes W away from the whole table
    CHECK(fault(0x5000, ACC_WRITE, true) == (pf::P | pf::W | pf::U));
}

TEST_CASE_FIXTURE(WalkFixture, "PAE: reserved bits give RSVD, but never on a not-present entry") {
    set(PT + 7 * 8, 0x7FFFFFFF00000000ull);  // L1TF-style inverted high bits, P clear
    CHECK(fault(0x7000, ACC_READ) == 0);
    set(PT + 7 * 8, (1ull << 40) | 0x70000 | P);  // above MAXPHYADDR
    CHECK(fault(0x7000, ACC_WRITE) == (pf::P | pf::RSVD | pf::W));
    set(PT + 7 * 8, (1ull << 55) | 0x70000 | P);  // 62:52 are reserved under PAE paging
    CHECK(fault(0x7000, ACC_READ) == (pf::P | pf::RSVD));
    set(PD + 1 * 8, 0x400000 | (1u << 13) | P | PS);  // 2 MiB page: bits 20:13
    CHECK(fault(0x200000, ACC_READ, true) == (pf::P | pf::RSVD | pf::U));
    set(PT + 7 * 8, NX | 0x70000 | P);  // NX without EFER.NXE
    CHECK(fault(0x7000, ACC_READ) == (pf::P | pf::RSVD));
    // The accessed bits of a walk that faults stay as they were.
    CHECK((get(PT + 7 * 8) & A) == 0);
}

TEST_CASE_FIXTURE(WalkFixture, "PAE: NX with EFER.NXE, and the I/D bit") {
    regs.nxe = true;
    set(PT + 7 * 8, NX | 0x70000 | P | W);
    REQUIRE(go(0x7000, ACC_READ));
    CHECK_FALSE(w.executable);
    CHECK(fault(0x7000, ACC_EXEC) == (pf::P | pf::I));
    CHECK(fault(0x9000, ACC_EXEC, true) == (pf::I | pf::U));  // not present, a fetch
    set(PD, NX | PT | P | W | U);  // NX in the PDE covers the table
    CHECK(fault(0x5000, ACC_EXEC, true) == (pf::P | pf::I | pf::U));
    REQUIRE(go(0x5000, ACC_WRITE, true));
    regs.nxe = false;  // without NXE a fetch fault has no I/D bit
    set(PD, PT | P | W | U);
    CHECK(fault(0x9000, ACC_EXEC) == 0);
    REQUIRE(go(0x5000, ACC_EXEC));
    CHECK(w.executable);
}

TEST_CASE_FIXTURE(WalkFixture, "PAE: global pages only with CR4.PGE") {
    set(PT + 5 * 8, 0x50000 | P | W | U | G);
    REQUIRE(go(0x5000, ACC_READ));
    CHECK_FALSE(w.global);
    regs.cr4 |= cr4::PGE;
    REQUIRE(go(0x5000, ACC_READ));
    CHECK(w.global);
}

TEST_CASE_FIXTURE(WalkFixture, "PAE: the PDPTE load refuses reserved bits of present entries only") {
    CHECK(pdpte[0] == (PD | P));
    set(PDPT + 8, PD | P | 2);  // bit 1
    CHECK_FALSE(load());
    set(PDPT + 8, PD | P | 0x100);  // bit 8
    CHECK_FALSE(load());
    set(PDPT + 8, PD | P | NX);
    CHECK_FALSE(load());
    set(PDPT + 8, PD | P | (1ull << 40));
    CHECK_FALSE(load());
    set(PDPT + 8, 0xFFFFFFFFFFFFFFFEull);  // not present: anything goes
    CHECK(load());
    set(PDPT + 8, PD | P | 0x18 | 0xE00);  // PWT, PCD and the ignored bits 11:9
    CHECK(load());
    // CR3 addresses the table with bits 31:5.
    set(0x1020, 0x8000 | P);
    CHECK(walker.load_pdptes(regs, 0x1020, pdpte));
    CHECK(pdpte[0] == (0x8000 | P));
}

TEST_CASE_FIXTURE(WalkFixture, "4-level: a 48-bit address, A and D at every level") {
    long_mode();
    REQUIRE(go(LONG_LIN | 0x456, ACC_WRITE, true));
    CHECK(w.phys == 0x70000);
    for (uint64_t at : {PML4 + 0xFF * 8, PDPT4 + 8, PD4 + 2 * 8}) CHECK((get(at) & (A | D)) == A);
    CHECK((get(PT4 + 3 * 8) & (A | D)) == (A | D));
    // 62:52 are ignored, not reserved, under 4-level paging.
    set(PT4 + 3 * 8, (1ull << 55) | 0x70000 | P);
    CHECK(go(LONG_LIN, ACC_READ));
    // The same address's low 32 bits mean nothing without its high ones.
    CHECK(fault(LONG_LIN & 0xFFFFFFFF, ACC_READ) == 0);
}

TEST_CASE_FIXTURE(WalkFixture, "4-level: 1 GiB and 2 MiB pages, PS reserved in the PML4") {
    long_mode();
    set(PDPT4 + 8, 0x40000000 | P | W | PS);
    CHECK(fault(LONG_LIN, ACC_READ) == (pf::P | pf::RSVD));  // no PDPE1GB on the model
    regs.pdpe1gb = true;
    REQUIRE(go(LONG_LIN, ACC_READ));
    CHECK(w.phys == 0x40000000 + (2u << 21) + (3u << 12));
    CHECK(w.large == ((LONG_LIN & ~((1ull << 30) - 1)) | LARGE_1G));
    set(PDPT4 + 8, 0x40000000 | (1u << 20) | P | PS);  // bits 29:13 of a 1 GiB page
    CHECK(fault(LONG_LIN, ACC_READ) == (pf::P | pf::RSVD));
    set(PDPT4 + 8, PD4 | P | W | U);
    set(PD4 + 2 * 8, 0x600000 | P | W | U | PS);
    REQUIRE(go(LONG_LIN, ACC_READ, true));
    CHECK(w.phys == 0x603000);
    set(PML4 + 0xFF * 8, PDPT4 | P | W | U | PS);
    CHECK(fault(LONG_LIN, ACC_READ) == (pf::P | pf::RSVD));
}
