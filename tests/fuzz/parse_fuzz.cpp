// jitpc-parse-fuzz: random and mutated input through what users and clients hand jitpc to parse:
// the monitor's command lines and the line assembly in front of them, the record/replay log
// loader, the snapshot loader (each mutated section's CRC redone, so the loader's field checks
// are what is tested) and gdb's Remote Serial Protocol (the packet reader, the stub's commands,
// Z0 conditions' bytecode). Every case ends in a success or one clear error: a loader throws a
// runtime_error of one printable line, the monitor answers bounded printable text, the stub
// a reply within its packet size; never a crash (under the sanitizers, soak's build-asan, any
// undefined behaviour is one), another exception or a hang (a case that outlives its time limit
// ends the run with status 2). Case C of a target is the same input for the same seed on every
// run. Prints "N passed, M failed".
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "gdbstub/gdbstub.h"
#include "monitor/monitor.h"
#include "replay/log_file.h"
#include "replay/state_digest.h"
#include "snapshot/snapshot.h"
#include "tests/unit/snapshot_frames.h"

using namespace jitpc;

namespace {

using Rng = std::mt19937_64;

// Seconds a case may take, sanitizers included.
constexpr unsigned CASE_LIMIT = 60;
const char* current_target = "";
unsigned long current_case = 0;

void hung(int) {
    char line[160];
    const int n = std::snprintf(line, sizeof line, "jitpc-parse-fuzz: %s case %lu did not end within %u s\n",
                                current_target, current_case, CASE_LIMIT);
    (void)!::write(2, line, size_t(n));
    ::_exit(2);
}

std::string random_bytes(Rng& rng, size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = char(rng());
    return s;
}

// Changes 1-4 bytes of `s` in [from, to) to boundary values, flipped bits or random bytes.
void mutate(Rng& rng, std::string& s, size_t from, size_t to) {
    if (to <= from) return;
    for (unsigned n = 1 + rng() % 4; n--;) {
        char& c = s[from + rng() % (to - from)];
        const unsigned kind = rng() % 4;
        c = char(kind == 0 ? 0xFF : kind == 1 ? 0 : kind == 2 ? c ^ (1 << rng() % 8) : rng());
    }
}

// A mutation in the alphabet of a command: digits, hex, separators.
void mutate_text(Rng& rng, std::string& s, const char* alphabet) {
    const size_t letters = std::strlen(alphabet);
    for (unsigned n = rng() % 4; n--;) {
        const size_t at = rng() % (s.size() + 1);
        const char c = rng() % 2 ? char(rng()) : alphabet[rng() % letters];
        if (rng() % 2 && at < s.size()) s[at] = c;
        else s.insert(at, 1, c);
    }
}

// One printable line, as jitpc's error messages are.
bool one_line(const std::string& what) {
    if (what.empty()) return false;
    for (const char c : what)
        if (uint8_t(c) < 0x20 || c == 0x7F) return false;
    return true;
}

// Bounded text a terminal shows as it is: printable bytes and newlines.
bool printable_text(const std::string& s, size_t bound) {
    if (s.size() > bound) return false;
    for (const char c : s)
        if ((uint8_t(c) < 0x20 && c != '\n') || c == 0x7F) return false;
    return true;
}

std::string file_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
}

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
}

// Each target builds what its cases mutate once, then runs case after case: "" when it
// passed, else what went wrong.
class Target {
public:
    virtual ~Target() = default;
    virtual std::string run(Rng& rng, unsigned long c) = 0;
};

// A loader's verdict: "" when it loaded or refused with one clear line.
std::string loaded_or_refused(const std::function<void()>& load) {
    try {
        load();
    } catch (const std::runtime_error& e) {
        return one_line(e.what()) ? "" : std::string("an error message that is not one printable line: ") + e.what();
    }
    return "";
}

