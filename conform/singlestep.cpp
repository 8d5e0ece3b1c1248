// `jitpc conform singlestep`: runs a single-step JSON corpus (a file, or every .json and .json.gz
// file of a directory), each case from its initial state on jitpc, and lists where the final
// state differs. A file that cannot be read or parsed, and a malformed case, are failures of
// their own: the campaign goes on.
#include "conform/singlestep.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "conform/campaign.h"
#include "conform/real_mode_case.h"
#include "conform/step_case.h"
#include "difftest/check.h"
#include "difftest/emu.h"

namespace jitpc::conform {
namespace {

// Bigger files are refused (the public corpora's largest are a few tens of MB).
constexpr size_t MAX_FILE = size_t(1) << 30;

bool ends_with(const std::string& s, std::string_view tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The whole file, gunzipped when its name ends in .gz (zlib reads plain files unchanged too).
std::string read_corpus_file(const std::filesystem::path& path) {
    const std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
    if (!f) throw std::runtime_error("cannot open");
    std::string text;
    char buf[65536];
    for (int n; (n = gzread(f.get(), buf, sizeof buf)) != 0;) {
        if (n < 0) throw std::runtime_error("cannot read (a damaged gzip stream?)");
        text.append(buf, size_t(n));
        if (text.size() > MAX_FILE) throw std::runtime_error("larger than 1 GiB");
    }
    return text;
}

// A real-mode corpus's metadata.json: beside the corpus (a directory, or a file's own
// directory) or one level up, as the public suites lay them out. None: nullopt; a malformed one
// is an error of the campaign.
std::optional<CorpusMetadata> find_metadata(const std::filesystem::path& root, bool is_dir) {
    const std::filesystem::path dir = is_dir ? root : root.parent_path().empty() ? "." : root.parent_path();
    for (const std::filesystem::path& p : {dir / "metadata.json", dir.parent_path() / "metadata.json"}) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(p, ec)) continue;
        std::string error;
        const auto doc = json::parse(read_corpus_file(p), error);
        if (!doc) throw std::runtime_error("'" + p.string() + "': malformed JSON: " + error);
        try {
            return metadata_from_json(*doc);
        } catch (const std::exception& e) {
            throw std::runtime_error("'" + p.string() + "': " + e.what());
        }
    }
    return std::nullopt;
}

// A case in the oracle's layout (step_case.h): sets its mode's label and its name, and returns
// its differences.
std::string run_step_case(const json::Value& test, const cpu::CpuModel& model, std::string& mode, std::string& name) {
    const StepCase s = step_case_from_json(test);
    mode = s.mode == difftest::Mode::Code16 ? "16" : s.mode == difftest::Mode::Long64 ? "64" : "32";
    name = s.name;
    if (s.mode == difftest::Mode::Long64 && !model.has(cpu::Feature::LM))
        return "a 64-bit case: it needs a CPU model with long mode (--cpu max)\n";
    const difftest::Result e = difftest::run_emulated(s.bytes, s.in, s.mode);
    std::string detail = difftest::compare(s.expected, e, s.flags_mask, s.x87, s.mode);
    if (e.outcome == difftest::Outcome::Completed && s.final_eip && *s.final_eip != end_eip(s)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "eip: expected %08x, jitpc %08x\n", *s.final_eip, end_eip(s));
        detail += buf;
    }
    return detail;
}

struct Item {
    std::string cls;            // the file's name without .json(.gz)
    const json::Value* test = nullptr;
    std::string error;          // the file's own error, when it has no cases
};

}  // namespace

