// INT 13h: diskettes 00h-01h, hard disks 80h-81h and the CD-ROM as E0h (2048-byte blocks),
// with the calls and status codes QEMU's SeaBIOS gives them. After an El Torito boot with
// emulation, the diskette or hard disk image on the CD is drive 00h or 80h (read-only, the
// calls up to 16h) and the real drives of its kind are one number up, until AX=4B00h. CHS
// calls see the geometry of bios/disk_geometry.h; the EDD calls (41h-48h, hard disks and the CD
// only) address 512-byte sectors, or 2048-byte ones on the CD. Every call leaves its
// status in the BDA (0x441 diskettes, 0x474 the others) for AH=01h.
#include <algorithm>
#include <cstring>
#include <vector>

#include "bios/bios.h"
#include "bios/disk_geometry.h"
#include "bios/el_torito.h"

namespace jitpc::bios {

namespace {

// Status codes (AH) the calls return.
constexpr uint8_t OK = 0x00, INVALID = 0x01, WRITE_PROTECTED = 0x03, NOT_FOUND = 0x04,
                  CHANGED = 0x06, CONTROLLER = 0x20;

constexpr uint32_t FLOPPY_STATUS = Bios::BDA + 0x41, DISK_STATUS = Bios::BDA + 0x74;
// The diskette parameter table INT 1Eh points at (bios/rom/bios.asm).
constexpr uint16_t DISKETTE_TABLE = 0xEFC7;

enum class Kind { Floppy, Hard, Cd };
enum class Op { Read, Write, Verify };

// AH=02h/42h read, 03h/43h write, 04h/44h/47h verify (47h, seek, checks like a verify).
Op op_of(uint8_t ah) {
    switch (ah & 0x0F) {
    case 0x02: return Op::Read;
    case 0x03: return Op::Write;
    default: return Op::Verify;
    }
}

struct Drive {
    storage::DiskImage* image = nullptr;
    Kind kind = Kind::Hard;
    Geometry geometry;   // the CHS view (none on the CD)
    uint8_t floppy_type = 0;
    uint32_t block = storage::DiskImage::SECTOR;  // bytes per EDD block
    // Where the drive lies in the image, in image sectors: all of it, or an El Torito
    // emulated disk's part of the CD.
    uint64_t first = 0, sectors = 0;
    bool emulated = false;