// The snapshot of a machine halted in the middle of an ATA transfer; each case changes bytes of
// one section (not the identity) and redoes its CRC. A machine that loads must then survive its
// devices being driven and its CPU running a few thousand instructions.
class SnapshotTarget : public Target {
public:
    SnapshotTarget() : source_(test::mid_transfer()) {
        source_.m.reset();  // (it holds the image writable)
        machine::Machine m(test::snapshot_config(source_.path));
        if (m.run() != machine::EXIT_HALTED) throw std::logic_error("the snapshot fuzzer's guest did not halt");
        args_ = {"-hda", source_.path};
        good_ = snapshot::encode(m, args_);
        sections_ = test::snapshot_frames(good_);
    }
    std::string run(Rng& rng, unsigned long c) override {
        std::string bad = good_;
        if (c % 8 == 0) {  // whole-file damage: cut, or random bytes after the magic
            bad.resize(rng() % bad.size());
            if (rng() % 2) mutate(rng, bad, 0, bad.size());
        } else {
            const test::SnapshotFrame& f = sections_[1 + rng() % (sections_.size() - 1)];
            mutate(rng, bad, f.payload, f.payload + f.length);
            test::reseal(bad, f);
        }
        machine::Machine target(test::snapshot_config(source_.path));
        bool loaded = true;
        const std::string verdict = loaded_or_refused([&] {
            try {
                snapshot::decode(target, bad, args_, "");
            } catch (const std::runtime_error&) {
                loaded = false;
                throw;
            }
        });
        if (!verdict.empty() || !loaded) return verdict;
        for (const uint16_t p : test::DEVICE_PORTS)
            for (unsigned i = 0; i < 600; ++i) target.bus.io_read(p, p == 0x1F0 || p == 0x170 ? 2 : 1);
        target.cpu.halted = 0;
        target.interp.run(target.cpu.icount + 5000);
        return "";
    }

private:
    test::BootSectorMachine source_;
    std::vector<std::string> args_;
    std::string good_;
    std::vector<test::SnapshotFrame> sections_;
};

// A log of 49 COM1 bytes, a state and an end; cases are random files or frames changed inside
// (kind, count, length or payload) with their CRC redone when the length still fits the file.
class LogTarget : public Target {
public:
    explicit LogTarget(std::string dir) : path_(std::move(dir) + "/fuzz.log") {
        replay::Header h;
        h.version = "v";
        h.args = {"-kernel", "k"};
        h.state_interval = 1 << 22;
        h.inputs = 1;
        {
            replay::LogWriter w(path_);
            w.header(h);
            for (uint64_t c = 1; c < 50; ++c) w.input({c * 1000, replay::InputSource::Com1, replay::InputKind::Byte, uint8_t(c)});
            replay::StateRecord s;
            s.count = 4 << 20;
            s.values.assign(replay::state_names().size(), 7);
            w.state(s);
            replay::EndRecord e;
            e.count = 5 << 20;
            e.state = s;
            w.end(e);
        }
        good_ = file_bytes(path_);
        replay::read_log(path_);  // the unchanged log reads
    }
    std::string run(Rng& rng, unsigned long c) override {
        std::string bad = good_;
        if (c % 4 == 0) {
            bad = random_bytes(rng, rng() % 600);
            if (rng() % 2) bad.replace(0, std::min<size_t>(8, bad.size()), good_.substr(0, 8));  // past the magic
        } else {
            // A frame: kind, count (8), length (4), payload, CRC.
            auto length_at = [&](size_t pos) {
                uint32_t len = 0;
                for (int i = 0; i < 4; ++i) len |= uint32_t(uint8_t(bad[pos + 9 + i])) << (8 * i);
                return len;
            };
            size_t pos = 8;
            for (size_t n = rng() % 40; n-- && pos + 13 <= bad.size();) pos += 13 + length_at(pos) + 4;
            if (pos + 13 > bad.size()) pos = 8;
            mutate(rng, bad, pos, std::min<size_t>(bad.size(), pos + 13 + length_at(pos)));
            const uint32_t len = length_at(pos);
            if (pos + 13 + uint64_t(len) + 4 <= bad.size()) {
                const uint32_t crc = replay::crc32(bad.data() + pos, 13 + len);
                for (int i = 0; i < 4; ++i) bad[pos + 13 + len + i] = char(crc >> (8 * i));
            }
        }
        write_file(path_, bad);
        return loaded_or_refused([&] { replay::read_log(path_); });
    }

private:
    std::string path_, good_;
};

// Lines the monitor reads: given whole to its command parser, or as a byte stream through its
// line assembly (erase characters, over-long lines, CR/LF) from a port.
class StreamPort : public monitor::Port {
public:
    explicit StreamPort(std::string bytes) : bytes_(std::move(bytes)) {}
    bool read(std::string& into, bool) override {
        into += bytes_;
        bytes_.clear();
        return false;
    }
    void write(const std::string& text) override { out += text; }
    std::string out;

private:
    std::string bytes_;
};

