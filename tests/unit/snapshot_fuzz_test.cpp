// The snapshot loader, the record/replay log reader and the monitor's parser against random and
// mutated input. A mutated snapshot has its section's CRC redone, so the loader's own checks of
// each field are what stands between the bytes and the devices: every case must load or be
// refused with a runtime_error, and a machine that loaded must then survive its devices being
// driven (every data and index port read) and its CPU running a few thousand instructions. Run under the sanitizers (soak's
// build-asan) an out-of-range field shows as a report. Seeds are fixed: the cases are the same
// on every run.
#include <doctest/doctest.h>

#include <cstdio>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "machine/run_observer.h"
#include "monitor/monitor.h"
#include "replay/checksum.h"
#include "replay/log_file.h"
#include "snapshot/snapshot.h"
#include "tests/unit/boot_sector_fixture.h"
#include "tests/unit/temp_file.h"

using namespace jitpc;

namespace {

// Starts a two-sector PIO read of its own disk, takes 100 words of it and halts (`idle`: with
// interrupts on, for ever): a snapshot then holds a transfer in flight.
test::Asm16 mid_transfer(bool idle = false) {
    test::Asm16 a;
    auto out = [&](uint16_t port, uint8_t v) { a.mov(test::Asm16::DX, port).mov(test::Asm16::AL, v).bytes({0xEE}); };
    out(0x1F6, 0xE0);
    out(0x1F2, 2);
    out(0x1F3, 0);
    out(0x1F4, 0);
    out(0x1F5, 0);
    out(0x1F7, 0x20);  // READ SECTORS
    a.bytes({0xEC, 0xA8, 0x08, 0x74, 0xFB});  // wait: in al, dx; test al, 8; jz wait
    a.mov(test::Asm16::DX, 0x1F0).mov(test::Asm16::CX, 100);
    a.bytes({0xED, 0xE2, 0xFD});  // in ax, dx; loop
    if (idle) a.sti().hlt().bytes({0xEB, 0xFD});  // hlt; jmp back to it
    else a.cli().hlt();
    return a;
}

machine::Config config(const std::string& disk) {
    machine::Config cfg;
    cfg.debugcon = nullptr;
    cfg.snapshot = true;
    cfg.drives.push_back({disk});
    return cfg;
}

// Every section frame of a snapshot (snapshot.cpp): its start, payload start and length.
struct Frame {
    size_t start, payload, length;
};
std::vector<Frame> frames(const std::string& s) {
    std::vector<Frame> out;
    size_t pos = 8;
    while (pos + 4 <= s.size()) {
        uint32_t name = 0;
        for (int i = 0; i < 4; ++i) name |= uint32_t(uint8_t(s[pos + i])) << (8 * i);
        uint64_t len = 0;
        for (int i = 0; i < 8; ++i) len |= uint64_t(uint8_t(s[pos + 4 + name + i])) << (8 * i);
        out.push_back({pos, pos + 4 + name + 8, size_t(len)});
        pos += 4 + name + 8 + len + 4;
    }
    return out;
}

void reseal(std::string& s, const Frame& f) {
    const size_t end = f.payload + f.length;
    const uint32_t crc = replay::crc32(s.data() + f.start, end - f.start);
    for (int i = 0; i < 4; ++i) s[end + i] = char(crc >> (8 * i));
}

const uint16_t PORTS[] = {0x1F0, 0x1F7, 0x170, 0x177, 0x3F8, 0x3FA, 0x3FD, 0x2F8, 0x71, 0x60, 0x64, 0x20,
                          0x21, 0xA0, 0x40, 0x3C9, 0x3C1, 0x3C5, 0x3CF, 0x3D5, 0x511, 0xCFC, 0x61};

}  // namespace