    uint64_t units() const { return block / storage::DiskImage::SECTOR; }  // image sectors per block
    uint64_t blocks() const { return sectors / units(); }
    bool read_only() const { return kind == Kind::Cd || emulated || image->read_only(); }
    bool read(uint64_t lba, uint64_t count, uint8_t* buf) const {
        return image->read(first + lba * units(), count * units(), buf);
    }
    bool write(uint64_t lba, uint64_t count, const uint8_t* buf) const {
        return image->write(first + lba * units(), count * units(), buf);
    }
};

Drive emulated_drive(storage::DiskImage* cd, const BootImage& boot) {
    Drive d;
    d.image = cd;
    d.kind = boot.media == Media::HardDisk ? Kind::Hard : Kind::Floppy;
    d.geometry = boot.geometry;
    d.floppy_type = boot.floppy_type;
    d.first = uint64_t(boot.load_rba) * (CD_SECTOR / storage::DiskImage::SECTOR);
    d.sectors = boot.sectors;
    d.emulated = true;
    return d;
}

// The drive DL names; `emulation` is the El Torito emulated disk, while there is one.
Drive find_drive(const Drives& drives, uint8_t dl, const BootImage* emulation) {
    if (emulation) {
        const uint8_t emulated = emulation->drive();
        if (dl == emulated) return emulated_drive(drives.cdrom, *emulation);
        if (dl < 0xE0 && ((dl ^ emulated) & 0x80) == 0) --dl;  // one up: the real drive below
    }
    Drive d;
    if (dl < 2 && drives.floppy[dl]) {
        d.image = drives.floppy[dl];
        d.kind = Kind::Floppy;
        const FloppyFormat f = floppy_format(d.image->sectors(), d.image->path());
        d.geometry = f.geometry;
        d.floppy_type = f.type;
    } else if ((dl == 0x80 || dl == 0x81) && drives.hard[dl - 0x80]) {
        d.image = drives.hard[dl - 0x80];
        d.geometry = hard_disk_geometry(d.image->sectors());
    } else if (dl == 0xE0 && drives.cdrom) {
        d.image = drives.cdrom;
        d.kind = Kind::Cd;
        d.block = CD_SECTOR;
    }
    if (d.image) d.sectors = d.image->sectors();
    return d;
}

// Moves `count` blocks between the drive and caller memory at seg:off (a flat address when
// seg is 0 and off above 64 KiB). Returns the status: a first block
// beyond the end is a bad parameter (01h), a run past the end "sector not found" (04h).
uint8_t transfer(RealModeCall& call, const Drive& d, Op op, uint64_t lba, uint32_t count,
                 uint16_t seg, uint32_t off) {
    if (lba >= d.blocks()) return INVALID;
    if (count > d.blocks() - lba) return NOT_FOUND;
    if (count == 0) return OK;
    if (op == Op::Verify) return OK;
    std::vector<uint8_t> buf(size_t(count) * d.block);
    if (op == Op::Write) {
        if (d.read_only()) return WRITE_PROTECTED;
        call.read(seg, off, buf.data(), buf.size());
        return d.write(lba, count, buf.data()) ? OK : CONTROLLER;
    }
    if (!d.read(lba, count, buf.data())) return CONTROLLER;
    call.write(seg, off, buf.data(), buf.size());
    return OK;
}

// AH=02h/03h/04h: AL sectors (1-128) from cylinder CH (+ CL bits 7-6 as bits 9-8), head DH,
// sector CL bits 5-0, which must lie inside the geometry; AL returns how many were done.
uint8_t chs_call(RealModeCall& call, const Drive& d, uint8_t ah) {
    const uint8_t count = call.al(), cl = call.reg8(1), ch = call.reg8(5), dh = call.reg8(6);
    const uint32_t cylinder = ch | uint32_t(cl & 0xC0) << 2, sector = cl & 0x3F;
    const Geometry& g = d.geometry;
    if (d.kind == Kind::Cd || count == 0 || count > 128 || sector == 0 || sector > g.sectors ||
        dh >= g.heads || cylinder >= g.cylinders)
        return INVALID;
    const uint64_t lba = (uint64_t(cylinder) * g.heads + dh) * g.sectors + sector - 1;
    const uint8_t status = transfer(call, d, op_of(ah), lba, count, call.sreg(cpu::ES), call.reg16(cpu::EBX));
    call.set_al(status == OK ? count : 0);
    return status;
}

// AH=42h/43h/44h/47h: the disk address packet at DS:SI (10h bytes, or 18h with a flat 64-bit
// buffer address used when the seg:off one is FFFF:FFFF). Its count returns the blocks done.
uint8_t lba_call(RealModeCall& call, const Drive& d, uint8_t ah) {
    const uint16_t ds = call.sreg(cpu::DS), si = call.reg16(cpu::ESI);
    uint8_t packet[0x18] = {};
    call.read(ds, si, packet, 0x10);
    if (packet[0] < 0x10) return INVALID;
    uint16_t count, off, seg;
    uint64_t lba, flat = 0;
    std::memcpy(&count, packet + 2, 2);
    std::memcpy(&off, packet + 4, 2);
    std::memcpy(&seg, packet + 6, 2);
    std::memcpy(&lba, packet + 8, 8);
    const bool use_flat = off == 0xFFFF && seg == 0xFFFF;
    if (use_flat && packet[0] >= 0x18) call.read(ds, uint16_t(si + 0x10), &flat, 8);
    // The whole flat buffer must lie below 4 GiB.
    const uint8_t status =
        !use_flat ? transfer(call, d, op_of(ah), lba, count, seg, off)
        : packet[0] < 0x18 || !in_address_space(flat, uint64_t(count) * d.block)
            ? INVALID
            : transfer(call, d, op_of(ah), lba, count, 0, uint32_t(flat));
    if (status != OK) call.write<uint16_t>(ds, uint16_t(si + 2), 0);
    return status;
}

// AH=48h: the drive parameters at DS:SI, whose first word gives the buffer's size (1Ah at
// least; 1Eh and more also get the EDD configuration pointer, FFFF:FFFF as there is none).
uint8_t parameters_call(RealModeCall& call, const Drive& d) {
    const uint16_t ds = call.sreg(cpu::DS), si = call.reg16(cpu::ESI);
    const uint16_t size = call.read<uint16_t>(ds, si);
    if (size < 0x1A) return INVALID;
    struct [[gnu::packed]] {
        uint16_t size, flags;
        uint32_t cylinders, heads, sectors;
        uint64_t total;
        uint16_t bytes_per_sector;
        uint32_t dpte;
    } p{};
    const bool chs = d.kind != Kind::Cd;
    // Flags: bit 1 the CHS fields are valid; the CD is removable (bit 2) with a change line
    // (bit 4) and lockable (bit 5), and has no CHS view.
    p.flags = chs ? 0x0002 : 0x0034;
    if (chs) {
        p.cylinders = d.geometry.cylinders;
        p.heads = d.geometry.heads;
        p.sectors = d.geometry.sectors;
    }
    p.total = d.blocks();
    p.bytes_per_sector = uint16_t(d.block);
    p.dpte = 0xFFFFFFFF;
    p.size = size >= 0x1E ? 0x1E : 0x1A;
    call.write(ds, si, &p, p.size);
    return OK;
}

// The cylinders AH=08h and AH=15h admit to: hard disks keep their last one back (the old
// diagnostic cylinder), as SeaBIOS does.
uint32_t legacy_cylinders(const Drive& d) {
    const uint32_t c = d.geometry.cylinders;
    return d.kind == Kind::Hard && c > 1 ? c - 1 : c;
}

// AH=08h: the last cylinder, head and sector in CX/DH, the number of drives of the kind in DL;
// diskettes also give their type in BL and the parameter table in ES:DI.
uint8_t geometry_call(RealModeCall& call, const Drive& d, unsigned drives) {
    if (d.kind == Kind::Cd) return INVALID;
    const Geometry& g = d.geometry;
    const uint32_t last_cylinder = legacy_cylinders(d) - 1;
    call.set_reg16(cpu::EAX, 0);
    call.set_reg8(5, uint8_t(last_cylinder));                                    // CH
    call.set_reg8(1, uint8_t(g.sectors | (last_cylinder >> 2 & 0xC0)));          // CL
    call.set_reg8(6, uint8_t(g.heads - 1));                                      // DH
    call.set_reg8(2, uint8_t(drives));                                          // DL
    if (d.kind == Kind::Floppy) {
        call.set_reg16(cpu::EBX, d.floppy_type);
        call.cpu().load_seg(cpu::ES, 0xF000);
        call.set_reg16(cpu::EDI, DISKETTE_TABLE);
    }
    return OK;
}

}  // namespace

const BootImage* Bios::cd_emulation() const {
    return cd_boot_ && cd_boot_->emulated() ? &*cd_boot_ : nullptr;
}

bool Bios::cd_boot_fits() const {
    if (!cd_boot_) return true;
    const BootImage& b = *cd_boot_;
    if (!cfg_.drives.cdrom || b.media > Media::HardDisk) return false;
    if (!b.emulated()) return true;
    const Geometry& g = b.geometry;
    const uint64_t first = uint64_t(b.load_rba) * (CD_SECTOR / storage::DiskImage::SECTOR);
    const uint64_t cd = cfg_.drives.cdrom->sectors();
    return g.cylinders >= 1 && g.cylinders <= 65536 && g.heads >= 1 && g.heads <= 255 && g.sectors >= 1 &&
           g.sectors <= 63 && first <= cd && b.sectors <= cd - first;
}

unsigned Bios::drive_count(bool hard) const {
    storage::DiskImage* const* real = hard ? cfg_.drives.hard : cfg_.drives.floppy;
    const BootImage* emulation = cd_emulation();
    const unsigned n = !!real[0] + !!real[1] + (emulation && bool(emulation->drive() & 0x80) == hard);
    return hard ? n : std::min(n, 2u);  // a second real diskette is pushed out of the BDA's count
}

void Bios::disk(RealModeCall& call) {
    const uint8_t ah = call.ah(), dl = call.reg8(2);
    const uint32_t status_byte = dl & 0x80 ? DISK_STATUS : FLOPPY_STATUS;
    const Drive d = find_drive(cfg_.drives, dl, cd_emulation());
    auto finish = [&](uint8_t status) {
        mem_.write_bytes(status_byte, &status, 1);
        if (status == OK) {
            call.set_ah(OK);
            call.ok();
        } else {
            call.fail(status);
        }
    };
    if (ah == 0x4B && call.al() <= 1) return finish(el_torito_call(call));
    // Absent drives fail every call at once, so that probes of drives 80h-8Fh end quickly.
    if (!d.image) return finish(INVALID);
    const bool floppy = d.kind == Kind::Floppy;
    switch (ah) {
    case 0x00:  // reset
        return finish(OK);
    case 0x01: {  // status of the last call
        uint8_t last;
        mem_.read_bytes(status_byte, &last, 1);
        call.set_ah(last);
        call.set_cf(last != OK);
        return;
    }
    case 0x02:
    case 0x03:
    case 0x04:
        return finish(chs_call(call, d, ah));
    case 0x08:
        return finish(geometry_call(call, d, drive_count(dl & 0x80)));
    case 0x09:  // initialise drive parameters
    case 0x0C:  // seek
    case 0x0D:  // alternate reset
    case 0x10:  // test drive ready
    case 0x11:  // recalibrate
    case 0x14:  // controller diagnostic
        if (floppy) break;
        return finish(OK);
    case 0x15:  // drive type: 01h diskette or CD, 03h hard disk and its CHS-addressable size
        finish(OK);
        if (d.kind != Kind::Hard) {
            call.set_ah(0x01);
        } else {
            const uint32_t n = legacy_cylinders(d) * d.geometry.heads * d.geometry.sectors;
            call.set_ah(0x03);
            call.set_reg16(cpu::ECX, uint16_t(n >> 16));
            call.set_reg16(cpu::EDX, uint16_t(n));
        }
        return;
    case 0x16:  // diskette change line: always "changed", as there is no way to know
        return finish(floppy ? CHANGED : INVALID);
    case 0x41:  // extensions present: EDD 3.0, extended access (bit 0) and EDD (bit 2)
        if (floppy || d.emulated || call.reg16(cpu::EBX) != 0x55AA) return finish(INVALID);
        finish(OK);
        call.set_ah(0x30);
        call.set_reg16(cpu::EBX, 0xAA55);
        call.set_reg16(cpu::ECX, 0x0005);
        return;
    case 0x42:
    case 0x43:
    case 0x44:
    case 0x47:
    case 0x48:
        // The extensions serve hard disks and the CD; diskettes and emulated disks answer
        // AH=41h with "no".
        if (floppy || d.emulated) return finish(INVALID);
        return finish(ah == 0x48 ? parameters_call(call, d) : lba_call(call, d, ah));
    default:
        break;
    }
    unsupported(call, 0x13, INVALID);
    mem_.write_bytes(status_byte, &INVALID, 1);
}

// AX=4B00h (terminate emulation) and 4B01h (status): the specification packet at DS:SI for
// the drive booted from the CD; 4B00h also takes DL = 7Fh (any) and ends an emulation. Other
// drives fail: GRUB and ISOLINUX tell the CD they came from by it.
uint8_t Bios::el_torito_call(RealModeCall& call) {
    const uint8_t dl = call.reg8(2);
    const bool terminate = call.al() == 0x00;
    if (!cd_boot_ || (dl != cd_boot_->drive() && !(terminate && dl == 0x7F))) return INVALID;
    // 13h bytes: size, media type, drive, controller, image LBA, device, cache segment, load
    // segment, sectors loaded, and the emulated disk's cylinders, sectors and heads (counts, in
    // AH=08h's CH/CL/DH layout, as SeaBIOS and the Bochs BIOS give them).
    const BootImage& b = *cd_boot_;
    uint8_t p[0x13] = {};
    p[0] = sizeof p;
    p[1] = uint8_t(b.media);
    p[2] = b.drive();
    p[3] = cfg_.drives.cdrom_slot / 2;  // the IDE channel, and in the device word master/slave
    p[8] = cfg_.drives.cdrom_slot % 2;
    std::memcpy(p + 4, &b.load_rba, 4);
    std::memcpy(p + 0x0C, &b.load_segment, 2);
    std::memcpy(p + 0x0E, &b.sector_count, 2);
    p[0x10] = uint8_t(b.geometry.cylinders);
    p[0x11] = uint8_t((b.geometry.cylinders >> 2 & 0xC0) | b.geometry.sectors);
    p[0x12] = uint8_t(b.geometry.heads);
    call.write(call.sreg(cpu::DS), call.reg16(cpu::ESI), p, sizeof p);
    if (terminate && b.emulated()) end_cd_boot(call);
    return OK;
}

}  // namespace jitpc::bios