class MonitorTarget : public Target {
public:
    explicit MonitorTarget(std::string dir) : dir_(std::move(dir)), guest_(test::mid_transfer()) {
        if (guest_.run() != machine::EXIT_HALTED) throw std::logic_error("the monitor fuzzer's guest did not halt");
        seeds_ = {"info registers", "info replay", "info status", "x /16xb 0x7c00", "xp/4dw 0", "x/2g 0xffffffff",
                  "x/100000000000000000000xb 0", "xp /3c 0xb8000", "replay_break 100", "replay_seek 5",
                  "replay_delete_break", "help", "stop", "cont", "savevm " + dir_ + "/m.snap", "loadvm " + dir_ + "/m.snap"};
    }
    std::string run(Rng& rng, unsigned long c) override {
        std::string line = seeds_[rng() % seeds_.size()];
        if (c % 3 == 0) line = random_bytes(rng, rng() % 64);
        else mutate_text(rng, line, "0123456789abcdefx/ gwbhc");
        // Files go to the fuzzer's directory only, whatever a mutation made of the name.
        if (line.rfind("savevm", 0) == 0 || line.rfind("loadvm", 0) == 0) line = line.substr(0, 6) + " " + dir_ + "/m.snap";
        monitor::Monitor mon(std::make_unique<StreamPort>(""), {}, false, {});
        const std::string answer = mon.execute(*guest_.m, line);
        if (!printable_text(answer, 64 * 1024)) return "an answer that is not bounded printable text to: " + line;
        // The same bytes through the line assembly, some lines cut, erased or over-long.
        std::string stream = line;
        for (unsigned n = rng() % 3; n--;) stream += (rng() % 2 ? "\r\n" : "\x7f\x08") + seeds_[rng() % seeds_.size()];
        if (c % 5 == 0) stream += std::string(monitor::Monitor::MAX_LINE + rng() % 100, 'x');
        auto port = std::make_unique<StreamPort>(stream + "\ncont\n");
        StreamPort& p = *port;
        monitor::Monitor streamed(std::move(port), {}, false, {});
        streamed.at_stop(*guest_.m);
        if (!printable_text(p.out, 256 * 1024)) return "a served stream's answers are not bounded printable text";
        return "";
    }

private:
    std::string dir_;
    test::BootSectorMachine guest_;
    std::vector<std::string> seeds_;
};

class NullPort : public monitor::Port {
public:
    bool read(std::string&, bool) override { return false; }
    void write(const std::string&) override {}
};

// Bytes through the packet reader (whatever comes out is a packet whose checksum held) and
// packets through the stub (a reply within the packet size, the points within their bound),
// Z0 conditions among them; and conditions' bytecode evaluated against the stub's machine.
class RspTarget : public Target {
public:
    RspTarget() : stub_(std::make_unique<NullPort>(), *machine_config().cpu_model, true, {}, {}) {
        m_ = std::make_unique<machine::Machine>(machine_config());
        seeds_ = {"g", "G" + std::string(400, '0'), "p0", "P8=00100000", "P30=01", "m0,100", "mfffff000,2000",
                  "M400,4:01020304", "Mffffffff,2:0000", "X400,0:", std::string("X400,3:\x7d$\0", 10), "Z0,f000,1",
                  "z0,f000,1", "Z0,f000,1;X3,220127", "Z0,fff0,1;X7,26000822051327", "Z1,f000,1;X2,2127",
                  "Z2,500,4", "Z4,fffffffffffffff0,20", "z3,500,4", "qXfer:features:read:target.xml:0,ffb",
                  "qRcmd,696e666f207265676973746572", "qRcmd,7870202f347862203078666666663030", "vCont;s:1",
                  "vCont;c", "s", "c", "vCont?", "qSupported:multiprocess+;swbreak+", "?", "H g0", "qAttached", "T1",
                  "D", "bs", "bc"};
    }
    std::string run(Rng& rng, unsigned long c) override {
        switch (c % 3) {
        case 0: return reader(rng);
        case 1: return command(rng);
        default: return bytecode(rng);
        }
    }

private:
    static machine::Config machine_config() {
        machine::Config cfg;
        cfg.debugcon = nullptr;
        return cfg;
    }
    std::string reader(Rng& rng) {
        using gdbstub::PacketReader;
        std::string bytes = rng() % 2 ? random_bytes(rng, rng() % 200) : gdbstub::frame(seeds_[rng() % seeds_.size()]);
        if (!bytes.empty()) mutate(rng, bytes, 0, bytes.size());
        for (const char ch : bytes) {
            if (reader_.feed(ch) != PacketReader::Event::Packet) continue;
            const std::string p = reader_.payload();
            if (p.size() > PacketReader::MAX_PAYLOAD) return "a packet longer than the bound";
            // Framed again and read back it is the same: its checksum held.
            PacketReader again;
            std::string back;
            for (const char ch2 : gdbstub::frame(p))
                if (again.feed(ch2) == PacketReader::Event::Packet) back = again.payload();
            if (back != p) return "a packet that does not survive framing: " + gdbstub::to_hex(p);
        }
        return "";
    }
    std::string command(Rng& rng) {
        std::string p = seeds_[rng() % seeds_.size()];
        mutate_text(rng, p, "0123456789abcdef,:;=xX");
        const std::optional<std::string> a = stub_.handle(*m_, p);
        if (a && a->size() > 2 * gdbstub::PacketReader::MAX_PAYLOAD) return "an over-long reply to " + gdbstub::to_hex(p);
        if (m_->cpu.host_debug.breaks.size() > gdbstub::GdbStub::MAX_POINTS ||
            m_->cpu.host_debug.watches.size() > gdbstub::GdbStub::MAX_POINTS)
            return "more points than the bound";
        return "";
    }
    // Random bytecode, and mutated conditions gdb sends ($ecx == 5, *(int *)0x500 < 3): what
    // parses runs to a value or an error within its bounds.
    std::string bytecode(Rng& rng) {
        static const std::string SEEDS[] = {std::string("\x26\x00\x01\x22\x05\x13\x27", 7),
                                            std::string("\x22\x05\x00\x00\x19\x22\x03\x14\x27", 9),
                                            std::string("\x22\x01\x20\x00\x00\x27", 6)};
        std::string code = SEEDS[rng() % std::size(SEEDS)];
        if (rng() % 2) code = random_bytes(rng, 1 + rng() % 64);
        else mutate(rng, code, 0, code.size());
        const std::optional<gdbstub::AgentExpr> e = gdbstub::AgentExpr::parse(code);
        if (!e) return "";
        const gdbstub::AgentExpr::Target t{[](unsigned n, uint64_t& v) { v = n * 0x1111; return n < 60; },
                                           [this](uint64_t addr, unsigned size, uint64_t& v) {
                                               v = 0;
                                               for (unsigned i = size; i-- > 0;) {
                                                   uint8_t b;
                                                   if (!monitor::peek_byte(*m_, addr + i, false, b)) return false;
                                                   v = v << 8 | b;
                                               }
                                               return true;
                                           }};
        e->eval(t);
        return "";
    }

