// A temporary host file filled from a byte pattern, removed when the test ends: the raw images
// the ATA and ATAPI tests attach.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace jitpc::test {

struct TempFile {
    std::string path;
    TempFile(uint64_t bytes, uint8_t (*byte_at)(uint64_t offset)) {
        char tmpl[] = "/tmp/jitpc-image-XXXXXX";
        int fd = mkstemp(tmpl);
        REQUIRE(fd >= 0);
        close(fd);
        path = tmpl;
        std::ofstream f(path, std::ios::binary);
        for (uint64_t i = 0; i < bytes; ++i) f.put(static_cast<char>(byte_at(i)));
    }
    ~TempFile() { std::remove(path.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    std::vector<uint8_t> contents() const {
        std::ifstream f(path, std::ios::binary);
        return {std::istreambuf_iterator<char>(f), {}};
    }
};

}  // namespace jitpc::test
