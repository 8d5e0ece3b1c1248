// A small JSON reader and writer for conform's reports and single-step corpora. The reader is
// bounds-checked and limits nesting, so malformed or hostile input gives an error message,
// never a crash; numbers keep their text, so 64-bit seeds and counts survive exactly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jitpc::conform::json {

struct Value {
    enum class Type : uint8_t { Null, Bool, Number, String, Array, Object };
    Type type = Type::Null;
    bool boolean = false;
    std::string text;  // a string's contents, or a number as written
    std::vector<Value> items;                            // Array
    std::vector<std::pair<std::string, Value>> members;  // Object, in input order

    static Value null() { return {}; }
    static Value of(bool b);
    static Value of(uint64_t n);
    static Value of(std::string s);
    static Value of(const char* s) { return of(std::string(s)); }
    static Value array(std::vector<Value> items = {});
    static Value object();

    bool is(Type t) const { return type == t; }
    // Object member by key, or nullptr.
    const Value* find(std::string_view key) const;
    // Adds a member (objects) and returns *this.
    Value& set(std::string key, Value v);
    // A Number that is an unsigned integer fitting 64 bits.
    std::optional<uint64_t> as_u64() const;
    bool operator==(const Value&) const = default;
};

// Parses a whole document; on error returns nullopt and sets `error` (what and the byte offset).
std::optional<Value> parse(std::string_view text, std::string& error);

// Two-space indented, members in insertion order, arrays of scalars on one line: the same
// Value always gives the same text.
std::string write(const Value& v);
// `s` as a JSON string literal, quotes included.
std::string quote(std::string_view s);

}  // namespace jitpc::conform::json