int singlestep_main(Args& args) {
    const Common common = Common::take(args);
    const std::string model_name = args.take("--cpu", "pentium2");
    const cpu::CpuModel* model = cpu::find_model(model_name);
    if (!model) throw std::runtime_error("--cpu: unknown model '" + model_name + "' (jitpc -cpu help)");
    const std::string engine = args.take("--engine", "interp");
    const std::string corpus_cpu = args.take("--corpus-cpu", "");
    if (!corpus_cpu.empty() && !generation_named(corpus_cpu))
        throw std::runtime_error("--corpus-cpu: '" + corpus_cpu + "' (8088, 8086 or 80286)");
    if (engine != "jit" && engine != "interp") throw std::runtime_error("--engine: '" + engine + "' (jit or interp)");
    args.check();
    if (args.positional.size() != 1) throw std::runtime_error("singlestep: one FILE_OR_DIR expected");
    const std::filesystem::path root = args.positional[0];

    std::vector<std::filesystem::path> paths;
    std::error_code ec;
    const bool is_dir = std::filesystem::is_directory(root, ec);
    const std::optional<CorpusMetadata> meta = find_metadata(root, is_dir);
    // The generation of a real-mode corpus's CPU: --corpus-cpu, else its metadata's.
    const std::optional<Generation> generation = generation_named(!corpus_cpu.empty() ? corpus_cpu : meta ? meta->cpu : "");
    if (is_dir) {
        for (std::filesystem::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string name = it->path().filename().string();
            if ((ends_with(name, ".json") || ends_with(name, ".json.gz")) && name != "metadata.json")
                paths.push_back(it->path());
        }
        if (ec) throw std::runtime_error("cannot read the directory '" + root.string() + "': " + ec.message());
        std::sort(paths.begin(), paths.end());
        if (paths.empty()) throw std::runtime_error("no .json or .json.gz file in '" + root.string() + "'");
    } else if (std::filesystem::exists(root, ec)) {
        paths.push_back(root);
    } else {
        throw std::runtime_error("'" + root.string() + "' does not exist");
    }

    // Every case of every file, numbered in file order: the campaign's case numbers.
    std::vector<json::Value> docs;
    docs.reserve(paths.size());
    std::vector<Item> items;
    for (const auto& path : paths) {
        std::string cls = path.filename().string();
        cls = cls.substr(0, cls.size() - (ends_with(cls, ".json.gz") ? 8 : ends_with(cls, ".json") ? 5 : 0));
        try {
            std::string error;
            auto doc = json::parse(read_corpus_file(path), error);
            if (!doc) throw std::runtime_error("malformed JSON: " + error);
            if (!doc->is(json::Value::Type::Array)) throw std::runtime_error("not a JSON array of cases");
            docs.push_back(std::move(*doc));
            for (const json::Value& t : docs.back().items) items.push_back({cls, &t, {}});
        } catch (const std::exception& e) {
            items.push_back({cls, nullptr, path.string() + ": " + e.what()});
        }
    }

    Campaign c;
    c.name = "singlestep";
    c.cases = items.size();
    c.parameters.set("corpus", json::Value::of(root.string()))
        .set("cpu", json::Value::of(std::string(model->name)))
        .set("engine", json::Value::of(engine))
        .set("cases", json::Value::of(c.cases));
    c.run = [&](uint64_t first, uint64_t end, Report& r, const Tick& tick) {
        difftest::emulated_model = model;
        difftest::use_jit = engine == "jit";
        for (uint64_t k = first; k < end; ++k) {
            const Item& item = items[k];
            std::string mode = "-", name = "(file)", detail;
            if (!item.test) {
                detail = item.error + "\n";
            } else {
                try {
                    if (is_real_mode_case(*item.test)) {
                        mode = "real";
                        const RealCase rc = real_case_from_json(*item.test);
                        name = rc.name;
                        if (!generation)
                            throw std::runtime_error("a real-mode corpus: name its CPU with --corpus-cpu (8088, 8086 or "
                                                     "80286) or a metadata.json beside it");
                        const RealResult res = run_real_case(rc, *generation, meta ? &*meta : nullptr, *model);
                        if (!res.by_design.empty()) {
                            r.count(mode, item.cls, 1);
                            r.skip(mode, item.cls);
                            ++r.classes[{mode, item.cls}].lines["by design: " + res.by_design];
                            tick(false);
                            continue;
                        }
                        detail = res.detail;
                    } else {
                        detail = run_step_case(*item.test, *model, mode, name);
                    }
                } catch (const std::exception& e) {
                    if (const json::Value* n = item.test->find("name"); n && n->is(json::Value::Type::String)) name = n->text;
                    detail = std::string("malformed case: ") + e.what() + "\n";
                }
            }
            r.count(mode, item.cls, 1);
            if (!detail.empty()) r.fail({.index = k, .cls = item.cls, .mode = mode, .name = name, .detail = detail, .repro = {}});
            tick(!detail.empty());
        }
    };
    return drive(c, common);
}

}  // namespace jitpc::conform
