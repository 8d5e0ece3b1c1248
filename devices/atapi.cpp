#include "devices/atapi.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "logging/log.h"

namespace jitpc::devices {

namespace {

constexpr uint32_t SECTORS_PER_BLOCK = AtapiCdrom::BLOCK / storage::DiskImage::SECTOR;
constexpr uint16_t PROFILE_CDROM = 0x0008;
constexpr uint8_t TRACK_CONTROL = 0x14;  // ADR 1 (Q sub-channel position), control 4: data track
constexpr uint8_t LEAD_OUT = 0xAA;
constexpr uint16_t MAX_SPEED_KBS = 24 * 176;  // "24x"

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | be16(p + 2); }
void put16(uint8_t* p, uint32_t v) { p[0] = uint8_t(v >> 8), p[1] = uint8_t(v); }
void put32(uint8_t* p, uint32_t v) { put16(p, v >> 16), put16(p + 2, v); }

// A track address as the TOC reports it: an LBA, or minute/second/frame with the 2-second
// (150-frame) pregap of the first track added.
void put_address(uint8_t* p, uint32_t lba, bool msf) {
    if (!msf) return put32(p, lba);
    uint32_t f = lba + 150;
    p[0] = 0, p[1] = uint8_t(f / (60 * 75)), p[2] = uint8_t(f / 75 % 60), p[3] = uint8_t(f % 75);
}

void put_text(uint8_t* p, size_t n, const char* s) {
    size_t len = std::strlen(s);
    for (size_t i = 0; i < n; ++i) p[i] = i < len ? uint8_t(s[i]) : ' ';
}

}  // namespace

AtapiCdrom::AtapiCdrom(storage::DiskImage& image, std::string serial)
    : image_(image), serial_(std::move(serial)), blocks_(static_cast<uint32_t>(image.sectors() / SECTORS_PER_BLOCK)) {
    if (!image.sectors() || image.sectors() % SECTORS_PER_BLOCK)
        throw std::runtime_error("CD-ROM image '" + image.path() + "' is " +
                                 std::to_string(image.sectors() * storage::DiskImage::SECTOR) +
                                 " bytes, not a positive whole number of 2048-byte blocks");
    if (image.sectors() / SECTORS_PER_BLOCK > 0xFFFFFFFFu)
        throw std::runtime_error("CD-ROM image '" + image.path() + "' is too large");
    reset();
}

void AtapiCdrom::reset() {
    sense_ = {};
    prevent_ = false;
    reading_ = false;
    remaining_ = 0;
}

bool AtapiCdrom::fail(uint8_t key, uint8_t asc, uint8_t ascq) {
    sense_ = {key, asc, ascq};
    reading_ = false;
    remaining_ = 0;
    return false;
}

bool AtapiCdrom::reply(std::vector<uint8_t> data, size_t alloc) {
    data_ = std::move(data);
    remaining_ = std::min(data_.size(), alloc);
    offset_ = 0;
    return true;
}

bool AtapiCdrom::command(const uint8_t* cdb) {
    reading_ = false;
    remaining_ = 0;
    if (cdb[0] == 0x03) return request_sense(cdb);  // reports the sense the others replace
    sense_ = {};
    switch (cdb[0]) {
    case 0x00: return true;  // TEST UNIT READY: the medium is always there
    case 0x12: return inquiry(cdb);
    case 0x1B: return start_stop(cdb);
    case 0x1E: prevent_ = cdb[4] & 1; return true;  // PREVENT ALLOW MEDIUM REMOVAL
    case 0x25: return read_capacity();
    case 0x28: return read(be32(cdb + 2), be16(cdb + 7));  // READ(10)
    case 0xA8: return read(be32(cdb + 2), be32(cdb + 6));  // READ(12)
    case 0x5A: return mode_sense(cdb);
    case 0x43: return read_toc(cdb);
    case 0x46: return get_configuration(cdb);
    case 0x4A: return event_status(cdb);
    case 0x51: return disc_information(cdb);
    case 0x42: return read_subchannel(cdb);
    case 0xBD: return mechanism_status(cdb);
    case 0xBB: return true;  // SET CD SPEED: reads take no time anyway
    default: {
        static logging::Site site{logging::UNIMP, "ATAPI command"};
        site.print("ATAPI: command %02Xh not modelled: ILLEGAL REQUEST", cdb[0]);
        return fail(ILLEGAL_REQUEST, 0x20);  // INVALID COMMAND OPERATION CODE
    }
    }
}

