#include "devices/pit.h"

namespace jitpc::devices {

namespace {
constexpr unsigned REFRESH_PIT_CLOCKS = 18;

uint16_t to_bcd(uint32_t v) {
    return uint16_t((v % 10) | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 | (v / 1000 % 10) << 12);
}
uint32_t from_bcd(uint16_t v) {
    return (v & 15) + (v >> 4 & 15) * 10 + (v >> 8 & 15) * 100 + (v >> 12 & 15) * 1000;
}
}  // namespace

uint32_t Pit::Channel::value(uint64_t e) const {
    const uint32_t m = modulus();
    if (paused) return paused_value % m;
    if (!loaded) return reload % m;
    const Run& r = run_at(e);
    if (e < r.start) return r.v % m;
    const uint64_t d = e - r.start;
    switch (mode()) {
    case 2: return (r.v - uint32_t(d % r.v)) % m;
    case 3: {
        const uint32_t p = uint32_t((d + r.off) % r.v), half = (r.v + 1) / 2;
        return ((r.v & ~1u) - 2 * (p < half ? p : p - half)) % m;
    }
    default: return uint32_t((r.v + m - d % m) % m);  // modes 0, 1, 4, 5 count down and wrap
    }
}

bool Pit::Channel::out(uint64_t e) const {
    if (paused) return paused_out;
    if (!loaded) return mode() != 0;
    const Run& r = run_at(e);
    if (e < r.start) return mode() != 0;
    const uint64_t d = e - r.start;
    switch (mode()) {
    case 0: case 1: return fired || d >= r.v;
    case 2: return d % r.v != r.v - 1;
    case 3: return (d + r.off) % r.v < (r.v + 1) / 2;
    default: return fired || d != r.v;  // modes 4, 5: one clock low at terminal count
    }
}

uint64_t Pit::Channel::change_in(const Run& r, uint64_t e) const {
    const uint64_t v = r.v;
    switch (mode()) {
    case 0: case 1:
        if (fired) return NO_EDGE;
        if (mode() == 1 && e < r.start) return r.start;
        return r.start + v > e ? r.start + v : NO_EDGE;
    case 2: {
        if (e < r.start) return r.start + v - 1;
        const uint64_t rem = (e - r.start) % v;
        return rem < v - 1 ? e + (v - 1 - rem) : e + 1;
    }
    case 3: {
        const uint64_t half = (v + 1) / 2;
        if (e < r.start) return r.off ? r.start : r.start + half;
        const uint64_t p = (e - r.start + r.off) % v;
        return p < half ? e + (half - p) : e + (v - p);
    }
    default:
        if (fired) return NO_EDGE;
        if (e < r.start + v) return r.start + v;
        return e == r.start + v ? e + 1 : NO_EDGE;
    }
}

uint64_t Pit::Channel::next_change(uint64_t e) const {
    if (paused || !loaded) return NO_EDGE;
    if (has_next && e >= next.start) return change_in(next, e);
    const uint64_t c = change_in(cur, e);
    if (!has_next || c < next.start) return c;
    // The pending count takes over at next.start: OUT may change right there.
    if (out(next.start - 1) != out(next.start)) return next.start;
    return change_in(next, next.start);
}

void Pit::Channel::settle(uint64_t e) {
    if (has_next && e >= next.start) {
        cur = next;
        has_next = false;
    }
}

void Pit::Channel::write_count(uint32_t v, uint64_t e) {
    settle(e);
    reload = v;
    null_until = e + 1;
    switch (mode()) {
    case 1: case 5:
        null_until = NO_EDGE;  // loaded by the next gate trigger
        return;
    case 2: case 3:
        if (loaded && !paused && e >= cur.start) {
            // Counting: the new count starts at the end of the period (mode 2) or of the
            // half-period (mode 3).
            const uint64_t d = e - cur.start;
            uint64_t end;
            uint32_t off = 0;
            if (mode() == 2) {
                end = e + (cur.v - d % cur.v);
            } else {
                const uint64_t p = (d + cur.off) % cur.v, half = (cur.v + 1) / 2;
                end = p < half ? e + (half - p) : e + (cur.v - p);
                if (p < half) off = (v + 1) / 2;
            }
            next = Run{v, end, off};
            has_next = true;
            null_until = end;
            return;
        }
        break;
    default: fired = false; break;
    }
    loaded = true;
    has_next = false;
    if (gate) {
        paused = false;
        cur = Run{v, e + 1, 0};
    } else {
        paused = true;
        paused_value = v;
        paused_out = mode() != 0;
    }
}

void Pit::Channel::set_gate(bool level, uint64_t e) {
    settle(e);
    if (level == gate) return;
    gate = level;
    switch (mode()) {
    case 0: case 4:
        if (!loaded) return;
        if (!level && !paused) {
            // Counting stops with the counter and OUT as they are.
            paused_value = value(e);
            paused_out = out(e);
            fired = fired || (mode() == 0 ? paused_out : e >= cur.start + cur.v);
            paused = true;
        } else if (level && paused) {
            paused = false;
            cur = Run{paused_value ? paused_value : modulus(), e, 0};
        }
        return;
    case 1: case 5:
        if (level && reload) {  // rising edge triggers
            loaded = true;
            fired = paused = has_next = false;
            cur = Run{reload, e + 1, 0};
            null_until = e + 1;
        }
        return;
    default:  // modes 2, 3: gate low holds OUT high; a rising edge restarts the count
        if (!level && loaded && !paused) {
            paused_value = value(e);
            paused_out = true;
            paused = true;
            has_next = false;
        } else if (level && reload) {
            loaded = true;
            paused = has_next = false;
            cur = Run{reload, e + 1, 0};
        }
        return;
    }
}

uint8_t Pit::Channel::status_byte(uint64_t e) const {
    return uint8_t(out(e) << 7 | (e < null_until) << 6 | rw << 4 | mode_bits << 1 | bcd);
}

Pit::Pit(Clock& clock, IrqLine irq0) : clock_(clock), irq0_(std::move(irq0)) {
    ch_[2].gate = false;  // port 0x61 bit 0 starts clear
    timer_ = clock_.add_timer([this](uint64_t) { update_irq0(); });
}

void Pit::claim(IoBus& bus) {
    bus.claim(0x40, 4, this);
    bus.claim(0x61, 1, this);
}

void Pit::update_irq0() {
    const uint64_t e = edge();
    Channel& c = ch_[0];
    c.settle(e);
    irq0_(c.out(e));
    const uint64_t n = c.next_change(e);
    if (n == NO_EDGE) clock_.disarm(timer_);
    else clock_.arm(timer_, unscale(n, CLOCK_NUM, CLOCK_DEN));
}

void Pit::control(uint8_t v) {
    const uint64_t e = edge();
    const auto latch_count = [e](Channel& c) {
        if (c.count_latched) return;
        const uint32_t val = c.value(e);
        c.latch = uint16_t(c.bcd ? to_bcd(val) : val);
        c.count_latched = true;
    };
    const unsigned sel = v >> 6;
    if (sel == 3) {  // read-back: bit 5 clear latches counts, bit 4 clear latches status
        for (unsigned i = 0; i < 3; ++i) {
            if (!(v & (2u << i))) continue;
            Channel& c = ch_[i];
            if (!(v & 0x20)) latch_count(c);
            if (!(v & 0x10) && !c.status_latched) {
                c.status = c.status_byte(e);
                c.status_latched = true;
            }
        }
        return;
    }
    Channel& c = ch_[sel];
    const uint8_t rw = (v >> 4) & 3;
    if (rw == 0) {
        latch_count(c);
        return;
    }
    const bool gate = c.gate;
    c = Channel{};
    c.gate = gate;
    c.mode_bits = (v >> 1) & 7;
    c.rw = rw;
    c.bcd = v & 1;
    if (sel == 0) update_irq0();
}

uint8_t Pit::read_counter(Channel& c) {
    if (c.status_latched) {
        c.status_latched = false;
        return c.status;
    }
    uint16_t val = c.latch;
    if (!c.count_latched) {
        const uint32_t live = c.value(edge());
        val = uint16_t(c.bcd ? to_bcd(live) : live);
    }
    bool hi = c.rw == 2;
    if (c.rw == 3) {
        hi = c.read_hi;
        c.read_hi = !c.read_hi;
    }
    if (c.rw != 3 || hi) c.count_latched = false;
    return uint8_t(hi ? val >> 8 : val);
}

void Pit::write_counter(Channel& c, uint8_t v) {
    uint16_t w = v;
    if (c.rw == 2) w = uint16_t(v << 8);
    if (c.rw == 3) {
        if (!c.write_hi) {
            c.write_lo = v;
            c.write_hi = true;
            return;
        }
        c.write_hi = false;
        w = uint16_t(c.write_lo | v << 8);
    }
    const uint32_t count = c.bcd ? from_bcd(w) : w;
    c.write_count(count ? count : c.modulus(), edge());
}

uint32_t Pit::port_read(uint16_t port, unsigned) {
    if (port == 0x61) {
        const uint64_t e = edge();
        return uint32_t(port61_ | ((e / REFRESH_PIT_CLOCKS) & 1) << 4 | ch_[2].out(e) << 5);
    }
    if (port == 0x43) return 0xFF;  // the control register is write-only
    return read_counter(ch_[port & 3]);
}

void Pit::port_write(uint16_t port, unsigned, uint32_t value) {
    const uint8_t v = uint8_t(value);
    if (port == 0x61) {
        port61_ = v & 0x0F;
        ch_[2].set_gate(v & 1, edge());
        return;
    }
    if (port == 0x43) return control(v);
    write_counter(ch_[port & 3], v);
    if ((port & 3) == 0) update_irq0();
}

}  // namespace jitpc::devices
