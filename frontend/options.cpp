#include "frontend/options.h"

#include "devices/rtc.h"
#include "memory/ram_layout.h"

#include <cctype>
#include <cstdio>
#include <cstdint>
#include <ctime>
#include <optional>
#include <stdexcept>
#include <algorithm>
#include <utility>
#include <vector>

namespace jitpc::frontend {

namespace {

// Past the PCI hole RAM sits above 4 GiB (memory/ram_layout.h), up to this much in all: jitpc's
// physical map spends 10 MiB of host memory per GiB of guest RAM on its page table.
constexpr uint64_t MAX_RAM = 64ull << 30;

// A whole unsigned number: decimal, or hexadecimal after "0x" where `hex_prefix` allows it. No
// sign, no spaces, nothing after it, and nothing that overflows 64 bits (strtoull would take
// "-5" for 2^64 - 5 and clamp an overflow to the maximum).
std::optional<uint64_t> parse_uint(const std::string& s, bool hex_prefix = false) {
    const bool hex = hex_prefix && s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const unsigned base = hex ? 16 : 10;
    const std::string digits = hex ? s.substr(2) : s;
    if (digits.empty()) return std::nullopt;
    uint64_t v = 0;
    for (const char c : digits) {
        const unsigned d = c >= '0' && c <= '9'             ? unsigned(c - '0')
                           : hex && c >= 'a' && c <= 'f' ? unsigned(c - 'a' + 10)
                           : hex && c >= 'A' && c <= 'F' ? unsigned(c - 'A' + 10)
                                                         : base;
        if (d >= base || v > (UINT64_MAX - d) / base) return std::nullopt;
        v = v * base + d;
    }
    return v;
}

// "128M", "1G", "512" (MiB, as QEMU), "65536K" for `option`; values past 1 TiB come back as
// UINT64_MAX, above every limit.
uint64_t parse_bytes(const char* option, const std::string& s) {
    const size_t digits = s.find_first_not_of("0123456789");
    const std::optional<uint64_t> v = parse_uint(s.substr(0, digits));
    if (!v) throw std::runtime_error(std::string(option) + ": '" + s + "' is not a size");
    uint64_t mult = 1ull << 20;
    const std::string suffix = digits == std::string::npos ? "" : s.substr(digits);
    if (suffix == "K" || suffix == "k") mult = 1ull << 10;
    else if (suffix == "M" || suffix == "m" || suffix.empty()) mult = 1ull << 20;
    else if (suffix == "G" || suffix == "g") mult = 1ull << 30;
    else throw std::runtime_error(std::string(option) + ": unknown size suffix in '" + s + "'");
    return *v > (1ull << 40) / mult ? UINT64_MAX : *v * mult;
}

uint64_t parse_size(const std::string& s) {
    const uint64_t bytes = parse_bytes("-m", s);
    if (bytes > MAX_RAM) throw std::runtime_error("-m: '" + s + "' is above the maximum of 64G");
    if (bytes < (2ull << 20)) throw std::runtime_error("-m: '" + s + "' is below the minimum of 2M");
    return bytes & ~0xFFFull;
}

// Small enough to force flushes in a test, large enough for the engine's stubs and a block.
size_t parse_jit_cache(const std::string& s) {
    const uint64_t bytes = parse_bytes("-jit-cache", s);
    if (bytes < (64u << 10) || bytes > (1u << 30))
        throw std::runtime_error("-jit-cache: '" + s + "' is outside 64K to 1G");
    return size_t(bytes) & ~size_t(0xFFF);
}

// -dump-mem ADDR,LEN: decimal or 0x-prefixed hex, the range inside the 4 GiB linear space.
machine::MemRange parse_mem_range(const std::string& s) {
    const std::string bad = "-dump-mem: '" + s + "' (ADDR,LEN: linear address and byte count)";
    const size_t comma = s.find(',');
    if (comma == std::string::npos) throw std::runtime_error(bad);
    const std::optional<uint64_t> a = parse_uint(s.substr(0, comma), true);
    const std::optional<uint64_t> n = parse_uint(s.substr(comma + 1), true);
    if (!a || !n || !*n || *n > (1u << 20) || *a > (1ull << 32) - *n) throw std::runtime_error(bad);
    return {uint32_t(*a), uint32_t(*n)};
}

void check_serial(const std::string& s) {
    if (s == "stdio" || s == "none" || (s.rfind("file:", 0) == 0 && s.size() > 5)) return;
    throw std::runtime_error("-serial: '" + s + "' (stdio, file:PATH, none)");
}

// Reads exactly `digits` decimal digits at s[pos] and moves past them.
int64_t take_number(const std::string& s, size_t& pos, size_t digits) {
    int64_t v = 0;
    for (size_t end = pos + digits; pos < end; ++pos) {
        if (pos >= s.size() || s[pos] < '0' || s[pos] > '9') throw std::invalid_argument("digit");
        v = v * 10 + (s[pos] - '0');
    }
    return v;
}

void take_char(const std::string& s, size_t& pos, char c) {
    if (pos >= s.size() || s[pos] != c) throw std::invalid_argument("separator");
    ++pos;
}

// -rtc base=utc|now|YYYY-MM-DD[THH:MM:SS]: the guest's date at the start, in seconds since
// the Unix epoch (UTC).
int64_t parse_rtc(const std::string& arg) {
    const std::string bad = "-rtc: '" + arg + "' (base=utc, base=now or base=YYYY-MM-DD[THH:MM:SS])";
    if (arg.rfind("base=", 0) != 0) throw std::runtime_error(bad);
    const std::string v = arg.substr(5);
    if (v == "utc") return devices::Rtc::DEFAULT_BASE;
    if (v == "now") return int64_t(std::time(nullptr));
    try {
        size_t pos = 0;
        const int64_t year = take_number(v, pos, 4);
        take_char(v, pos, '-');
        const int64_t month = take_number(v, pos, 2);
        take_char(v, pos, '-');
        const int64_t day = take_number(v, pos, 2);
        int64_t hour = 0, min = 0, sec = 0;
        if (pos < v.size()) {
            take_char(v, pos, 'T');
            hour = take_number(v, pos, 2);
            take_char(v, pos, ':');
            min = take_number(v, pos, 2);
            take_char(v, pos, ':');
            sec = take_number(v, pos, 2);
        }
        const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        const int month_days[] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        // The RTC's century byte covers 1970-2099 the way PC firmware and Linux read it.
        if (pos != v.size() || year < 1970 || year > 2099 || month < 1 || month > 12 || day < 1 ||
            day > month_days[month - 1] || hour > 23 || min > 59 || sec > 59)
            throw std::invalid_argument("range");
        return devices::days_from_date(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
    } catch (const std::invalid_argument&) {
        throw std::runtime_error(bad);
    }
}

// Splits "a=b,c=d" into its key=value pairs (a pair without '=' gets an empty key). A key given
// twice is refused rather than letting the last one win unseen; `option` names the option.
std::vector<std::pair<std::string, std::string>> split_options(const char* option, const std::string& arg) {
    std::vector<std::pair<std::string, std::string>> kv;
    size_t start = 0;
    while (start <= arg.size()) {
        size_t comma = arg.find(',', start);
        if (comma == std::string::npos) comma = arg.size();
        const std::string item = arg.substr(start, comma - start);
        const size_t eq = item.find('=');
        if (eq == std::string::npos) kv.push_back({"", item});
        else kv.push_back({item.substr(0, eq), item.substr(eq + 1)});
        for (size_t i = 0; i + 1 < kv.size(); ++i)
            if (kv[i].first == kv.back().first)
                throw std::runtime_error(std::string(option) + " " + arg + ": " +
                                         (kv.back().first.empty() ? "more than one value without a key"
                                                                  : "'" + kv.back().first + "' given twice"));
        start = comma + 1;
    }
    return kv;
}

// -drive file=F[,format=raw][,if=ide|floppy][,media=disk|cdrom][,index=N][,snapshot=on|off]
machine::DriveConfig parse_drive(const std::string& arg) {
    using Interface = machine::DriveConfig::Interface;
    machine::DriveConfig d;
    auto bad = [&](const std::string& why) { return std::runtime_error("-drive " + arg + ": " + why); };
    for (const auto& [key, value] : split_options("-drive", arg)) {
        if (key == "file") d.path = value;
        else if (key == "format") {
            if (value != "raw") throw bad("format '" + value + "' is not supported (raw)");
        } else if (key == "if") {
            if (value == "ide") d.iface = Interface::Ide;
            else if (value == "floppy") d.iface = Interface::Floppy;
            else throw bad("interface '" + value + "' is not supported (ide, floppy)");
        } else if (key == "media") {
            if (value != "disk" && value != "cdrom") throw bad("media '" + value + "' (disk, cdrom)");
            d.cdrom = value == "cdrom";
        } else if (key == "index") {
            if (value.size() != 1 || value[0] < '0' || value[0] > '3') throw bad("index '" + value + "'");
            d.index = value[0] - '0';
        } else if (key == "snapshot") {
            if (value != "on" && value != "off") throw bad("snapshot '" + value + "' (on, off)");
            d.snapshot = value == "on";
        } else {
            throw bad(key.empty() ? "'" + value + "' is not KEY=VALUE" : "unknown key '" + key + "'");
        }
    }
    if (d.path.empty()) throw bad("file= is missing");
    if (d.iface == Interface::Floppy && d.cdrom) throw bad("a floppy cannot be a CD-ROM");
    if (d.iface == Interface::Floppy && d.index > 1) throw bad("floppy index is 0 or 1");
    return d;
}

// -boot ORDER or -boot order=ORDER[,menu=off]: letters a (floppy), c (hard disk), d (CD-ROM).
std::string parse_boot(const std::string& arg) {
    auto bad = [&](const std::string& why) { return std::runtime_error("-boot " + arg + ": " + why); };
    std::string order;
    for (const auto& [key, value] : split_options("-boot", arg)) {
        if (key.empty() || key == "order") order = value;
        else if (key == "menu") {
            if (value != "off") throw bad("there is no boot menu (menu=off)");
        } else {
            throw bad("unknown key '" + key + "'");
        }
    }
    if (order.empty()) throw bad("no boot device given (a, c, d)");
    for (size_t i = 0; i < order.size(); ++i) {
        if (order[i] != 'a' && order[i] != 'c' && order[i] != 'd')
            throw bad(std::string("unknown boot device '") + order[i] + "' (a, c, d)");
        if (order.find(order[i]) != i) throw bad(std::string("boot device '") + order[i] + "' given twice");
    }
    return order;
}

// -global isa-debugcon.iobase=PORT, QEMU's way of moving the debug console (SeaBIOS logs to
// 0x402). Other -global properties are not modelled.
uint16_t parse_global(const std::string& s) {
    const std::string key = "isa-debugcon.iobase=";
    if (s.rfind(key, 0) != 0)
        throw std::runtime_error("-global: '" + s + "' (only isa-debugcon.iobase=PORT is known)");
    const std::string v = s.substr(key.size());
    char* end = nullptr;
    const unsigned long long port = std::strtoull(v.c_str(), &end, 0);
    if (v.empty() || *end || port > 0xFFFF)
        throw std::runtime_error("-global: isa-debugcon.iobase '" + v + "' is not an I/O port");
    return uint16_t(port);
}

// -device isa-debug-exit[,iobase=PORT][,iosize=N], as in QEMU (defaults iobase 0x501, iosize 2):
// the debug-exit device (always at 0xF4) on those ports too. No other device is modelled.
std::pair<uint16_t, uint16_t> parse_device(const std::string& s) {
    const std::string name = "isa-debug-exit";
    if (s.compare(0, name.size(), name) != 0 || (s.size() > name.size() && s[name.size()] != ','))
        throw std::runtime_error("-device: '" + s + "' (only isa-debug-exit[,iobase=PORT][,iosize=N] is known)");
    unsigned long long iobase = 0x501, iosize = 2;
    for (size_t pos = name.size(); pos < s.size();) {
        const size_t end = std::min(s.find(',', pos + 1), s.size());
        const std::string kv = s.substr(pos + 1, end - pos - 1);
        pos = end;
        const size_t eq = kv.find('=');
        const std::string key = kv.substr(0, eq), v = eq == std::string::npos ? "" : kv.substr(eq + 1);
        char* stop = nullptr;
        const unsigned long long n = std::strtoull(v.c_str(), &stop, 0);
        if (v.empty() || *stop || v[0] == '-' || v[0] == '+' || (key != "iobase" && key != "iosize"))
            throw std::runtime_error("-device isa-debug-exit: '" + kv + "' (iobase=PORT, iosize=N)");
        (key == "iobase" ? iobase : iosize) = n;
    }
    if (iobase > 0xFFFF || iosize < 1 || iobase + iosize > 0x10000)
        throw std::runtime_error("-device isa-debug-exit: iobase and iosize leave the I/O space");
    return {uint16_t(iobase), uint16_t(iosize)};
}

// -cpu NAME: a model name alone; QEMU's ",+feature" and ",key=value" suffixes are not taken.
const cpu::CpuModel* parse_cpu(const std::string& name) {
    if (name.find_first_of(",=") != std::string::npos)
        throw std::runtime_error("-cpu: '" + name + "': feature and property settings are not supported, only a model name (-cpu help lists them)");
    const cpu::CpuModel* m = cpu::find_model(name);
    if (!m) throw std::runtime_error("-cpu: unknown CPU model '" + name + "' (-cpu help lists them)");
    return m;
}

// QEMU's -icount shift=N|auto[,rr=record|replay,rrfile=FILE]: jitpc's clock always counts
// instructions, so shift is taken and ignored; rr and rrfile are -record/-replay.
void parse_icount(const std::string& arg, Options& o) {
    auto bad = [&](const std::string& why) { return std::runtime_error("-icount " + arg + ": " + why); };
    std::string rr, file;
    for (const auto& [key, value] : split_options("-icount", arg)) {
        if (key == "shift" || key.empty()) {
            if (value != "auto" && !parse_uint(value)) throw bad("shift '" + value + "' (a number or auto)");
        } else if (key == "rr") {
            if (value != "record" && value != "replay" && value != "off") throw bad("rr '" + value + "' (record, replay, off)");
            rr = value;
        } else if (key == "rrfile") {
            file = value;
        } else if (key == "rrsnapshot") {
            throw bad("rrsnapshot is not supported: jitpc records and replays from power-on");
        } else {
            throw bad("unknown key '" + key + "' (shift, rr, rrfile)");
        }
    }
    if ((rr == "record" || rr == "replay") != !file.empty()) throw bad("rr=record|replay and rrfile=FILE go together");
    if (rr == "record") o.record = file;
    if (rr == "replay") o.replay = file;
}

// -monitor stdio|none|unix:PATH,server[,nowait]|tcp:[HOST]:PORT,server[,nowait] (also QEMU's
// server=on, wait=off), checked; it comes back as it is.
std::string check_monitor(const std::string& arg) {
    if (arg == "stdio" || arg == "none") return arg;
    auto bad = [&](const std::string& why) { return std::runtime_error("-monitor " + arg + ": " + why); };
    const bool tcp = arg.rfind("tcp:", 0) == 0;
    if (arg.rfind("unix:", 0) != 0 && !tcp)
        throw bad("stdio, none, unix:PATH,server[,nowait] or tcp:[HOST]:PORT,server[,nowait]");
    std::vector<std::string> parts;
    for (size_t start = tcp ? 4 : 5; start <= arg.size();) {
        const size_t comma = std::min(arg.find(',', start), arg.size());
        parts.push_back(arg.substr(start, comma - start));
        start = comma + 1;
    }
    if (parts[0].empty()) throw bad(tcp ? "the port is missing" : "the socket's path is missing");
    if (tcp) {
        const size_t colon = parts[0].rfind(':');
        const std::string port = colon == std::string::npos ? "" : parts[0].substr(colon + 1);
        if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
            std::stoul(port) == 0 || std::stoul(port) > 65535)
            throw bad("a port number (1-65535) after HOST: is needed");
    }
    bool server = false;
    for (size_t i = 1; i < parts.size(); ++i) {
        const std::string& p = parts[i];
        if (p == "server" || p == "server=on") server = true;
        else if (p != "nowait" && p != "wait=off" && p != "wait=on") throw bad("unknown setting '" + p + "' (server, nowait)");
    }
    if (!server) throw bad("only a listening socket is offered: add ,server");
    return arg;
}

// -gdb tcp:[HOST]:PORT | unix:PATH[,server][,nowait] | none (QEMU's spellings; the stub always
// listens, and the run never waits for gdb unless -S asks it to).
std::string check_gdb(const std::string& arg) {
    auto bad = [&](const std::string& why) { return std::runtime_error("-gdb " + arg + ": " + why); };
    if (arg == "none") return "";
    if (arg.rfind("unix:", 0) == 0) {
        const std::string path = arg.substr(5, arg.find(',') - 5);
        if (path.empty()) throw bad("the socket's path is missing");
        return "unix:" + path;
    }
    if (arg.rfind("tcp:", 0) != 0) throw bad("tcp:[HOST]:PORT, unix:PATH or none");
    const size_t colon = arg.rfind(':');
    const std::optional<uint64_t> port = parse_uint(arg.substr(colon + 1));
    if (colon < 4 || !port || *port == 0 || *port > 65535) throw bad("needs a port number from 1 to 65535 (tcp::1234)");
    return arg;
}

}  // namespace

std::string cpu_models_help() {
    std::string out = "Available CPUs:\n";
    char line[160];
    for (const cpu::CpuModel* m : cpu::all_models()) {
        std::snprintf(line, sizeof line, "x86 %-20s  %.*s%s\n", std::string(m->name).c_str(),
                      int(m->description.size()), m->description.data(),
                      m == machine::Config{}.cpu_model ? " (default)" : "");
        out += line;
    }
    return out;
}

const char* usage() {
    return "usage: jitpc [options]\n"
           "       jitpc conform CAMPAIGN [OPTIONS]   conformance campaigns (jitpc conform --help)\n"
           "  -cpu MODEL            CPU model: max (default) or pentium2; -cpu help lists them\n"
           "  -m SIZE               guest RAM (default 128M; suffix K, M or G; 2M to 3584M, or\n"
           "                        to 64G with -cpu max: from 3.5G up, 3G below 4 GiB, the rest above)\n"
           "  -bios FILE            raw 64, 128 or 256 KiB firmware image (SeaBIOS, Bochs BIOS)\n"
           "  -kernel FILE          Multiboot kernel (ELF or a.out-kludge image)\n"
           "  -append CMDLINE       kernel command line\n"
           "  -initrd FILE[,FILE]   Multiboot modules\n"
           "  -debugcon DEV         port 0xE9 console: stdio, file:PATH, none (default: stdio with\n"
           "                        -nographic, none while the terminal shows the screen)\n"
           "  -device isa-debug-exit[,iobase=PORT][,iosize=N]\n"
           "                        the debug-exit device on more ports (QEMU's defaults: 0x501, 2)\n"
           "  -global isa-debugcon.iobase=PORT\n"
           "                        move the debug console from 0xE9 (SeaBIOS logs to 0x402)\n"
           "  -engine jit|interp    execution engine: the JIT (default) or the reference interpreter\n"
           "  -jit-inexact          (measurement only) linked JIT blocks do not stop at the next\n"
           "                        event: event timing becomes inexact and runs stop being\n"
           "                        reproducible; shows what exact delivery costs\n"
           "  -jit-no-resume        (measurement only) generated code returns to the dispatcher\n"
           "                        after every instruction run through the interpreter's\n"
           "                        semantics that asks for it; shows what going on saves\n"
           "  -hda FILE, -hdb FILE  raw disk images on the primary IDE channel (written to!)\n"
           "  -cdrom FILE           ISO 9660 image as the secondary master ATAPI CD-ROM (read-only)\n"
           "  -fda FILE, -fdb FILE  raw diskette images (360K, 720K, 1.2M, 1.44M, 2.88M)\n"
           "  -drive OPTS           file=FILE[,format=raw][,if=ide|floppy][,media=disk|cdrom]\n"
           "                        [,index=N][,snapshot=on|off]\n"
           "  -boot ORDER           boot devices in order (default cad): a floppy, c hard disk,\n"
           "                        d CD-ROM; also order=ORDER[,menu=off]\n"
           "  -snapshot             keep disk writes in memory; the image files stay unchanged\n"
           "  -serial DEV           next serial port (COM1, then COM2): stdio, file:PATH, none;\n"
           "                        mon:stdio for COM1 shares stdio with the monitor (Ctrl-A c)\n"
           "                        (default: COM1 on stdio with -nographic, else none; COM2\n"
           "                        none); Ctrl-A x quits, Ctrl-A d dumps (see -dump-on-hang),\n"
           "                        Ctrl-A Ctrl-A sends Ctrl-A\n"
           "  -nographic            no display: COM1 on stdio (the default when stdout is not a\n"
           "                        terminal); otherwise the terminal shows the VGA text screen,\n"
           "                        keys go to the PS/2 keyboard and serial ports default to none\n"
           "  -realtime             pace virtual time to the host clock (interactive use; runs\n"
           "                        are no longer reproducible)\n"
           "  -rtc base=DATE        guest date at start: YYYY-MM-DD[THH:MM:SS] (UTC); utc (the\n"
           "                        default, 2026-01-01T00:00:00); now (the host clock: runs\n"
           "                        then differ)\n"
           "  -no-reboot            exit with status 0 instead of resetting\n"
           "  -d ITEM[,ITEM...]     log int, guest_errors, unimp, trace, jit_fallback, in_asm,\n"
           "                        out_asm (-d help says what)\n"
           "  -dfilter RANGE[,...]  in_asm and out_asm only for blocks starting in a range:\n"
           "                        START+SIZE, START-SIZE or START..END\n"
           "  -D FILE               write that log to FILE instead of stderr\n"
           "  -max-insns N          stop with status 3 after N instructions\n"           "  -dump-on-hang FILE    on a hang (status 2), -max-insns (3) or a triple fault with\n"
           "                        -no-reboot, write VGA text, registers, the last 64 blocks and\n"
           "                        memory around CS:EIP and SS:ESP to FILE ('-': stderr)\n"
           "  -dump-mem ADDR,LEN    also dump this linear range (repeatable)\n"
           "  -dump-on-exit FILE    as -dump-on-hang, and also when the guest ends the run\n"
           "                        itself (debug exit, power-off, reset with -no-reboot)\n"
           "  -jit-cache SIZE       (developer) JIT translation cache size, 64K to 1G\n"
           "  -jit-threshold N      (developer) runs of a block in the interpreter before it is\n"
           "                        translated (default 16; 0 translates every block at once)\n"
           "  -profile FILE         sample the guest every -profile-interval retired\n"
           "                        instructions (address, CPL, mode) into FILE; read it with\n"
           "                        'jitpc prof FILE [--symbols System.map|ELF] [--top N]'\n"
           "  -profile-interval N   retired instructions between samples (default 10000)\n"
           "  -perfmap              write /tmp/perf-PID.map naming translated blocks by guest\n"
           "                        address, for the host's perf (as QEMU's -perfmap)\n"
           "  -record FILE          log the run's host input and state to FILE (disk writes stay\n"
           "                        in memory); -replay FILE runs it again exactly, checking it\n"
           "  -icount shift=N|auto[,rr=record|replay,rrfile=FILE]\n"
           "                        QEMU's spelling of -record/-replay (shift is ignored: the\n"
           "                        clock always counts instructions)\n"
           "  -monitor DEV          the monitor (QEMU's commands: info registers, x, stop, cont,\n"
           "                        quit, help): stdio, none, unix:PATH,server[,nowait] or\n"
           "                        tcp:[HOST]:PORT,server[,nowait] (HOST defaults to localhost)\n"
           "  -S                    start with the guest stopped (gdb's continue starts it, or\n"
           "                        without -gdb the monitor's cont)\n"
           "  -gdb DEV              wait for gdb on DEV: tcp:[HOST]:PORT (HOST defaults to\n"
           "                        localhost) or unix:PATH\n"
           "  -s                    -gdb tcp::1234\n"
           "  -savevm-at COUNT FILE save a snapshot of the machine when the count reaches COUNT\n"
           "  -loadvm FILE          start from a snapshot (same options and images; disk writes\n"
           "                        then stay in memory)\n"
           "  -stats                print retired instructions and virtual time at exit\n"
           "  -h, -help             this text\n";
}

Options parse_options(int argc, char** argv) {
    Options o;
    bool threshold_given = false, interval_given = false;
    auto need = [&](int& i) -> std::string {
        if (i + 1 >= argc) throw std::runtime_error(std::string(argv[i]) + " needs an argument");
        return argv[++i];
    };
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a.size() > 2 && a[0] == '-' && a[1] == '-') a = a.substr(1);  // --kernel as -kernel
        if (a == "-m") o.machine.ram_bytes = parse_size(need(i));
        else if (a == "-cpu") {
            const std::string name = need(i);
            if (name == "help") o.show_cpu_models = true;
            else o.machine.cpu_model = parse_cpu(name);
        }
        else if (a == "-bios") o.machine.bios_path = need(i);
        else if (a == "-kernel") o.machine.kernel_path = need(i);
        else if (a == "-append") o.machine.append = need(i);
        else if (a == "-initrd") o.machine.initrd_path = need(i);
        else if (a == "-debugcon") o.debugcon = need(i);
        else if (a == "-global") o.machine.debugcon_port = parse_global(need(i));
        else if (a == "-device") o.machine.debug_exit_ports.push_back(parse_device(need(i)));
        else if (a == "-hda") o.machine.drives.push_back({need(i), {}, false, 0, false});
        else if (a == "-hdb") o.machine.drives.push_back({need(i), {}, false, 1, false});
        else if (a == "-cdrom") o.machine.drives.push_back({need(i), {}, true, 2, false});
        else if (a == "-fda" || a == "-fdb")
            o.machine.drives.push_back({need(i), machine::DriveConfig::Interface::Floppy, false,
                                        a == "-fda" ? 0 : 1, false});
        else if (a == "-drive") o.machine.drives.push_back(parse_drive(need(i)));
        else if (a == "-boot") o.machine.boot_order = parse_boot(need(i));
        else if (a == "-snapshot") o.machine.snapshot = true;
        else if (a == "-serial") {
            std::string dev = need(i);
            // mon:stdio: COM1 on stdio with the monitor behind Ctrl-A c.
            if (dev == "mon:stdio") {
                if (!o.serial.empty()) throw std::runtime_error("-serial mon:stdio: only COM1 can share stdio with the monitor");
                o.mux_monitor = true;
                dev = "stdio";
            }
            check_serial(dev);
            if (o.serial.size() == 2) throw std::runtime_error("-serial: only two ports (COM1, COM2)");
            if (dev == "stdio" && !o.serial.empty() && o.serial[0] == "stdio")
                throw std::runtime_error("-serial: stdio can serve only one port");
            o.serial.push_back(dev);
        } else if (a == "-rtc") o.machine.rtc_base = parse_rtc(need(i));
        else if (a == "-engine") {
            const std::string e = need(i);
            if (e != "interp" && e != "jit")
                throw std::runtime_error("-engine: '" + e + "' is not an engine (jit, interp)");
            o.machine.jit = e == "jit";
        } else if (a == "-nographic") o.nographic = true;
        else if (a == "-realtime") o.machine.realtime = true;
        else if (a == "-dump-on-hang") o.hang_dump_file = need(i);
        else if (a == "-dump-on-exit") {
            o.hang_dump_file = need(i);
            o.machine.dump_at_exit = true;
        } else if (a == "-jit-cache") o.machine.jit_cache_bytes = parse_jit_cache(need(i));
        else if (a == "-jit-threshold") {
            const std::string v = need(i);
            char* end = nullptr;
            const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
            if (*end || v.empty() || !std::isdigit(static_cast<unsigned char>(v[0])) || n > 1000000000)
                throw std::runtime_error("-jit-threshold: '" + v + "' is not a number from 0 to 1000000000");
            o.machine.jit_threshold = uint32_t(n);
            threshold_given = true;
        }
        else if (a == "-dump-mem") o.machine.dump_ranges.push_back(parse_mem_range(need(i)));
        else if (a == "-no-reboot") o.machine.no_reboot = true;
        else if (a == "-d") {
            const std::string what = need(i);
            if (what == "help") o.show_log_items = true;
            else o.log_items |= logging::parse_items(what);
        } else if (a == "-D") o.log_file = need(i);
        else if (a == "-dfilter") o.log_filter = need(i);
        else if (a == "-jit-inexact") o.machine.jit_inexact = true;
        else if (a == "-jit-no-resume") o.machine.jit_no_resume = true;
        else if (a == "-max-insns") {
            const std::string v = need(i);
            const std::optional<uint64_t> n = parse_uint(v);
            if (!n || !*n) throw std::runtime_error("-max-insns: '" + v + "' is not a positive number below 2^64");
            o.machine.max_instructions = *n;
        } else if (a == "-profile") o.profile_file = need(i);
        else if (a == "-profile-interval") {
            const std::string v = need(i);
            const std::optional<uint64_t> n = parse_uint(v);
            if (!n || !*n || *n > (uint64_t(1) << 40))
                throw std::runtime_error("-profile-interval: '" + v + "' is not a number from 1 to 2^40");
            o.machine.profile_interval = *n;
            interval_given = true;
        } else if (a == "-perfmap") o.perf_map = true;
        else if (a == "-stats") o.stats = true;
        else if (a == "-record" || a == "-replay") {
            if (!o.record.empty() || !o.replay.empty()) throw std::runtime_error(a + ": only one -record or -replay");
            (a == "-record" ? o.record : o.replay) = need(i);
        } else if (a == "-monitor") o.monitor = check_monitor(need(i));
        else if (a == "-S") o.start_stopped = true;
        else if (a == "-gdb") o.gdb = check_gdb(need(i));
        else if (a == "-s") o.gdb = "tcp::1234";
        else if (a == "-savevm-at") {
            const std::string v = need(i);
            const std::optional<uint64_t> n = parse_uint(v);
            if (!n) throw std::runtime_error("-savevm-at: '" + v + "' is not an instruction count");
            o.savevm_at.push_back({*n, need(i)});
        } else if (a == "-loadvm") o.loadvm = need(i);
        else if (a == "-icount") {
            if (!o.record.empty() || !o.replay.empty()) throw std::runtime_error("-icount: only one -record or -replay");
            parse_icount(need(i), o);
        }
        else if (a == "-h" || a == "-help") o.show_help = true;
        else throw std::runtime_error("unknown option '" + std::string(argv[i]) + "' (see -help)");
    }
    const cpu::CpuModel& model = *o.machine.cpu_model;
    if (o.machine.ram_bytes > memory::RamLayout::PCI_HOLE && !model.has(cpu::Feature::PAE) &&
        !model.has(cpu::Feature::LM))
        throw std::runtime_error("-m: more than 3584M (3.5G) needs a CPU model with PAE or long mode (-cpu max): "
                                 "RAM beyond it sits above 4 GiB, past the PCI hole, where the " +
                                 std::string(model.name) + " cannot address it");
    if (threshold_given && !o.machine.jit)
        throw std::runtime_error("-jit-threshold says when the JIT translates: it does not go with -engine interp");
    if (interval_given && o.profile_file.empty())
        throw std::runtime_error("-profile-interval spaces the samples of -profile: it does not go without it");
    if (o.perf_map && !o.machine.jit)
        throw std::runtime_error("-perfmap names the JIT's translations: it does not go with -engine interp");
    if (o.machine.jit_cache_bytes && !o.machine.jit) throw std::runtime_error("-jit-cache sizes the JIT's cache: it does not go with -engine interp");
    if (o.mux_monitor && !o.monitor.empty())
        throw std::runtime_error("-serial mon:stdio and -monitor: one monitor at a time");
    if (!o.loadvm.empty() && (!o.record.empty() || !o.replay.empty()))
        throw std::runtime_error("-loadvm: a record or replay starts from power-on, not from a snapshot");
    if (!o.loadvm.empty()) o.machine.snapshot = true;
    if (!o.savevm_at.empty() && !o.machine.snapshot)
        for (const machine::DriveConfig& d : o.machine.drives)
            if (!d.cdrom && !d.snapshot)
                throw std::runtime_error("-savevm-at: '" + d.path + "' is written to in place, so a snapshot cannot hold "
                                         "its state: add -snapshot (writes then stay in memory and are saved)");
    if ((!o.machine.append.empty() || !o.machine.initrd_path.empty()) && o.machine.kernel_path.empty())
        throw std::runtime_error("-append and -initrd need -kernel");
    return o;
}

}  // namespace jitpc::frontend
