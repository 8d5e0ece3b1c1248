#include "replay/session.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <stdexcept>

#include "logging/log.h"
#include "replay/recorder.h"
#include "replay/replayer.h"
#include "replay/version.h"

namespace jitpc::replay {

namespace {

// Options that do not change what the guest sees (README's table): with their argument, then
// alone.
constexpr const char* HOST_OPTIONS_WITH_ARG[] = {"-record", "-replay", "-icount", "-d", "-D", "-engine",
                                                 "-jit-threshold", "-jit-cache", "-dump-on-hang", "-dump-on-exit",
                                                 "-dump-mem", "-monitor", "-max-insns", "-serial", "-debugcon", "-profile",
                                                 "-profile-interval", "-loadvm", "-gdb"};
constexpr const char* HOST_OPTIONS[] = {"-stats", "-jit-inexact", "-jit-no-resume", "-nographic", "-realtime", "-S", "-s", "-perfmap"};

template <size_t N> bool listed(const char* const (&list)[N], const std::string& a) {
    return std::find(std::begin(list), std::end(list), a) != std::end(list);
}

// Every file the machine reads its guest from, with the option that named it.
std::vector<ImageRecord> images(const machine::Config& cfg) {
    std::vector<ImageRecord> out;
    auto add = [&](const std::string& role, const std::string& path) {
        if (!path.empty()) out.push_back({role, path, identify_file(path)});
    };
    add("-bios", cfg.bios_path);
    add("-kernel", cfg.kernel_path);
    for (size_t start = 0; start < cfg.initrd_path.size();) {  // Multiboot modules: comma-separated
        const size_t comma = std::min(cfg.initrd_path.find(',', start), cfg.initrd_path.size());
        add("-initrd", cfg.initrd_path.substr(start, comma - start));
        start = comma + 1;
    }
    for (const machine::DriveConfig& d : cfg.drives) add("-drive", d.path);
    return out;
}

using logging::printable;

std::string joined(const std::vector<std::string>& args) {
    std::string s;
    for (const std::string& a : args) s += (s.empty() ? "" : " ") + a;
    return printable(s);
}

}  // namespace

const char* version() { return JITPC_VERSION; }

std::vector<std::string> machine_args(int argc, char** argv) {
    std::vector<std::string> out;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a.size() > 2 && a[0] == '-' && a[1] == '-') a = a.substr(1);
        if (a == "-savevm-at") i += 2;
        else if (listed(HOST_OPTIONS_WITH_ARG, a)) ++i;
        else if (!listed(HOST_OPTIONS, a)) out.push_back(a);
    }
    return out;
}

Header identity(std::vector<std::string> args, const machine::Config& cfg) {
    Header h;
    h.version = version();
    h.args = std::move(args);
    h.rtc_base = cfg.rtc_base;
    h.state_interval = STATE_INTERVAL;
    h.inputs = uint8_t((cfg.com1_input ? 1 : 0) | (cfg.keyboard_input ? 2 : 0));
    h.images = images(cfg);
    return h;
}

void check_identity(const std::string& where, const Header& h, const std::vector<std::string>& args,
                    const machine::Config& cfg) {
    if (h.version != version())
        throw std::runtime_error(where + "made by jitpc " + printable(h.version) + "; this is jitpc " + version());
    const std::vector<ImageRecord> now = images(cfg);
    for (size_t i = 0; i < std::max(now.size(), h.images.size()); ++i) {
        if (i < now.size() && i < h.images.size() && now[i].role == h.images[i].role && now[i].id == h.images[i].id)
            continue;
        const ImageRecord& r = i < h.images.size() ? h.images[i] : now[i];
        throw std::runtime_error(where + "the " + printable(r.role) + " image '" + printable(r.path) +
                                 "' is not the one recorded (size or content differs)");
    }
    if (h.args != args)
        throw std::runtime_error(where + "made with the machine options '" + joined(h.args) + "', not '" +
                                 joined(args) + "'");
}

std::unique_ptr<machine::RunObserver> start_recording(const std::string& path, std::vector<std::string> args,
                                                      machine::Config& cfg) {
    const Header h = identity(std::move(args), cfg);
    auto rec = std::make_unique<Recorder>(path, h);
    cfg.snapshot = true;
    cfg.com1_input = rec->wrap(cfg.com1_input, InputSource::Com1);
    cfg.keyboard_input = rec->wrap(cfg.keyboard_input, InputSource::Keyboard);
    cfg.observers.push_back(rec.get());
    return rec;
}

std::unique_ptr<Replayer> start_replay(const std::string& path, const std::vector<std::string>& args,
                                                   machine::Config& cfg) {
    const std::string where = "-replay " + path + ": ";
    std::unique_ptr<Replayer> rep;
    try {
        rep = std::make_unique<Replayer>(read_log(path));
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(where + e.what());
    }
    const Header& h = rep->log().header;
    check_identity(where, h, args, cfg);
    cfg.rtc_base = h.rtc_base;
    cfg.snapshot = true;
    cfg.com1_input = rep->input(InputSource::Com1);
    cfg.keyboard_input = rep->input(InputSource::Keyboard);
    const EndRecord& end = rep->log().end;
    if (cfg.max_instructions && cfg.max_instructions < end.count) rep->stop_early_at(cfg.max_instructions);
    else if (end.status == machine::EXIT_INSN_LIMIT) cfg.max_instructions = end.count;
    cfg.observers.push_back(rep.get());
    return rep;
}

}  // namespace jitpc::replay
