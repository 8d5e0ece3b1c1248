// The gdbstub's packet layer and command handling under random and mutated input: framing
// round-trips, nothing grows past its bound, and no packet crashes or wedges the stub.
#include <doctest/doctest.h>

#include <random>

#include "gdbstub/gdbstub.h"
#include "machine/machine.h"

using namespace jitpc;
using gdbstub::PacketReader;

namespace {

class NullPort : public monitor::Port {
public:
    bool read(std::string&, bool) override { return false; }
    void write(const std::string&) override {}
};

// Feeds `bytes`; returns the payloads of the packets that came out whole.
std::vector<std::string> feed_all(PacketReader& r, const std::string& bytes, int* bad = nullptr) {
    std::vector<std::string> out;
    for (const char c : bytes) {
        const PacketReader::Event e = r.feed(c);
        if (e == PacketReader::Event::Packet) out.push_back(r.payload());
        if (e == PacketReader::Event::BadPacket && bad) ++*bad;
        CHECK(r.payload().size() <= PacketReader::MAX_PAYLOAD);
    }
    return out;
}

std::string random_bytes(std::mt19937& rng, size_t n, bool printable) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += char(printable ? 0x20 + rng() % 0x5F : rng() % 256);
    return s;
}

}  // namespace

TEST_CASE("gdbstub: framed packets come back as they were, escapes and all") {
    std::mt19937 rng(14);
    PacketReader r;
    for (int i = 0; i < 2000; ++i) {
        const std::string payload = random_bytes(rng, rng() % 300, false);
        const std::vector<std::string> got = feed_all(r, gdbstub::frame(payload));
        REQUIRE(got.size() == 1);
        CHECK(got[0] == payload);
    }
}

TEST_CASE("gdbstub: a wrong checksum, a cut or an over-long packet is refused, and the next one is read") {
    PacketReader r;
    int bad = 0;
    CHECK(feed_all(r, "$g#00", &bad).empty());
    CHECK(bad == 1);
    CHECK(feed_all(r, "$g#6", &bad).empty());
    CHECK(feed_all(r, "$g#67", &bad) == std::vector<std::string>{"g"});  // '$' ended the cut one
    CHECK(bad == 2);
    const std::string long_one = gdbstub::frame(std::string(PacketReader::MAX_PAYLOAD + 1, 'A'));
    bad = 0;
    CHECK(feed_all(r, long_one, &bad).empty());
    CHECK(bad == 1);
    CHECK(feed_all(r, gdbstub::frame("?")) == std::vector<std::string>{"?"});
    CHECK(r.feed('\x03') == PacketReader::Event::Interrupt);
    CHECK(r.feed('+') == PacketReader::Event::Ack);
    CHECK(r.feed('-') == PacketReader::Event::Nak);
}

TEST_CASE("gdbstub: random and mutated bytes never yield a packet whose checksum does not hold") {
    std::mt19937 rng(1414);
    PacketReader r;
    const std::vector<std::string> seeds = {"qSupported:multiprocess+;swbreak+", "m100000,40", "M100000,2:abcd",
                                            "Z0,100000,1", "vCont;s:1", "p8", "G00", "qXfer:features:read:target.xml:0,ffb"};
    for (int i = 0; i < 20000; ++i) {
        std::string bytes = i % 2 ? random_bytes(rng, rng() % 200, i % 4 == 1) : gdbstub::frame(seeds[rng() % seeds.size()]);
        for (int k = rng() % 4; k > 0 && !bytes.empty(); --k) bytes[rng() % bytes.size()] = char(rng());
        for (const std::string& p : feed_all(r, bytes)) {
            // Whatever came out was framed with a matching checksum: framing it again and
            // reading it back gives the same payload.
            PacketReader again;
            CHECK(feed_all(again, gdbstub::frame(p)) == std::vector<std::string>{p});
        }
    }
}

TEST_CASE("gdbstub: random and mutated commands get a bounded answer and leave the machine usable") {
    std::mt19937 rng(0x6DB);
    machine::Config cfg;
    cfg.debugcon = nullptr;
    machine::Machine m(cfg);
    gdbstub::GdbStub stub(std::make_unique<NullPort>(), *cfg.cpu_model, true, {}, {});
    const std::vector<std::string> seeds = {"g", "G" + std::string(400, '0'), "p0", "P8=00100000", "P30=01",
                                            "m0,100", "mfffff000,2000", "M400,4:01020304", "Mffffffff,2:0000", "X400,0:",
                                            std::string("X400,3:\x7d$\0", 10),
                                            "Z0,f000,1", "z0,f000,1", "Z2,500,4", "Z4,fffffffffffffff0,20", "z3,500,4",
                                            "qXfer:features:read:target.xml:0,ffb", "qRcmd,696e666f207265676973746572",
                                            "qRcmd,7870202f347862203078666666663030", "vCont;s:1", "vCont;c", "s", "c",
                                            "vCont?", "qSupported", "?", "H g0", "qAttached", "T1", "D"};
    for (int i = 0; i < 20000; ++i) {
        std::string p = seeds[rng() % seeds.size()];
        for (int k = rng() % 4; k > 0; --k) {
            const size_t at = rng() % (p.size() + 1);
            if (rng() % 2 && at < p.size()) p[at] = char(rng() % 2 ? rng() : "0123456789abcdef,:;=x"[rng() % 21]);
            else p.insert(at, 1, "0123456789abcdef,:;"[rng() % 19]);
        }
        const std::optional<std::string> a = stub.handle(m, p);
        if (a) CHECK(a->size() <= 2 * PacketReader::MAX_PAYLOAD);
        CHECK(m.cpu.host_debug.breaks.size() <= gdbstub::GdbStub::MAX_POINTS);
        CHECK(m.cpu.host_debug.watches.size() <= gdbstub::GdbStub::MAX_POINTS);
    }
    // Still a machine that runs.
    m.cpu.host_debug = {};
    m.cpu.debug_regs_changed();
    CHECK(stub.handle(m, "p8").has_value());
}

TEST_CASE("gdbstub: X writes its bytes as they come, the ones the framing escapes included") {
    machine::Config cfg;
    cfg.debugcon = nullptr;
    machine::Machine m(cfg);
    gdbstub::GdbStub stub(std::make_unique<NullPort>(), *cfg.cpu_model, true, {}, {});
    CHECK(stub.handle(m, "X500,0:") == "OK");  // gdb's probe for the packet
    // What gdb sends for 7D 23 24 2A 00 FF, escaped: the reader gives the payload back unescaped.
    PacketReader r;
    const std::vector<std::string> packets = feed_all(r, gdbstub::frame(std::string("X500,6:}#$*\0\xff", 13)));
    REQUIRE(packets.size() == 1);
    CHECK(stub.handle(m, packets[0]) == "OK");
    CHECK(stub.handle(m, "m500,6") == "7d23242a00ff");
    CHECK(stub.handle(m, "X500,2:a") == "E01");           // fewer bytes than the length says
    CHECK(stub.handle(m, "Xffffffff,2:ab") == "E14");     // not RAM
}
