#include "bios/linux_boot.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "bios/file_util.h"

namespace jitpc::bios {

namespace {

// Setup-header offsets (the boot protocol's table, relative to the image start).
constexpr uint32_t SETUP_SECTS = 0x1F1, SYSSIZE = 0x1F4, BOOT_FLAG = 0x1FE, HEADER = 0x202, VERSION = 0x206,
                   TYPE_OF_LOADER = 0x210, LOADFLAGS = 0x211, RAMDISK_IMAGE = 0x218,
                   RAMDISK_SIZE = 0x21C, HEAP_END_PTR = 0x224, CMD_LINE_PTR = 0x228,
                   INITRD_ADDR_MAX = 0x22C, CMDLINE_SIZE = 0x238;
constexpr uint8_t LOADED_HIGH = 0x01, CAN_USE_HEAP = 0x80;
constexpr uint8_t LOADER_UNDEFINED = 0xFF;  // "no registered loader ID", as boot.rst asks
constexpr uint32_t SETUP_BASE = uint32_t(LinuxKernel16::SETUP_SEGMENT) << 4;
constexpr uint32_t CMDLINE_BASE = SETUP_BASE + 0x10000;  // just past the setup segment
constexpr uint32_t KERNEL_BASE = 0x100000;
// The heap ends where the stack's 0x200 bytes below the command line begin.
constexpr uint16_t HEAP_END = 0xFE00;


}  // namespace

LinuxKernel16::LinuxKernel16(const std::string& kernel_path, const std::string& initrd_path,
                             std::string cmdline)
    : path_(kernel_path), cmdline_(std::move(cmdline)) {
    image_ = read_file(kernel_path, "kernel", 256ull << 20);
    auto bad = [&](const std::string& why) {
        return std::runtime_error("kernel '" + kernel_path + "': " + why);
    };
    if (image_.size() < 0x400 || le16(&image_[BOOT_FLAG]) != 0xAA55 || le32(&image_[HEADER]) != 0x53726448)
        throw bad("neither a Multiboot kernel nor a Linux bzImage");
    version_ = le16(&image_[VERSION]);
    if (version_ < 0x0202 || !(image_[LOADFLAGS] & LOADED_HIGH))
        throw bad("a Linux zImage or boot protocol older than 2.02; only bzImage kernels are supported");
    const unsigned sects = image_[SETUP_SECTS] ? image_[SETUP_SECTS] : 4;
    setup_bytes_ = (sects + 1) * 512;
    // The setup code must leave the heap and the stack their room in the setup segment.
    if (setup_bytes_ > HEAP_END)
        throw bad("setup_sects " + std::to_string(sects) + " leaves no room for the setup heap and stack");
    if (image_.size() <= setup_bytes_) throw bad("truncated: the image ends inside its setup code");
    // syssize counts the protected-mode part in 16-byte units, rounded up (16 bits before 2.04).
    const uint64_t pm_bytes = image_.size() - setup_bytes_;
    const uint64_t syssize = version_ >= 0x0204 ? le32(&image_[SYSSIZE]) : le16(&image_[SYSSIZE]);
    if ((pm_bytes + 15) / 16 < syssize)
        throw bad("truncated: its header announces " + std::to_string(syssize * 16) +
                  " bytes of protected-mode kernel, the file holds " + std::to_string(pm_bytes));
    const uint32_t max_cmdline = version_ >= 0x0206 ? le32(&image_[CMDLINE_SIZE]) : 255;
    if (cmdline_.size() > max_cmdline)
        throw bad("-append is " + std::to_string(cmdline_.size()) + " bytes; this kernel takes at most " +
                  std::to_string(max_cmdline));
    if (!initrd_path.empty()) initrd_ = read_file(initrd_path, "initrd", 1ull << 30);
}

void LinuxKernel16::load(memory::PhysMemory& mem, uint64_t ram_top) const {
    std::vector<uint8_t> setup(image_.begin(), image_.begin() + setup_bytes_);
    auto put16 = [&](uint32_t off, uint16_t v) { std::memcpy(&setup[off], &v, 2); };
    auto put32 = [&](uint32_t off, uint32_t v) { std::memcpy(&setup[off], &v, 4); };
    setup[TYPE_OF_LOADER] = LOADER_UNDEFINED;
    setup[LOADFLAGS] |= CAN_USE_HEAP;
    put16(HEAP_END_PTR, HEAP_END);
    put32(CMD_LINE_PTR, CMDLINE_BASE);

    const uint64_t kernel_bytes = image_.size() - setup_bytes_;
    if (KERNEL_BASE + kernel_bytes > ram_top)
        throw std::runtime_error("kernel '" + path_ + "' does not fit in guest RAM; give more with -m");
    if (!initrd_.empty()) {
        const uint64_t max_addr = version_ >= 0x0203 ? le32(&image_[INITRD_ADDR_MAX]) : 0x37FFFFFF;
        const uint64_t top = std::min<uint64_t>(ram_top, max_addr + 1);
        const uint64_t addr = (top - initrd_.size()) & ~uint64_t(0xFFF);
        if (initrd_.size() > top || addr < KERNEL_BASE + kernel_bytes)
            throw std::runtime_error("initrd does not fit in guest RAM next to the kernel; give more with -m");
        mem.write_bytes(uint32_t(addr), initrd_.data(), initrd_.size());
        put32(RAMDISK_IMAGE, uint32_t(addr));
        put32(RAMDISK_SIZE, uint32_t(initrd_.size()));
    }
    mem.write_bytes(SETUP_BASE, setup.data(), setup.size());
    mem.write_bytes(KERNEL_BASE, image_.data() + setup_bytes_, kernel_bytes);
    mem.write_bytes(CMDLINE_BASE, cmdline_.c_str(), cmdline_.size() + 1);
}

}  // namespace jitpc::bios
