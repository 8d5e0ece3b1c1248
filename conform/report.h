// A campaign's results, in the one form every report format and `conform merge` work from:
// counts per (mode, class), the failing cases, and which case numbers were run. The JSON form
// is the stable schema (docs/CONFORM.md); the JUnit and HTML forms are written from it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "conform/json.h"

namespace jitpc::conform {

// Process exit status of a campaign with a failing case (0: every case passed; 1: a usage or
// host-side error), as the README's exit-status table says.
constexpr int EXIT_FAILURES = 4;

struct Failure {
    uint64_t index = 0;  // the case's number in the campaign
    std::string cls, mode;
    std::string name;    // what ran: the instructions, the test's name
    std::string detail;  // every difference, one per line
    std::string repro;   // the reproducer written for it (--repro), or empty
    bool operator==(const Failure&) const = default;
};

struct Counts {
    uint64_t cases = 0, failed = 0, skipped = 0;
    // Tallies a campaign keeps per class besides cases (kernels: the PASS:, FAIL: and SKIP:
    // lines the tests printed).
    std::map<std::string, uint64_t> lines;
    bool operator==(const Counts&) const = default;
};

struct Report {
    // Failures kept in full per (mode, class); the counts hold them all. Keeping the lowest case
    // numbers makes the merge of shards equal to a single run.
    static constexpr size_t KEPT_PER_CLASS = 100;

    std::string campaign;
    json::Value parameters = json::Value::object();  // the options that define the cases
    std::vector<std::pair<uint64_t, uint64_t>> ran;  // [first, end) case numbers, sorted, coalesced
    std::map<std::pair<std::string, std::string>, Counts> classes;  // (mode, class)
    std::vector<Failure> failures;  // sorted by case number

    void count(const std::string& mode, const std::string& cls, uint64_t cases) { classes[{mode, cls}].cases += cases; }
    void fail(Failure f);  // counts it too; cases in ascending order
    void skip(const std::string& mode, const std::string& cls) { ++classes[{mode, cls}].skipped; }
    void add_range(uint64_t first, uint64_t end);
    // Adds another report of the same campaign and parameters (throws std::runtime_error when
    // they differ or their case ranges overlap).
    void merge(const Report& other);
    uint64_t cases() const;
    uint64_t failed() const;
    uint64_t skipped() const;
    // 0 when every case passed, 4 when any failed (the README's exit-status table).
    int status() const { return failed() ? EXIT_FAILURES : 0; }

    json::Value to_json() const;
    static Report from_json(const json::Value& v);  // throws std::runtime_error
    std::string junit() const;
    std::string html() const;
};

}  // namespace jitpc::conform
