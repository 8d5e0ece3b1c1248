#include "devices/ata.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "logging/log.h"

namespace jitpc::devices {

namespace {

// An ATA command or subcommand this device does not model: aborted, and said under -d unimp.
void unimplemented(const char* what, uint8_t code) {
    static logging::Site site{logging::UNIMP, "ATA command"};
    site.print("ATA: %s %02Xh not modelled: aborted", what, code);
}

constexpr uint32_t SECTOR = storage::DiskImage::SECTOR;
constexpr unsigned MAX_MULTIPLE = 16;  // IDENTIFY word 47: sectors per DRQ block

// ATA strings hold two characters per word, the first in the high byte; padded with spaces.
void put_string(uint16_t* words, unsigned nwords, const char* s) {
    size_t len = std::char_traits<char>::length(s);
    for (unsigned i = 0; i < nwords * 2; ++i) {
        uint8_t c = i < len ? static_cast<uint8_t>(s[i]) : ' ';
        words[i / 2] |= static_cast<uint16_t>(i & 1 ? c : c << 8);
    }
}

// The serial number of a device: its channel and position (IDENTIFY, and INQUIRY page 80h).
std::string serial_number(uint16_t cmd_base, unsigned device) {
    char serial[21];
    std::snprintf(serial, sizeof serial, "JITPC-%03X-%u", cmd_base, device);
    return serial;
}

// Serial number, firmware revision and model, shared by both IDENTIFY commands.
void put_identity(std::array<uint16_t, 256>& id, uint16_t cmd_base, unsigned device,
                  const char* model) {
    put_string(&id[10], 10, serial_number(cmd_base, device).c_str());
    put_string(&id[23], 4, "1.0");
    put_string(&id[27], 20, model);
}

}  // namespace

AtaChannel::AtaChannel(uint16_t cmd_base, uint16_t ctl_port, IrqLine irq, Slot master,
                       Slot slave)
    : cmd_base_(cmd_base), ctl_port_(ctl_port), irq_(std::move(irq)) {
    const Slot slots[2] = {master, slave};
    for (int i = 0; i < 2; ++i) {
        Disk& d = disks_[i];
        d.image = slots[i].image;
        if (!d.image) continue;
        if (slots[i].cdrom) {
            d.cdrom = std::make_unique<AtapiCdrom>(*d.image, serial_number(cmd_base, i));
            continue;
        }
        // The usual translation: 16 heads, 63 sectors per track, cylinders capped at 16383
        // (disks larger than 8.4 GB are addressed by LBA only). Tiny images still claim one
        // cylinder; CHS addresses beyond the image fail with IDNF like any other.
        d.heads = 16, d.spt = 63;
        d.cylinders = static_cast<uint16_t>(
            std::clamp<uint64_t>(d.image->sectors() / (16 * 63), 1, 16383));
    }
    reset();
}

void AtaChannel::reset() {
    phase_ = Phase::Idle;
    control_ = 0;
    intrq_ = false;
    for (Disk& d : disks_) {
        if (!d.image) continue;
        d.cur_cylinders = d.cylinders, d.cur_heads = d.heads, d.cur_spt = d.spt;
        d.multiple = 0;
        d.standby = false;
        if (d.cdrom) d.cdrom->reset();
        signature(d);
    }
    reset_task_file();
    update_irq();
}

// After a reset and EXECUTE DEVICE DIAGNOSTIC a device shows its signature (count 1, LBA 1, then
// 0, 0 for a disk or 14h, EBh for a packet device) and diagnostic code 01h (passed); a disk sets
// DRDY, a packet device leaves the status at 00h.
void AtaChannel::signature(Disk& d) {
    d.signature = true;
    d.error = 0x01;
    d.status = d.cdrom ? 0 : DRDY | DSC;
}

// The shared registers after a reset hold a disk's signature: what an absent device 1 shows (with
// status and error 00h), which libata takes for "no device".
void AtaChannel::reset_task_file() {
    count_.cur = 1, lba_low_.cur = 1, lba_mid_.cur = 0, lba_high_.cur = 0;
    device_ = 0;
}

uint8_t AtaChannel::signature_reg(const Disk& d, unsigned reg) const {
    switch (reg) {
    case 2: case 3: return 1;
    case 4: return d.cdrom ? 0x14 : 0;
    default: return d.cdrom ? 0xEB : 0;
    }
}

void AtaChannel::update_irq() {
    bool level = intrq_ && !(control_ & NIEN);
    if (level != line_) {
        line_ = level;
        irq_(level);
    }
}

void AtaChannel::raise_irq() {
    intrq_ = true;
    update_irq();
}

uint32_t AtaChannel::port_read(uint16_t port, unsigned size) {
    if (port == ctl_port_) return present() ? selected().status : 0;  // alternate status
    unsigned reg = port - cmd_base_;
    if (reg == 0) {
        uint32_t v = data_read();
        if (size == 4) v |= static_cast<uint32_t>(data_read()) << 16;
        return size == 1 ? v & 0xFF : v;
    }
    return read_reg(reg);
}

void AtaChannel::port_write(uint16_t port, unsigned size, uint32_t value) {
    if (port == ctl_port_) return write_control(static_cast<uint8_t>(value));
    unsigned reg = port - cmd_base_;
    if (reg == 0) {
        data_write(static_cast<uint16_t>(value));
        if (size == 4) data_write(static_cast<uint16_t>(value >> 16));
        return;
    }
    write_reg(reg, static_cast<uint8_t>(value));
}

uint8_t AtaChannel::read_reg(unsigned reg) {
    bool hob = control_ & HOB;
    auto pick = [hob](const Reg& r) { return hob ? r.prev : r.cur; };
    if (reg >= 2 && reg <= 5 && !hob && present() && selected().signature)
        return signature_reg(selected(), reg);
    switch (reg) {
    case 1: return present() ? selected().error : 0;
    case 2: return pick(count_);
    case 3: return pick(lba_low_);
    case 4: return pick(lba_mid_);
    case 5: return pick(lba_high_);
    case 6: return device_ | 0xA0;  // bits 7 and 5 are obsolete and read 1
    default:
        // An absent device 1 reads status 0, so drivers' probes give up at once.
        if (!present()) return 0;
        intrq_ = false;
        update_irq();
        return selected().status;
    }
}

void AtaChannel::write_reg(unsigned reg, uint8_t v) {
    control_ &= ~HOB;  // any task-file write clears HOB
    if (reg >= 1 && reg <= 5)
        for (Disk& d : disks_) d.signature = false;
    switch (reg) {
    case 1: feature_.write(v); break;
    case 2: count_.write(v); break;
    case 3: lba_low_.write(v); break;
    case 4: lba_mid_.write(v); break;
    case 5: lba_high_.write(v); break;
    case 6: device_ = v & 0x5F; break;
    default: execute(v); break;
    }
}

// SRST is held while bit 2 is 1 (devices BSY) and the reset completes when it drops to 0.
void AtaChannel::write_control(uint8_t v) {
    bool was = control_ & SRST;
    control_ = v & (HOB | SRST | NIEN);
    if (!was && (v & SRST)) {
        phase_ = Phase::Idle;
        intrq_ = false;
        for (Disk& d : disks_)
            if (d.image) d.status = BSY;
    } else if (was && !(v & SRST)) {
        for (Disk& d : disks_)
            if (d.image) signature(d);
        reset_task_file();
    }
    update_irq();
}

void AtaChannel::execute(uint8_t cmd) {
    if (control_ & SRST) return;
    if (cmd == 0x90) {  // EXECUTE DEVICE DIAGNOSTIC: both devices run it, whatever DEV says
        phase_ = Phase::Idle;
        for (Disk& d : disks_)
            if (d.image) signature(d);
        reset_task_file();
        if (disks_[0].image) raise_irq();
        return;
    }
    if (!present()) return;  // nobody answers a command to an absent device
    Disk& d = selected();
    intrq_ = false;
    update_irq();
    phase_ = Phase::Idle;  // a new command abandons a transfer in progress
    if (d.signature) {  // the command starts from the device's own registers
        count_.cur = signature_reg(d, 2), lba_low_.cur = signature_reg(d, 3);
        lba_mid_.cur = signature_reg(d, 4), lba_high_.cur = signature_reg(d, 5);
        d.signature = false;
    }
    switch (cmd) {  // the commands disks and packet devices share
    case 0xEF: return set_features(d);
    case 0xE0: case 0xE2: d.standby = true; return complete(d);   // STANDBY (IMMEDIATE)
    case 0xE1: case 0xE3: d.standby = false; return complete(d);  // IDLE (IMMEDIATE)
    case 0xE5:  // CHECK POWER MODE
        count_.cur = d.standby ? 0x00 : 0xFF;
        return complete(d);
    }
    if (d.cdrom) return packet_device_command(d, cmd);
    Addressing chs_or_lba = device_ & 0x40 ? Addressing::Lba28 : Addressing::Chs;
    switch (cmd) {
    case 0xEC: identify(d); break;
    case 0x20: case 0x21: start_rw(d, chs_or_lba, false, 1); break;
    case 0x24: start_rw(d, Addressing::Lba48, false, 1); break;
    case 0x30: case 0x31: start_rw(d, chs_or_lba, true, 1); break;
    case 0x34: start_rw(d, Addressing::Lba48, true, 1); break;
    case 0xC4: case 0x29: case 0xC5: case 0x39:  // READ/WRITE MULTIPLE (EXT)
        if (!d.multiple) return complete(d, ABRT);
        start_rw(d, cmd & 0x20 ? Addressing::Lba48 : chs_or_lba, cmd == 0xC5 || cmd == 0x39,
                 d.multiple);
        break;
    case 0xC6: set_multiple(d); break;
    case 0x91: init_params(d); break;
    case 0xE7: case 0xEA: complete(d, d.image->flush() ? 0 : ABRT); break;  // FLUSH CACHE (EXT)
    default:
        unimplemented("command", cmd);
        complete(d, ABRT);
        break;
    }
}

void AtaChannel::complete(Disk& d, uint8_t error) {
    phase_ = Phase::Idle;
    d.error = error;
    d.status = ready(d) | (error ? ERR : 0);
    raise_irq();
}

void AtaChannel::identify(Disk& d) {
    std::array<uint16_t, 256> id{};
    uint64_t total = d.image->sectors();
    id[0] = 0x0040;  // fixed, non-removable ATA device
    id[1] = d.cylinders, id[3] = d.heads, id[6] = d.spt;
    // Retired since ATA-2 (unformatted bytes per track and per sector) but filled as QEMU and
    // Bochs fill them: the Bochs BIOS takes its PIO transfer size from word 5.
    id[4] = static_cast<uint16_t>(512 * d.spt), id[5] = 512;
    put_identity(id, cmd_base_, unsigned(&d - &disks_[0]), "JITPC HARDDISK");
    id[47] = 0x8000 | MAX_MULTIPLE;
    id[49] = 0x0200;         // LBA; no DMA (PIO only)
    id[50] = 0x4000;
    id[51] = 0x0200;         // PIO timing mode 2
    id[53] = 0x0003;         // words 54-58 and 64-70 valid; 88 not (no UDMA)
    id[54] = d.cur_cylinders, id[55] = d.cur_heads, id[56] = d.cur_spt;
    uint32_t cur = uint32_t(d.cur_cylinders) * d.cur_heads * d.cur_spt;
    id[57] = static_cast<uint16_t>(cur), id[58] = static_cast<uint16_t>(cur >> 16);
    id[59] = d.multiple ? 0x0100 | d.multiple : 0;
    uint32_t lba28 = static_cast<uint32_t>(std::min<uint64_t>(total, 0x0FFFFFFF));
    id[60] = static_cast<uint16_t>(lba28), id[61] = static_cast<uint16_t>(lba28 >> 16);
    id[64] = 0x0003;         // PIO modes 3 and 4
    id[65] = id[66] = id[67] = id[68] = 120;  // cycle times (ns)
    id[80] = 0x007E;         // ATA-1 to ATA-6
    id[82] = 0x0000;
    id[83] = 0x7400;         // word valid, FLUSH CACHE EXT, FLUSH CACHE, 48-bit address
    id[84] = 0x4000;
    id[85] = 0x0000;
    id[86] = 0x3400;         // the same features enabled
    id[87] = 0x4000;
    for (int i = 0; i < 4; ++i) id[100 + i] = static_cast<uint16_t>(total >> (16 * i));
    send_identify(d, id);
}

// IDENTIFY PACKET DEVICE: a removable CD-ROM taking 12-byte packets, DRQ for the packet within
// 50 µs, PIO only (no DMA in words 49, 63 and 88), PACKET, DEVICE RESET and power management.
void AtaChannel::identify_packet(Disk& d) {
    std::array<uint16_t, 256> id{};
    id[0] = 0x85C0;          // ATAPI, type 5 (CD-ROM), removable, DRQ within 50 µs, 12 bytes
    put_identity(id, cmd_base_, unsigned(&d - &disks_[0]), "JITPC CD-ROM");
    id[49] = 0x0200;         // LBA (required for ATAPI); no DMA
    id[50] = 0x4000;
    id[51] = 0x0200;         // PIO timing mode 2
    id[53] = 0x0002;         // words 64-70 valid; 88 not (no UDMA)
    id[64] = 0x0003;         // PIO modes 3 and 4
    id[65] = id[66] = id[67] = id[68] = 120;  // cycle times (ns)
    id[80] = 0x0070;         // ATA/ATAPI-4 to -6
    id[82] = 0x0218;         // DEVICE RESET, PACKET, power management
    id[83] = 0x4000;
    id[84] = 0x4000;
    id[85] = 0x0218;         // the same enabled
    id[87] = 0x4000;
    send_identify(d, id);
}

// Completes either IDENTIFY: the integrity word, then the 512 bytes as one PIO data-in block.
void AtaChannel::send_identify(Disk& d, std::array<uint16_t, 256>& id) {
    // Integrity word: signature A5h and a checksum making all 512 bytes sum to 0 (libata checks).
    uint8_t sum = 0xA5;
    for (int i = 0; i < 255; ++i) sum += static_cast<uint8_t>(id[i] + (id[i] >> 8));
    id[255] = static_cast<uint16_t>((uint8_t(-sum) << 8) | 0xA5);

    buf_.resize(SECTOR);
    for (int i = 0; i < 256; ++i) buf_[2 * i] = uint8_t(id[i]), buf_[2 * i + 1] = uint8_t(id[i] >> 8);
    pos_ = 0;
    media_ = false;
    active_ = &d;
    phase_ = Phase::PioIn;
    d.error = 0;
    d.status = ready(d) | DRQ;
    raise_irq();
}

// SET FEATURES: transfer modes are accepted for PIO only (there is no DMA engine yet); cache
// and defaults subcommands are accepted and change nothing, since writes reach the image at once.
void AtaChannel::set_features(Disk& d) {
    uint8_t mode = count_.cur;
    switch (feature_.cur) {
    case 0x03:
        complete(d, mode <= 1 || (mode >> 3 == 1 && (mode & 7) <= 4) ? 0 : ABRT);
        break;
    case 0x02: case 0x82: case 0xAA: case 0x55: case 0x66: case 0xCC: complete(d); break;
    default:
        unimplemented("SET FEATURES subcommand", feature_.cur);
        complete(d, ABRT);
        break;
    }
}

void AtaChannel::set_multiple(Disk& d) {
    unsigned n = count_.cur;
    if (n > MAX_MULTIPLE || (n & (n - 1))) return complete(d, ABRT);
    d.multiple = static_cast<uint8_t>(n);  // 0 disables READ/WRITE MULTIPLE
    complete(d);
}

void AtaChannel::init_params(Disk& d) {
    unsigned spt = count_.cur, heads = (device_ & 0x0F) + 1u;
    if (!spt) return complete(d, ABRT);
    d.cur_spt = static_cast<uint16_t>(spt), d.cur_heads = static_cast<uint16_t>(heads);
    d.cur_cylinders =
        static_cast<uint16_t>(std::min<uint64_t>(d.image->sectors() / (spt * heads), 65535));
    complete(d);
}

void AtaChannel::start_rw(Disk& d, Addressing mode, bool write, unsigned block) {
    uint64_t count, lba;
    if (mode == Addressing::Lba48) {
        count = (unsigned(count_.prev) << 8 | count_.cur);
        if (!count) count = 65536;
        lba = uint64_t(lba_high_.prev) << 40 | uint64_t(lba_mid_.prev) << 32 |
              uint64_t(lba_low_.prev) << 24 | uint64_t(lba_high_.cur) << 16 |
              unsigned(lba_mid_.cur) << 8 | lba_low_.cur;
    } else {
        count = count_.cur ? count_.cur : 256;
        if (mode == Addressing::Lba28) {
            lba = uint64_t(device_ & 0x0F) << 24 | unsigned(lba_high_.cur) << 16 |
                  unsigned(lba_mid_.cur) << 8 | lba_low_.cur;
        } else {
            unsigned cyl = unsigned(lba_high_.cur) << 8 | lba_mid_.cur;
            unsigned head = device_ & 0x0F, sector = lba_low_.cur;
            if (!sector || sector > d.cur_spt || head >= d.cur_heads) return complete(d, IDNF);
            lba = (uint64_t(cyl) * d.cur_heads + head) * d.cur_spt + sector - 1;
        }
    }
    if (write && d.image->read_only()) return complete(d, ABRT);
    uint64_t total = d.image->sectors();
    if (lba > total || count > total - lba) return complete(d, IDNF);
    d.standby = false;
    active_ = &d;
    mode_ = mode;
    media_ = true;
    lba_ = lba;
    remaining_ = count;
    block_ = block;
    d.error = 0;
    if (!write) return next_block(d);
    buf_.resize(std::min<uint64_t>(block_, remaining_) * SECTOR);
    pos_ = 0;
    phase_ = Phase::PioOut;
    d.status = DRDY | DSC | DRQ;  // the first block is asked for without an interrupt
}

// The task file tracks the last sector transferred, in the command's own addressing.
void AtaChannel::set_address(uint64_t lba) {
    switch (mode_) {
    case Addressing::Lba48:
        lba_low_.prev = uint8_t(lba >> 24), lba_mid_.prev = uint8_t(lba >> 32);
        lba_high_.prev = uint8_t(lba >> 40);
        [[fallthrough]];
    case Addressing::Lba28:
        lba_low_.cur = uint8_t(lba), lba_mid_.cur = uint8_t(lba >> 8);
        lba_high_.cur = uint8_t(lba >> 16);
        if (mode_ == Addressing::Lba28) device_ = (device_ & 0xF0) | ((lba >> 24) & 0x0F);
        break;
    case Addressing::Chs: {
        Disk& d = *active_;
        uint64_t track = lba / d.cur_spt;
        uint64_t cyl = track / d.cur_heads;
        lba_low_.cur = uint8_t(lba % d.cur_spt + 1);
        lba_mid_.cur = uint8_t(cyl), lba_high_.cur = uint8_t(cyl >> 8);
        device_ = (device_ & 0xF0) | (track % d.cur_heads);
        break;
    }
    }
}

bool AtaChannel::consistent() const {
    for (const Disk& d : disks_)
        if (d.multiple > MAX_MULTIPLE || (d.image && !d.cdrom && (!d.cur_spt || !d.cur_heads)))
            return false;
    // (Loaded as the enums' int bytes: compared unsigned, so that a negative one is out too.)
    if (unsigned(phase_) > unsigned(Phase::PacketIn) || unsigned(mode_) > unsigned(Addressing::Lba48) || !block_ ||
        block_ > MAX_MULTIPLE || remaining_ > 65536)
        return false;
    if (phase_ == Phase::Idle) return true;
    const bool packet = phase_ == Phase::PacketCdb || phase_ == Phase::PacketIn;
    if (!active_ || !active_->image || packet != bool(active_->cdrom)) return false;
    if (buf_.empty() || buf_.size() % 2 || pos_ % 2 || pos_ >= buf_.size()) return false;
    if (phase_ == Phase::PacketCdb) return buf_.size() == AtapiCdrom::PACKET_SIZE;
    if (packet) return true;
    return media_ ? buf_.size() % SECTOR == 0 && buf_.size() / SECTOR <= remaining_ : buf_.size() == SECTOR;
}

void AtaChannel::next_block(Disk& d) {
    uint64_t n = std::min<uint64_t>(block_, remaining_);
    buf_.resize(n * SECTOR);
    if (!d.image->read(lba_, n, buf_.data())) {
        set_address(lba_);
        return complete(d, UNC);
    }
    pos_ = 0;
    phase_ = Phase::PioIn;
    d.status = DRDY | DSC | DRQ;
    raise_irq();
}

// The last word of a block has moved: commit a written block, then ask for or deliver the next
// one, or finish.
void AtaChannel::block_done(Disk& d) {
    if (phase_ == Phase::PacketCdb || phase_ == Phase::PacketIn) return packet_block_done(d);
    bool out = phase_ == Phase::PioOut;
    if (media_) {
        uint64_t n = buf_.size() / SECTOR;
        if (out && !d.image->write(lba_, n, buf_.data())) {
            set_address(lba_);
            return complete(d, ABRT);
        }
        lba_ += n, remaining_ -= n;
        set_address(lba_ - 1);
    }
    if (!media_ || !remaining_) {
        phase_ = Phase::Idle;
        d.status = ready(d);
        if (out) raise_irq();  // a write completes with an interrupt; a read's last block did
        return;
    }
    if (!out) return next_block(d);
    buf_.resize(std::min<uint64_t>(block_, remaining_) * SECTOR);
    pos_ = 0;
    d.status = DRDY | DSC | DRQ;
    raise_irq();
}

uint16_t AtaChannel::data_read() {
    if (phase_ != Phase::PioIn && phase_ != Phase::PacketIn) return 0xFFFF;
    uint16_t w = static_cast<uint16_t>(buf_[pos_] | buf_[pos_ + 1] << 8);
    pos_ += 2;
    if (pos_ == buf_.size()) block_done(*active_);
    return w;
}

void AtaChannel::data_write(uint16_t w) {
    if (phase_ != Phase::PioOut && phase_ != Phase::PacketCdb) return;
    buf_[pos_] = static_cast<uint8_t>(w), buf_[pos_ + 1] = static_cast<uint8_t>(w >> 8);
    pos_ += 2;
    if (pos_ == buf_.size()) block_done(*active_);
}

// The ATA commands a packet device adds or treats differently from a disk; any other command,
// including every media access command, is aborted.
void AtaChannel::packet_device_command(Disk& d, uint8_t cmd) {
    switch (cmd) {
    case 0xA0: return start_packet(d);
    case 0xA1: return identify_packet(d);
    case 0xEC:  // IDENTIFY DEVICE: aborted, with the signature telling the driver what we are
        signature(d);
        return complete(d, ABRT);
    case 0x08:  // DEVICE RESET: the device alone, no interrupt, DEV left as it is
        d.cdrom->reset();
        d.standby = false;
        return signature(d);
    default:
        unimplemented("packet-device command", cmd);
        return complete(d, ABRT);
    }
}

// PACKET: PIO only (a DMA or overlapped request is aborted). The byte count limit in LBA mid/high
// caps each DRQ data block; it is used rounded down to even, and 0 (what drivers give commands
// without data) stands for the largest, FFFEh. The packet itself is asked for without an
// interrupt, as IDENTIFY PACKET DEVICE word 0 promises.
void AtaChannel::start_packet(Disk& d) {
    if (feature_.cur & 0x03) return complete(d, ABRT);
    unsigned limit = unsigned(lba_high_.cur) << 8 | lba_mid_.cur;
    byte_limit_ = static_cast<uint16_t>(limit ? std::max(2u, limit & ~1u) : 0xFFFE);
    d.standby = false;
    active_ = &d;
    buf_.assign(AtapiCdrom::PACKET_SIZE, 0);
    pos_ = 0;
    phase_ = Phase::PacketCdb;
    count_.cur = COD;
    d.error = 0;
    d.status = DRDY | DRQ;
}

// The last word of the packet or of a data block has moved.
void AtaChannel::packet_block_done(Disk& d) {
    if (phase_ == Phase::PacketCdb && !d.cdrom->command(buf_.data())) return packet_status(d);
    packet_data(d);
}

// The next data-in block: at most the byte count limit, its size in LBA mid/high (an odd size
// ends with a padded word), interrupt reason I/O; or, with no data left, the status phase.
void AtaChannel::packet_data(Disk& d) {
    size_t n = std::min<size_t>(d.cdrom->pending(), byte_limit_);
    if (!n) return packet_status(d);
    buf_.assign(n + (n & 1), 0);
    if (!d.cdrom->transfer(buf_.data(), n)) return packet_status(d);
    pos_ = 0;
    phase_ = Phase::PacketIn;
    count_.cur = IO;
    lba_mid_.cur = uint8_t(n), lba_high_.cur = uint8_t(n >> 8);
    d.status = DRDY | DRQ;
    raise_irq();
}

// The status phase: interrupt reason I/O + C/D; CHECK CONDITION shows as ERR with the sense key
// in the error register's high nibble.
void AtaChannel::packet_status(Disk& d) {
    phase_ = Phase::Idle;
    count_.cur = IO | COD;
    uint8_t key = d.cdrom->sense_key();
    d.error = static_cast<uint8_t>(key << 4);
    d.status = DRDY | (key ? ERR : 0);
    raise_irq();
}

}  // namespace jitpc::devices
