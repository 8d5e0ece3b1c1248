// The gdbstub's packet layer (framing round-trips, bad packets refused), X's binary data and Z0's
// conditions: gdb's agent expressions, evaluated by the stub, bounded against hostile bytecode.
// Random and mutated packets are jitpc-parse-fuzz's (tests/fuzz/parse_fuzz.cpp).
#include <doctest/doctest.h>

#include <optional>
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

namespace {

using gdbstub::AgentExpr;

std::optional<AgentExpr> bytecode(std::initializer_list<uint8_t> b) { return AgentExpr::parse(std::string(b.begin(), b.end())); }

// Registers n hold n * 0x10; memory at 0x500 holds 0xFFFFFFF5 (-11 as 32 bits), nothing else.
std::optional<uint64_t> eval(std::initializer_list<uint8_t> b) {
    const std::optional<AgentExpr> e = bytecode(b);
    REQUIRE(e);
    return e->eval({[](unsigned n, uint64_t& v) { v = n * 0x10; return n < 16; },
                    [](uint64_t addr, unsigned size, uint64_t& v) {
                        if (addr != 0x500 || size > 4) return false;
                        v = 0xFFFFFFF5ull & (size == 4 ? ~0ull : (1ull << 8 * size) - 1);
                        return true;
                    }});
}

// A port that answers a wait with gdb's continue, counting the waits: the stops.
class ContinuePort : public monitor::Port {
public:
    bool read(std::string& into, bool wait) override {
        if (wait) {
            ++stops;
            into += gdbstub::frame("c");
        }
        return true;
    }
    void write(const std::string&) override {}
    int stops = 0;
};

}  // namespace

TEST_CASE("gdbstub: agent expressions compute as gdb's bytecode describes") {
    CHECK(eval({0x26, 0, 3, 0x22, 0x30, 0x13, 0x27}) == 1);              // reg 3 == 0x30
    CHECK(eval({0x26, 0, 3, 0x22, 0x31, 0x13, 0x27}) == 0);
    CHECK(eval({0x24, 0, 0, 5, 0, 0x19, 0x16, 32, 0x22, 3, 0x14, 0x27}) == 1);  // (int)*0x500 < 3
    CHECK(eval({0x24, 0, 0, 5, 0, 0x19, 0x22, 3, 0x14, 0x27}) == 0);            // unextended: not below
    CHECK(eval({0x24, 0, 0, 5, 0, 0x17, 0x27}) == 0xF5);                        // ref8
    CHECK(eval({0x25, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x22, 0xFF, 0x16, 8, 0x05, 0x27}) == 0x8000000000000000ull);  // MIN / -1 wraps
    CHECK(eval({0x22, 7, 0x22, 3, 0x07, 0x27}) == 1);                    // rem_signed
    CHECK(eval({0x22, 1, 0x22, 70, 0x09, 0x27}) == 0);                   // a shift past 63
    CHECK(eval({0x22, 0xF0, 0x2A, 4, 0x27}) == 0);                       // zero_ext 4
    CHECK(eval({0x22, 1, 0x22, 2, 0x22, 3, 0x33, 0x29, 0x27}) == 1);     // rot: 3 1 2, pop: 3 1
    CHECK(eval({0x22, 1, 0x22, 2, 0x32, 1, 0x27}) == 1);                 // pick 1
    CHECK(eval({0x22, 1, 0x22, 2, 0x2B, 0x03, 0x27}) == 1);              // swap, sub: 2 - 1
    CHECK(eval({0x22, 0, 0x20, 0, 7, 0x22, 9, 0x27, 0x22, 8, 0x27}) == 9);  // if_goto not taken
    CHECK(eval({0x22, 1, 0x20, 0, 8, 0x22, 9, 0x27, 0x22, 8, 0x27}) == 8);  // taken
}

