// conform's JSON reader (conform/json.h): exact values, one error for malformed input and never
// a crash, also for random and mutated documents (the reader takes users' corpora and reports).
#include <doctest/doctest.h>

#include <random>

#include "conform/json.h"

using namespace jitpc::conform;

namespace {

json::Value parse_ok(std::string_view text) {
    std::string error;
    auto v = json::parse(text, error);
    INFO(text, " ", error);
    REQUIRE(v.has_value());
    return *v;
}

bool fails(std::string_view text) {
    std::string error;
    const bool bad = !json::parse(text, error);
    return bad && !error.empty();
}

}  // namespace

TEST_CASE("json: values, escapes and exact numbers") {
    const json::Value v = parse_ok(R"( {"a": [1, -2.5e3, true, false, null], "s": "x\"\\\/\n\u00e9\ud83d\ude00",
                                        "big": 18446744073709551615, "over": 18446744073709551616} )");
    REQUIRE(v.is(json::Value::Type::Object));
    const json::Value* a = v.find("a");
    REQUIRE(a);
    CHECK(a->items.size() == 5);
    CHECK(a->items[1].text == "-2.5e3");
    CHECK(a->items[2].boolean);
    CHECK(a->items[4].is(json::Value::Type::Null));
    CHECK(v.find("s")->text == "x\"\\/\n\xC3\xA9\xF0\x9F\x98\x80");
    CHECK(v.find("big")->as_u64() == UINT64_MAX);
    CHECK(!v.find("over")->as_u64());
    CHECK(!a->items[1].as_u64());
    CHECK(v.find("missing") == nullptr);
}

TEST_CASE("json: writing and reading again gives the same value") {
    json::Value v = json::Value::object();
    v.set("n", json::Value::of(uint64_t(123456789012345)))
        .set("s", json::Value::of("tab\there \x01 \"q\""))
        .set("l", json::Value::array({json::Value::of(true), json::Value::null(), json::Value::array(), json::Value::object()}));
    CHECK(parse_ok(json::write(v)) == v);
    CHECK(json::write(v) == json::write(parse_ok(json::write(v))));
}

TEST_CASE("json: malformed documents are errors") {
    for (const char* bad : {"", " ", "{", "[", "[1,]", "{\"a\" 1}", "{\"a\":}", "{1: 2}", "[1 2]", "nul", "tru",
                            "01", "1.", "-", "1e", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00x\"",
                            "\"a\nb\"", "[1] x", "{\"a\":1,}", "+1", ".5", "[\"\\ud800\\u0041\"]"})
        CHECK_MESSAGE(fails(bad), bad);
    CHECK(fails(std::string(100000, '[')));  // nesting limit, not a stack overflow
    CHECK(fails(std::string(100000, '{')));
    CHECK(fails(std::string_view("[1, \0 2]", 8)));
}

TEST_CASE("json: random and mutated input never crashes, and what parses writes back the same") {
    const std::string seed_doc = R"({"name": "00 0", "initial": {"regs": {"ax": 1, "bx": 65535}, "ram": [[1024, 144], [1025, 0]]},
                                    "final": {"regs": {"ax": 2}, "ram": []}, "hash": "x\u0041", "f": -1.5e-7, "ok": [true, false, null]})";
    parse_ok(seed_doc);
    std::mt19937_64 rng(15);
    const std::string alphabet = "{}[]\":,0123456789-+.eEtrufalsn \\u\n";
    unsigned parsed = 0;
    for (unsigned round = 0; round < 20000; ++round) {
        std::string s;
        if (round % 4 == 0) {  // random text over JSON's own characters
            s.resize(rng() % 64);
            for (auto& ch : s) ch = alphabet[rng() % alphabet.size()];
        } else {  // the seed document with flipped, deleted, inserted bytes, or cut short
            s = seed_doc;
            for (unsigned k = 0, n = 1 + unsigned(rng() % 4); k < n && !s.empty(); ++k) {
                const size_t at = rng() % s.size();
                switch (rng() % 4) {
                case 0: s[at] = char(s[at] ^ (1 << (rng() % 8))); break;
                case 1: s.erase(at, 1); break;
                case 2: s.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
                default: s.resize(at); break;
                }
            }
        }
        std::string error;
        if (const auto v = json::parse(s, error)) {
            ++parsed;
            const std::string text = json::write(*v);
            const auto again = json::parse(text, error);
            REQUIRE(again.has_value());
            CHECK(*again == *v);
        } else {
            CHECK(!error.empty());
        }
    }
    CHECK(parsed > 0);
}