bool AtapiCdrom::transfer(uint8_t* out, size_t n) {
    if (!reading_) {
        std::memcpy(out, data_.data() + offset_, n);
        offset_ += n, remaining_ -= n;
        return true;
    }
    while (n) {
        if (offset_ == BLOCK) {
            if (!image_.read(uint64_t(lba_) * SECTORS_PER_BLOCK, SECTORS_PER_BLOCK, block_.data()))
                return fail(MEDIUM_ERROR, 0x11);  // UNRECOVERED READ ERROR
            ++lba_, offset_ = 0;
        }
        size_t k = std::min<size_t>(n, BLOCK - offset_);
        std::memcpy(out, block_.data() + offset_, k);
        out += k, n -= k, offset_ += k, remaining_ -= k;
    }
    return true;
}

// Standard data: peripheral type 5 (CD/DVD), removable, SPC-3, response format 2. Vital product
// data: the supported-pages list and the unit serial number.
bool AtapiCdrom::inquiry(const uint8_t* cdb) {
    size_t alloc = be16(cdb + 3);
    if (!(cdb[1] & 1)) {
        if (cdb[2]) return invalid_field();
        std::vector<uint8_t> d(36);
        d[0] = 0x05, d[1] = 0x80, d[2] = 0x05, d[3] = 0x02, d[4] = uint8_t(d.size() - 5);
        put_text(&d[8], 8, "JITPC");
        put_text(&d[16], 16, "CD-ROM");
        put_text(&d[32], 4, "1.0");
        return reply(std::move(d), alloc);
    }
    switch (cdb[2]) {
    case 0x00: return reply({0x05, 0x00, 0x00, 0x02, 0x00, 0x80}, alloc);
    case 0x80: {
        std::vector<uint8_t> d(4 + serial_.size());
        d[0] = 0x05, d[1] = 0x80, d[3] = uint8_t(serial_.size());
        put_text(&d[4], serial_.size(), serial_.c_str());
        return reply(std::move(d), alloc);
    }
    default: return invalid_field();
    }
}

// Fixed-format sense data of the last failed command; reporting it clears it.
bool AtapiCdrom::request_sense(const uint8_t* cdb) {
    std::vector<uint8_t> d(18);
    d[0] = 0x70, d[2] = sense_.key, d[7] = 10, d[12] = sense_.asc, d[13] = sense_.ascq;
    sense_ = {};
    return reply(std::move(d), cdb[4]);
}

// Spinning up or down is accepted; ejecting the fixed medium is refused.
bool AtapiCdrom::start_stop(const uint8_t* cdb) {
    bool load_eject = cdb[4] & 2, start = cdb[4] & 1;
    if (load_eject && !start) return fail(ILLEGAL_REQUEST, 0x53, 0x02);
    return true;
}

bool AtapiCdrom::read_capacity() {
    std::vector<uint8_t> d(8);
    put32(&d[0], blocks_ - 1);
    put32(&d[4], BLOCK);
    return reply(std::move(d), 8);
}

bool AtapiCdrom::read(uint32_t lba, uint32_t count) {
    if (lba > blocks_ || count > blocks_ - lba) return fail(ILLEGAL_REQUEST, 0x21);
    reading_ = true;
    lba_ = lba;
    offset_ = BLOCK;  // nothing staged yet
    block_.resize(BLOCK);
    remaining_ = size_t(count) * BLOCK;
    return true;
}

// MODE SENSE(10) with the one page a CD-ROM drive must have: 2Ah, capabilities and mechanical
// status. Changeable values are all zero; saved values are not supported.
bool AtapiCdrom::mode_sense(const uint8_t* cdb) {
    unsigned control = cdb[2] >> 6, page = cdb[2] & 0x3F;
    if (control == 3) return fail(ILLEGAL_REQUEST, 0x39);  // SAVING PARAMETERS NOT SUPPORTED
    if (page != 0x2A && page != 0x3F) return invalid_field();
    std::vector<uint8_t> d(8 + 22);
    d[2] = 0x01;  // medium type: 120 mm CD-ROM data
    uint8_t* p = &d[8];
    p[0] = 0x2A, p[1] = 20;
    if (control != 1) {
        p[6] = 0x21 | (prevent_ ? 0x02 : 0);  // tray loader; lock supported, lock state; no eject
        put16(p + 8, MAX_SPEED_KBS);
        put16(p + 12, 512);  // buffer size (KiB)
        put16(p + 14, MAX_SPEED_KBS);
    }
    put16(&d[0], uint32_t(d.size() - 2));
    return reply(std::move(d), be16(cdb + 7));
}

