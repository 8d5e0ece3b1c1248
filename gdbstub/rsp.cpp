#include "gdbstub/rsp.h"

namespace jitpc::gdbstub {

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

constexpr char HEX[] = "0123456789abcdef";

}  // namespace

PacketReader::Event PacketReader::feed(char c) {
    switch (state_) {
    case State::Idle:
        if (c == '$') {
            payload_.clear();
            sum_ = 0;
            too_long_ = false;
            state_ = State::Payload;
        }
        return c == '+' ? Event::Ack : c == '-' ? Event::Nak : c == 0x03 ? Event::Interrupt : Event::None;
    case State::Payload:
    case State::Escape:
        if (c == '#') {
            state_ = State::Sum1;
            return Event::None;
        }
        sum_ = uint8_t(sum_ + uint8_t(c));
        if (state_ == State::Payload && c == '}') {
            state_ = State::Escape;
            return Event::None;
        }
        if (payload_.size() < MAX_PAYLOAD) payload_ += state_ == State::Escape ? char(c ^ 0x20) : c;
        else too_long_ = true;
        state_ = State::Payload;
        return Event::None;
    case State::Sum1:
    case State::Sum2: {
        const int d = hex_digit(c);
        if (d < 0) {  // not a checksum: the packet is bad (a '$' starts the next one)
            state_ = State::Idle;
            if (c == '$') feed(c);
            return Event::BadPacket;
        }
        if (state_ == State::Sum1) {
            want_ = uint8_t(d << 4);
            state_ = State::Sum2;
            return Event::None;
        }
        state_ = State::Idle;
        return (want_ | d) == sum_ && !too_long_ ? Event::Packet : Event::BadPacket;
    }
    }
    return Event::None;
}

std::string frame(const std::string& payload) {
    std::string out = "$";
    uint8_t sum = 0;
    for (const char c : payload) {
        if (c == '$' || c == '#' || c == '}' || c == '*') {
            out += '}';
            sum = uint8_t(sum + '}');
            out += char(c ^ 0x20);
            sum = uint8_t(sum + uint8_t(c ^ 0x20));
        } else {
            out += c;
            sum = uint8_t(sum + uint8_t(c));
        }
    }
    out += '#';
    out += HEX[sum >> 4];
    out += HEX[sum & 15];
    return out;
}

std::string to_hex(const uint8_t* p, size_t n) {
    std::string s;
    s.reserve(2 * n);
    for (size_t i = 0; i < n; ++i) {
        s += HEX[p[i] >> 4];
        s += HEX[p[i] & 15];
    }
    return s;
}

std::string to_hex(const std::string& s) { return to_hex(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

bool from_hex(const std::string& hex, std::string& out) {
    if (hex.size() % 2) return false;
    out.clear();
    for (size_t i = 0; i < hex.size(); i += 2) {
        const int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out += char(hi << 4 | lo);
    }
    return true;
}

bool parse_hex(const std::string& s, uint64_t& v) {
    if (s.empty() || s.size() > 16) return false;
    v = 0;
    for (const char c : s) {
        const int d = hex_digit(c);
        if (d < 0) return false;
        v = v << 4 | uint64_t(d);
    }
    return true;
}

}  // namespace jitpc::gdbstub
