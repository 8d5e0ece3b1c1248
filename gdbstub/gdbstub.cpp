#include "gdbstub/gdbstub.h"

#include <algorithm>
#include <charconv>
#include <sstream>

#include "jit/engine.h"
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

// A decimal or 0x-prefixed count, as the monitor takes them.
bool count_of(const std::string& s, uint64_t& v) {
    const bool hex = s.rfind("0x", 0) == 0;
    const char* first = s.data() + (hex ? 2 : 0);
    const char* last = s.data() + s.size();
    const auto [end, ec] = std::from_chars(first, last, v, hex ? 16 : 10);
    return first != last && ec == std::errc() && end == last;
}

// The points changed: CpuState's armed bits follow, and the JIT forgets the indirect-branch
// targets it knows, which may be in a page that holds a breakpoint now (cpu/host_debug.h).
void arm(machine::Machine& m) {
    m.cpu.debug_regs_changed();
    if (m.jit) m.jit->forget_indirect();
}

}  // namespace

GdbStub::GdbStub(std::unique_ptr<monitor::Port> port, const cpu::CpuModel& model, bool stopped,
                 monitor::ReplayMode replay, std::vector<std::string> args)
    : port_(std::move(port)), regs_(model), monitor_(std::make_unique<NoPort>(), std::move(replay), false, std::move(args)),
      stopped_(stopped), timeline_(replay.timeline) {}  // (a moved ReplayMode keeps its pointer)

uint64_t GdbStub::next_stop() const {
    if (stopped_ || (debug_ && debug_->hit != HostDebug::Hit::None)) return 0;
    if (travel_ != Travel::None) return travel_to_;
    return std::min({poll_at_, step_to_, stop_at_end_ ? timeline_->end() : UINT64_MAX});
}

int GdbStub::at_stop(machine::Machine& m) {
    debug_ = &m.cpu.host_debug;
    if (!stopped_ && debug_->hit == HostDebug::Hit::Break && !condition_holds(m)) {  // on, past it
        m.cpu.host_debug.hit = HostDebug::Hit::None;
        m.cpu.host_debug.resume_at = m.cpu.code_linear();
    }
    poll_at_ = m.cpu.icount + SLICE;
    if (travel_ == Travel::Scan) {
        scan_stop(m);
    } else if (travel_ == Travel::Seek) {
        if (m.cpu.icount >= travel_to_) arrive(m);
    } else if (!stopped_ && (m.cpu.host_debug.hit != HostDebug::Hit::None || m.cpu.icount >= step_to_)) {
        stop(m, 5);
    } else if (!stopped_ && stop_at_end_ && m.cpu.icount >= timeline_->end()) {
        replaylog_ = "end";
        stop(m, 5);
    }
    if (travel_ != Travel::None) return GO_ON;  // packets wait until the machine has arrived
    serve(m, false);
    while (stopped_ && !quit_ && travel_ == Travel::None) serve(m, true);
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
    arm(m);
    step_to_ = step ? m.cpu.icount + 1 : UINT64_MAX;
    poll_at_ = m.cpu.icount + SLICE;
    stopped_ = false;
    replaylog_.clear();
    stop_at_end_ = timeline_ && m.cpu.icount < timeline_->end();
}

uint64_t GdbStub::log_begin() const {
    const std::vector<replay::Timeline::Checkpoint> c = timeline_->checkpoints();
    return c.empty() ? 0 : c[0].count;
}

// The points are set aside while the machine runs to `count`: a seek stops nowhere else.
void GdbStub::travel(machine::Machine& m, uint64_t count, std::string reply) {
    // Before the first checkpoint (the stub comes first at count 0) only ahead is possible.
    const bool none_yet = timeline_->checkpoints().empty() && m.cpu.icount <= count;
    const uint64_t at = none_yet ? m.cpu.icount : timeline_->rewind(m, count);
    HostDebug& d = m.cpu.host_debug;
    saved_breaks_ = std::move(d.breaks);
    saved_watches_ = std::move(d.watches);
    d = HostDebug();
    arm(m);
    arrive_reply_ = std::move(reply);
    travel_ = Travel::Seek;
    travel_to_ = count;
    stopped_ = false;
    if (at >= count) arrive(m);
}

