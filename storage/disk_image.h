// A raw disk image: a host file of 512-byte sectors. The file is written only when the user
// asked for it (Mode::ReadWrite); Mode::Snapshot keeps every write in memory, so the guest sees
// its own writes but the file is never changed, and Mode::ReadOnly refuses writes.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace jitpc::storage {

class DiskImage {
public:
    static constexpr uint32_t SECTOR = 512;
    enum class Mode { ReadOnly, ReadWrite, Snapshot };

    // Throws std::runtime_error with a one-line message naming the file when it cannot be
    // opened or is not a whole number of sectors.
    DiskImage(const std::string& path, Mode mode);
    ~DiskImage();
    DiskImage(const DiskImage&) = delete;
    DiskImage& operator=(const DiskImage&) = delete;

    uint64_t sectors() const { return sectors_; }
    Mode mode() const { return mode_; }
    bool read_only() const { return mode_ == Mode::ReadOnly; }
    const std::string& path() const { return path_; }

    // Each returns false, touching nothing, when [lba, lba+count) is not inside the image, when
    // writing to a read-only image, or when the host I/O fails.
    bool read(uint64_t lba, uint64_t count, uint8_t* buf);
    bool write(uint64_t lba, uint64_t count, const uint8_t* buf);
    // Pushes written data to stable storage (nothing to do for the in-memory overlay).
    bool flush();

    // Its state for snapshots (snapshot/archive.h).
    template <class A> void snapshot(A& a) {
        a(overlay_);
        for (const auto& [lba, sector] : overlay_) a.check(lba < sectors_, "a disk overlay's sector number");
    }

private:
    bool in_range(uint64_t lba, uint64_t count) const;

    std::string path_;
    Mode mode_;
    int fd_ = -1;
    uint64_t sectors_ = 0;
    // Snapshot mode: the sectors the guest has written, by LBA.
    std::unordered_map<uint64_t, std::array<uint8_t, SECTOR>> overlay_;
};

}  // namespace jitpc::storage
