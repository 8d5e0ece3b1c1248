// Reading guest input files (firmware, kernels, modules) with one clear error per failure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace jitpc::bios {

// Reads a whole file; throws std::runtime_error("<what> '<path>': <reason>") on failure or when
// the file is larger than `max_bytes`.
std::vector<uint8_t> read_file(const std::string& path, const char* what, uint64_t max_bytes);

}  // namespace jitpc::bios
