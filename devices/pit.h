// Intel 8254 programmable interval timer at 0x40-0x43 and the PC's port 0x61 (channel 2 gate,
// speaker enable, channel 2 OUT and the refresh toggle).
//
// Time comes only from the virtual clock: the PIT's input runs at 3579545/3 Hz, so the number
// of PIT clock edges by tick t is scale(t, 3579545, 3e9). Each channel is kept as a closed form
// (the value the counting element was loaded with and the edge it was loaded at), so a read sees
// the exact edge of its own instruction and channel 0's OUT changes are scheduled as clock
// timers at the exact tick of the edge, never polled.
//
// Choices where hardware differs or is vague:
//   - The count is loaded into the counting element at the first clock edge after it is
//     written (or after the gate trigger in modes 1 and 5); reading before that returns the
//     written count.
//   - Mode 3 with an odd count N holds OUT high for (N+1)/2 clocks and low for (N-1)/2; the
//     counter reads N-1, N-3, ... in both halves.
//   - A new count written while counting in mode 2 takes effect at the end of the current
//     period, in mode 3 at the end of the current half-period, in modes 0 and 4 at the next
//     clock edge, in modes 1 and 5 at the next gate trigger.
//   - Channels 0 and 1 have their gates tied high, as in a PC.
//   - Writing the first byte of a two-byte count does not stop a mode 0 count; the count
//     restarts when the second byte arrives.
//   - Port 0x61 bit 4 toggles every 18 PIT clocks (the 15.09 µs DRAM refresh of channel 1's
//     BIOS setting), bits 6 and 7 (parity/channel check) read 0.
#pragma once

#include <cstdint>

#include "devices/clock.h"
#include "devices/io_bus.h"
#include "devices/irq_line.h"

namespace jitpc::devices {

class Pit : public PortDevice {
public:
    // PIT input clock per tick: 1,193,181.8 Hz against the 1 GHz virtual clock.
    static constexpr uint64_t CLOCK_NUM = 3579545, CLOCK_DEN = 3'000'000'000;

    Pit(Clock& clock, IrqLine irq0);  // irq0: OUT0, ISA IRQ 0
    void claim(IoBus& bus);

    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;

    // OUT of a channel at the current tick (port 0x61 bit 5 reads channel 2's).
    bool out(unsigned ch) const { return ch_[ch].out(edge()); }

    // Its state for snapshots (snapshot/archive.h).
    template <class A> void snapshot(A& a) {
        a(ch_, port61_);
        for (const Channel& c : ch_) a.check(c.fits(), "a PIT channel's count or mode");
    }

private:
    static constexpr uint64_t NO_EDGE = UINT64_MAX;

    struct Run {
        uint32_t v = 0;      // value loaded into the counting element (1..65536 or 1..10000)
        uint64_t start = 0;  // PIT edge at which it was loaded
        uint32_t off = 0;    // mode 3: position in the period at `start` (starts in the low half)
        template <class A> void snapshot(A& a) { a(v, start, off); }
    };
    struct Channel {
        uint8_t mode_bits = 0, rw = 3;
        bool bcd = false;
        bool gate = true;
        uint32_t reload = 0;         // last written count (0: none since the control word)
        bool loaded = false;         // a run is counting (or paused)
        Run cur, next;
        bool has_next = false;       // modes 2/3: `next` takes over at next.start
        bool paused = false;         // gate low: counting stopped
        uint32_t paused_value = 0;
        bool paused_out = true;
        bool fired = false;          // modes 0/1/4/5: terminal count already passed
        uint64_t null_until = NO_EDGE;
        bool write_hi = false, read_hi = false;
        uint8_t write_lo = 0;
        bool count_latched = false, status_latched = false;
        uint16_t latch = 0;
        uint8_t status = 0;
        // Field by field, so that a loaded flag is 0 or 1 (snapshot/archive.h).
        template <class A> void snapshot(A& a) {
            a(mode_bits, rw, bcd, gate, reload, loaded, cur, next, has_next, paused, paused_value, paused_out, fired,
              null_until, write_hi, read_hi, write_lo, count_latched, status_latched, latch, status);
        }

        unsigned mode() const { return mode_bits > 5 ? mode_bits - 4u : mode_bits; }
        uint32_t modulus() const { return bcd ? 10000 : 65536; }
        // After a load: the runs it counts divide by their values.
        bool fits() const {
            auto ok = [](const Run& r) { return r.v >= 1 && r.v <= 65536 && r.off < r.v; };
            return mode_bits < 8 && rw >= 1 && rw <= 3 && (!loaded || ok(cur)) && (!has_next || ok(next));
        }
        const Run& run_at(uint64_t e) const { return has_next && e >= next.start ? next : cur; }
        uint32_t value(uint64_t e) const;
        bool out(uint64_t e) const;
        uint64_t next_change(uint64_t e) const;
        uint64_t change_in(const Run& r, uint64_t e) const;
        void settle(uint64_t e);
        void write_count(uint32_t v, uint64_t e);
        void set_gate(bool level, uint64_t e);
        uint8_t status_byte(uint64_t e) const;
    };

    uint64_t edge() const { return scale(clock_.now(), CLOCK_NUM, CLOCK_DEN); }
    void control(uint8_t v);
    uint8_t read_counter(Channel& c);
    void write_counter(Channel& c, uint8_t v);
    void update_irq0();

    Clock& clock_;
    IrqLine irq0_;
    int timer_;
    Channel ch_[3];
    uint8_t port61_ = 0;  // bits 0-3 as written
};

}  // namespace jitpc::devices
