// The SCSI/MMC command layer of an ATAPI CD-ROM drive: what runs the 12-byte command packets that
// AtaChannel receives through the PACKET command. It knows nothing about the ATA task file; the
// channel moves the data it produces in DRQ blocks and reports the outcome in the status phase.
//
// The medium is a read-only image of 2048-byte blocks holding one data track (mode 1) in one
// closed session. It is present from power on and cannot be removed: there is no "medium may
// have changed" unit attention after reset (the drive behaves as if that attention had already
// been consumed), GET EVENT STATUS NOTIFICATION reports "no change, medium present", and START
// STOP UNIT refuses to eject (ILLEGAL REQUEST / MEDIUM REMOVAL PREVENTED).
//
// A command that fails ends in CHECK CONDITION with a sense key other than NO SENSE; its sense
// data stays until REQUEST SENSE reports it or another command succeeds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "storage/disk_image.h"

namespace jitpc::devices {

class AtapiCdrom {
public:
    static constexpr uint32_t BLOCK = 2048;
    static constexpr size_t PACKET_SIZE = 12;

    // Throws std::runtime_error naming the file when the image is not a whole number of blocks.
    // The image must outlive the drive; `serial` is reported in INQUIRY page 80h.
    AtapiCdrom(storage::DiskImage& image, std::string serial);

    // Power-on or reset state: no pending data, sense cleared, medium removal allowed.
    void reset();

    // Runs one command packet. Returns false on CHECK CONDITION (sense_key() tells why); on
    // success, pending() bytes of data-in are waiting for transfer().
    bool command(const uint8_t* cdb);
    size_t pending() const { return remaining_; }
    // Copies the next `n` (<= pending()) bytes. False if the image could not be read: the command
    // then ends in CHECK CONDITION (MEDIUM ERROR) with the rest of its data dropped.
    bool transfer(uint8_t* out, size_t n);

    uint8_t sense_key() const { return sense_.key; }
    uint32_t blocks() const { return blocks_; }

    // Sense keys and additional sense codes used here (SPC, MMC).
    static constexpr uint8_t NO_SENSE = 0x0, MEDIUM_ERROR = 0x3, ILLEGAL_REQUEST = 0x5;

    // Its state for snapshots (snapshot/archive.h).
    template <class A> void snapshot(A& a) {
        a(sense_, prevent_, reading_, data_, remaining_, offset_, lba_, block_);
        a.check(reading_ ? block_.size() == BLOCK && offset_ <= BLOCK
                         : offset_ <= data_.size() && remaining_ <= data_.size() - offset_,
                "the CD-ROM's data position");
    }

private:
    struct Sense {
        uint8_t key = NO_SENSE, asc = 0, ascq = 0;
    };

    bool fail(uint8_t key, uint8_t asc, uint8_t ascq = 0);
    bool invalid_field() { return fail(ILLEGAL_REQUEST, 0x24); }
    // Makes the first `alloc` bytes of `data` (all of it if shorter) the command's data-in.
    bool reply(std::vector<uint8_t> data, size_t alloc);

    bool inquiry(const uint8_t* cdb);
    bool request_sense(const uint8_t* cdb);
    bool start_stop(const uint8_t* cdb);
    bool read_capacity();
    bool read(uint32_t lba, uint32_t count);
    bool mode_sense(const uint8_t* cdb);
    bool read_toc(const uint8_t* cdb);
    bool get_configuration(const uint8_t* cdb);
    bool event_status(const uint8_t* cdb);
    bool disc_information(const uint8_t* cdb);
    bool read_subchannel(const uint8_t* cdb);
    bool mechanism_status(const uint8_t* cdb);

    storage::DiskImage& image_;
    std::string serial_;
    uint32_t blocks_;
    Sense sense_;
    bool prevent_ = false;  // PREVENT ALLOW MEDIUM REMOVAL state (reported in page 2Ah)

    // The data-in of the command in progress: `data_` for replies built in memory, or blocks
    // read from the image from `lba_` on (`reading_`), staged one block at a time in `block_`.
    bool reading_ = false;
    std::vector<uint8_t> data_;
    size_t remaining_ = 0;
    size_t offset_ = 0;  // into data_, or into the staged block
    uint32_t lba_ = 0;
    std::vector<uint8_t> block_;
};

}  // namespace jitpc::devices
