// conform's reports (conform/report.h): merging slices gives the whole run's report, failures
// kept per class are the lowest-numbered, and the JSON form reads back to the same report.
#include <doctest/doctest.h>

#include <stdexcept>

#include "conform/report.h"

using namespace jitpc::conform;

namespace {

// A campaign of `end - first` cases over two classes; case k fails when k % 7 == 3.
Report run(uint64_t first, uint64_t end) {
    Report r;
    r.campaign = "diff";
    r.parameters.set("seed", json::Value::of(uint64_t(1)));
    r.add_range(first, end);
    for (uint64_t k = first; k < end; ++k) {
        const std::string cls = k % 2 ? "odd" : "even";
        r.count("32", cls, 1);
        if (k % 7 == 3) r.fail({.index = k, .cls = cls, .mode = "32", .name = "case " + std::to_string(k),
                                .detail = "eax differs\n", .repro = {}});
    }
    return r;
}

}  // namespace

TEST_CASE("conform report: shards merged in any order equal the single run") {
    const Report whole = run(0, 3000);
    CHECK(whole.cases() == 3000);
    CHECK(whole.failed() == 429);
    CHECK(whole.failures.size() == 2 * Report::KEPT_PER_CLASS);
    CHECK(whole.failures.front().index == 3);
    Report merged = run(2000, 3000);
    merged.merge(run(0, 1000));
    merged.merge(run(1000, 2000));
    CHECK(json::write(merged.to_json()) == json::write(whole.to_json()));
    CHECK(merged.junit() == whole.junit());
    CHECK(merged.html() == whole.html());
    CHECK(merged.ran == std::vector<std::pair<uint64_t, uint64_t>>{{0, 3000}});
    CHECK(whole.status() == EXIT_FAILURES);
}

TEST_CASE("conform report: JSON reads back; bad merges are refused") {
    const Report r = run(0, 500);
    std::string error;
    const auto v = json::parse(json::write(r.to_json()), error);
    REQUIRE(v.has_value());
    const Report back = Report::from_json(*v);
    CHECK(json::write(back.to_json()) == json::write(r.to_json()));
    Report twice = run(0, 500);
    CHECK_THROWS_AS(twice.merge(run(400, 600)), std::runtime_error);  // overlapping cases
    Report other = run(500, 600);
    other.parameters = json::Value::object().set("seed", json::Value::of(uint64_t(2)));
    Report first = run(0, 500);
    CHECK_THROWS_AS(first.merge(other), std::runtime_error);  // another campaign's parameters
    CHECK_THROWS_AS(Report::from_json(json::Value::object()), std::runtime_error);
    Report gap = run(0, 100);
    gap.merge(run(200, 300));
    CHECK(gap.ran == std::vector<std::pair<uint64_t, uint64_t>>{{0, 100}, {200, 300}});
    CHECK(run(0, 3).status() == 0);
}