    std::unique_ptr<machine::Machine> m_;
    gdbstub::GdbStub stub_;
    gdbstub::PacketReader reader_;
    std::vector<std::string> seeds_;
};

}  // namespace

int main(int argc, char** argv) {
    unsigned long cases = 1000, seed = 1;
    std::string which = "all";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i], value = argv[i + 1];
        if (a == "--cases") cases = std::strtoul(value.c_str(), nullptr, 0);
        else if (a == "--seed") seed = std::strtoul(value.c_str(), nullptr, 0);
        else if (a == "--target" && (value == "all" || value == "monitor" || value == "log" || value == "snapshot" || value == "rsp"))
            which = value;
        else {
            std::fprintf(stderr, "usage: jitpc-parse-fuzz [--cases N] [--seed S] [--target all|monitor|log|snapshot|rsp]\n");
            return 1;
        }
    }
    char dir_template[] = "/tmp/jitpc-parse-fuzz-XXXXXX";
    if (!::mkdtemp(dir_template)) {
        std::perror("jitpc-parse-fuzz: mkdtemp");
        return 1;
    }
    const std::string dir = dir_template;
    ::signal(SIGALRM, hung);
    const char* const names[] = {"monitor", "log", "snapshot", "rsp"};
    unsigned long passed = 0, failed = 0;
    for (unsigned t = 0; t < std::size(names); ++t) {
        if (which != "all" && which != names[t]) continue;
        current_target = names[t];
        std::unique_ptr<Target> target;
        switch (t) {
        case 0: target = std::make_unique<MonitorTarget>(dir); break;
        case 1: target = std::make_unique<LogTarget>(dir); break;
        case 2: target = std::make_unique<SnapshotTarget>(); break;
        default: target = std::make_unique<RspTarget>(); break;
        }
        for (unsigned long c = 0; c < cases; ++c) {
            current_case = c;
            Rng rng(seed * 1000003 + c * 4 + t);
            ::alarm(CASE_LIMIT);
            std::string problem;
            try {
                problem = target->run(rng, c);
            } catch (const std::exception& e) {
                problem = std::string("an exception escaped: ") + e.what();
            }
            ::alarm(0);
            if (problem.empty()) {
                ++passed;
            } else {
                ++failed;
                std::printf("%s case %lu (seed %lu): %s\n", names[t], c, seed, problem.c_str());
            }
        }
    }
    std::filesystem::remove_all(dir);
    std::printf("%lu passed, %lu failed\n", passed, failed);
    return failed ? 1 : 0;
}
