// The record/replay log (-record, -replay): what enters the deterministic machine from outside,
// each item stamped with the virtual clock's count (icount) at which it entered, and a
// digest of the guest's state at fixed counts so a replay can tell where it parted from the
// recording. docs/ARCHITECTURE.md, "Record and replay", describes it.
//
// File: the 8 bytes "JITPCRR\n", then frames. A frame: kind (1 byte), count (8), payload length
// (4), payload, CRC-32 of everything before it in the frame (4); all little-endian. The first
// frame is the Header, the last the End; a file without its End frame is truncated.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "replay/checksum.h"

namespace jitpc::replay {

inline constexpr char MAGIC[8] = {'J', 'I', 'T', 'P', 'C', 'R', 'R', '\n'};
// Bumped whenever a frame's layout or meaning changes.
inline constexpr uint32_t FORMAT_VERSION = 2;  // 2: State frames carry PAUSE's ticks

enum class FrameKind : uint8_t { Header = 1, Input = 2, State = 3, End = 4 };

// Where a host input entered (the frame's count is the tick of the input poll that took it).
enum class InputSource : uint8_t { Com1 = 0, Keyboard = 1 };
// What the input gave: a byte for the device, its end (the source drops out), or the user's
// Ctrl-A x (the run powers off).
enum class InputKind : uint8_t { Byte = 0, End = 1, Quit = 2 };

struct ImageRecord {
    std::string role;  // the option that named it: -hda, -kernel, …
    std::string path;
    FileIdentity id;
};

// The recorder and the replayer stop at every multiple of STATE_INTERVAL ticks (4.2 ms of guest
// time), so both slice the run alike and do the same host work; the recorder writes a State
// frame at such a stop when the CPU has run STATE_INTERVAL ticks not halted since the last one
// (the first stop, at power-on, always): ~2,700 frames for the Linux test run, each a few
// microseconds to take (state_digest.h) and 290 bytes, and none while the guest sits idle.
constexpr uint64_t STATE_INTERVAL = uint64_t(1) << 22;

struct Header {
    uint32_t format = FORMAT_VERSION;
    std::string version;                // jitpc's version (git describe of the build)
    std::vector<std::string> args;      // the options that define the machine (recorder.cpp)
    int64_t rtc_base = 0;               // -rtc's value as resolved (base=now read once)
    uint64_t state_interval = STATE_INTERVAL;  // the only value read back (log_file.cpp)
    uint8_t inputs = 0;                 // bit 0: COM1 had host input; bit 1: the keyboard had
    std::vector<ImageRecord> images;
};

struct InputRecord {
    uint64_t count;
    InputSource source;
    InputKind kind;
    uint8_t byte;
};

// The guest state a State frame carries: registers by name and a digest of memory
// (state_digest.h). Its hash covers all of them.
struct StateRecord {
    uint64_t count = 0;
    std::vector<uint64_t> values;  // in the order of state_names()
    uint64_t hash() const;
};

struct EndRecord {
    uint64_t count = 0;       // icount when the run ended
    uint64_t idle_ticks = 0;  // of which halted
    int32_t status = 0;       // the exit status
    bool by_host = false;     // the user ended it from the monitor (quit)
    StateRecord state;        // the state the run ended in
};

// Little-endian encoding into a frame payload, and its checked reading.
class Encoder {
public:
    void u8(uint8_t v) { out.push_back(char(v)); }
    void u32(uint32_t v) { put(v, 4); }
    void u64(uint64_t v) { put(v, 8); }
    void str(const std::string& s) {
        u32(uint32_t(s.size()));
        out += s;
    }
    std::string out;

private:
    void put(uint64_t v, int n) {
        for (int i = 0; i < n; ++i) out.push_back(char(v >> (8 * i)));
    }
};

// Every read past the end throws Malformed: the frame's CRC matched, so the writer was not
// this format.
class Decoder {
public:
    struct Malformed : std::runtime_error {
        using std::runtime_error::runtime_error;
    };
    explicit Decoder(const std::string& in) : in_(in) {}
    uint8_t u8() { return uint8_t(get(1)); }
    uint32_t u32() { return uint32_t(get(4)); }
    uint64_t u64() { return get(8); }
    std::string str() {
        const uint32_t n = u32();
        if (n > in_.size() - pos_) throw Malformed("string past the frame's end");
        std::string s = in_.substr(pos_, n);
        pos_ += n;
        return s;
    }
    bool done() const { return pos_ == in_.size(); }

private:
    uint64_t get(int n) {
        if (size_t(n) > in_.size() - pos_) throw Malformed("field past the frame's end");
        uint64_t v = 0;
        for (int i = 0; i < n; ++i) v |= uint64_t(uint8_t(in_[pos_ + i])) << (8 * i);
        pos_ += n;
        return v;
    }
    const std::string& in_;
    size_t pos_ = 0;
};

}  // namespace jitpc::replay
