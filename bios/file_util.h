// Reading guest input files (firmware, kernels, modules) with one clear error per failure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace jitpc::bios {

// Reads a whole file; throws std::runtime_error("<what> '<path>': <reason>") on failure or when
// the file is larger than `max_bytes`.
std::vector<uint8_t> read_file(const std::string& path, const char* what, uint64_t max_bytes);

// Little-endian fields of such files (headers, boot catalogs).
inline uint16_t le16(const uint8_t* p) { return uint16_t(p[0] | p[1] << 8); }
inline uint32_t le32(const uint8_t* p) { return le16(p) | uint32_t(le16(p + 2)) << 16; }

}  // namespace jitpc::bios
