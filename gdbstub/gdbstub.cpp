#include "gdbstub/gdbstub.h"

#include <algorithm>

#include "machine/machine.h"

namespace jitpc::gdbstub {

namespace {

using cpu::HostDebug;

// The monitor behind qRcmd answers through the packet, not a port of its own.
class NoPort : public monitor::Port {
public:
    bool read(std::string&, bool) override { return false; }
    void write(const std::string&) override {}
};

std::string hex_byte(unsigned v) { return to_hex(reinterpret_cast<const uint8_t*>(&v), 1); }

// "A,B" (or "A,B:rest") of hex numbers; `rest` gets what follows the colon.
bool two_numbers(const std::string& s, uint64_t& a, uint64_t& b, std::string* rest = nullptr) {
    const size_t comma = s.find(',');
    if (comma == std::string::npos) return false;
    const size_t colon = rest ? s.find(':', comma) : std::string::npos;
    if (rest && colon == std::string::npos) return false;
    if (rest) *rest = s.substr(colon + 1);
    return parse_hex(s.substr(0, comma), a) && parse_hex(s.substr(comma + 1, colon == std::string::npos ? colon : colon - comma - 1), b);
}

}  // namespace

GdbStub::GdbStub(std::unique_ptr<monitor::Port> port, const cpu::CpuModel& model, bool stopped,
                 monitor::ReplayMode replay, std::vector<std::string> args)
    : port_(std::move(port)), regs_(model), monitor_(std::make_unique<NoPort>(), std::move(replay), false, std::move(args)),
      stopped_(stopped) {}

uint64_t GdbStub::next_stop() const {
    if (stopped_ || (debug_ && debug_->hit != HostDebug::Hit::None)) return 0;
    return std::min(poll_at_, step_to_);
}

int GdbStub::at_stop(machine::Machine& m) {
    debug_ = &m.cpu.host_debug;
    poll_at_ = m.cpu.icount + SLICE;
    if (!stopped_ && (m.cpu.host_debug.hit != HostDebug::Hit::None || m.cpu.icount >= step_to_)) stop(m, 5);
    serve(m, false);
    while (stopped_ && !quit_) serve(m, true);
    return quit_ ? 0 : GO_ON;
}

int GdbStub::ended(machine::Machine& m, int status) {
    (void)m;
    if (client_ && !quit_) send(std::string("W").append(hex_byte(unsigned(status) & 0xFF)));
    return status;
}

void GdbStub::send(const std::string& payload) {
    last_sent_ = frame(payload);
    port_->write(last_sent_);
}

void GdbStub::stop(machine::Machine& m, int signal) {
    stopped_ = true;
    step_to_ = UINT64_MAX;
    signal_ = signal;
    if (client_) send(stop_reply(m));
}

// Breakpoints are armed again on every resume: a snapshot or seek may have brought back
// CpuState's armed bits of another time.
void GdbStub::resume(machine::Machine& m, bool step) {
    HostDebug& d = m.cpu.host_debug;
    d.hit = HostDebug::Hit::None;
    d.resume_at = m.cpu.code_linear();
    m.cpu.debug_regs_changed();
    step_to_ = step ? m.cpu.icount + 1 : UINT64_MAX;
    poll_at_ = m.cpu.icount + SLICE;
    stopped_ = false;
}

void GdbStub::forget_client(machine::Machine& m) {
    m.cpu.host_debug.breaks.clear();
    m.cpu.host_debug.watches.clear();
    resume(m, false);
    reader_ = PacketReader();
    ack_ = true;
}

void GdbStub::serve(machine::Machine& m, bool wait) {
    std::string in;
    port_->read(in, wait);
    if (port_->new_client()) {
        // gdb takes a target it connects to as stopped: stop the guest here.
        client_ = true;
        forget_client(m);
        stopped_ = true;
        signal_ = 5;
    }
    if (client_ && !port_->connected()) {
        client_ = false;
        forget_client(m);
        return;
    }
    for (const char c : in) {
        switch (reader_.feed(c)) {
        case PacketReader::Event::Packet: {
            if (ack_) port_->write("+");
            if (const std::optional<std::string> reply = handle(m, reader_.payload())) send(*reply);
            break;
        }
        case PacketReader::Event::BadPacket:
            if (ack_) port_->write("-");
            break;
        case PacketReader::Event::Nak:
            if (ack_) port_->write(last_sent_);
            break;
        case PacketReader::Event::Interrupt:
            if (!stopped_) stop(m, 2);
            break;
        case PacketReader::Event::Ack:
        case PacketReader::Event::None: break;
        }
        if (quit_) return;
    }
}

std::string GdbStub::stop_reply(machine::Machine& m) const {
    std::string r = std::string("T").append(hex_byte(unsigned(signal_)));
    const HostDebug& d = m.cpu.host_debug;
    if (d.hit == HostDebug::Hit::Watch) {
        static constexpr const char* KIND[3] = {"watch", "rwatch", "awatch"};
        char addr[24];
        std::snprintf(addr, sizeof addr, "%llx", static_cast<unsigned long long>(d.watched.addr));
        r.append(KIND[unsigned(d.watched.kind)]).append(":").append(addr).append(";");
    }
    return r + "thread:1;";
}

std::optional<std::string> GdbStub::handle(machine::Machine& m, const std::string& p) {
    if (p.empty()) return "";
    const std::string args = p.substr(1);
    switch (p[0]) {
    case '?': return stop_reply(m);
    case 'q':
    case 'Q': return query(m, p);
    case 'v': return v_packet(m, p);
    case 'H':
    case 'T': return "OK";  // one thread, always alive
    case 'g': {
        std::string out;
        for (const Register& r : regs_.list()) out += to_hex(regs_.read(m.cpu, r));
        return out;
    }
    case 'G': return write_registers(m, args);
    case 'p': {
        uint64_t n;
        if (!parse_hex(args, n) || n >= regs_.list().size()) return "E00";
        return to_hex(regs_.read(m.cpu, regs_.list()[n]));
    }
    case 'P': return write_register(m, args);
    case 'm': return read_memory(m, args);
    case 'M': return write_memory(m, args);
    case 'Z':
    case 'z': return point(m, args, p[0] == 'Z');
    case 'c':
    case 'C':
    case 's':
    case 'S':  // a resume address or signal is not supported: gdb sends neither to us
        if (args.size() && p[0] != 'C' && p[0] != 'S') return "E01";
        resume(m, p[0] == 's' || p[0] == 'S');
        return std::nullopt;
    case 'k':
        quit_ = true;
        return std::nullopt;
    case 'D':
        forget_client(m);
        return "OK";
    default: return "";
    }
}

std::string GdbStub::query(machine::Machine& m, const std::string& p) {
    if (p.rfind("qSupported", 0) == 0)
        return "PacketSize=1000;qXfer:features:read+;QStartNoAckMode+;vContSupported+";  // 4096 bytes
    if (p == "QStartNoAckMode") {
        ack_ = false;  // after this answer, which gdb still acknowledges
        return "OK";
    }
    if (p == "qAttached") return "1";
    if (p == "qC") return "QC1";
    if (p == "qfThreadInfo") return "m1";
    if (p == "qsThreadInfo") return "l";
    static const std::string XFER = "qXfer:features:read:target.xml:";
    if (p.rfind(XFER, 0) == 0) {
        uint64_t off, len;
        if (!two_numbers(p.substr(XFER.size()), off, len)) return "E00";
        const std::string& xml = regs_.target_xml();
        if (off >= xml.size()) return "l";
        len = std::min<uint64_t>(len, PacketReader::MAX_PAYLOAD / 2);
        return std::string(off + len >= xml.size() ? "l" : "m").append(xml, off, len);
    }
    if (p.rfind("qXfer:", 0) == 0) return "E00";
    if (p.rfind("qRcmd,", 0) == 0) {
        std::string line;
        if (!from_hex(p.substr(6), line)) return "E01";
        const std::string out = monitor_.execute(m, line);
        if (monitor_.quit()) quit_ = true;
        return out.empty() ? "OK" : to_hex(out);
    }
    return "";
}

std::optional<std::string> GdbStub::v_packet(machine::Machine& m, const std::string& p) {
    if (p == "vCont?") return "vCont;c;C;s;S";
    if (p.rfind("vCont;", 0) == 0) {
        // One thread: the first action applies to it.
        const char action = p.size() > 6 ? p[6] : 0;
        if (action != 'c' && action != 'C' && action != 's' && action != 'S') return "E01";
        resume(m, action == 's' || action == 'S');
        return std::nullopt;
    }
    return "";
}

std::string GdbStub::read_memory(machine::Machine& m, const std::string& args) {
    uint64_t addr, len;
    if (!two_numbers(args, addr, len) || len > PacketReader::MAX_PAYLOAD / 2) return "E01";
    std::string out;
    for (uint64_t i = 0; i < len; ++i) {
        uint8_t b;
        if (!monitor::peek_byte(m, addr + i, false, b)) break;
        out += hex_byte(b);
    }
    return out.empty() && len ? "E14" : out;
}

// Bytes written at linear addresses as a DMA write would reach them: through the physical map,
// which drops decoded code they change; RAM only.
std::string GdbStub::write_memory(machine::Machine& m, const std::string& args) {
    uint64_t addr, len;
    std::string hex, bytes;
    if (!two_numbers(args, addr, len, &hex) || !from_hex(hex, bytes) || bytes.size() != len) return "E01";
    std::vector<memory::PhysAddr> phys(len);
    for (uint64_t i = 0; i < len; ++i) {
        if (!m.cpu.mmu.peek(addr + i, phys[i]) || phys[i] >= memory::PHYS_LIMIT || !m.mem.is_ram(phys[i])) return "E14";
    }
    for (uint64_t i = 0; i < len; ++i) m.mem.write_bytes(phys[i], &bytes[i], 1);
    return "OK";
}

std::string GdbStub::point(machine::Machine& m, const std::string& args, bool insert) {
    uint64_t type, addr, kind;
    if (args.size() < 2 || args[1] != ',' || !parse_hex(args.substr(0, 1), type) || type > 4) return "";
    const std::string rest = args.substr(2);
    const size_t semi = rest.find(';');  // conditions and commands (Z0 extensions) are not taken
    if (!two_numbers(rest.substr(0, semi), addr, kind) || semi != std::string::npos) return "E01";
    HostDebug& d = m.cpu.host_debug;
    if (type <= 1) {
        auto it = std::find(d.breaks.begin(), d.breaks.end(), addr);
        if (insert && d.breaks.size() >= MAX_POINTS) return "E02";
        if (insert) d.breaks.push_back(addr);
        else if (it != d.breaks.end()) d.breaks.erase(it);
    } else {
        if (kind == 0 || addr + kind < addr) return "E01";
        const HostDebug::Watch w{addr, kind, HostDebug::Kind(type - 2)};
        auto it = std::find(d.watches.begin(), d.watches.end(), w);
        if (insert && d.watches.size() >= MAX_POINTS) return "E02";
        if (insert) d.watches.push_back(w);
        else if (it != d.watches.end()) d.watches.erase(it);
    }
    m.cpu.debug_regs_changed();
    return "OK";
}

std::string GdbStub::write_registers(machine::Machine& m, const std::string& hex) {
    std::string bytes;
    if (!from_hex(hex, bytes)) return "E01";
    size_t at = 0;
    bool all = true;
    for (const Register& r : regs_.list()) {
        if (at + r.bits / 8 > bytes.size()) break;  // gdb may send fewer than all
        all &= regs_.write(m.cpu, r, bytes.substr(at, r.bits / 8));
        at += r.bits / 8;
    }
    return all ? "OK" : "E01";
}

std::string GdbStub::write_register(machine::Machine& m, const std::string& args) {
    const size_t eq = args.find('=');
    uint64_t n;
    std::string bytes;
    if (eq == std::string::npos || !parse_hex(args.substr(0, eq), n) || n >= regs_.list().size() ||
        !from_hex(args.substr(eq + 1), bytes))
        return "E01";
    return regs_.write(m.cpu, regs_.list()[n], bytes) ? "OK" : "E01";
}

}  // namespace jitpc::gdbstub
