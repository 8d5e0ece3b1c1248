#include "devices/hpet.h"

#include <algorithm>

#include "logging/log.h"

namespace jitpc::devices {

Hpet::Hpet(Clock& clock, Wiring wiring) : clock_(clock), wiring_(std::move(wiring)) {
    for (unsigned n = 0; n < TIMERS; ++n)
        timers_[n].clock_timer = clock_.add_timer([this, n](uint64_t) { fire(n); });
    reset();
}

void Hpet::reset() {
    const bool legacy = legacy_replacement();
    config_ = status_ = 0;
    base_count_ = base_tick_ = 0;
    for (Timer& t : timers_) {
        t.config = 0;
        t.cmp = ~uint64_t(0);
        t.period = 0;
        clock_.disarm(t.clock_timer);
    }
    update_all();
    if (legacy) wiring_.legacy_changed();
}

uint64_t Hpet::main_counter() const {
    if (!enabled()) return base_count_;
    return base_count_ + (clock_.now() - base_tick_) / TICKS_PER_COUNT;
}

uint64_t Hpet::tick_of(uint64_t count) const {
    const unsigned __int128 t =
        base_tick_ + static_cast<unsigned __int128>(count - base_count_) * TICKS_PER_COUNT;
    return t >= Clock::NEVER ? Clock::NEVER : static_cast<uint64_t>(t);
}

unsigned Hpet::route(unsigned n) const {
    if (n < 2 && legacy_replacement()) return LEGACY_GSI[n];
    return unsigned((timers_[n].config & TN_ROUTE) >> TN_ROUTE_SHIFT);
}

// ---- comparators -------------------------------------------------------------------------------

// Arms the clock for the next time the counter equals the comparator (its low 32 bits in 32-bit
// mode). A comparator equal to the counter matches now, unless that match was just taken: then
// the next one is a full wrap of the comparator's width away. Only timers whose match anyone can
// see are armed: an edge one-shot with its interrupt disabled changes nothing.
void Hpet::schedule(unsigned n, bool after_match) {
    Timer& t = timers_[n];
    const bool visible = t.config & (TN_INT_ENABLE | TN_LEVEL | TN_PERIODIC);
    if (!enabled() || !visible) {
        clock_.disarm(t.clock_timer);
        return;
    }
    const uint64_t width_mask = wide(t) ? ~uint64_t(0) : 0xFFFFFFFFu;
    const uint64_t now_count = main_counter();
    unsigned __int128 delta = (t.cmp - now_count) & width_mask;
    if (delta == 0 && after_match) delta = static_cast<unsigned __int128>(width_mask) + 1;
    const unsigned __int128 target = now_count + delta;
    const uint64_t at = target > ~uint64_t(0) ? Clock::NEVER : tick_of(static_cast<uint64_t>(target));
    clock_.arm(t.clock_timer, at == Clock::NEVER ? at : std::max(at, clock_.now()));
}

// The counter reached the comparator: a periodic timer adds its period (the accumulator), a
// level interrupt sets the status bit and holds its line, an edge one is a pulse.
void Hpet::fire(unsigned n) {
    Timer& t = timers_[n];
    if ((t.config & TN_PERIODIC) && t.period)
        t.cmp = (t.cmp + t.period) & (wide(t) ? ~uint64_t(0) : 0xFFFFFFFFu);
    if (t.config & TN_LEVEL) {
        status_ |= 1u << n;
        update_line(n);
    } else if (t.config & TN_INT_ENABLE) {
        wiring_.gsi(route(n), true);
        wiring_.gsi(route(n), false);
    }
    schedule(n, true);
}

// A level-triggered timer holds its GSI while its status bit is set, its interrupt enabled and
// the block running.
void Hpet::update_line(unsigned n) {
    Timer& t = timers_[n];
    const bool active = enabled() && (t.config & TN_LEVEL) && (t.config & TN_INT_ENABLE) && (status_ >> n & 1);
    const int want = active ? int(route(n)) : -1;
    if (want == t.driven_gsi) return;
    if (t.driven_gsi >= 0) wiring_.gsi(unsigned(t.driven_gsi), false);
    t.driven_gsi = want;
    if (want >= 0) wiring_.gsi(unsigned(want), true);
}

void Hpet::update_all() {
    for (unsigned n = 0; n < TIMERS; ++n) update_line(n);
}

// ---- registers ---------------------------------------------------------------------------------

uint64_t Hpet::read_reg(uint32_t reg) const {
    switch (reg) {
    case GCAP_ID: return CAPABILITIES | PERIOD_FS << 32;
    case GEN_CONF: return config_;
    case GINTR_STA: return status_;
    case MAIN_CNT: return main_counter();
    default: break;
    }
    if (reg < TIMER_BASE || reg >= TIMER_BASE + TIMERS * TIMER_STRIDE) return 0;
    const Timer& t = timers_[(reg - TIMER_BASE) / TIMER_STRIDE];
    switch ((reg - TIMER_BASE) % TIMER_STRIDE) {
    case T_CONF: return t.config | TN_PERIODIC_CAP | TN_SIZE_64_CAP | uint64_t(ROUTE_CAP) << 32;
    case T_CMP: return wide(t) ? t.cmp : t.cmp & 0xFFFFFFFFu;
    default: return 0;  // the FSB route register: no FSB delivery
    }
}

void Hpet::write_reg(uint32_t reg, uint64_t value, uint64_t mask) {
    value &= mask;
    switch (reg) {
    case GEN_CONF: {
        const bool was = enabled(), was_legacy = legacy_replacement();
        const uint64_t writable = mask & (CONF_ENABLE | CONF_LEGACY);
        const uint64_t now_count = main_counter();
        config_ = (config_ & ~writable) | (value & writable);
        if (was && !enabled()) base_count_ = now_count;
        if (!was && enabled()) base_tick_ = clock_.now();
        for (unsigned n = 0; n < TIMERS; ++n) schedule(n, false);
        update_all();
        if (legacy_replacement() != was_legacy) wiring_.legacy_changed();
        return;
    }
    case GINTR_STA:  // write 1 to clear
        status_ &= ~value;
        update_all();
        return;
    case MAIN_CNT:
        if (enabled()) {
            static logging::Site site{logging::GUEST_ERRORS, "HPET counter write", 1};
            site.print("HPET: main counter written while running; ignored (halt it first)");
            return;
        }
        base_count_ = (base_count_ & ~mask) | value;
        return;
    default: break;
    }
    if (reg >= TIMER_BASE && reg < TIMER_BASE + TIMERS * TIMER_STRIDE)
        write_timer((reg - TIMER_BASE) / TIMER_STRIDE, (reg - TIMER_BASE) % TIMER_STRIDE, value, mask);
}

void Hpet::write_timer(unsigned n, uint32_t reg, uint64_t value, uint64_t mask) {
    Timer& t = timers_[n];
    switch (reg) {
    case T_CONF: {
        if (value & TN_FSB_ENABLE) {
            static logging::Site site{logging::GUEST_ERRORS, "HPET FSB", 1};
            site.print("HPET: timer %u FSB delivery requested; not capable, bit ignored", n);
        }
        const uint64_t writable = mask & TN_WRITABLE;
        t.config = (t.config & ~writable) | (value & writable);
        if (!wide(t)) {
            t.cmp &= 0xFFFFFFFFu;
            t.period &= 0xFFFFFFFFu;
        }
        if (!(t.config & TN_LEVEL)) status_ &= ~(uint64_t(1) << n);  // edge mode keeps no status
        break;
    }
    case T_CMP: {
        // In 32-bit mode the upper half is not there. The write that reaches the comparator's
        // top byte ends a VAL_SET sequence.
        const uint64_t width_mask = wide(t) ? ~uint64_t(0) : 0xFFFFFFFFu;
        mask &= width_mask;
        value &= width_mask;
        if (!mask) return;
        // A periodic timer's writes set its period; with VAL_SET (or one-shot) the comparator too.
        if (!(t.config & TN_PERIODIC) || (t.config & TN_VAL_SET)) t.cmp = (t.cmp & ~mask) | value;
        if (t.config & TN_PERIODIC) t.period = (t.period & ~mask) | value;
        if (mask & (width_mask ^ (width_mask >> 8))) t.config &= ~TN_VAL_SET;
        break;
    }
    default: return;  // the FSB route register: no FSB delivery
    }
    schedule(n, false);
    update_line(n);
}

// Registers are qwords; dword, word and byte accesses reach their bytes.
uint32_t Hpet::mmio_read(memory::PhysAddr offset, unsigned size) {
    if (offset >= REG_SPACE) return 0;
    if ((offset & 7) + size > 8) {  // straddles two registers: byte by byte
        uint32_t v = 0;
        for (unsigned i = 0; i < size; ++i) v |= mmio_read(offset + i, 1) << (8 * i);
        return v;
    }
    const uint64_t v = read_reg(uint32_t(offset & ~7ull)) >> (8 * (offset & 7));
    return size == 4 ? uint32_t(v) : uint32_t(v & ((1u << (size * 8)) - 1));
}

void Hpet::mmio_write(memory::PhysAddr offset, unsigned size, uint32_t value) {
    if (offset >= REG_SPACE) return;
    if ((offset & 7) + size > 8) {
        for (unsigned i = 0; i < size; ++i) mmio_write(offset + i, 1, value >> (8 * i) & 0xFF);
        return;
    }
    const unsigned shift = 8 * (offset & 7);
    const uint64_t mask = (size == 4 ? 0xFFFFFFFFull : (1ull << (size * 8)) - 1) << shift;
    write_reg(uint32_t(offset & ~7ull), uint64_t(value) << shift, mask);
}

}  // namespace jitpc::devices
