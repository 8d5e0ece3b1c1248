// INT 19h (bootstrap loader) and INT 18h (no bootable device).
#include <string>
#include <vector>

#include "bios/bios.h"
#include "bios/multiboot.h"
#include "logging/log.h"

namespace jitpc::bios {

namespace {

constexpr uint16_t BOOT_OFFSET = 0x7C00;

void boot_failed(const char* device, const std::string& why) {
    // On the console, as a BIOS shows it on the screen; a guest looping through INT 19h
    // repeats it, so it has a budget.
    static logging::Site site{logging::CONSOLE, "boot failure", 16};
    site.print("boot from %s failed: %s", device, why.c_str());
}

}  // namespace

// The boot order's devices in turn ('a' diskette A, 'c' the first hard disk, 'd' the CD-ROM),
// then, as SeaBIOS does with QEMU's -boot, the devices it leaves out in the default order;
// returning leaves the ROM to call INT 18h.
void Bios::boot(RealModeCall& call) {
    if (kernel_) return start_linux(call);
    if (cfg_.kernel.multiboot) return start_multiboot(call);
    end_cd_boot(call);  // INT 19h again may pick another device
    std::string order = cfg_.boot_order;
    for (char dev : std::string("cad"))
        if (order.find(dev) == std::string::npos) order += dev;
    for (char dev : order)
        if (boot_from(dev, call)) return;
}

bool Bios::boot_from(char device, RealModeCall& call) {
    switch (device) {
    case 'a': return boot_sector(cfg_.drives.floppy[0], 0x00, call);
    case 'c': return boot_sector(cfg_.drives.hard[0], 0x80, call);
    case 'd': return cfg_.drives.cdrom && boot_cd(call);
    }
    return false;
}

// Sector 0 at 0000:7C00, entered with DL = the drive, when it ends with the 55h AAh signature
// (checked on diskettes too, as SeaBIOS does by default).
bool Bios::boot_sector(storage::DiskImage* image, uint8_t drive, RealModeCall& call) {
    if (!image) return false;
    const char* name = drive & 0x80 ? "hard disk" : "floppy";
    uint8_t sector[storage::DiskImage::SECTOR];
    if (!image->read(0, 1, sector)) {
        boot_failed(name, "cannot read sector 0");
        return false;
    }
    if (sector[510] != 0x55 || sector[511] != 0xAA) {
        boot_failed(name, "not a bootable disk");
        return false;
    }
    call.write(0, BOOT_OFFSET, sector, sizeof sector);
    call.set_reg16(cpu::EDX, drive);
    call.redirect(0, BOOT_OFFSET);
    return true;
}

// El Torito boot: the image's first sectors at their load segment, entered at segment:0 with
// DL = the drive they boot as: E0h, the CD INT 13h then serves in 2048-byte blocks, or the
// emulated diskette 00h or hard disk 80h (bios/int13_disk.cpp), counted in the BDA from now.
bool Bios::boot_cd(RealModeCall& call) {
    std::string why;
    const std::optional<BootImage> img = find_boot_image(*cfg_.drives.cdrom, why);
    if (!img) {
        boot_failed("CD-ROM", why);
        return false;
    }
    const uint32_t bytes = uint32_t(img->sector_count) * storage::DiskImage::SECTOR;
    if (img->emulated() && img->sector_count > img->sectors) {
        boot_failed("CD-ROM", "the boot image is larger than its emulated disk");
        return false;
    }
    std::vector<uint8_t> buf((bytes + CD_SECTOR - 1) / CD_SECTOR * CD_SECTOR);
    if (!read_cd_sectors(*cfg_.drives.cdrom, img->load_rba, buf.size() / CD_SECTOR, buf.data())) {
        boot_failed("CD-ROM", "the boot image lies outside the image file");
        return false;
    }
    // The INT 19h frame sits below 0000:7C00; an image loaded across it gets a fresh frame
    // just below its start instead.
    const uint32_t start = uint32_t(img->load_segment) * 16, sp = call.reg16(cpu::ESP);
    if (call.sreg(cpu::SS) == 0 && start < sp + 6 && sp < start + bytes) {
        const uint16_t flags = call.read<uint16_t>(0, sp + 4);
        call.set_reg16(cpu::ESP, uint16_t(start - 6));
        call.write<uint16_t>(0, start - 2, flags);
    }
    call.write(img->load_segment, 0, buf.data(), bytes);
    cd_boot_ = img;
    write_drive_counts(call);
    call.set_reg16(cpu::EDX, img->drive());
    call.redirect(img->load_segment, 0);
    return true;
}

// The kernel's real-mode setup code starts with its segment in every data segment register,
// the stack below the command line and interrupts off, as a boot loader leaves it.
void Bios::start_linux(RealModeCall& call) {
    uint64_t ram_top = 0;
    for (const E820Entry& e : e820_.entries())
        if (e.type == e820::RAM && e.base + e.length <= 0x100000000ull) ram_top = e.base + e.length;
    kernel_->load(mem_, ram_top);
    cpu::Cpu& c = call.cpu();
    for (cpu::SegReg s : {cpu::DS, cpu::ES, cpu::FS, cpu::GS, cpu::SS})
        c.load_seg(s, LinuxKernel16::SETUP_SEGMENT);
    c.gpr[cpu::ESP] = LinuxKernel16::STACK_TOP - 6;  // room for the IRET frame
    call.write<uint16_t>(LinuxKernel16::SETUP_SEGMENT, LinuxKernel16::STACK_TOP - 2, 0x0002);
    call.redirect(LinuxKernel16::SETUP_SEGMENT + 0x20, 0);
}

// A Multiboot kernel is loaded again from its file and entered in the state its specification
// promises, as QEMU's option ROM does at every boot. The trapping OUT retires to next_rip.
void Bios::start_multiboot(RealModeCall& call) {
    cpu::Cpu& c = call.cpu();
    load_multiboot(mem_, c, cfg_.kernel.path, cfg_.kernel.cmdline, cfg_.kernel.initrd_path);
    c.next_rip = c.rip;
}

void Bios::no_boot_device(RealModeCall&) {
    static logging::Site site{logging::CONSOLE, "no bootable device", 16};
    site.print("no bootable device");
}

}  // namespace jitpc::bios
