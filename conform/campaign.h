// What every campaign shares: numbered cases, any slice of which runs alone (--shard I/N, and
// --jobs N worker processes each taking part of the slice), and the report files.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "conform/args.h"
#include "conform/report.h"

namespace jitpc::conform {

// Called after each case with whether it failed.
using Tick = std::function<void(bool failed)>;

struct Campaign {
    std::string name;
    json::Value parameters = json::Value::object();  // what defines the cases: equal for every shard
    uint64_t cases = 0;
    // Runs cases [first, end) in order into `r` (Report::count, Report::fail). May throw
    // std::runtime_error for a host-side error, which ends the whole campaign.
    std::function<void(uint64_t first, uint64_t end, Report& r, const Tick& tick)> run;
};

// The options every campaign takes: --shard I/N, --jobs N, --json/--junit/--html FILE.
struct Common {
    uint64_t shard = 0, shards = 1, jobs = 1;
    std::string json, junit, html;
    static Common take(Args& args);
};

// Runs the shard's slice of the campaign and writes the reports; returns the exit status.
int drive(const Campaign& c, const Common& o);
// A whole file's bytes (throws std::runtime_error naming it when it cannot be read).
std::string read_file(const std::string& path);

// Writes the report files asked for and a summary on stdout; returns the exit status.
int finish(const Report& r, const Common& o);

}  // namespace jitpc::conform
