// One ATA (IDE) channel as the PIIX3 decodes it in legacy mode: the task-file ports base..base+7,
// the device control / alternate status port, one IRQ line, and up to two hard disks (device 0
// "master" and device 1 "slave") in PIO mode, each a hard disk or an ATAPI CD-ROM. This file is the
// ATA side of both: the task file, the ATA commands, the PIO protocols and, for a CD-ROM, the
// PACKET protocol (devices/atapi.h runs the command packets themselves).
//
// Commands complete immediately in virtual time: BSY is never seen after a command write; a PIO
// read has its first block in the buffer (DRQ set, IRQ raised) when the command write returns,
// and each block written is on the image when the write of its last word returns.
//
// Both devices see every task-file write, so the registers are kept once per channel; status,
// error and the data transfer belong to the device that ran the command. The one exception is
// the signature a reset leaves: each device shows its own until the next task-file write, so a
// disk and a CD-ROM on one channel are told apart, while an absent device 1 shows a disk's
// signature with status and error 00h, which drivers take for "no device".
//
// A packet device (CD-ROM) differs from a disk in what the task file says: its signature is
// LBA mid/high 14h/EBh with DRDY clear (the ATA/ATAPI rule for packet devices after a reset),
// it aborts IDENTIFY DEVICE leaving the signature in place, and it answers IDENTIFY PACKET
// DEVICE, PACKET (PIO only), DEVICE RESET, SET FEATURES and the power-management commands.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "devices/atapi.h"
#include "devices/io_bus.h"
#include "devices/irq_line.h"
#include "storage/disk_image.h"

namespace jitpc::devices {

class AtaChannel : public PortDevice {
public:

    // What is attached as one device: nothing (null image), a hard disk, or a CD-ROM.
    struct Slot {
        Slot(storage::DiskImage* image = nullptr, bool cdrom = false) : image(image), cdrom(cdrom) {}
        storage::DiskImage* image;
        bool cdrom;
    };

    // The images must outlive the channel. Throws std::runtime_error when a CD-ROM image is not
    // a whole number of 2048-byte blocks.
    AtaChannel(uint16_t cmd_base, uint16_t ctl_port, IrqLine irq, Slot master, Slot slave);

    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;

    // Hardware reset (RESET-): both devices return to their power-on state with the signature
    // in the task file.
    void reset();

    // Status bits.
    static constexpr uint8_t BSY = 0x80, DRDY = 0x40, DF = 0x20, DSC = 0x10, DRQ = 0x08,
                             ERR = 0x01;
    // Interrupt reason (sector count register) of the PACKET protocol.
    static constexpr uint8_t COD = 0x01, IO = 0x02;
    // Error bits.
    static constexpr uint8_t UNC = 0x40, IDNF = 0x10, ABRT = 0x04;
    // Device control bits.
    static constexpr uint8_t HOB = 0x80, SRST = 0x04, NIEN = 0x02;

    // Its state for snapshots (snapshot/archive.h).
    template <class A> void snapshot(A& a) {
        for (Disk& d : disks_) {
            a(d.status, d.error, d.cylinders, d.heads, d.spt, d.cur_cylinders, d.cur_heads, d.cur_spt, d.multiple,
              d.standby, d.signature);
            if (d.cdrom) d.cdrom->snapshot(a);
        }
        int active = active_ ? int(active_ - disks_.data()) : -1;
        a(feature_, count_, lba_low_, lba_mid_, lba_high_, device_, control_, intrq_, line_, phase_, active, mode_, buf_,
          pos_, lba_, remaining_, block_, media_, byte_limit_);
        a.check(active >= -1 && active < 2, "the IDE transfer's device");
        active_ = active >= 0 ? &disks_[size_t(active)] : nullptr;
        if constexpr (A::loading) a.check(consistent(), "the IDE channel's transfer state");
    }

private:
    enum class Phase { Idle, PioIn, PioOut, PacketCdb, PacketIn };
    enum class Addressing { Chs, Lba28, Lba48 };

    struct Disk {
        storage::DiskImage* image = nullptr;
        uint8_t status = 0;
        uint8_t error = 0;
        // Geometry: the default one IDENTIFY reports, and the one INITIALIZE DEVICE PARAMETERS set.
        uint16_t cylinders = 0, heads = 0, spt = 0;
        uint16_t cur_cylinders = 0, cur_heads = 0, cur_spt = 0;
        uint8_t multiple = 0;  // sectors per block for READ/WRITE MULTIPLE; 0 = disabled
        bool standby = false;
        bool signature = false;  // the reset signature is still in this device's task file
        std::unique_ptr<AtapiCdrom> cdrom;  // set for a packet device
    };

    // A register written twice keeps the older value as its "high order byte" (HOB) for LBA48.
    struct Reg {
        uint8_t cur = 0, prev = 0;
        void write(uint8_t v) { prev = cur, cur = v; }
    };

    // After a load: the geometry, the transfer's phase, buffer and position fit together.
    bool consistent() const;
    Disk& selected() { return disks_[(device_ >> 4) & 1]; }
    bool present() { return selected().image != nullptr; }
    uint8_t read_reg(unsigned reg);
    void write_reg(unsigned reg, uint8_t v);
    void write_control(uint8_t v);
    void signature(Disk& d);
    void reset_task_file();
    uint8_t signature_reg(const Disk& d, unsigned reg) const;
    static uint8_t ready(const Disk& d) { return d.cdrom ? DRDY : DRDY | DSC; }
    void update_irq();
    void raise_irq();

    void execute(uint8_t cmd);
    void complete(Disk& d, uint8_t error = 0);
    void identify(Disk& d);
    void send_identify(Disk& d, std::array<uint16_t, 256>& id);
    void set_features(Disk& d);
    void set_multiple(Disk& d);
    void init_params(Disk& d);
    void start_rw(Disk& d, Addressing mode, bool write, unsigned block);
    void set_address(uint64_t lba);
    void next_block(Disk& d);
    void block_done(Disk& d);

    void packet_device_command(Disk& d, uint8_t cmd);
    void identify_packet(Disk& d);
    void start_packet(Disk& d);
    void packet_block_done(Disk& d);
    void packet_data(Disk& d);
    void packet_status(Disk& d);

    uint16_t data_read();
    void data_write(uint16_t w);

    uint16_t cmd_base_, ctl_port_;
    IrqLine irq_;
    std::array<Disk, 2> disks_;

    Reg feature_, count_, lba_low_, lba_mid_, lba_high_;
    uint8_t device_ = 0;
    uint8_t control_ = 0;
    bool intrq_ = false;
    bool line_ = false;

    // The PIO transfer in progress: `buf_` holds the current block.
    Phase phase_ = Phase::Idle;
    Disk* active_ = nullptr;
    Addressing mode_ = Addressing::Lba28;
    std::vector<uint8_t> buf_;
    size_t pos_ = 0;
    uint64_t lba_ = 0;        // next sector to transfer
    uint64_t remaining_ = 0;  // sectors left, including the current block
    unsigned block_ = 1;      // sectors per DRQ block
    bool media_ = false;      // the buffer maps to sectors (false: IDENTIFY data)
    uint16_t byte_limit_ = 0; // PACKET: the host's byte count limit per DRQ block (even)
};

}  // namespace jitpc::devices