TEST_CASE("gdbstub: hostile bytecode is refused or ends in an error within its bounds") {
    CHECK_FALSE(bytecode({}));
    CHECK_FALSE(bytecode({0x01, 0x27}));                // float
    CHECK_FALSE(bytecode({0x22, 1, 0x0C, 0x27}));       // trace
    CHECK_FALSE(bytecode({0x22, 1, 0x34, 0x27}));       // printf
    CHECK_FALSE(bytecode({0x2C, 0, 1, 0x27}));          // getv: no trace state variables
    CHECK_FALSE(bytecode({0xFF}));
    CHECK_FALSE(bytecode({0x24, 1, 2}));                // const32 cut short
    CHECK_FALSE(bytecode({0x21, 0, 1, 0x27}));          // goto into goto's operand
    CHECK_FALSE(bytecode({0x21, 0x10, 0, 0x27}));       // goto past the end
    CHECK_FALSE(bytecode({0x22, 1, 0x16, 0, 0x27}));    // ext 0
    CHECK_FALSE(bytecode({0x22, 1, 0x2A, 65, 0x27}));   // zero_ext 65
    CHECK(eval({0x21, 0, 0}) == std::nullopt);          // goto itself: the steps run out
    CHECK(eval({0x22, 1, 0x28, 0x21, 0, 2}) == std::nullopt);  // dup for ever: the stack is full
    CHECK(eval({0x02, 0x27}) == std::nullopt);          // add on an empty stack
    CHECK(eval({0x27}) == std::nullopt);                // end with nothing on it
    CHECK(eval({0x22, 1}) == std::nullopt);             // no end
    CHECK(eval({0x22, 1, 0x22, 0, 0x06, 0x27}) == std::nullopt);  // division by zero
    CHECK(eval({0x22, 1, 0x32, 200, 0x27}) == std::nullopt);      // pick below the stack
    CHECK(eval({0x26, 0, 99, 0x27}) == std::nullopt);   // no such register
    CHECK(eval({0x22, 0x40, 0x19, 0x27}) == std::nullopt);        // unreadable memory
}

TEST_CASE("gdbstub: Z0 conditions are taken, checked, and stop the guest only when one holds") {
    machine::Config cfg;
    cfg.debugcon = nullptr;
    machine::Machine m(cfg);
    auto port = std::make_unique<ContinuePort>();
    ContinuePort& p = *port;
    gdbstub::GdbStub stub(std::move(port), *cfg.cpu_model, false, {}, {});
    CHECK(stub.handle(m, "qSupported")->find("ConditionalBreakpoints+") != std::string::npos);
    const uint64_t at = m.cpu.code_linear();
    char addr[32];
    std::snprintf(addr, sizeof addr, "%llx", static_cast<unsigned long long>(at));
    const std::string z0 = std::string("Z0,") + addr + ",1";
    CHECK(stub.handle(m, z0 + ";X3,2201") == "E01");       // fewer bytes than its length
    CHECK(stub.handle(m, z0 + ";X2,2401") == "E01");       // const32 cut short
    CHECK(stub.handle(m, z0 + ";Xq,2201") == "E01");
    CHECK(stub.handle(m, "Z2,500,4;X3,220127") == "E01");  // watchpoints take none
    CHECK(m.cpu.host_debug.breaks.empty());
    // eax == 5, or an expression that cannot finish: its error stops, as gdbserver's does.
    CHECK(stub.handle(m, z0 + ";X7,26000022051327") == "OK");
    auto reach = [&](uint32_t eax) {
        m.cpu.gpr[cpu::EAX] = eax;
        m.cpu.host_debug.hit = cpu::HostDebug::Hit::Break;
        const int before = p.stops;
        stub.at_stop(m);
        return p.stops > before;
    };
    CHECK_FALSE(reach(4));
    CHECK(m.cpu.host_debug.hit == cpu::HostDebug::Hit::None);
    CHECK(m.cpu.host_debug.resume_at == at);  // past it without stopping
    CHECK(reach(5));
    CHECK(stub.handle(m, z0 + ";X7,26000022051327;X3,210000") == "OK");  // the same point, new conditions
    CHECK(m.cpu.host_debug.breaks.size() == 1);
    CHECK(reach(4));
    CHECK(stub.handle(m, z0) == "OK");  // no condition: always
    CHECK(reach(4));
    CHECK(stub.handle(m, "z0," + std::string(addr) + ",1") == "OK");
    CHECK(m.cpu.host_debug.breaks.empty());
}
