#include "conform/report.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace jitpc::conform {
namespace {

constexpr const char* FORMAT = "jitpc-conform";
constexpr uint64_t VERSION = 1;

// Keeps the KEPT_PER_CLASS lowest-numbered failures of each (mode, class).
void prune(std::vector<Failure>& failures) {
    std::sort(failures.begin(), failures.end(), [](const Failure& a, const Failure& b) { return a.index < b.index; });
    std::map<std::pair<std::string, std::string>, size_t> kept;
    std::erase_if(failures, [&](const Failure& f) { return ++kept[{f.mode, f.cls}] > Report::KEPT_PER_CLASS; });
}

[[noreturn]] void bad(const std::string& what) { throw std::runtime_error("not a conform report: " + what); }

const json::Value& member(const json::Value& o, const char* key, json::Value::Type type) {
    const json::Value* v = o.find(key);
    if (!v || !v->is(type)) bad(std::string("'") + key + "' missing or of the wrong type");
    return *v;
}

uint64_t number(const json::Value& o, const char* key) {
    const auto n = member(o, key, json::Value::Type::Number).as_u64();
    if (!n) bad(std::string("'") + key + "' is not an unsigned integer");
    return *n;
}

std::string escape_html(std::string_view s) {
    std::string out;
    for (const char c : s) {
        switch (c) {
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '&': out += "&amp;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

// "N cases, F failed[, S skipped][; lines: PASS: n ...]"
std::string summary(const Counts& c) {
    std::string s = std::to_string(c.cases) + " cases, " + std::to_string(c.failed) + " failed";
    if (c.skipped) s += ", " + std::to_string(c.skipped) + " skipped";
    if (!c.lines.empty()) {
        s += "; lines:";
        for (const auto& [name, n] : c.lines) s += " " + name + " " + std::to_string(n);
    }
    return s;
}

// The first line of a text (failure messages in one-line places).
std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

void Report::fail(Failure f) {
    // A run reports its cases in ascending order, so a class's first KEPT_PER_CLASS failures
    // are its lowest-numbered ones.
    if (++classes[{f.mode, f.cls}].failed > KEPT_PER_CLASS) return;
    const bool ordered = failures.empty() || failures.back().index < f.index;
    failures.push_back(std::move(f));
    if (!ordered) prune(failures);
}

void Report::add_range(uint64_t first, uint64_t end) {
    if (first == end) return;
    for (const auto& [a, b] : ran)
        if (first < b && a < end)
            throw std::runtime_error("case ranges overlap: " + std::to_string(first) + ".." +
                                     std::to_string(end) + " and " + std::to_string(a) + ".." + std::to_string(b));
    ran.emplace_back(first, end);
    std::sort(ran.begin(), ran.end());
    std::vector<std::pair<uint64_t, uint64_t>> joined;
    for (const auto& r : ran)
        if (!joined.empty() && joined.back().second == r.first) joined.back().second = r.second;
        else joined.push_back(r);
    ran = std::move(joined);
}

void Report::merge(const Report& other) {
    if (other.campaign != campaign) throw std::runtime_error("campaigns differ: " + campaign + " and " + other.campaign);
    if (!(other.parameters == parameters)) {
        std::string keys;
        const json::Value* const both[] = {&parameters, &other.parameters};
        for (const json::Value* a : both)
            for (const auto& [key, v] : a->members) {
                const json::Value* b = (a == &parameters ? other.parameters : parameters).find(key);
                if ((!b || !(*b == v)) && keys.find(" " + key + ",") == std::string::npos) keys += " " + key + ",";
            }
        keys.pop_back();
        throw std::runtime_error("campaign parameters differ:" + keys);
    }
    for (const auto& [first, end] : other.ran) add_range(first, end);
    for (const auto& [key, c] : other.classes) {
        Counts& mine = classes[key];
        mine.cases += c.cases;
        mine.failed += c.failed;
        mine.skipped += c.skipped;
        for (const auto& [name, n] : c.lines) mine.lines[name] += n;
    }
    failures.insert(failures.end(), other.failures.begin(), other.failures.end());
    prune(failures);
}

uint64_t Report::cases() const {
    uint64_t n = 0;
    for (const auto& [key, c] : classes) n += c.cases;
    return n;
}

uint64_t Report::failed() const {
    uint64_t n = 0;
    for (const auto& [key, c] : classes) n += c.failed;
    return n;
}

uint64_t Report::skipped() const {
    uint64_t n = 0;
    for (const auto& [key, c] : classes) n += c.skipped;
    return n;
}

json::Value Report::to_json() const {
    using json::Value;
    Value ranges = Value::array();
    for (const auto& [first, end] : ran) ranges.items.push_back(Value::array({Value::of(first), Value::of(end)}));
    Value cls = Value::array();
    for (const auto& [key, c] : classes) {
        const auto first = std::find_if(failures.begin(), failures.end(), [&](const Failure& f) {
            return f.mode == key.first && f.cls == key.second;
        });
        Value entry = Value::object()
                          .set("mode", Value::of(key.first))
                          .set("class", Value::of(key.second))
                          .set("cases", Value::of(c.cases))
                          .set("failed", Value::of(c.failed))
                          .set("skipped", Value::of(c.skipped))
                          .set("first_failure", first == failures.end() ? Value::null() : Value::of(first->index));
        if (!c.lines.empty()) {
            Value lines = Value::object();
            for (const auto& [name, n] : c.lines) lines.set(name, Value::of(n));
            entry.set("lines", lines);
        }
        cls.items.push_back(std::move(entry));
    }
    Value fails = Value::array();
    for (const auto& f : failures)
        fails.items.push_back(Value::object()
                                  .set("case", Value::of(f.index))
                                  .set("mode", Value::of(f.mode))
                                  .set("class", Value::of(f.cls))
                                  .set("name", Value::of(f.name))
                                  .set("detail", Value::of(f.detail))
                                  .set("repro", f.repro.empty() ? Value::null() : Value::of(f.repro)));
    return Value::object()
        .set("format", Value::of(FORMAT))
        .set("version", Value::of(VERSION))
        .set("campaign", Value::of(campaign))
        .set("parameters", parameters)
        .set("ran", ranges)
        .set("totals", Value::object()
                           .set("cases", Value::of(cases()))
                           .set("failed", Value::of(failed()))
                           .set("skipped", Value::of(skipped())))
        .set("classes", cls)
        .set("failures", fails);
}

Report Report::from_json(const json::Value& v) {
    using T = json::Value::Type;
    if (!v.is(T::Object)) bad("not a JSON object");
    if (member(v, "format", T::String).text != FORMAT) bad("format is not " + std::string(FORMAT));
    if (number(v, "version") != VERSION) bad("version " + member(v, "version", T::Number).text + " (this jitpc reads 1)");
    Report r;
    r.campaign = member(v, "campaign", T::String).text;
    r.parameters = member(v, "parameters", T::Object);
    for (const auto& range : member(v, "ran", T::Array).items) {
        if (!range.is(T::Array) || range.items.size() != 2) bad("a 'ran' entry is not [first, end]");
        const auto first = range.items[0].as_u64(), end = range.items[1].as_u64();
        if (!first || !end || *first > *end) bad("a 'ran' entry is not [first, end]");
        r.add_range(*first, *end);
    }
    for (const auto& c : member(v, "classes", T::Array).items) {
        if (!c.is(T::Object)) bad("a class is not an object");
        Counts& n = r.classes[{member(c, "mode", T::String).text, member(c, "class", T::String).text}];
        n.cases = number(c, "cases");
        n.failed = number(c, "failed");
        n.skipped = number(c, "skipped");
        if (const json::Value* lines = c.find("lines")) {
            if (!lines->is(T::Object)) bad("'lines' is not an object");
            for (const auto& [name, count] : lines->members) n.lines[name] = number(*lines, name.c_str());
        }
    }
    for (const auto& f : member(v, "failures", T::Array).items) {
        if (!f.is(T::Object)) bad("a failure is not an object");
        Failure x;
        x.index = number(f, "case");
        x.mode = member(f, "mode", T::String).text;
        x.cls = member(f, "class", T::String).text;
        x.name = member(f, "name", T::String).text;
        x.detail = member(f, "detail", T::String).text;
        if (const json::Value* p = f.find("repro"); p && p->is(T::String)) x.repro = p->text;
        r.failures.push_back(std::move(x));
    }
    prune(r.failures);
    return r;
}

std::string Report::junit() const {
    // One <testsuite> per mode, one <testcase> per instruction class (or test): CI systems show
    // the class with its first failure; the counts of cases are in each testcase's output.
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    std::map<std::string, std::vector<std::pair<std::string, Counts>>> modes;
    for (const auto& [key, c] : classes) modes[key.first].emplace_back(key.second, c);
    size_t failing_classes = 0;
    for (const auto& [key, c] : classes) failing_classes += c.failed != 0;
    out += "<testsuites name=\"jitpc conform " + escape_html(campaign) + "\" tests=\"" + std::to_string(classes.size()) +
           "\" failures=\"" + std::to_string(failing_classes) + "\">\n";
    for (const auto& [mode, list] : modes) {
        const std::string suite = campaign + "." + mode;
        size_t failing = 0;
        for (const auto& [cls, c] : list) failing += c.failed != 0;
        out += "  <testsuite name=\"" + escape_html(suite) + "\" tests=\"" + std::to_string(list.size()) +
               "\" failures=\"" + std::to_string(failing) + "\" errors=\"0\">\n";
        for (const auto& [cls, c] : list) {
            out += "    <testcase classname=\"" + escape_html(suite) + "\" name=\"" + escape_html(cls) + "\">\n";
            if (c.skipped && !c.failed && c.skipped == c.cases)
                out += "      <skipped message=\"" + std::to_string(c.skipped) + " skipped\"/>\n";
            if (c.failed) {
                const auto f = std::find_if(failures.begin(), failures.end(),
                                            [&](const Failure& x) { return x.mode == mode && x.cls == cls; });
                std::string message = std::to_string(c.failed) + " of " + std::to_string(c.cases) + " cases failed";
                if (f != failures.end()) message += "; first: case " + std::to_string(f->index) + ": " + f->name;
                out += "      <failure type=\"mismatch\" message=\"" + escape_html(message) + "\">" +
                       escape_html(f != failures.end() ? f->detail : std::string()) + "</failure>\n";
            }
            out += "      <system-out>" + summary(c) + "</system-out>\n    </testcase>\n";
        }
        out += "  </testsuite>\n";
    }
    return out + "</testsuites>\n";
}

std::string Report::html() const {
    std::string out =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>jitpc conform " +
        escape_html(campaign) +
        "</title>\n<style>\n"
        "body { font-family: sans-serif; margin: 2em; }\n"
        "table { border-collapse: collapse; margin-bottom: 1.5em; }\n"
        "th, td { border: 1px solid #999; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }\n"
        "td.n { text-align: right; }\n"
        "tr.failed td { background: #fdd; }\n"
        "pre { margin: 0; white-space: pre-wrap; }\n"
        "</style>\n</head>\n<body>\n<h1>jitpc conform " + escape_html(campaign) + "</h1>\n";
    out += "<p id=\"totals\">" + std::to_string(cases()) + " cases, " + std::to_string(failed()) + " failed, " +
           std::to_string(skipped()) + " skipped.</p>\n";
    out += "<h2>Parameters</h2>\n<table id=\"parameters\">\n";
    for (const auto& [key, v] : parameters.members)
        out += "<tr><th>" + escape_html(key) + "</th><td>" + escape_html(v.is(json::Value::Type::String) ? v.text : first_line(json::write(v))) + "</td></tr>\n";
    std::string ran_text;
    for (const auto& [first, end] : ran) ran_text += (ran_text.empty() ? "" : ", ") + std::to_string(first) + "&ndash;" + std::to_string(end - 1);
    out += "<tr><th>cases run</th><td>" + ran_text + "</td></tr>\n</table>\n";
    std::map<std::string, std::vector<std::pair<std::string, Counts>>> modes;
    for (const auto& [key, c] : classes) modes[key.first].emplace_back(key.second, c);
    for (const auto& [mode, list] : modes) {
        out += "<h2>Mode " + escape_html(mode) + "</h2>\n";
        // The chart: one bar per class, its passed share green and its failed share red.
        constexpr unsigned LABEL = 160, BAR = 400, ROW = 22;
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(LABEL + BAR + 120) + "\" height=\"" +
               std::to_string(ROW * list.size() + 4) + "\" role=\"img\" aria-label=\"passed and failed cases per class\">\n";
        for (size_t k = 0; k < list.size(); ++k) {
            const auto& [cls, c] = list[k];
            const unsigned y = unsigned(k) * ROW + 2;
            const unsigned red = c.cases ? unsigned((c.failed * BAR + c.cases - 1) / c.cases) : 0;
            out += "<text x=\"0\" y=\"" + std::to_string(y + 15) + "\" font-size=\"13\">" + escape_html(cls) + "</text>";
            out += "<rect x=\"" + std::to_string(LABEL) + "\" y=\"" + std::to_string(y) + "\" width=\"" +
                   std::to_string(BAR - red) + "\" height=\"18\" fill=\"#4a4\"/>";
            if (red)
                out += "<rect x=\"" + std::to_string(LABEL + BAR - red) + "\" y=\"" + std::to_string(y) + "\" width=\"" +
                       std::to_string(red) + "\" height=\"18\" fill=\"#c33\"/>";
            out += "<text x=\"" + std::to_string(LABEL + BAR + 6) + "\" y=\"" + std::to_string(y + 15) +
                   "\" font-size=\"13\">" + std::to_string(c.failed) + "/" + std::to_string(c.cases) + "</text>\n";
        }
        out += "</svg>\n";
        out += "<table class=\"classes\" data-mode=\"" + escape_html(mode) +
               "\">\n<tr><th>class</th><th>cases</th><th>failed</th><th>skipped</th><th>first failure</th></tr>\n";
        for (const auto& [cls, c] : list) {
            const auto f = std::find_if(failures.begin(), failures.end(),
                                        [&](const Failure& x) { return x.mode == mode && x.cls == cls; });
            out += std::string("<tr") + (c.failed ? " class=\"failed\"" : "") + "><td>" + escape_html(cls) +
                   "</td><td class=\"n\">" + std::to_string(c.cases) + "</td><td class=\"n\">" + std::to_string(c.failed) +
                   "</td><td class=\"n\">" + std::to_string(c.skipped) + "</td><td>";
            if (f != failures.end()) {
                out += "case " + std::to_string(f->index) + ": " + escape_html(f->name) +
                       "<details><summary>differences</summary><pre>" + escape_html(f->detail) + "</pre></details>";
                if (!f->repro.empty()) out += "reproducer: <code>" + escape_html(f->repro) + "</code>";
            }
            if (!c.lines.empty()) out += "<p>" + escape_html(summary(c)) + "</p>";
            out += "</td></tr>\n";
        }
        out += "</table>\n";
    }
    return out + "</body>\n</html>\n";
}

}  // namespace jitpc::conform
