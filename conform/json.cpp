#include "conform/json.h"

#include <algorithm>
#include <cstdio>

namespace jitpc::conform::json {

Value Value::of(bool b) {
    Value v;
    v.type = Type::Bool;
    v.boolean = b;
    return v;
}

Value Value::of(uint64_t n) {
    Value v;
    v.type = Type::Number;
    v.text = std::to_string(n);
    return v;
}

Value Value::of(std::string s) {
    Value v;
    v.type = Type::String;
    v.text = std::move(s);
    return v;
}

Value Value::array(std::vector<Value> items) {
    Value v;
    v.type = Type::Array;
    v.items = std::move(items);
    return v;
}

Value Value::object() {
    Value v;
    v.type = Type::Object;
    return v;
}

const Value* Value::find(std::string_view key) const {
    for (const auto& [k, v] : members)
        if (k == key) return &v;
    return nullptr;
}

Value& Value::set(std::string key, Value v) {
    members.emplace_back(std::move(key), std::move(v));
    return *this;
}

std::optional<uint64_t> Value::as_u64() const {
    if (type != Type::Number || text.empty() || text.size() > 20) return std::nullopt;
    uint64_t n = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        const uint64_t d = uint64_t(c - '0');
        if (n > (UINT64_MAX - d) / 10) return std::nullopt;
        n = n * 10 + d;
    }
    return n;
}

namespace {

// Deep enough for every format conform reads (a single-step case nests five levels).
constexpr unsigned MAX_DEPTH = 64;

class Parser {
public:
    explicit Parser(std::string_view s) : s_(s) {}

