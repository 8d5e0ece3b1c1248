#include "replay/checksum.h"

#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace jitpc::replay {

namespace {

constexpr uint64_t MUL = 0x9E3779B97F4A7C15ull;

std::array<uint32_t, 256> crc_table() {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        t[i] = c;
    }
    return t;
}

uint64_t mix(uint64_t h, uint64_t w) {
    h = (h ^ w) * MUL;
    return h ^ (h >> 29);
}

}  // namespace

uint32_t crc32(const void* data, size_t n, uint32_t crc) {
    static const std::array<uint32_t, 256> table = crc_table();
    const auto* p = static_cast<const uint8_t*>(data);
    crc = ~crc;
    for (size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

void Hash64::add(const void* data, size_t n) {
    const auto* p = static_cast<const uint8_t*>(data);
    length_ += n;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        h_ = mix(h_, w);
    }
    if (n) {
        uint64_t w = 0;
        std::memcpy(&w, p, n);
        h_ = mix(h_, w ^ (uint64_t(n) << 56));
    }
}

void Hash64::add_u64(uint64_t v) { add(&v, sizeof v); }

uint64_t Hash64::value() const { return mix(mix(h_, length_), MUL); }

FileIdentity identify_file(const std::string& path) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
    if (!f) throw std::runtime_error("cannot read '" + path + "' to identify it");
    Hash64 h;
    static thread_local std::unique_ptr<uint8_t[]> buf(new uint8_t[1 << 20]);
    size_t got;
    while ((got = std::fread(buf.get(), 1, 1 << 20, f.get())) > 0) h.add(buf.get(), got);
    if (std::ferror(f.get())) throw std::runtime_error("cannot read '" + path + "' to identify it");
    return {h.length(), h.value()};
}

}  // namespace jitpc::replay