void GdbStub::arrive(machine::Machine& m) {
    travel_ = Travel::None;
    HostDebug& d = m.cpu.host_debug;
    d.breaks = std::move(saved_breaks_);
    d.watches = std::move(saved_watches_);
    saved_breaks_.clear();
    saved_watches_.clear();
    arm(m);
    if (found_) {  // for the stop reply
        d.hit = found_->hit;
        d.watched = found_->watched;
        found_.reset();
    }
    stopped_ = true;
    signal_ = 5;
    step_to_ = UINT64_MAX;
    send(arrive_reply_.empty() ? stop_reply(m) : arrive_reply_);
    arrive_reply_.clear();
}

void GdbStub::reverse_step(machine::Machine& m) {
    if (m.cpu.icount <= log_begin()) {
        replaylog_ = "begin";
        stopped_ = true;
        send(stop_reply(m));
        return;
    }
    travel(m, m.cpu.icount - 1, "");
}

// Runs [the checkpoint before `count`, `count`) again with the points armed.
void GdbStub::scan_before(machine::Machine& m, uint64_t count) {
    if (count <= log_begin()) {
        replaylog_ = "begin";
        travel(m, log_begin(), "");
        return;
    }
    scan_from_ = timeline_->rewind(m, count - 1);
    travel_ = Travel::Scan;
    travel_to_ = count;
    stopped_ = false;
    HostDebug& d = m.cpu.host_debug;
    d.hit = HostDebug::Hit::None;
    d.resume_at = UINT64_MAX;
    arm(m);
}

void GdbStub::scan_stop(machine::Machine& m) {
    HostDebug& d = m.cpu.host_debug;
    if (d.hit != HostDebug::Hit::None) {  // noted, and the scan runs on
        const bool brk = d.hit == HostDebug::Hit::Break;
        found_ = Hit{brk ? m.cpu.icount : m.cpu.icount - 1, d.hit, d.watched};
        if (brk) d.resume_at = m.cpu.code_linear();
        d.hit = HostDebug::Hit::None;
        return;
    }
    if (m.cpu.icount < travel_to_) return;
    if (found_) travel(m, found_->count, "");
    else scan_before(m, scan_from_);
}

void GdbStub::forget_client(machine::Machine& m) {
    m.cpu.host_debug.breaks.clear();
    conditions_.clear();
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
    if (!replaylog_.empty()) r.append("replaylog:").append(replaylog_).append(";");
    return r + "thread:1;";
}

