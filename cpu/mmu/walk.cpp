#include "cpu/mmu/walk.h"

#include "cpu/fault.h"
#include "cpu/state.h"

namespace jitpc::cpu {

namespace {

// The address bits of a 64-bit entry (MAXPHYADDR-1:12).
uint64_t addr_mask(const PagingRegs& r) { return ((1ull << r.phys_bits) - 1) & ~uint64_t(0xFFF); }
// Reserved in every PAE entry: bits 62:MAXPHYADDR; under 4-level paging only 51:MAXPHYADDR
// (62:52 are ignored there). Bit 63 (NX) is reserved too while EFER.NXE is clear.
uint64_t rsvd_entry(const PagingRegs& r) {
    const uint64_t above = ~((1ull << r.phys_bits) - 1) & ~pte::NX;
    return (r.lma ? above & ((1ull << 52) - 1) : above) | (r.nxe ? 0 : pte::NX);
}
// A large page's address starts above its PAT bit (12): 2 MiB pages reserve bits 20:13,
// 1 GiB pages 29:13; 4 MiB pages of 32-bit paging reserve 21:13 without PSE-36.
constexpr uint64_t RSVD_2M = 0x1FE000, RSVD_1G = 0x3FFFE000;
constexpr uint32_t RSVD_4M = 0x003FE000;
// PDPTE bits 1-2 and 5-8 under PAE paging.
constexpr uint64_t RSVD_PDPTE = 0x1E6;

}  // namespace

uint64_t PageWalker::read_entry(const PagingRegs& r, PhysAddr a, bool wide) const {
    a = a20(r, a);
    return wide ? pm_.read64(a) : pm_.read(a, 4);
}

bool PageWalker::walk(const PagingRegs& r, uint64_t lin, Access acc, bool user, Walk& w, uint32_t& error) const {
    return r.cr4 & cr4::PAE ? walk64(r, lin, acc, user, false, w, error)
                            : walk32(r, uint32_t(lin), acc, user, false, w, error);
}

bool PageWalker::peek(const PagingRegs& r, uint64_t lin, PhysAddr& phys) const {
    Walk w;
    uint32_t error;
    const bool ok = r.cr4 & cr4::PAE ? walk64(r, lin, ACC_READ, false, true, w, error)
                                     : walk32(r, uint32_t(lin), ACC_READ, false, true, w, error);
    if (ok) phys = w.phys | (lin & 0xFFF);
    return ok;
}

bool PageWalker::load_pdptes(const PagingRegs& r, uint64_t cr3, uint64_t out[4]) const {
    uint64_t e[4];
    for (unsigned k = 0; k < 4; ++k) {
        e[k] = read_entry(r, (cr3 & 0xFFFFFFE0u) + 8 * k, true);
        if ((e[k] & pte::P) && (e[k] & (RSVD_PDPTE | ~((1ull << r.phys_bits) - 1)))) return false;
    }
    for (unsigned k = 0; k < 4; ++k) out[k] = e[k];
    return true;
}

// 32-bit paging, as the P6 has it without PAE: 32-bit entries, 4 MiB pages with CR4.PSE.
bool PageWalker::walk32(const PagingRegs& r, uint32_t lin, Access acc, bool user, bool peek, Walk& w,
                        uint32_t& error) const {
    const bool is_write = acc == ACC_WRITE;
    auto page_fault = [&](uint32_t err) {
        error = err | (is_write ? pf::W : 0) | (user ? pf::U : 0);
        return false;
    };
    auto write_entry = [&](PhysAddr a, uint32_t v) { pm_.write(a20(r, a), 4, v); };

    const PhysAddr pde_addr = (r.cr3 & PAGE_MASK) + ((lin >> 22) << 2);
    uint32_t pde = uint32_t(read_entry(r, pde_addr, false));
    if (!(pde & pte::P)) return page_fault(0);

    const bool wp = r.cr0 & cr0::WP;
    auto allowed = [&](uint32_t bits) {
        if (peek) return true;
        if (user && !(bits & pte::U)) return false;
        if (is_write && !(bits & pte::W) && (user || wp)) return false;
        return true;
    };
    const uint32_t want = pte::A | (is_write ? pte::D : 0);

    if ((pde & pte::PS) && (r.cr4 & cr4::PSE)) {
        if (pde & RSVD_4M) return page_fault(pf::P | pf::RSVD);
        if (!allowed(pde)) return page_fault(pf::P);
        if (!peek && (pde & want) != want) write_entry(pde_addr, pde |= want);
        const bool writable = (user ? (pde & pte::W) : ((pde & pte::W) || !wp));
        w = Walk{a20(r, (pde & 0xFFC00000) | (lin & 0x003FF000)), (lin & 0xFFC00000) | LARGE_4M, writable,
                 true, bool(pde & pte::D), (pde & pte::G) && (r.cr4 & cr4::PGE)};
        return true;
    }

    const PhysAddr pte_addr = (pde & PAGE_MASK) + (((lin >> 12) & 0x3FF) << 2);
    uint32_t entry = uint32_t(read_entry(r, pte_addr, false));
    if (!(entry & pte::P)) return page_fault(0);
    const uint32_t combined = entry & (pde | ~uint32_t(pte::U | pte::W));
    if (!allowed(combined)) return page_fault(pf::P);
    if (!peek) {
        if (!(pde & pte::A)) write_entry(pde_addr, pde | pte::A);
        if ((entry & want) != want) write_entry(pte_addr, entry |= want);
    }
    const bool writable = user ? (combined & pte::W) : ((combined & pte::W) || !wp);
    w = Walk{a20(r, entry & PAGE_MASK), LARGE_NONE, writable, true, bool(entry & pte::D),
             (entry & pte::G) && (r.cr4 & cr4::PGE)};
    return true;
}

// PAE and 4-level paging: 64-bit entries, 9 bits of the linear address per level. PAE paging
// starts from the PDPTE registers, 4-level paging from the PML4 table CR3 names.
bool PageWalker::walk64(const PagingRegs& r, uint64_t lin, Access acc, bool user, bool peek, Walk& w,
                        uint32_t& error) const {
    const bool is_write = acc == ACC_WRITE;
    // The I/D bit says "instruction fetch" only where paging can forbid one (NXE).
    const bool fetch = acc == ACC_EXEC && r.nxe;
    auto page_fault = [&](uint32_t err) {
        error = err | (is_write ? pf::W : 0) | (user ? pf::U : 0) | (fetch ? pf::I : 0);
        return false;
    };
    const uint64_t rsvd = rsvd_entry(r), addr = addr_mask(r);

    PhysAddr table;
    unsigned shift;
    if (r.lma) {
        table = r.cr3 & addr;
        shift = 39;
    } else {
        // Reserved bits of the PDPTEs were checked when they were loaded.
        const uint64_t pdpte = r.pdpte[(lin >> 30) & 3];
        if (!(pdpte & pte::P)) return page_fault(0);
        table = pdpte & addr;
        shift = 21;
    }
    // The entries this walk used, to set their accessed bits once it succeeds.
    struct Used {
        PhysAddr addr;
        uint32_t low;
    } used[4];
    unsigned n = 0;
    bool user_ok = true, write_ok = true, nx = false;
    uint64_t e;
    for (;;) {
        const PhysAddr at = table + ((lin >> shift) & 511) * 8;
        e = read_entry(r, at, true);
        // A not-present entry's other bits are the OS's (Linux's L1TF inversion sets high ones).
        if (!(e & pte::P)) return page_fault(0);
        uint64_t bad = rsvd;
        if (shift == 39) bad |= pte::PS;  // a PML4 entry maps no page
        else if (shift == 30 && (e & pte::PS)) bad |= r.pdpe1gb ? RSVD_1G : pte::PS;
        else if (shift == 21 && (e & pte::PS)) bad |= RSVD_2M;
        if (e & bad) return page_fault(pf::P | pf::RSVD);
        user_ok &= bool(e & pte::U);
        write_ok &= bool(e & pte::W);
        nx |= bool(e & pte::NX);
        used[n++] = {at, uint32_t(e)};
        if (shift == 12 || (e & pte::PS)) break;  // bit 7 of a PTE is PAT, not PS
        table = e & addr;
        shift -= 9;
    }

    const bool wp = r.cr0 & cr0::WP;
    if (!peek) {
        if (user && !user_ok) return page_fault(pf::P);
        if (is_write && !write_ok && (user || wp)) return page_fault(pf::P);
        if (acc == ACC_EXEC && nx) return page_fault(pf::P);
        for (unsigned k = 0; k + 1 < n; ++k)
            if (!(used[k].low & pte::A)) pm_.write(a20(r, used[k].addr), 4, used[k].low | pte::A);
        const uint32_t want = pte::A | (is_write ? pte::D : 0);
        Used& leaf = used[n - 1];
        if ((leaf.low & want) != want) pm_.write(a20(r, leaf.addr), 4, leaf.low |= want);
    }
    const uint64_t size = 1ull << shift;
    const uint64_t large = shift == 12 ? LARGE_NONE : (lin & ~(size - 1)) | (shift == 21 ? LARGE_2M : LARGE_1G);
    w = Walk{a20(r, (e & addr & ~(size - 1)) | (lin & (size - 1) & ~uint64_t(0xFFF))), large,
             user ? write_ok : (write_ok || !wp), !nx, bool(used[n - 1].low & pte::D),
             (e & pte::G) && (r.cr4 & cr4::PGE)};
    return true;
}

}  // namespace jitpc::cpu
