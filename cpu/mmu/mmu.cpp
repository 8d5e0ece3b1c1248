#include "cpu/mmu/mmu.h"

namespace jitpc::cpu {

Mmu::Mmu(CpuState& st, PhysMemory& pm, const CpuModel& model)
    : st_(st), pm_(pm), model_(model), walker_(pm) {
    for (auto& t : tlb)
        for (auto& e : t) e = TlbEntry{{TLB_INVALID, TLB_INVALID, TLB_INVALID}, 0, LARGE_NONE, 0, 0, 0, {}};
}

void Mmu::list(bool user, TlbEntry& e, List l) {
    if (e.listed & (1u << l)) return;
    e.listed |= uint8_t(1u << l);
    listed_[user][l][listed_n_[user][l]++] = uint16_t(&e - tlb[user]);
}

bool Mmu::walk(uint64_t lin, Access acc, bool user, Walk& w) {
    if (!(st_.cr0 & cr0::PG)) {
        w = Walk{a20(lin & PAGE_MASK), LARGE_NONE, true, true, true, false};
        return true;
    }
    uint32_t error;
    if (walker_.walk(regs(), lin, acc, user, w, error)) return true;
    st_.cr2 = lin;
    fault = GuestFault{VEC_PF, error};
    return false;
}

bool Mmu::refill(TlbEntry& e, uint64_t lin, Access acc, bool user) {
    const uint64_t page = lin & LIN_PAGE_MASK;
    ++stats.walks;
    Walk w;
    if (!walk(lin, acc, user, w)) {
        ++stats.walk_faults;
        // A fault drops whatever the TLB held for this page (Linux relies on it after making
        // a PTE writable without INVLPG).
        if ((e.tag[ACC_READ] & LIN_PAGE_MASK) == page || (e.tag[ACC_WRITE] & LIN_PAGE_MASK) == page)
            e.tag[0] = e.tag[1] = e.tag[2] = TLB_INVALID;
        return false;
    }
    uint8_t* host = pm_.host_page(w.phys);
    // A global translation may stay in the list it is in; a non-global one must be in LOCAL.
    if (!w.global || !e.listed) list(user, e, w.global ? GLOBAL : LOCAL);
    e.frame = w.phys >> 12;
    e.large_base = w.large;
    e.global = w.global;
    if (w.large != LARGE_NONE) note_large(w.large, w.global ? GLOBAL : LOCAL);
    e.addend = host ? reinterpret_cast<uintptr_t>(host) - page : 0;
    const uint64_t rd = page | (host ? 0 : TLB_SLOW), watch = watch_flag(page);
    e.tag[ACC_READ] = rd | watch;
    e.tag[ACC_EXEC] = w.executable ? rd : TLB_INVALID;
    // A write straight to host memory bypasses the physical map's dirty marks: it is allowed
    // once the page is marked (physmem.h, "Dirty-page tracking"); until then, writes take the
    // slow path, whose first write marks the page and makes the entry fast.
    if (w.writable && w.dirty)
        e.tag[ACC_WRITE] = page | (pm_.is_ram(w.phys) && pm_.dirty(pm_.ram_page(w.phys)) ? 0 : TLB_SLOW) |
                           (pm_.holds_code(w.phys) ? TLB_CODE : 0) | watch;
    else
        e.tag[ACC_WRITE] = TLB_INVALID;
    return true;
}

PhysAddr Mmu::translate(uint64_t lin, Access acc, bool user) {
    return (PhysAddr(lookup(lin, acc, user).frame) << 12) | (lin & 0xFFF);
}

bool Mmu::peek(uint64_t lin, PhysAddr& phys) const {
    if (!(st_.cr0 & cr0::PG)) {
        phys = a20(lin);
        return true;
    }
    return walker_.peek(regs(), lin, phys);
}

bool Mmu::try_probe_write_slow(uint64_t lin, unsigned size, bool user) {
    if (!try_lookup(lin, ACC_WRITE, user)) return false;
    return (lin & 0xFFF) + size <= PAGE_SIZE || try_lookup(next_page(lin), ACC_WRITE, user);
}

uint64_t Mmu::read_slow(uint64_t lin, unsigned size, bool user, Access acc) {
    uint64_t v;
    if (!try_read_slow(lin, size, user, acc, v)) throw fault;
    return v;
}

void Mmu::write_slow(uint64_t lin, unsigned size, uint64_t v, bool user) {
    if (!try_write_slow(lin, size, v, user)) throw fault;
}

bool Mmu::try_read_slow(uint64_t lin, unsigned size, bool user, Access acc, uint64_t& v) {
    if ((lin & 0xFFF) + size > PAGE_SIZE) {
        // Translate both pages before reading either, so a fault on the second page leaves
        // no side effect of the first (MMIO reads can have side effects).
        const uint32_t n1 = PAGE_SIZE - (lin & 0xFFF);
        PhysAddr p1, p2;
        if (!try_translate(lin, acc, user, p1) || !try_translate(next_page(lin), acc, user, p2))
            return false;
        v = 0;
        for (unsigned i = 0; i < size; ++i) {
            const PhysAddr pa = i < n1 ? p1 + i : p2 + (i - n1);
            v |= uint64_t(pm_.read(pa, 1)) << (8 * i);
        }
        return true;
    }
    const TlbEntry* e = try_lookup(lin, acc, user);
    if (!e) return false;
    if (!(e->tag[acc] & TLB_SLOW)) {
        v = memory::host_load(reinterpret_cast<const uint8_t*>(e->addend + lin), size);
        return true;
    }
    const PhysAddr pa = (PhysAddr(e->frame) << 12) | (lin & 0xFFF);
    v = size == 8 ? pm_.read64(pa) : pm_.read(pa, size);
    return true;
}

bool Mmu::try_write_slow(uint64_t lin, unsigned size, uint64_t v, bool user) {
    if ((lin & 0xFFF) + size > PAGE_SIZE) {
        const uint32_t n1 = PAGE_SIZE - (lin & 0xFFF);
        PhysAddr p1, p2;
        if (!try_translate(lin, ACC_WRITE, user, p1) || !try_translate(next_page(lin), ACC_WRITE, user, p2))
            return false;
        for (unsigned i = 0; i < size; ++i) {
            const PhysAddr pa = i < n1 ? p1 + i : p2 + (i - n1);
            pm_.write(pa, 1, (v >> (8 * i)) & 0xFF);
        }
        return true;
    }
    TlbEntry* e = try_lookup(lin, ACC_WRITE, user);
    if (!e) return false;
    const PhysAddr pa = (PhysAddr(e->frame) << 12) | (lin & 0xFFF);
    if (size == 8) {  // tells the code cache when the page holds code
        pm_.write(pa, 4, uint32_t(v));
        pm_.write(pa + 4, 4, uint32_t(v >> 32));
    } else {
        pm_.write(pa, size, uint32_t(v));
    }
    if ((e->tag[ACC_WRITE] & TLB_CODE) && !pm_.holds_code(pa))
        e->tag[ACC_WRITE] &= ~TLB_CODE;
    if ((e->tag[ACC_WRITE] & TLB_SLOW) && pm_.is_ram(pa))  // the write marked its page dirty
        e->tag[ACC_WRITE] &= ~TLB_SLOW;
    return true;
}

void Mmu::flush_all() {
    ++stats.flushes;
    for_listed([](TlbEntry& e) {
        e.tag[0] = e.tag[1] = e.tag[2] = TLB_INVALID;
        e.global = 0;
        e.large_base = LARGE_NONE;
        e.listed = 0;
    });
    std::memset(listed_n_, 0, sizeof listed_n_);
    clear_large(LOCAL);
    clear_large(GLOBAL);
}

void Mmu::slow_writes() {
    for_listed([](TlbEntry& e) {
        if (!(e.tag[ACC_WRITE] & TLB_INVALID)) e.tag[ACC_WRITE] |= TLB_SLOW;
    });
}

// Visits LOCAL only: the global entries listed in GLOBAL alone stay as they are. Those of
// LOCAL that hold a global translation move to GLOBAL.
void Mmu::flush_nonglobal() {
    clear_large(LOCAL);
    for (unsigned u = 0; u < 2; ++u) {
        for (unsigned k = 0; k < listed_n_[u][LOCAL]; ++k) {
            TlbEntry& e = tlb[u][listed_[u][LOCAL][k]];
            e.listed &= uint8_t(~(1u << LOCAL));
            if (e.global && !((e.tag[0] & e.tag[1] & e.tag[2]) & TLB_INVALID)) {
                list(u, e, GLOBAL);
                if (e.large_base != LARGE_NONE) note_large(e.large_base, GLOBAL);
            } else {
                e.tag[0] = e.tag[1] = e.tag[2] = TLB_INVALID;
            }
        }
        listed_n_[u][LOCAL] = 0;
    }
}

void Mmu::invlpg(uint64_t lin) {
    ++stats.invlpgs;
    const uint64_t page = lin & LIN_PAGE_MASK;
    for (auto& t : tlb) {
        TlbEntry& e = t[tlb_index(lin)];
        if ((e.tag[ACC_READ] & LIN_PAGE_MASK) == page || (e.tag[ACC_WRITE] & LIN_PAGE_MASK) == page ||
            (e.tag[ACC_EXEC] & LIN_PAGE_MASK) == page)
            e.tag[0] = e.tag[1] = e.tag[2] = TLB_INVALID;
    }
    bool maybe = false;
    for (const uint64_t size : {LARGE_2M, LARGE_4M, LARGE_1G})
        if ((large_sizes_[LOCAL] | large_sizes_[GLOBAL]) & size) maybe |= maybe_large((lin & ~(large_size(size) - 1)) | size);
    if (!maybe) return;
    for_listed([lin](TlbEntry& e) {
        if (e.large_base != LARGE_NONE && (lin & ~(large_size(e.large_base) - 1)) == (e.large_base & LIN_PAGE_MASK))
            e.tag[0] = e.tag[1] = e.tag[2] = TLB_INVALID;
    });
}

void Mmu::page_became_code(PhysAddr phys) {
    for_listed([phys](TlbEntry& e) {
        if (e.frame == phys >> 12 && !(e.tag[ACC_WRITE] & TLB_INVALID)) e.tag[ACC_WRITE] |= TLB_CODE;
    });
}

}  // namespace jitpc::cpu
