#include "frontend/options.h"

#include <cstdlib>
#include <stdexcept>

namespace jitpc::frontend {

namespace {

// "128M", "1G", "512" (MiB, as QEMU), "65536K".
uint64_t parse_size(const std::string& s) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
    if (end == s.c_str()) throw std::runtime_error("-m: '" + s + "' is not a size");
    uint64_t mult = 1ull << 20;
    const std::string suffix(end);
    if (suffix == "K" || suffix == "k") mult = 1ull << 10;
    else if (suffix == "M" || suffix == "m" || suffix.empty()) mult = 1ull << 20;
    else if (suffix == "G" || suffix == "g") mult = 1ull << 30;
    else throw std::runtime_error("-m: unknown size suffix in '" + s + "'");
    const uint64_t bytes = v * mult;
    if (v > (1ull << 40) / mult || bytes < (2ull << 20) || bytes > 0xE0000000ull)
        throw std::runtime_error("-m: '" + s + "' must be between 2M and 3584M");
    return bytes & ~0xFFFull;
}

}  // namespace

const char* usage() {
    return "usage: jitpc [options]\n"
           "  -m SIZE               guest RAM (default 128M; suffix K, M or G)\n"
           "  -bios FILE            raw 64 KiB or 128 KiB firmware image\n"
           "  -kernel FILE          Multiboot kernel (ELF or a.out-kludge image)\n"
           "  -append CMDLINE       kernel command line\n"
           "  -initrd FILE[,FILE]   Multiboot modules\n"
           "  -debugcon DEV         port 0xE9 console: stdio (default), file:PATH, none\n"
           "  -engine interp        execution engine (only the interpreter so far)\n"
           "  -nographic            no display (the default until VGA exists)\n"
           "  -no-reboot            exit with status 0 instead of resetting\n"
           "  -d trace -D FILE      write an instruction trace to FILE\n"
           "  -max-insns N          stop with status 3 after N instructions\n"
           "  -stats                print retired instructions and virtual time at exit\n"
           "  -h, -help             this text\n";
}

Options parse_options(int argc, char** argv) {
    Options o;
    auto need = [&](int& i) -> std::string {
        if (i + 1 >= argc) throw std::runtime_error(std::string(argv[i]) + " needs an argument");
        return argv[++i];
    };
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a.size() > 2 && a[0] == '-' && a[1] == '-') a = a.substr(1);  // --kernel as -kernel
        if (a == "-m") o.machine.ram_bytes = parse_size(need(i));
        else if (a == "-bios") o.machine.bios_path = need(i);
        else if (a == "-kernel") o.machine.kernel_path = need(i);
        else if (a == "-append") o.machine.append = need(i);
        else if (a == "-initrd") o.machine.initrd_path = need(i);
        else if (a == "-debugcon") o.debugcon = need(i);
        else if (a == "-engine") {
            const std::string e = need(i);
            if (e != "interp") throw std::runtime_error("-engine: '" + e + "' is not available (interp)");
        } else if (a == "-nographic") {
        } else if (a == "-no-reboot") o.machine.no_reboot = true;
        else if (a == "-d") {
            const std::string what = need(i);
            if (what != "trace") throw std::runtime_error("-d: unknown log item '" + what + "' (trace)");
            o.trace = true;
        } else if (a == "-D") o.trace_file = need(i);
        else if (a == "-max-insns") {
            const std::string v = need(i);
            char* end = nullptr;
            o.machine.max_instructions = std::strtoull(v.c_str(), &end, 10);
            if (*end || v.empty() || !o.machine.max_instructions)
                throw std::runtime_error("-max-insns: '" + v + "' is not a positive number");
        } else if (a == "-stats") o.stats = true;
        else if (a == "-h" || a == "-help") o.show_help = true;
        else throw std::runtime_error("unknown option '" + std::string(argv[i]) + "' (see -help)");
    }
    if ((!o.machine.append.empty() || !o.machine.initrd_path.empty()) && o.machine.kernel_path.empty())
        throw std::runtime_error("-append and -initrd need -kernel");
    return o;
}

}  // namespace jitpc::frontend
