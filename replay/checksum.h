// The two checksums of the record/replay log: CRC-32 (IEEE 802.3, as zlib's crc32) guards each
// frame of the file against damage, and a 64-bit content hash identifies disk images and digests
// guest state. Neither is cryptographic: they catch accidents, not an adversary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace jitpc::replay {

uint32_t crc32(const void* data, size_t n, uint32_t crc = 0);

// A 64-bit hash over 8-byte words (multiply and fold per word, a few GB/s); the tail and the
// length are mixed in, so inputs differing in length differ. Every add() but the last must
// pass whole words for a stream to hash as the same bytes in one piece.
class Hash64 {
public:
    void add(const void* data, size_t n);
    void add_u64(uint64_t v);
    uint64_t value() const;
    uint64_t length() const { return length_; }

private:
    uint64_t h_ = 0x6A09E667F3BCC908ull;
    uint64_t length_ = 0;
};

// Size and Hash64 of a whole file; throws std::runtime_error naming `path` when unreadable.
struct FileIdentity {
    uint64_t size = 0, hash = 0;
    bool operator==(const FileIdentity&) const = default;
};
FileIdentity identify_file(const std::string& path);

}  // namespace jitpc::replay
