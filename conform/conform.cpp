#include "conform/conform.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "conform/args.h"
#include "conform/campaign.h"
#include "conform/diff.h"
#include "conform/export.h"
#include "conform/kernels.h"
#include "conform/rom.h"
#include "conform/singlestep.h"

namespace jitpc::conform {
namespace {

constexpr const char* kUsage =
    "usage: jitpc conform CAMPAIGN [OPTIONS]\n"
    "\n"
    "  jitpc conform diff [--mode 16|32|64] [--ops GROUPS] [--cases N] [--seed S] [--cpu MODEL]\n"
    "                     [--reference host|interp] [--engine jit|interp] [--repro DIR]\n"
    "      random instruction cases of the oracle's generator, run on jitpc (--engine, default\n"
    "      jit) under --cpu MODEL (default pentium2, or max for --mode 64: 64-bit code) and\n"
    "      compared with the host CPU or, with --reference interp, with the interpreter.\n"
    "      --ops: comma-separated groups or mnemonics, each an instruction class of the report\n"
    "      (default all: every group the model runs). Defaults: modes 16 and 32, 10000 cases,\n"
    "      seed 1. --repro DIR: each failing case minimised\n"
    "      and written as DIR/caseK.flat (jitpc -kernel runs it: PASS:/FAIL: lines, exit code\n"
    "      0 or 1) and DIR/caseK.txt (the case, the expected and the actual end)\n"
    "  jitpc conform export --mode 16|32|64 --cases N --seed S [--ops GROUPS] [--cpu MODEL] OUT_DIR\n"
    "      the diff campaign's cases, one instruction each, with the host CPU's results, as a\n"
    "      single-step JSON corpus: one file per instruction in OUT_DIR\n"
    "  jitpc conform singlestep FILE_OR_DIR [--cpu MODEL] [--engine interp|jit] [--corpus-cpu 8088|8086|80286]\n"
    "      runs a single-step JSON corpus (.json or .json.gz files) case by case on jitpc and\n"
    "      lists the differences from each case's final state. Real-mode corpora (SingleStepTests'\n"
    "      8088/8086/80286 layout) run in the interpreter; their CPU comes from --corpus-cpu or a\n"
    "      metadata.json beside them, and what that generation does differently by design is\n"
    "      counted as skipped, with the reason, not as a failure\n"
    "  jitpc conform kernels DIR [--timeout SECONDS] [--emulator 'CMD'] [-- JITPC_OPTIONS...]\n"
    "      boots each test kernel of DIR (Multiboot or bzImage, with -kernel; DIR/unittests.cfg,\n"
    "      when there, lists them: [name] file= extra_params= arch= timeout=), counting its\n"
    "      PASS:/FAIL:/SKIP: lines; isa-debug-exit code 0 passes, 77 skips (default time limit\n"
    "      60 s); --emulator runs each test on that command too (e.g. 'qemu-system-i386\n"
    "      -nographic -device isa-debug-exit,iobase=0xf4,iosize=4')\n"
    "  jitpc conform rom IMAGE --expect REFERENCE [--port 0xE9] [--timeout SECONDS] [--emulator 'CMD']\n"
    "                  [-- JITPC_OPTIONS...]\n"
    "      boots IMAGE with -bios and compares its debug-port output with REFERENCE line by\n"
    "      line; the first differing line is reported with the instruction that wrote it\n"
    "  jitpc conform merge SHARD.json... [--json FILE] [--junit FILE] [--html FILE]\n"
    "      one report from the shards' JSON reports, equal to a single run's\n"
    "\n"
    "diff, singlestep, kernels and rom also take:\n"
    "  --shard I/N    run only shard I (0 <= I < N) of N equal slices of the cases\n"
    "  --jobs N       run the slice in N worker processes\n"
    "  --json FILE    the report as JSON (schema: docs/CONFORM.md)\n"
    "  --junit FILE   the report as JUnit XML\n"
    "  --html FILE    the report as a self-contained HTML page\n"
    "\n"
    "exit status: 0 every case passed, 4 a case failed, 1 a usage or host-side error\n";

int merge_main(Args& args) {
    const Common o = Common::take(args);
    args.check();
    if (args.positional.empty()) throw std::runtime_error("merge: no SHARD.json given");
    if (o.shards != 1 || o.jobs != 1) throw std::runtime_error("merge takes no --shard or --jobs");
    Report r;
    for (size_t k = 0; k < args.positional.size(); ++k) {
        const std::string& path = args.positional[k];
        std::string error;
        const auto v = json::parse(read_file(path), error);
        if (!v) throw std::runtime_error("'" + path + "': " + error);
        Report shard;
        try {
            shard = Report::from_json(*v);
        } catch (const std::exception& e) {
            throw std::runtime_error("'" + path + "': " + e.what());
        }
        if (k == 0) r = std::move(shard);
        else r.merge(shard);
    }
    return finish(r, o);
}

struct Subcommand {
    const char* name;
    int (*run)(Args&);
};
constexpr Subcommand kCampaigns[] = {
    {"diff", diff_main},
    {"export", export_main},
    {"singlestep", singlestep_main},
    {"kernels", kernels_main},
    {"rom", rom_main},
    {"merge", merge_main},
};

}  // namespace

int main(int argc, char** argv) {
    try {
        if (argc < 2) throw std::runtime_error("no campaign given (jitpc conform --help)");
        if (!std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
            std::fputs(kUsage, stdout);
            return 0;
        }
        for (const Subcommand& s : kCampaigns) {
            if (std::strcmp(argv[1], s.name) != 0) continue;
            Args args(argc, argv, 2, {"--help"});
            if (args.flag("--help")) {
                std::fputs(kUsage, stdout);
                return 0;
            }
            return s.run(args);
        }
        throw std::runtime_error(std::string("unknown campaign '") + argv[1] + "' (jitpc conform --help)");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "jitpc: conform: %s\n", e.what());
        return 1;
    }
}

}  // namespace jitpc::conform