std::optional<std::string> GdbStub::handle(machine::Machine& m, const std::string& p) {
    if (p.empty()) return "";
    const std::string args = p.substr(1);
    switch (p[0]) {
    case '?': return stop_reply(m);
    case 'q':
    case 'Q': return query(m, p);
    case 'b':
        if (!timeline_ || (p != "bs" && p != "bc")) return "";
        found_.reset();
        try {
            if (p == "bs") reverse_step(m);
            else scan_before(m, m.cpu.icount);
        } catch (const std::runtime_error&) {  // no checkpoint: nothing has changed
            return "E01";
        }
        return std::nullopt;
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
    case 'M':
    case 'X': return write_memory(m, args, p[0] == 'X');
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

std::optional<std::string> GdbStub::query(machine::Machine& m, const std::string& p) {
    if (p.rfind("qSupported", 0) == 0)
        return std::string("PacketSize=1000;qXfer:features:read+;QStartNoAckMode+;vContSupported+;ConditionalBreakpoints+")  // 4096 bytes
            .append(timeline_ ? ";ReverseStep+;ReverseContinue+" : "");
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
        if (timeline_) {  // rr's `when`, and `seek COUNT`, which answers once the machine is there
            std::istringstream words(line);
            std::string cmd, arg, extra;
            words >> cmd >> arg >> extra;
            if (cmd == "when" && arg.empty()) return to_hex("instruction count " + std::to_string(m.cpu.icount) + "\n");
            if (cmd == "seek") {
                uint64_t count;
                if (!count_of(arg, count) || !extra.empty()) return to_hex(std::string("seek: needs an instruction count\n"));
                if (count < log_begin() || count > timeline_->end())
                    return to_hex("seek: the replay's counts run from " + std::to_string(log_begin()) + " to " +
                                  std::to_string(timeline_->end()) + "\n");
                try {
                    travel(m, count, "OK");
                } catch (const std::runtime_error& e) {
                    return to_hex(std::string("seek: ") + e.what() + "\n");
                }
                return std::nullopt;
            }
        }
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
// which drops decoded code they change; RAM only. `binary`: X's data, the bytes themselves
// (their escapes already undone by the packet reader), else M's hex.
std::string GdbStub::write_memory(machine::Machine& m, const std::string& args, bool binary) {
    uint64_t addr, len;
    std::string data, bytes;
    if (!two_numbers(args, addr, len, &data)) return "E01";
    if (binary) bytes = std::move(data);
    else if (!from_hex(data, bytes)) return "E01";
    if (bytes.size() != len) return "E01";
    std::vector<memory::PhysAddr> phys(len);
    for (uint64_t i = 0; i < len; ++i) {
        if (!m.cpu.mmu.peek(addr + i, phys[i]) || phys[i] >= memory::PHYS_LIMIT || !m.mem.is_ram(phys[i])) return "E14";
    }
    for (uint64_t i = 0; i < len; ++i) m.mem.write_bytes(phys[i], &bytes[i], 1);
    return "OK";
}

// Z/z: `type,addr,kind`, and for a breakpoint its conditions (`;Xlen,bytecode` each). A
// breakpoint set again at its address takes the new conditions, as gdb expects of the target
// that evaluates them; one without any stops every time.
std::string GdbStub::point(machine::Machine& m, const std::string& args, bool insert) {
    uint64_t type, addr, kind;
    if (args.size() < 2 || args[1] != ',' || !parse_hex(args.substr(0, 1), type) || type > 4) return "";
    const std::string rest = args.substr(2);
    const size_t semi = rest.find(';');
    if (!two_numbers(rest.substr(0, semi), addr, kind)) return "E01";
    std::vector<AgentExpr> conditions;
    for (size_t at = semi; at != std::string::npos;) {
        const size_t next = rest.find(';', at + 1);
        const std::string cond = rest.substr(at + 1, next == std::string::npos ? next : next - at - 1);
        uint64_t len;
        std::string code;
        const size_t comma = cond.find(',');
        if (type > 1 || !insert || cond.size() < 2 || cond[0] != 'X' || comma == std::string::npos ||
            !parse_hex(cond.substr(1, comma - 1), len) || !from_hex(cond.substr(comma + 1), code) || code.size() != len)
            return "E01";
        std::optional<AgentExpr> e = AgentExpr::parse(std::move(code));
        if (!e) return "E01";
        conditions.push_back(std::move(*e));
        at = next;
    }
    HostDebug& d = m.cpu.host_debug;
    if (type <= 1) {
        auto it = std::find(d.breaks.begin(), d.breaks.end(), addr);
        if (insert && it == d.breaks.end() && d.breaks.size() >= MAX_POINTS) return "E02";
        if (insert && it == d.breaks.end()) d.breaks.push_back(addr);
        else if (!insert && it != d.breaks.end()) d.breaks.erase(it);
        conditions_.erase(addr);
        if (!conditions.empty()) conditions_.emplace(addr, std::move(conditions));
    } else {
        if (kind == 0 || addr + kind < addr) return "E01";
        const HostDebug::Watch w{addr, kind, HostDebug::Kind(type - 2)};
        auto it = std::find(d.watches.begin(), d.watches.end(), w);
        if (insert && d.watches.size() >= MAX_POINTS) return "E02";
        if (insert) d.watches.push_back(w);
        else if (it != d.watches.end()) d.watches.erase(it);
    }
    arm(m);
    return "OK";
}

// Whether the breakpoint just reached stops the guest: it has no condition, or one of them
// holds or cannot be evaluated (as gdbserver does: the user then sees where and why).
bool GdbStub::condition_holds(machine::Machine& m) const {
    const auto it = conditions_.find(m.cpu.code_linear());
    if (it == conditions_.end()) return true;
    const AgentExpr::Target target{
        [&](unsigned n, uint64_t& v) {
            if (n >= regs_.list().size()) return false;
            const std::string bytes = regs_.read(m.cpu, regs_.list()[n]);
            v = 0;
            for (size_t i = std::min<size_t>(bytes.size(), 8); i-- > 0;) v = v << 8 | uint8_t(bytes[i]);
            return true;
        },
        [&](uint64_t addr, unsigned size, uint64_t& v) {
            v = 0;
            for (unsigned i = size; i-- > 0;) {
                uint8_t b;
                if (!monitor::peek_byte(m, addr + i, false, b)) return false;
                v = v << 8 | b;
            }
            return true;
        }};
    for (const AgentExpr& e : it->second) {
        const std::optional<uint64_t> v = e.eval(target);
        if (!v || *v) return true;
    }
    return false;
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
