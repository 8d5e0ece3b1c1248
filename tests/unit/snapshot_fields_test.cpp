// The snapshot's structs that hold flags or enums, listed field by field (snapshot/archive.h):
// each saves and loads back to the same bytes, and a crafted file whose flag byte is not 0 or 1
// or whose enum is out of its range is refused with one message, before any device sees it.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "machine/run_observer.h"
#include "snapshot/snapshot.h"
#include "tests/unit/snapshot_frames.h"

using namespace jitpc;

namespace {

// Ends a run at a count.
class EndAt : public machine::RunObserver {
public:
    explicit EndAt(uint64_t at) : at_(at) {}
    uint64_t next_stop() const override { return at_; }
    int at_stop(machine::Machine&) override { return 0; }

private:
    uint64_t at_;
};

// Programs the PIT's three channels with flags set, then ends the run: channel 0 counting in
// mode 2, channel 1 in BCD with a count half written, channel 2 in mode 3, then its gate low
// (paused) and its count and status latched.
class ProgramPit : public machine::RunObserver {
public:
    uint64_t next_stop() const override { return at_; }
    int at_stop(machine::Machine& m) override {
        if (at_ == END) return 0;
        if (at_ == START) {
            m.bus.io_write(0x43, 1, 0x34);  // channel 0: mode 2, low then high byte
            m.bus.io_write(0x40, 1, 0x00);
            m.bus.io_write(0x40, 1, 0x10);
            m.bus.io_write(0x43, 1, 0x71);  // channel 1: mode 0, BCD, low then high byte
            m.bus.io_write(0x41, 1, 0x99);  // ... only the low byte
            m.bus.io_write(0x61, 1, 0x01);  // channel 2's gate high
            m.bus.io_write(0x43, 1, 0xB6);  // channel 2: mode 3
            m.bus.io_write(0x42, 1, 0x33);
            m.bus.io_write(0x42, 1, 0x12);
            at_ = PAUSE;
        } else {
            m.bus.io_write(0x61, 1, 0x00);  // gate low: paused
            m.bus.io_write(0x43, 1, 0xC8);  // read-back: channel 2's count and status latched
            at_ = END;
        }
        return GO_ON;
    }

private:
    static constexpr uint64_t START = 1'000'000, PAUSE = 1'500'000, END = 2'000'000;
    uint64_t at_ = START;
};

// A machine halted with an IDE read in flight (tests/unit/snapshot_frames.h) and its PIT
// programmed, saved.
struct Saved {
    std::string file;
    machine::Config cfg;
    std::vector<std::string> args;
};

Saved busy_machine(test::BootSectorMachine& source) {
    source.m.reset();  // (it holds the image writable)
    Saved s;
    s.cfg = test::snapshot_config(source.path);
    s.cfg.jit = false;
    s.args = {"-hda", source.path};
    ProgramPit pit;
    machine::Config cfg = s.cfg;
    cfg.observers = {&pit};
    machine::Machine m(cfg);
    REQUIRE(m.run() == 0);
    s.file = snapshot::encode(m, s.args);
    return s;
}

test::SnapshotFrame frame(const std::string& file, const std::string& name) {
    for (const test::SnapshotFrame& f : test::snapshot_frames(file))
        if (file.substr(f.start + 4, f.payload - 8 - f.start - 4) == name) return f;
    FAIL("no section " << name);
    return {};
}

std::string payload(const std::string& file, const std::string& name) {
    const test::SnapshotFrame f = frame(file, name);
    return file.substr(f.payload, f.length);
}

// `file` with bytes [at, at + n) of section `name` set to `value`, its CRC redone: the message
// the loader refuses it with, or "" when it loads.
std::string crafted(const Saved& s, const std::string& name, size_t at, size_t n, uint8_t value) {
    std::string bad = s.file;
    const test::SnapshotFrame f = frame(bad, name);
    REQUIRE(at + n <= f.length);
    for (size_t k = 0; k < n; ++k) bad[f.payload + at + k] = char(value);
    test::reseal(bad, f);
    machine::Machine target(s.cfg);
    try {
        snapshot::decode(target, bad, s.args, "");
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("the PIT's channels, the machine's IRQ sources and the IDE transfer load back to the same bytes") {
    test::BootSectorMachine source(test::mid_transfer(true));
    const Saved s = busy_machine(source);
    machine::Machine target(s.cfg);
    snapshot::decode(target, s.file, s.args, "");
    const std::string again = snapshot::encode(target, s.args);
    for (const char* name : {"pit", "machine", "ide-primary"}) {
        INFO(name);
        CHECK(payload(again, name) == payload(s.file, name));
    }
    // The loaded PIT answers as the saved one would: the latched count and status of channel 2,
    // then channel 1's counting BCD value.
    machine::Machine original(s.cfg);
    snapshot::decode(original, s.file, s.args, "");
    for (const uint16_t port : {0x42, 0x42, 0x42, 0x41, 0x41, 0x61})
        CHECK(target.bus.io_read(port, 1) == original.bus.io_read(port, 1));
}

TEST_CASE("a crafted PIT, machine or IDE section with a flag byte not 0 or 1 or an enum out of range is refused") {
    test::BootSectorMachine source(test::mid_transfer(true));
    const Saved s = busy_machine(source);
    // The PIT's channel 0 starts the section: mode_bits, rw, then the flags bcd and gate.
    for (const uint8_t v : {0x02, 0xFF}) {
        CHECK(crafted(s, "pit", 2, 1, v).find("a flag is out of range") != std::string::npos);
        CHECK(crafted(s, "pit", 3, 1, v).find("a flag is out of range") != std::string::npos);
    }
    // The machine: idle ticks (8), the serial digest (8), a pending INIT (1), then IRQ 0's two
    // sources and IRQ 8's.
    for (size_t at = 17; at < 21; ++at) CHECK(crafted(s, "machine", at, 1, 0x02).find("a flag is out of range") != std::string::npos);
    // The primary IDE channel: two disks (17 bytes each: no CD-ROM), five task-file registers
    // (2 bytes each), the device and control registers and two flags, then the transfer's phase
    // (an int-sized enum: -1 is as far out of range as 5).
    CHECK(crafted(s, "ide-primary", 48, 4, 0xFF).find("the IDE channel's transfer state") != std::string::npos);
    CHECK(crafted(s, "ide-primary", 48, 1, 0x05).find("the IDE channel's transfer state") != std::string::npos);
    // A byte of each that is in range loads.
    CHECK(crafted(s, "pit", 2, 1, 0x01) == "");
}
