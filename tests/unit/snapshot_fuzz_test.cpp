// The snapshot loader against each byte of the sections whose fields index, size or select
// something, mutated with the section's CRC redone, so that the loader's own checks of each field
// are what stands between the bytes and the devices. Run under the sanitizers (soak's build-asan)
// an out-of-range field shows as a report. Random and mutated snapshots, logs and monitor lines
// are jitpc-parse-fuzz's (tests/fuzz/parse_fuzz.cpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>

#include "machine/run_observer.h"
#include "snapshot/snapshot.h"
#include "tests/unit/snapshot_frames.h"

using namespace jitpc;

namespace {

// Puts the devices whose sections the byte-by-byte case below mutates into a state with
// something in each field: the HPET running with an edge and a level timer, the local APIC's
// periodic timer, an unmasked level I/O APIC entry, replies waiting in both i8042 queues, a
// fw_cfg item half read and a sector in the disk overlay.
class BusyDevices : public machine::RunObserver {
public:
    explicit BusyDevices(uint64_t at) : at_(at) {}
    uint64_t next_stop() const override { return at_; }
    int at_stop(machine::Machine& m) override {
        at_ = devices::Clock::NEVER;
        using devices::Hpet;
        m.hpet.mmio_write(0x100, 4,
                          uint32_t(Hpet::TN_INT_ENABLE | Hpet::TN_PERIODIC | Hpet::TN_VAL_SET | 20u << Hpet::TN_ROUTE_SHIFT));
        m.hpet.mmio_write(0x108, 4, 3000);  // the comparator and the period: 30,000 ticks
        m.hpet.mmio_write(0x10C, 4, 0);
        m.hpet.mmio_write(0x120, 4, uint32_t(Hpet::TN_INT_ENABLE | Hpet::TN_LEVEL | 21u << Hpet::TN_ROUTE_SHIFT));
        m.hpet.mmio_write(0x128, 4, 50);
        m.hpet.mmio_write(0x12C, 4, 0);
        m.hpet.mmio_write(0x010, 4, uint32_t(Hpet::CONF_ENABLE));
        m.lapic.mmio_write(devices::LocalApic::SVR, 4, 0x1FF);
        m.lapic.mmio_write(devices::LocalApic::TIMER_DIVIDE, 4, 0x3);
        // Masked where a message would reach the real-mode program's interrupt table.
        m.lapic.mmio_write(devices::LocalApic::LVT_TIMER, 4,
                           devices::LocalApic::LVT_MASKED | devices::LocalApic::LVT_PERIODIC | 0x30);
        m.lapic.mmio_write(devices::LocalApic::TIMER_INIT, 4, 20000);
        m.ioapic.mmio_write(devices::IoApic::IOREGSEL, 4, devices::IoApic::REDTBL + 2 * 21);
        m.ioapic.mmio_write(devices::IoApic::IOWIN, 4, uint32_t(devices::IoApic::LEVEL | devices::IoApic::MASKED) | 0x41);
        for (const uint8_t cmd : {0x20, 0x20, 0xAA}) m.bus.io_write(0x64, 1, cmd);
        m.bus.io_write(0x60, 1, 0xF2);  // keyboard identify: three bytes
        m.bus.io_write(0x510, 2, 0);    // the signature, two of its bytes read
        m.bus.io_read(0x511, 1);
        m.bus.io_read(0x511, 1);
        const std::vector<uint8_t> sector(512, 0xA5);
        m.drives.ide[0]->write(3, 1, sector.data());
        return GO_ON;
    }

private:
    uint64_t at_;
};

// Ends a run at a count, quietly.
class EndAt : public machine::RunObserver {
public:
    explicit EndAt(uint64_t at) : at_(at) {}
    uint64_t next_stop() const override { return at_; }
    int at_stop(machine::Machine&) override { return 0; }

private:
    uint64_t at_;
};

}  // namespace