TEST_CASE("mutated snapshots with their CRCs redone load or are refused, and what loads runs") {
    test::BootSectorMachine source(mid_transfer());
    source.m.reset();
    machine::Machine m(config(source.path));
    REQUIRE(m.run() == machine::EXIT_HALTED);
    const std::vector<std::string> args = {"-hda", source.path};
    const std::string good = snapshot::encode(m, args);
    const std::vector<Frame> sections = frames(good);
    REQUIRE(sections.size() > 20);
    std::mt19937_64 rng(13);
    unsigned refused = 0;
    for (unsigned c = 0; c < 300; ++c) {
        std::string bad = good;
        const Frame& f = sections[1 + rng() % (sections.size() - 1)];  // not the identity
        if (f.length == 0) continue;
        for (unsigned n = 1 + rng() % 4; n--;) {
            const size_t at = f.payload + rng() % f.length;
            const unsigned kind = rng() % 4;
            bad[at] = char(kind == 0 ? 0xFF : kind == 1 ? 0 : kind == 2 ? bad[at] ^ (1 << rng() % 8) : rng());
        }
        reseal(bad, f);
        machine::Machine target(config(source.path));
        try {
            snapshot::decode(target, bad, args, "");
        } catch (const std::runtime_error&) {
            ++refused;
            continue;
        }
        for (const uint16_t p : PORTS)
            for (unsigned i = 0; i < 600; ++i) target.bus.io_read(p, p == 0x1F0 || p == 0x170 ? 2 : 1);
        target.cpu.halted = 0;
        target.interp.run(target.cpu.icount + 5000);
    }
    CHECK(refused > 0);
}

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
    test::BootSectorMachine source(mid_transfer(true));
    source.m.reset();  // (it holds the image writable)
    const uint64_t STOP = 3'000'000;
    machine::Config cfg = config(source.path);
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
    for (const Frame& f : frames(good)) {
        const std::string name = good.substr(f.start + 4, f.payload - 8 - f.start - 4);
        if (!named.count(name)) continue;
        // The overlay's sectors are data: its count and first sector number are what to change.
        const size_t length = name == "disks" ? std::min<size_t>(f.length, 16) : f.length;
        for (size_t at = 0; at < length; ++at) {
            for (const uint8_t value : {0x00, 0x02, 0xFF}) {
                std::string bad = good;
                if (uint8_t(bad[f.payload + at]) == value) continue;
                bad[f.payload + at] = char(value);
                reseal(bad, f);
                ++cases;
                machine::Machine target(target_cfg);
                try {
                    snapshot::decode(target, bad, args, "");
                } catch (const std::runtime_error&) {
                    ++refused;
                    continue;
                }
                const uint64_t loaded = target.cpu.icount;
                for (const uint16_t p : PORTS) target.bus.io_read(p, p == 0x1F0 || p == 0x170 ? 2 : 1);
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

TEST_CASE("random and mutated record/replay logs are read or refused with one message") {
    std::mt19937_64 rng(14);
    replay::Header h;
    h.version = "v";
    h.args = {"-kernel", "k"};
    h.state_interval = 1 << 22;
    h.inputs = 1;
    test::TempFile file(0, [](uint64_t) { return uint8_t(0); });
    {
        replay::LogWriter w(file.path);
        w.header(h);
        for (uint64_t c = 1; c < 50; ++c) w.input({c * 1000, replay::InputSource::Com1, replay::InputKind::Byte, uint8_t(c)});
        replay::StateRecord s;
        s.count = 4 << 20;
        s.values.assign(35, 7);
        w.state(s);
        replay::EndRecord e;
        e.count = 5 << 20;
        e.state = s;
        w.end(e);
    }
    std::string good;
    {
        std::FILE* f = std::fopen(file.path.c_str(), "rb");
        for (int ch; (ch = std::fgetc(f)) != EOF;) good.push_back(char(ch));
        std::fclose(f);
    }
    REQUIRE_NOTHROW(replay::read_log(file.path));
    unsigned refused = 0;
    for (unsigned c = 0; c < 400; ++c) {
        std::string bad = good;
        if (c % 4 == 0) {
            bad.resize(rng() % 600);
            for (char& ch : bad) ch = char(rng());
        } else {
            // A frame: kind, count (8), length (4), payload, CRC: change its payload, redo its CRC.
            size_t pos = 8, n = rng() % 40;
            while (n-- && pos + 13 <= bad.size()) {
                uint32_t len = 0;
                for (int i = 0; i < 4; ++i) len |= uint32_t(uint8_t(bad[pos + 9 + i])) << (8 * i);
                pos += 13 + len + 4;
            }
            if (pos + 13 > bad.size()) pos = 8;
            uint32_t len = 0;
            for (int i = 0; i < 4; ++i) len |= uint32_t(uint8_t(bad[pos + 9 + i])) << (8 * i);
            bad[pos + rng() % (13 + len)] = char(rng());
            uint32_t new_len = 0;
            for (int i = 0; i < 4; ++i) new_len |= uint32_t(uint8_t(bad[pos + 9 + i])) << (8 * i);
            if (pos + 13 + uint64_t(new_len) + 4 <= bad.size()) {
                const uint32_t crc = replay::crc32(bad.data() + pos, 13 + new_len);
                for (int i = 0; i < 4; ++i) bad[pos + 13 + new_len + i] = char(crc >> (8 * i));
            }
        }
        std::FILE* f = std::fopen(file.path.c_str(), "wb");
        std::fwrite(bad.data(), 1, bad.size(), f);
        std::fclose(f);
        try {
            replay::read_log(file.path);
        } catch (const std::runtime_error& e) {
            ++refused;
            CHECK(std::string(e.what()).find('\n') == std::string::npos);
        }
    }
    CHECK(refused > 100);
}

namespace {

class NullPort : public monitor::Port {
public:
    bool read(std::string&, bool) override { return false; }
    void write(const std::string&) override {}
};

}  // namespace

TEST_CASE("the monitor answers random and mutated lines without harm") {
    test::BootSectorMachine b(mid_transfer());
    REQUIRE(b.run() == machine::EXIT_HALTED);
    monitor::Monitor mon(std::make_unique<NullPort>(), {}, false, {});
    const std::vector<std::string> seeds = {"info registers", "info replay", "x /16xb 0x7c00", "xp/4dw 0",
                                            "x/2g 0xffffffff", "replay_break 100", "replay_seek 5", "help",
                                            "info status", "stop", "cont", "x/100000000000000000000xb 0"};
    std::mt19937_64 rng(15);
    for (unsigned c = 0; c < 3000; ++c) {
        std::string line = seeds[rng() % seeds.size()];
        if (c % 3 == 0) {
            line.assign(rng() % 64, ' ');
            for (char& ch : line) ch = char(rng());
        } else {
            for (unsigned n = rng() % 4; n--;) line[rng() % line.size()] = char(rng() % 2 ? rng() : "0123456789x/ "[rng() % 13]);
        }
        const std::string answer = mon.execute(*b.m, line);
        CHECK(answer.size() < 64 * 1024);
        CHECK(answer.find('\x1b') == std::string::npos);
        if (mon.quit()) break;  // a mutation that spelled quit
    }
}
