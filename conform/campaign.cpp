#include "conform/campaign.h"

#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "conform/progress.h"

namespace jitpc::conform {
namespace {

// Case `k` of `n` equal parts of [first, end): [first + size*k/n, first + size*(k+1)/n).
std::pair<uint64_t, uint64_t> part(uint64_t first, uint64_t end, uint64_t k, uint64_t n) {
    const unsigned __int128 size = end - first;
    return {first + uint64_t(size * k / n), first + uint64_t(size * (k + 1) / n)};
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary);
    if (!(f << text) || !f.flush()) throw std::runtime_error("cannot write '" + path + "'");
}

Report blank(const Campaign& c) {
    Report r;
    r.campaign = c.name;
    r.parameters = c.parameters;
    return r;
}

// Counters a worker process shares with the parent, for the progress bar.
struct Shared {
    std::atomic<uint64_t> done{0}, failed{0};
};
static_assert(std::atomic<uint64_t>::is_always_lock_free, "shared across processes");

std::string read_all(std::FILE* f) {
    std::string s;
    char buf[65536];
    std::rewind(f);
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) s.append(buf, n);
    return s;
}

// Runs [first, end) in `jobs` forked worker processes (each with its own host child and
// emulator state), each writing its report as JSON to a temporary file, and merges them.
Report run_workers(const Campaign& c, uint64_t first, uint64_t end, uint64_t jobs, Report r) {
    void* mem = mmap(nullptr, sizeof(Shared) * jobs, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) throw std::runtime_error("cannot map the workers' counters");
    auto* shared = new (mem) Shared[jobs];
    std::vector<pid_t> pids;
    std::vector<std::FILE*> outs;
    const auto cleanup = [&] {
        for (pid_t p : pids) if (p > 0) kill(p, SIGKILL), waitpid(p, nullptr, 0);
        for (std::FILE* f : outs) std::fclose(f);
        munmap(mem, sizeof(Shared) * jobs);
    };
    std::fflush(nullptr);
    for (uint64_t j = 0; j < jobs; ++j) {
        std::FILE* out = std::tmpfile();
        if (!out) { cleanup(); throw std::runtime_error("cannot create a temporary file"); }
        outs.push_back(out);
        const pid_t pid = fork();
        if (pid < 0) { cleanup(); throw std::runtime_error("fork failed"); }
        if (pid == 0) {
            int status = 0;
            std::string text;
            try {
                Report mine = blank(c);
                const auto [a, b] = part(first, end, j, jobs);
                mine.add_range(a, b);
                c.run(a, b, mine, [&](bool failed) {
                    shared[j].done.fetch_add(1, std::memory_order_relaxed);
                    if (failed) shared[j].failed.fetch_add(1, std::memory_order_relaxed);
                });
                text = json::write(mine.to_json());
            } catch (const std::exception& e) {
                text = std::string("ERROR ") + e.what();
                status = 1;
            }
            std::fwrite(text.data(), 1, text.size(), out);
            std::fflush(out);
            _exit(status);
        }
        pids.push_back(pid);
    }
    {
        Progress bar(end - first);
        for (size_t running = pids.size(); running;) {
            for (pid_t& p : pids)
                if (p > 0 && waitpid(p, nullptr, WNOHANG) == p) p = 0, --running;
            uint64_t done = 0, failed = 0;
            for (uint64_t j = 0; j < jobs; ++j) done += shared[j].done, failed += shared[j].failed;
            bar.show(done, failed);
            if (running) poll(nullptr, 0, 50);
        }
    }
    std::string error;
    for (std::FILE* out : outs) {
        const std::string text = read_all(out);
        if (text.rfind("ERROR ", 0) == 0) { error = text.substr(6); break; }
        std::string parse_error;
        const auto v = json::parse(text, parse_error);
        if (!v) { error = "a worker process ended without its report"; break; }
        r.merge(Report::from_json(*v));
    }
    cleanup();
    if (!error.empty()) throw std::runtime_error(error);
    return r;
}

}  // namespace

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot read '" + path + "'");
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

Common Common::take(Args& args) {
    Common o;
    if (const auto s = args.take("--shard")) {
        const size_t slash = s->find('/');
        if (slash == std::string::npos) throw std::runtime_error("--shard: '" + *s + "' (I/N, 0 <= I < N)");
        o.shards = parse_number(s->substr(slash + 1), "--shard N", 1);
        o.shard = parse_number(s->substr(0, slash), "--shard I", 0, o.shards - 1);
    }
    o.jobs = args.take_number("--jobs", 1, 256).value_or(1);
    o.json = args.take("--json", "");
    o.junit = args.take("--junit", "");
    o.html = args.take("--html", "");
    return o;
}

int drive(const Campaign& c, const Common& o) {
    const auto [first, end] = part(0, c.cases, o.shard, o.shards);
    Report r = blank(c);
    const uint64_t jobs = std::min<uint64_t>(o.jobs, std::max<uint64_t>(end - first, 1));
    if (jobs > 1) {
        r = run_workers(c, first, end, jobs, std::move(r));
    } else {
        r.add_range(first, end);
        Progress bar(end - first);
        uint64_t done = 0, failed = 0;
        c.run(first, end, r, [&](bool f) { bar.show(++done, failed += f); });
    }
    return finish(r, o);
}

int finish(const Report& r, const Common& o) {
    if (!o.json.empty()) write_file(o.json, json::write(r.to_json()));
    if (!o.junit.empty()) write_file(o.junit, r.junit());
    if (!o.html.empty()) write_file(o.html, r.html());
    for (const auto& [key, c] : r.classes) {
        if (!c.failed) continue;
        std::printf("FAIL %s %s: %llu of %llu cases\n", key.first.c_str(), key.second.c_str(),
                    static_cast<unsigned long long>(c.failed), static_cast<unsigned long long>(c.cases));
    }
    std::printf("jitpc conform %s: %llu cases, %llu passed, %llu failed", r.campaign.c_str(),
                static_cast<unsigned long long>(r.cases()),
                static_cast<unsigned long long>(r.cases() - r.failed() - r.skipped()),
                static_cast<unsigned long long>(r.failed()));
    if (r.skipped()) std::printf(", %llu skipped", static_cast<unsigned long long>(r.skipped()));
    std::printf("\n");
    return r.status();
}

}  // namespace jitpc::conform
