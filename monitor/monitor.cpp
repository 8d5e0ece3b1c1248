#include "monitor/monitor.h"

#include <Zydis/Zydis.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <optional>
#include <sstream>
#include <vector>

#include "cpu/decode.h"
#include "logging/log.h"
#include "machine/hang_dump.h"
#include "machine/machine.h"
#include "replay/state_digest.h"
#include "snapshot/snapshot.h"

namespace jitpc::monitor {

namespace {

constexpr const char* PROMPT = "(jitpc) ";
constexpr const char* HELP =
    "cont|c                 resume the guest\n"
    "help|?                 this text\n"
    "info registers         the CPU's registers\n"
    "info replay            record/replay state and the instruction count\n"
    "info status            running or paused\n"
    "loadvm FILE            put the machine in the state saved in FILE\n"
    "quit|q                 end the run (status 0)\n"
    "replay_break COUNT     stop the replay when the instruction count reaches COUNT\n"
    "replay_delete_break    remove the replay breakpoint\n"
    "replay_seek COUNT      go to instruction count COUNT of the replay, back or ahead, and stop\n"
    "savevm FILE            save a snapshot of the machine to FILE\n"
    "stop                   pause the guest\n"
    "x /FMT ADDR            guest memory at a linear address: FMT is [count][x|d|u|o|c|i][b|h|w|g]\n"
    "                       (i: instructions, disassembled in the CPU's mode); ADDR is numbers and\n"
    "                       registers ($eax, $rsp, $r8..., $eip/$rip, $pc: CS base + RIP) joined by + and -\n"
    "xp /FMT ADDR           the same at a physical address\n";
constexpr uint64_t MAX_EXAMINE_BYTES = 4096, MAX_INSTRUCTIONS = 256;

// Words of the line; control characters in a word shown back become '?' so that an answer
// never carries escape sequences to a terminal.
std::vector<std::string> words(const std::string& line) {
    std::vector<std::string> out;
    std::istringstream in(line);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

using logging::printable;

bool parse_number(const std::string& s, uint64_t& v) {
    if (s.empty()) return false;
    const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const std::string digits = hex ? s.substr(2) : s;
    if (digits.empty()) return false;
    v = 0;
    for (const char c : digits) {
        const int d = c >= '0' && c <= '9' ? c - '0' : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                                                     : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0 || v > (UINT64_MAX - uint64_t(d)) / (hex ? 16 : 10)) return false;
        v = v * (hex ? 16 : 10) + uint64_t(d);
    }
    return true;
}

// A register for an address expression: the general registers by their 64-, 32- and 16-bit
// names, the instruction pointer, EFLAGS, and $pc, the linear address of the next instruction
// (CS base + RIP), as QEMU's monitor has them.
std::optional<uint64_t> register_value(cpu::Cpu& c, const std::string& name) {
    static const char* const r64[] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                      "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
    static const char* const r32[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    static const char* const r16[] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
    for (unsigned r = 0; r < 16; ++r) {
        if (name == r64[r]) return c.gpr[r];
        if (r < 8 && name == r32[r]) return uint32_t(c.gpr[r]);
        if (r < 8 && name == r16[r]) return uint16_t(c.gpr[r]);
    }
    if (name == "rip") return c.rip;
    if (name == "eip") return uint32_t(c.rip);
    if (name == "pc") return c.code_linear();
    if (name == "eflags") return c.flags.get();
    return std::nullopt;
}

// An address for x/xp: numbers (decimal or 0x hex) and $registers joined by + and -, modulo 2^64.
bool parse_address(cpu::Cpu& c, const std::string& s, uint64_t& v) {
    v = 0;
    size_t pos = 0;
    bool minus = false;
    for (;;) {
        const size_t end = std::min(s.find_first_of("+-", pos), s.size());
        const std::string term = s.substr(pos, end - pos);
        uint64_t t;
        if (!term.empty() && term[0] == '$') {
            const auto r = register_value(c, term.substr(1));
            if (!r) return false;
            t = *r;
        } else if (!parse_number(term, t)) {
            return false;
        }
        v = minus ? v - t : v + t;
        if (end == s.size()) return true;
        minus = s[end] == '-';
        pos = end + 1;
    }
}

// What `info replay` shows to compare runs at a count (replay::full_digest).
std::string hash_line(machine::Machine& m) {
    char line[48];
    std::snprintf(line, sizeof line, "state hash 0x%016" PRIx64 "\n", replay::full_digest(m));
    return line;
}

}  // namespace

// RAM and ROM only (MMIO is not read: a register read may change the device), linear addresses
// through the MMU's peek (no faults, no A/D bits).
bool peek_byte(machine::Machine& m, uint64_t addr, bool physical, uint8_t& b) {
    memory::PhysAddr phys = addr;
    if (!physical && !m.cpu.mmu.peek(addr, phys)) return false;
    if (phys >= memory::PHYS_LIMIT) return false;
    const uint8_t* page = m.mem.host_page(phys);
    if (!page) return false;
    b = page[phys & 0xFFF];
    return true;
}

Monitor::Monitor(std::unique_ptr<Port> port, ReplayMode replay, bool stopped, std::vector<std::string> args)
    : port_(std::move(port)), replay_(std::move(replay)), args_(std::move(args)), stopped_(stopped) {}

uint64_t Monitor::next_stop() const { return std::min({next_, break_at_, seek_to_}); }

int Monitor::at_stop(machine::Machine& m) {
    next_ = m.cpu.icount + SLICE;
    if (m.cpu.icount >= break_at_) {
        break_at_ = UINT64_MAX;
        seek_to_ = UINT64_MAX;  // a seek ends at a breakpoint on its way
        stopped_ = true;
        port_->write("replay_break: stopped at instruction count " + std::to_string(m.cpu.icount) + "\n" + PROMPT);
    }
    if (m.cpu.icount >= seek_to_) {
        seek_to_ = UINT64_MAX;
        stopped_ = true;
        port_->write("replay_seek: at instruction count " + std::to_string(m.cpu.icount) + "\n" + PROMPT);
    }
    if (seek_to_ == UINT64_MAX) serve(m, false);  // commands wait while a seek runs
    while (stopped_ && !quit_) {
        if (!serve(m, true)) {
            std::fputs("jitpc: the monitor's input ended while the guest was stopped: it continues\n", stderr);
            stopped_ = false;
        }
    }
    return quit_ ? 0 : GO_ON;
}

bool Monitor::serve(machine::Machine& m, bool wait) {
    if (ended_ && backlog_.empty()) return false;
    std::string in = std::move(backlog_);
    backlog_.clear();
    const size_t old_client = in.size();
    if (!ended_ && !port_->read(in, wait && in.empty())) ended_ = true;
    if (port_->new_client()) {
        in.erase(0, old_client);
        pending_.clear();
        discarding_ = false;
        port_->write("jitpc monitor - type 'help' for more information\n" + std::string(PROMPT));
    }
    for (size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == 0x7F || c == 0x08) {  // a terminal's erase
            if (!pending_.empty()) pending_.pop_back();
            continue;
        }
        if (c != '\n' && c != '\r') {
            if (pending_.size() < MAX_LINE) pending_ += c;
            else discarding_ = true;
            continue;
        }
        const std::string line = std::move(pending_);
        pending_.clear();
        if (discarding_) {
            discarding_ = false;
            port_->write("the line is longer than " + std::to_string(MAX_LINE) + " bytes: ignored\n" + PROMPT);
            continue;
        }
        if (c == '\n' || !line.empty()) port_->write(execute(m, line) + PROMPT);
        if (quit_) break;
        if (seek_to_ != UINT64_MAX) {  // the next command waits until the seek has arrived
            backlog_ = in.substr(i + 1);
            break;
        }
    }
    return !ended_ || !backlog_.empty();
}

std::string Monitor::execute(machine::Machine& m, const std::string& line) {
    const std::vector<std::string> w = words(line);
    if (w.empty()) return "";
    std::string cmd = w[0], fmt, arg = w.size() > 1 ? w[1] : "";
    // x/10xw ADDR and x /10xw ADDR alike; an address may have spaces around its + and -
    size_t rest = 1;  // the words after the command and its format
    if (const size_t slash = cmd.find('/'); slash != std::string::npos) {
        fmt = cmd.substr(slash + 1);
        cmd = cmd.substr(0, slash);
    } else if ((cmd == "x" || cmd == "xp") && arg.size() > 0 && arg[0] == '/') {
        fmt = arg.substr(1);
        rest = 2;
    }
    if (cmd == "x" || cmd == "xp") {
        arg.clear();
        for (size_t k = rest; k < w.size(); ++k) arg += w[k];
    }
    if (cmd == "help" || cmd == "?") return HELP;
    if (cmd == "info") return info(m, arg);
    if (cmd == "stop") {
        stopped_ = true;
        return "";
    }
    if (cmd == "cont" || cmd == "c") {
        stopped_ = false;
        return "";
    }
    if (cmd == "quit" || cmd == "q") {
        quit_ = true;
        return "";
    }
    if (cmd == "x" || cmd == "xp") return examine(m, fmt, arg, cmd == "xp");
    if (cmd == "replay_break") {
        uint64_t count;
        if (replay_.kind != ReplayMode::Replay) return "replay_break: the run is not a replay (-replay)\n";
        if (!parse_number(arg, count)) return "replay_break: needs an instruction count\n";
        if (count <= m.cpu.icount) return "replay_break: that count has passed\n";
        break_at_ = count;
        return "";
    }
    if (cmd == "savevm" || cmd == "loadvm") {
        if (arg.empty()) return cmd + ": needs a file name\n";
        if (cmd == "loadvm" && replay_.kind != ReplayMode::None)
            return "loadvm: a record or replay cannot jump to a snapshot\n";
        try {
            if (cmd == "savevm") snapshot::save(m, arg, args_);
            else snapshot::load(m, arg, args_);
        } catch (const std::runtime_error& e) {
            return printable(e.what()) + "\n";
        }
        return "";
    }
    if (cmd == "replay_seek") return seek(m, arg);
    if (cmd == "replay_delete_break") {
        break_at_ = UINT64_MAX;
        return "";
    }
    return "unknown command: '" + printable(cmd) + "'\n";
}

// QEMU's replay_seek: the guest stops at COUNT, reached from the newest checkpoint before it.
std::string Monitor::seek(machine::Machine& m, const std::string& arg) {
    uint64_t count;
    if (replay_.kind != ReplayMode::Replay || !replay_.timeline) return "replay_seek: the run is not a replay (-replay)\n";
    if (!parse_number(arg, count)) return "replay_seek: needs an instruction count\n";
    try {
        replay_.timeline->rewind(m, count);
    } catch (const std::runtime_error& e) {
        return "replay_seek: " + printable(e.what()) + "\n";
    }
    next_ = m.cpu.icount + SLICE;
    if (m.cpu.icount == count) {
        stopped_ = true;
        return "replay_seek: at instruction count " + std::to_string(count) + "\n";
    }
    seek_to_ = count;
    stopped_ = false;
    return "";
}

std::string Monitor::info(machine::Machine& m, const std::string& what) {
    if (what == "registers") return machine::register_text(m.cpu);
    if (what == "status") return stopped_ ? "VM status: paused\n" : "VM status: running\n";
    if (what == "replay") {
        const std::string count = "instruction count = " + std::to_string(m.cpu.icount);
        switch (replay_.kind) {
        case ReplayMode::Record: return "Recording execution '" + replay_.path + "': " + count + "\n" + hash_line(m);
        case ReplayMode::Replay: {
            std::string out = "Replaying execution '" + replay_.path + "': " + count;
            if (break_at_ != UINT64_MAX) out += ", break at " + std::to_string(break_at_);
            out += '\n';
            out += hash_line(m);
            if (const replay::Timeline* t = replay_.timeline) {
                out += "checkpoints every " + std::to_string(t->interval()) + " ticks, " +
                       std::to_string(t->bytes() >> 10) + " KiB:";
                for (const replay::Timeline::Checkpoint& c : t->checkpoints()) out += ' ' + std::to_string(c.count);
                out += "\n";
            }
            return out;
        }
        case ReplayMode::None: return "Record/replay is not active\n";
        }
    }
    return "info: 'registers', 'status' or 'replay'\n";
}

// x/Ni: N instructions from `start`, decoded in the CPU's current mode, one to a line.
std::string Monitor::disassemble(machine::Machine& m, uint64_t count, uint64_t start, bool physical) {
    const std::string name = physical ? "xp" : "x";
    if (count == 0 || count > MAX_INSTRUCTIONS) return name + ": at most " + std::to_string(MAX_INSTRUCTIONS) + " instructions at once\n";
    std::string out;
    uint64_t at = start;
    for (uint64_t i = 0; i < count; ++i) {
        uint8_t bytes[ZYDIS_MAX_INSTRUCTION_LENGTH];
        size_t n = 0;
        while (n < sizeof bytes && peek_byte(m, at + n, physical, bytes[n])) ++n;
        char line[160];
        if (n == 0) {
            std::snprintf(line, sizeof line, "%016" PRIx64 ":  (not RAM or ROM, or not mapped)\n", at);
            return out + line;
        }
        ZydisDisassembledInstruction d;
        if (ZYAN_SUCCESS(ZydisDisassembleIntel(cpu::zydis_mode(m.cpu.mode()), at, bytes, n, &d))) {
            std::snprintf(line, sizeof line, "%016" PRIx64 ":  %s\n", at, d.text);
            at += d.info.length;
        } else {
            std::snprintf(line, sizeof line, "%016" PRIx64 ":  (bad) 0x%02x\n", at, bytes[0]);
            at += 1;
        }
        out += line;
    }
    return out;
}

// QEMU's x/xp: [count][format][size], each part optional (1, x, w), 16 bytes to a line.
std::string Monitor::examine(machine::Machine& m, const std::string& fmt, const std::string& addr, bool physical) {
    const std::string name = physical ? "xp" : "x";
    size_t pos = 0;
    uint64_t count = 1;
    while (pos < fmt.size() && fmt[pos] >= '0' && fmt[pos] <= '9') ++pos;
    if (pos && !parse_number(fmt.substr(0, pos), count)) return name + ": bad count\n";
    char format = 'x';
    unsigned size = 4;
    for (; pos < fmt.size(); ++pos) {
        const char c = fmt[pos];
        if (c == 'x' || c == 'd' || c == 'u' || c == 'o' || c == 'c' || c == 'i') format = c;
        else if (c == 'b' || c == 'h' || c == 'w' || c == 'g') size = c == 'b' ? 1 : c == 'h' ? 2 : c == 'w' ? 4 : 8;
        else return name + ": unknown format letter '" + printable(std::string(1, c)) + "' (x d u o c i, b h w g)\n";
    }
    if (format == 'c') size = 1;
    uint64_t start;
    if (!parse_address(m.cpu, addr, start))
        return name + ": needs an address (numbers, 0x hex, $registers, joined by + and -)\n";
    if (format == 'i') return disassemble(m, count, start, physical);
    if (count == 0 || count > MAX_EXAMINE_BYTES / size)
        return name + ": at most " + std::to_string(MAX_EXAMINE_BYTES) + " bytes at once\n";
    std::string out;
    const unsigned per_line = format == 'c' ? 16 : 16 / size;
    for (uint64_t i = 0; i < count; ++i) {
        const uint64_t at = start + i * size;
        char text[48];
        if (i % per_line == 0) {
            std::snprintf(text, sizeof text, "%s%016" PRIx64 ":", i ? "\n" : "", at);
            out += text;
        }
        uint64_t v = 0;
        bool ok = true;
        for (unsigned b = 0; b < size && ok; ++b) {
            uint8_t byte = 0;
            ok = peek_byte(m, at + b, physical, byte);
            v |= uint64_t(byte) << (8 * b);
        }
        if (!ok) {
            out += " (not RAM or ROM, or not mapped)";
            break;
        }
        const int digits = int(size * 2);
        const uint64_t sign = uint64_t(1) << (8 * size - 1);
        switch (format) {
        case 'x': std::snprintf(text, sizeof text, " 0x%0*" PRIx64, digits, v); break;
        case 'u': std::snprintf(text, sizeof text, " %" PRIu64, v); break;
        case 'o': std::snprintf(text, sizeof text, " 0%" PRIo64, v); break;
        case 'd':
            std::snprintf(text, sizeof text, " %" PRId64, size < 8 && (v & sign) ? int64_t(v) - int64_t(sign << 1) : int64_t(v));
            break;
        default: std::snprintf(text, sizeof text, " %c", v >= 0x20 && v < 0x7F ? char(v) : '.'); break;
        }
        out += text;
    }
    return out + "\n";
}

}  // namespace jitpc::monitor