// READ TOC/PMA/ATIP: the TOC of one data track at LBA 0 and the lead-out (format 0), or the
// session information (format 1). Drives still honour the format in the old SFF-8020 place (the
// top bits of the control byte) when the MMC field is 0.
bool AtapiCdrom::read_toc(const uint8_t* cdb) {
    bool msf = cdb[1] & 2;
    unsigned format = cdb[2] & 0x0F;
    if (!format) format = cdb[9] >> 6;
    unsigned track = cdb[6];
    std::vector<uint8_t> d(4);
    auto descriptor = [&](uint8_t number, uint32_t lba) {
        size_t at = d.size();
        d.resize(at + 8);
        d[at + 1] = TRACK_CONTROL, d[at + 2] = number;
        put_address(&d[at + 4], lba, msf);
    };
    switch (format) {
    case 0:
        if (track > 1 && track != LEAD_OUT) return invalid_field();
        if (track <= 1) descriptor(1, 0);
        descriptor(LEAD_OUT, blocks_);
        break;
    case 1: descriptor(1, 0); break;  // first track of the last (only) session
    default: return invalid_field();
    }
    put16(&d[0], uint32_t(d.size() - 2));
    d[2] = 1, d[3] = 1;  // first and last track, or first and last session
    return reply(std::move(d), be16(cdb + 7));
}

// GET CONFIGURATION: current profile CD-ROM; the features are the profile list (0000h) and the
// core feature (0001h, ATAPI interface), both current and persistent. RT 0/1 list the features
// from the starting number on, RT 2 only that one.
bool AtapiCdrom::get_configuration(const uint8_t* cdb) {
    unsigned rt = cdb[1] & 3, start = be16(cdb + 2);
    if (rt == 3) return invalid_field();
    std::vector<uint8_t> d(8);
    put16(&d[6], PROFILE_CDROM);
    auto feature = [&](uint16_t code, std::initializer_list<uint8_t> body) {
        if (code < start || (rt == 2 && code != start)) return;
        size_t at = d.size();
        d.resize(at + 4);
        put16(&d[at], code);
        d[at + 2] = 0x03;  // version 0, persistent, current
        d[at + 3] = uint8_t(body.size());
        d.insert(d.end(), body);
    };
    feature(0x0000, {0x00, uint8_t(PROFILE_CDROM), 0x01, 0x00});  // the profile, current
    feature(0x0001, {0x00, 0x00, 0x00, 0x02});  // physical interface standard: ATAPI
    put32(&d[0], uint32_t(d.size() - 4));
    return reply(std::move(d), be16(cdb + 7));
}

// GET EVENT STATUS NOTIFICATION, polled only; the media class is the one supported.
bool AtapiCdrom::event_status(const uint8_t* cdb) {
    if (!(cdb[1] & 1)) return invalid_field();  // asynchronous notification
    constexpr uint8_t MEDIA = 0x10;
    std::vector<uint8_t> d(4);
    d[3] = MEDIA;
    if (cdb[4] & MEDIA) {
        d[2] = 0x04;  // media class
        d.insert(d.end(), {0x00, 0x02, 0x00, 0x00});  // no change; medium present, tray closed
    } else {
        d[2] = 0x80;  // no event available in the requested classes
    }
    put16(&d[0], uint32_t(d.size() - 2));
    return reply(std::move(d), be16(cdb + 7));
}

// READ DISC INFORMATION (standard data type): a complete, non-erasable disc with one closed
// session holding track 1.
bool AtapiCdrom::disc_information(const uint8_t* cdb) {
    if (cdb[1] & 7) return invalid_field();
    std::vector<uint8_t> d(34);
    put16(&d[0], uint32_t(d.size() - 2));
    d[2] = 0x0E;  // last session complete, disc complete
    d[3] = 1, d[4] = 1, d[5] = 1, d[6] = 1;  // first track; sessions; first/last track of it
    d[7] = 0x20;  // unrestricted use
    put32(&d[16], 0xFFFFFFFF);  // no next session lead-in
    put32(&d[20], 0xFFFFFFFF);  // no last possible lead-out
    return reply(std::move(d), be16(cdb + 7));
}

// READ SUB-CHANNEL: no audio ever plays, so the header says "no current audio status" and the
// only data format offered is the current position (format 1) at the start of track 1.
bool AtapiCdrom::read_subchannel(const uint8_t* cdb) {
    std::vector<uint8_t> d(4);
    d[1] = 0x15;
    if (cdb[2] & 0x40) {
        if (cdb[3] != 1) return invalid_field();
        d.resize(16);
        d[4] = 1, d[5] = TRACK_CONTROL, d[6] = 1, d[7] = 1;
        put_address(&d[8], 0, cdb[1] & 2);  // absolute; the track-relative address is 0
        put16(&d[2], uint32_t(d.size() - 4));
    }
    return reply(std::move(d), be16(cdb + 7));
}

// MECHANISM STATUS: an idle single-disc drive with no changer slots.
bool AtapiCdrom::mechanism_status(const uint8_t* cdb) {
    return reply(std::vector<uint8_t>(8), be16(cdb + 8));
}

}  // namespace jitpc::devices