    std::optional<Value> document(std::string& error) {
        Value v;
        if (value(v, 0)) {
            skip_space();
            if (pos_ == s_.size()) return v;
            error_ = "text after the value";
        }
        error = error_ + " at byte " + std::to_string(pos_);
        return std::nullopt;
    }

private:
    bool fail(const char* what) {
        error_ = what;
        return false;
    }
    void skip_space() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
            ++pos_;
    }
    bool literal(std::string_view word) {
        if (s_.substr(pos_, word.size()) != word) return fail("invalid literal");
        pos_ += word.size();
        return true;
    }
    bool digits() {
        const size_t start = pos_;
        while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
        return pos_ > start;
    }
    bool number(Value& v) {
        const size_t start = pos_;
        if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
        if (pos_ < s_.size() && s_[pos_] == '0') ++pos_;
        else if (!digits()) return fail("invalid number");
        if (pos_ < s_.size() && s_[pos_] == '.') {
            ++pos_;
            if (!digits()) return fail("invalid number");
        }
        if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
            if (!digits()) return fail("invalid number");
        }
        v.type = Value::Type::Number;
        v.text = std::string(s_.substr(start, pos_ - start));
        return true;
    }
    bool hex4(unsigned& out) {
        if (s_.size() - pos_ < 4) return fail("truncated \\u escape");
        out = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = s_[pos_++];
            out <<= 4;
            if (c >= '0' && c <= '9') out |= unsigned(c - '0');
            else if (c >= 'a' && c <= 'f') out |= unsigned(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') out |= unsigned(c - 'A' + 10);
            else return fail("invalid \\u escape");
        }
        return true;
    }
    static void utf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out += char(cp);
        } else if (cp < 0x800) {
            out += char(0xC0 | cp >> 6);
            out += char(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += char(0xE0 | cp >> 12);
            out += char(0x80 | (cp >> 6 & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        } else {
            out += char(0xF0 | cp >> 18);
            out += char(0x80 | (cp >> 12 & 0x3F));
            out += char(0x80 | (cp >> 6 & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        }
    }
    bool string(std::string& out) {
        ++pos_;  // the opening quote
        for (;;) {
            if (pos_ >= s_.size()) return fail("unterminated string");
            const char c = s_[pos_++];
            if (c == '"') return true;
            if (static_cast<unsigned char>(c) < 0x20) return fail("control character in a string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= s_.size()) return fail("unterminated string");
            switch (s_[pos_++]) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                unsigned cp;
                if (!hex4(cp)) return false;
                if (cp >= 0xD800 && cp < 0xDC00) {  // a surrogate pair
                    unsigned low;
                    if (s_.substr(pos_, 2) != "\\u") return fail("unpaired surrogate");
                    pos_ += 2;
                    if (!hex4(low)) return false;
                    if (low < 0xDC00 || low >= 0xE000) return fail("unpaired surrogate");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                } else if (cp >= 0xDC00 && cp < 0xE000) {
                    return fail("unpaired surrogate");
                }
                utf8(out, cp);
                break;
            }
            default: return fail("invalid escape");
            }
        }
    }
    bool value(Value& v, unsigned depth) {
        if (depth > MAX_DEPTH) return fail("nested too deeply");
        skip_space();
        if (pos_ >= s_.size()) return fail("unexpected end");
        switch (s_[pos_]) {
        case 'n': return literal("null");
        case 't': v.type = Value::Type::Bool; v.boolean = true; return literal("true");
        case 'f': v.type = Value::Type::Bool; return literal("false");
        case '"': v.type = Value::Type::String; return string(v.text);
        case '[': {
            v.type = Value::Type::Array;
            ++pos_;
            skip_space();
            if (pos_ < s_.size() && s_[pos_] == ']') { ++pos_; return true; }
            for (;;) {
                v.items.emplace_back();
                if (!value(v.items.back(), depth + 1)) return false;
                skip_space();
                if (pos_ >= s_.size()) return fail("unterminated array");
                const char c = s_[pos_++];
                if (c == ']') return true;
                if (c != ',') return fail("expected ',' or ']'");
            }
        }
        case '{': {
            v.type = Value::Type::Object;
            ++pos_;
            skip_space();
            if (pos_ < s_.size() && s_[pos_] == '}') { ++pos_; return true; }
            for (;;) {
                skip_space();
                if (pos_ >= s_.size() || s_[pos_] != '"') return fail("expected a member name");
                std::string key;
                if (!string(key)) return false;
                skip_space();
                if (pos_ >= s_.size() || s_[pos_++] != ':') return fail("expected ':'");
                v.members.emplace_back(std::move(key), Value{});
                if (!value(v.members.back().second, depth + 1)) return false;
                skip_space();
                if (pos_ >= s_.size()) return fail("unterminated object");
                const char c = s_[pos_++];
                if (c == '}') return true;
                if (c != ',') return fail("expected ',' or '}'");
            }
        }
        default:
            if (s_[pos_] == '-' || (s_[pos_] >= '0' && s_[pos_] <= '9')) return number(v);
            return fail("unexpected character");
        }
    }

    std::string_view s_;
    size_t pos_ = 0;
    std::string error_;
};

void write_to(std::string& out, const Value& v, unsigned indent) {
    const auto newline = [&](unsigned n) {
        out += '\n';
        out.append(2 * n, ' ');
    };
    switch (v.type) {
    case Value::Type::Null: out += "null"; break;
    case Value::Type::Bool: out += v.boolean ? "true" : "false"; break;
    case Value::Type::Number: out += v.text; break;
    case Value::Type::String: out += quote(v.text); break;
    case Value::Type::Array:
        if (v.items.empty()) { out += "[]"; break; }
        // Arrays of numbers, strings, booleans and nulls on one line: [address, byte] pairs.
        if (std::none_of(v.items.begin(), v.items.end(), [](const Value& i) {
                return i.is(Value::Type::Array) || i.is(Value::Type::Object);
            })) {
            out += '[';
            for (size_t k = 0; k < v.items.size(); ++k) {
                if (k) out += ", ";
                write_to(out, v.items[k], indent + 1);
            }
            out += ']';
            break;
        }
        out += '[';
        for (size_t k = 0; k < v.items.size(); ++k) {
            if (k) out += ',';
            newline(indent + 1);
            write_to(out, v.items[k], indent + 1);
        }
        newline(indent);
        out += ']';
        break;
    case Value::Type::Object:
        if (v.members.empty()) { out += "{}"; break; }
        out += '{';
        for (size_t k = 0; k < v.members.size(); ++k) {
            if (k) out += ',';
            newline(indent + 1);
            out += quote(v.members[k].first);
            out += ": ";
            write_to(out, v.members[k].second, indent + 1);
        }
        newline(indent);
        out += '}';
        break;
    }
}

}  // namespace

std::optional<Value> parse(std::string_view text, std::string& error) { return Parser(text).document(error); }

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(c));
                out += buf;
            } else {
                out += c;
            }
        }
    }
    return out + '"';
}

std::string write(const Value& v) {
    std::string out;
    write_to(out, v, 0);
    return out + '\n';
}

}  // namespace jitpc::conform::json
