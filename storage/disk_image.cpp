#include "storage/disk_image.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace jitpc::storage {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& why) {
    throw std::runtime_error("disk image '" + path + "': " + why);
}

// pread/pwrite until done: both may transfer less than asked.
bool read_all(int fd, uint8_t* buf, uint64_t len, uint64_t off) {
    while (len) {
        ssize_t n = pread(fd, buf, len, static_cast<off_t>(off));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;  // error, or the file shrank under us
        buf += n, len -= n, off += n;
    }
    return true;
}

bool write_all(int fd, const uint8_t* buf, uint64_t len, uint64_t off) {
    while (len) {
        ssize_t n = pwrite(fd, buf, len, static_cast<off_t>(off));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        buf += n, len -= n, off += n;
    }
    return true;
}

}  // namespace

DiskImage::DiskImage(const std::string& path, Mode mode) : path_(path), mode_(mode) {
    // A snapshot never writes the file, so it needs only read access (as QEMU's -snapshot).
    fd_ = open(path.c_str(), (mode == Mode::ReadWrite ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd_ < 0) fail(path, std::strerror(errno));
    // Open-file-description locks over the whole file, as QEMU takes them: a writer holds the
    // image alone, readers (-snapshot, CD-ROMs) share it. So no two processes write one image at
    // once, and none reads an image that another is changing. A file system without such locks
    // is used unlocked.
    struct flock lock {};
    lock.l_type = mode == Mode::ReadWrite ? F_WRLCK : F_RDLCK;
    lock.l_whence = SEEK_SET;
    if (fcntl(fd_, F_OFD_SETLK, &lock) != 0 && (errno == EAGAIN || errno == EACCES)) {
        close(fd_);
        fail(path, mode == Mode::ReadWrite ? "in use by another process (locked)"
                                           : "being written by another process (locked)");
    }
    struct stat st;
    if (fstat(fd_, &st) != 0 || S_ISDIR(st.st_mode)) {
        close(fd_);
        fail(path, "is a directory");
    }
    // lseek rather than st_size so that block devices report their size too.
    off_t size = lseek(fd_, 0, SEEK_END);
    if (size < 0) {
        int e = errno;
        close(fd_);
        fail(path, std::strerror(e));
    }
    if (size == 0) {
        close(fd_);
        fail(path, "empty file (0 bytes)");
    }
    if (size % SECTOR) {
        close(fd_);
        fail(path, "size " + std::to_string(size) + " is not a multiple of 512 bytes");
    }
    sectors_ = static_cast<uint64_t>(size) / SECTOR;
}

DiskImage::~DiskImage() {
    if (fd_ >= 0) close(fd_);
}

bool DiskImage::in_range(uint64_t lba, uint64_t count) const {
    return lba <= sectors_ && count <= sectors_ - lba;
}

bool DiskImage::read(uint64_t lba, uint64_t count, uint8_t* buf) {
    if (!in_range(lba, count)) return false;
    if (overlay_.empty()) return read_all(fd_, buf, count * SECTOR, lba * SECTOR);
    for (uint64_t i = 0; i < count; ++i) {
        uint8_t* dst = buf + i * SECTOR;
        auto it = overlay_.find(lba + i);
        if (it != overlay_.end())
            std::memcpy(dst, it->second.data(), SECTOR);
        else if (!read_all(fd_, dst, SECTOR, (lba + i) * SECTOR))
            return false;
    }
    return true;
}

bool DiskImage::write(uint64_t lba, uint64_t count, const uint8_t* buf) {
    if (mode_ == Mode::ReadOnly || !in_range(lba, count)) return false;
    if (mode_ == Mode::ReadWrite) return write_all(fd_, buf, count * SECTOR, lba * SECTOR);
    for (uint64_t i = 0; i < count; ++i)
        std::memcpy(overlay_[lba + i].data(), buf + i * SECTOR, SECTOR);
    return true;
}

bool DiskImage::flush() {
    return mode_ != Mode::ReadWrite || fdatasync(fd_) == 0;
}

}  // namespace jitpc::storage