// Each byte of the sections of the devices, timers and overlays whose fields index, size or
// select something, set to values that take a field out of its range: every case is refused
// with a runtime_error or loads a machine that then runs on with its clock going forwards (and,
// under the sanitizers, without a report: a flag that loads as 2 is one).
TEST_CASE("every byte of the timer, APIC, i8042, fw_cfg and overlay sections mutated: refused or harmless") {
    test::BootSectorMachine source(test::mid_transfer(true));
    source.m.reset();  // (it holds the image writable)
    const uint64_t STOP = 3'000'000;
    machine::Config cfg = test::snapshot_config(source.path);
    cfg.cpu_model = &cpu::models::max;
    cfg.ram_bytes = 8 << 20;
    cfg.jit = false;
    machine::Config target_cfg = cfg;
    BusyDevices busy(STOP - 200'000);
    EndAt end(STOP), target_end(STOP + 100'000);
    cfg.observers = {&busy, &end};
    target_cfg.observers = {&target_end};
    machine::Machine m(cfg);
    REQUIRE(m.run() == 0);
    const std::vector<std::string> args = {"-cpu", "max", "-m", "8M", "-hda", source.path};
    const std::string good = snapshot::encode(m, args);
    const std::set<std::string> named = {"clock", "local-apic", "io-apic", "i8042", "hpet", "fw-cfg", "disks"};
    unsigned cases = 0, refused = 0;
    for (const test::SnapshotFrame& f : test::snapshot_frames(good)) {
        const std::string name = good.substr(f.start + 4, f.payload - 8 - f.start - 4);
        if (!named.count(name)) continue;
        // The overlay's sectors are data: its count and first sector number are what to change.
        const size_t length = name == "disks" ? std::min<size_t>(f.length, 16) : f.length;
        for (size_t at = 0; at < length; ++at) {
            for (const uint8_t value : {0x00, 0x02, 0xFF}) {
                std::string bad = good;
                if (uint8_t(bad[f.payload + at]) == value) continue;
                bad[f.payload + at] = char(value);
                test::reseal(bad, f);
                ++cases;
                machine::Machine target(target_cfg);
                try {
                    snapshot::decode(target, bad, args, "");
                } catch (const std::runtime_error&) {
                    ++refused;
                    continue;
                }
                const uint64_t loaded = target.cpu.icount;
                for (const uint16_t p : test::DEVICE_PORTS) target.bus.io_read(p, p == 0x1F0 || p == 0x170 ? 2 : 1);
                for (uint32_t r = 0; r < 0x400; r += 4) target.hpet.mmio_read(r, 4), target.lapic.mmio_read(r, 4);
                target.run();
                CHECK_MESSAGE(target.cpu.icount >= loaded, name << " byte " << at << " = " << int(value));
                CHECK(target.idle_ticks <= target.cpu.icount);
            }
        }
    }
    CHECK(cases > 1000);
    CHECK(refused > 0);
}

// A section name that holds an escape byte: the loader's message shows it as '?', whether the
// frame's checksum then fails or, resealed, the name is not the one expected there.
TEST_CASE("a section name with control bytes is shown printable in the loader's message") {
    test::BootSectorMachine source(test::mid_transfer(true));
    source.m.reset();
    machine::Config cfg = test::snapshot_config(source.path);
    cfg.jit = false;
    machine::Machine m(cfg);
    const std::vector<std::string> args = {"-hda", source.path};
    const std::string good = snapshot::encode(m, args);
    const test::SnapshotFrame f = test::snapshot_frames(good).at(1);
    for (const bool resealed : {false, true}) {
        std::string bad = good;
        bad[f.start + 5] = '\x1b';
        if (resealed) test::reseal(bad, f);
        machine::Machine target(cfg);
        std::string message;
        try {
            snapshot::decode(target, bad, args, "");
        } catch (const std::runtime_error& e) {
            message = e.what();
        }
        INFO(message);
        CHECK(!message.empty());
        CHECK(std::none_of(message.begin(), message.end(), [](char c) { return uint8_t(c) < 0x20 || uint8_t(c) >= 0x7F; }));
    }
}
