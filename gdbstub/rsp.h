// The GDB Remote Serial Protocol's framing: $payload#cc packets with a modulo-256 checksum,
// '}' escapes, '+'/'-' acknowledgements and the interrupt byte 0x03. Bounded: a packet longer
// than MAX_PAYLOAD is dropped whole and reported, so no input makes it grow without limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace jitpc::gdbstub {

class PacketReader {
public:
    // Both what we advertise as PacketSize and the most a received payload may hold.
    static constexpr size_t MAX_PAYLOAD = 4096;

    enum class Event : uint8_t {
        None,       // more bytes needed
        Packet,     // payload() holds a whole packet whose checksum matched
        BadPacket,  // a packet ended with a wrong checksum or was too long: answer '-'
        Ack,        // '+'
        Nak,        // '-': resend the last packet
        Interrupt,  // 0x03 outside a packet (Ctrl-C in gdb)
    };
    Event feed(char c);
    const std::string& payload() const { return payload_; }

private:
    enum class State : uint8_t { Idle, Payload, Escape, Sum1, Sum2 } state_ = State::Idle;
    std::string payload_;
    uint8_t sum_ = 0, want_ = 0;
    bool too_long_ = false;
};

// The packet carrying `payload`, escaped and with its checksum.
std::string frame(const std::string& payload);
// Hex text of bytes, and back (false on an odd length or a non-hex digit).
std::string to_hex(const uint8_t* p, size_t n);
std::string to_hex(const std::string& s);
bool from_hex(const std::string& hex, std::string& out);
// A hexadecimal number (at most 16 digits).
bool parse_hex(const std::string& s, uint64_t& v);

}  // namespace jitpc::gdbstub
