#include "bios/file_util.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace jitpc::bios {

std::vector<uint8_t> read_file(const std::string& path, const char* what, uint64_t max_bytes) {
    auto fail = [&](const std::string& why) -> std::runtime_error {
        return std::runtime_error(std::string(what) + " '" + path + "': " + why);
    };
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw fail(std::strerror(errno));
    std::vector<uint8_t> data;
    uint8_t buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        if (data.size() + n > max_bytes) {
            std::fclose(f);
            throw fail("larger than " + std::to_string(max_bytes >> 20) + " MiB");
        }
        data.insert(data.end(), buf, buf + n);
    }
    const bool err = std::ferror(f);
    std::fclose(f);
    if (err) throw fail("read error");
    return data;
}

}  // namespace jitpc::bios
