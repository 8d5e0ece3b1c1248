#include "profile/format.h"

#include <cstring>
#include <memory>
#include <stdexcept>

namespace jitpc::profile {

namespace {

constexpr char MAGIC[8] = {'J', 'I', 'T', 'P', 'C', 'P', 'R', 'F'};
constexpr size_t HEADER_BYTES = 32;
constexpr uint8_t END = 0xFF;
constexpr uint8_t SAMPLE_TAGS = 0x20;  // 0x00-0x1F

void put_u32(std::vector<uint8_t>& b, uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(uint8_t(v >> (8 * i)));
}
void put_u64(std::vector<uint8_t>& b, uint64_t v) {
    for (int i = 0; i < 8; ++i) b.push_back(uint8_t(v >> (8 * i)));
}
uint64_t get_u64(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
    return v;
}

}  // namespace

Writer::Writer(std::FILE* out, uint64_t interval) : out_(out) {
    for (const char c : MAGIC) buf_.push_back(uint8_t(c));
    put_u32(buf_, VERSION);
    put_u32(buf_, 0);
    put_u64(buf_, interval);
    put_u64(buf_, 0);
}

void Writer::add(const Sample& s) {
    buf_.push_back(uint8_t((s.cpl & 3) | (s.mode & 7) << 2));
    const uint64_t delta = s.addr - prev_;
    uint64_t zz = (delta << 1) ^ uint64_t(int64_t(delta) >> 63);
    do {
        buf_.push_back(uint8_t((zz & 0x7F) | (zz > 0x7F ? 0x80 : 0)));
        zz >>= 7;
    } while (zz);
    prev_ = s.addr;
    ++count_;
    if (buf_.size() >= (64u << 10)) flush_buffer();
}

void Writer::flush_buffer() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), out_) != buf_.size())
        throw std::runtime_error("-profile: cannot write the profile");
    buf_.clear();
}

void Writer::finish() {
    buf_.push_back(END);
    put_u64(buf_, count_);
    flush_buffer();
    if (std::fflush(out_) != 0) throw std::runtime_error("-profile: cannot write the profile");
}

uint64_t read(const std::string& path, const std::function<void(const Sample&)>& sample) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
    if (!f) throw std::runtime_error("cannot open '" + path + "'");
    auto bad = [&](const std::string& why) { return std::runtime_error(path + ": not a jitpc profile: " + why); };
    uint8_t head[HEADER_BYTES];
    if (std::fread(head, 1, HEADER_BYTES, f.get()) != HEADER_BYTES || std::memcmp(head, MAGIC, 8) != 0)
        throw bad("no profile header");
    const uint32_t version = uint32_t(head[8] | head[9] << 8 | head[10] << 16 | uint32_t(head[11]) << 24);
    if (version != VERSION)
        throw std::runtime_error(path + ": profile version " + std::to_string(version) + " (this jitpc reads version " +
                                 std::to_string(VERSION) + ")");
    const uint64_t interval = get_u64(head + 16);
    if (interval == 0) throw bad("a sampling interval of 0");
    // Records are read through a window refilled from the file, so any size is read in bounded
    // memory; every byte a record needs is checked to be there.
    std::vector<uint8_t> win(1u << 16);
    size_t have = 0, at = 0;
    uint64_t offset = HEADER_BYTES;  // of win[at] in the file, for messages
    auto byte = [&](uint8_t& out) {
        if (at == have) {
            have = std::fread(win.data(), 1, win.size(), f.get());
            at = 0;
            if (have == 0) return false;
        }
        out = win[at++];
        ++offset;
        return true;
    };
    auto where = [&] { return " at byte " + std::to_string(offset - 1); };
    uint64_t prev = 0, count = 0;
    for (;;) {
        uint8_t tag;
        if (!byte(tag)) throw bad("it ends without its end record (truncated)");
        if (tag == END) break;
        if (tag >= SAMPLE_TAGS) throw bad("unknown record tag " + std::to_string(tag) + where());
        uint64_t zz = 0;
        for (unsigned shift = 0;; shift += 7) {
            uint8_t b;
            if (!byte(b)) throw bad("it ends inside a sample (truncated)");
            if (shift == 63 && b > 1) throw bad("an address difference longer than 64 bits" + where());
            zz |= uint64_t(b & 0x7F) << shift;
            if (!(b & 0x80)) break;
        }
        prev += (zz >> 1) ^ (~(zz & 1) + 1);
        ++count;
        sample(Sample{prev, uint8_t(tag & 3), uint8_t(tag >> 2)});
    }
    uint8_t tail[8];
    for (uint8_t& b : tail)
        if (!byte(b)) throw bad("it ends inside its end record (truncated)");
    if (get_u64(tail) != count)
        throw bad("its end record counts " + std::to_string(get_u64(tail)) + " samples, the file holds " +
                  std::to_string(count));
    uint8_t extra;
    if (byte(extra)) throw bad("bytes after its end record");
    return interval;
}

}  // namespace jitpc::profile
