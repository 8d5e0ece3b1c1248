// VGA in 80x25 colour text mode, as the BIOS, boot loaders and Linux's vgacon drive it.
//
// The text buffer is not emulated by this device: 0xB8000-0xBFFFF is ordinary guest RAM (so
// guest stores take the TLB fast path and never trap), and the renderer reads the cells from
// PhysMemory when asked. The ports hold the register files: CRTC (0x3D4/0x3D5, or 0x3B4/0x3B5
// while Misc Output bit 0 is clear), Misc Output, Input Status 1, attribute controller,
// sequencer, graphics controller and DAC. Only the registers the text view depends on (start
// address, cursor, maximum scan line) have an effect; the rest are storage.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "devices/io_bus.h"
#include "memory/physmem.h"

namespace jitpc::devices {

class VgaText : public PortDevice {
public:
    static constexpr uint32_t TEXT_BASE = 0xB8000;
    static constexpr uint32_t TEXT_BYTES = 0x8000;
    static constexpr unsigned COLS = 80;
    static constexpr unsigned ROWS = 25;

    explicit VgaText(memory::PhysMemory& mem);

    // Claims 0x3B4/0x3B5, 0x3BA, 0x3C0-0x3CF, 0x3D4/0x3D5 and 0x3DA.
    void claim_ports(IoBus& bus);

    // Byte accesses hit one register; 16- and 32-bit ones are split into consecutive byte
    // accesses (`out dx, ax` to 0x3D4 writes the index, then the data).
    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;

    struct Cell {
        uint8_t ch;
        uint8_t attr;
    };
    struct Cursor {
        unsigned row;
        unsigned col;
        bool visible;
    };

    // The cell at (row, col) of the screen that starts at the CRTC start address.
    Cell cell(unsigned row, unsigned col) const;
    // The 25 rows as UTF-8, each character through code page 437 (NUL shows as a space).
    std::vector<std::string> text_rows() const;
    // The cursor relative to the start address; not visible when disabled (CRTC 0x0A bit 5),
    // when its start line is below its end or the character height, or when off screen.
    Cursor cursor() const;

    // Its state for snapshots (snapshot/archive.h).
    template <class A> void snapshot(A& a) {
        a(crtc_, attr_, seq_, gc_, dac_, crtc_index_, attr_index_, seq_index_, gc_index_, attr_data_next_, misc_,
          pel_mask_, dac_read_, dac_write_, dac_sub_, dac_reading_, dac_latch_, status_reads_);
        a.check(dac_sub_ < 3 && crtc_index_ < 0x20 && attr_index_ < 0x40 && seq_index_ < 8 && gc_index_ < 16,
                "a VGA register index");
    }

private:
    uint8_t read_byte(uint16_t port);
    void write_byte(uint16_t port, uint8_t v);
    bool colour() const { return misc_ & 1; }
    // The CRTC and Input Status 1 answer only at the base Misc Output bit 0 selects.
    bool crtc_base_selected(uint16_t port) const { return ((port & 0xF0) == 0xD0) == colour(); }
    uint8_t input_status();
    uint16_t crtc_word(unsigned hi) const { return uint16_t(crtc_[hi] << 8 | crtc_[hi + 1]); }

    memory::PhysMemory& mem_;
    std::array<uint8_t, 0x19> crtc_{};
    std::array<uint8_t, 0x15> attr_{};
    std::array<uint8_t, 5> seq_{};
    std::array<uint8_t, 9> gc_{};
    std::array<uint8_t, 768> dac_{};
    uint8_t crtc_index_ = 0, attr_index_ = 0, seq_index_ = 0, gc_index_ = 0;
    bool attr_data_next_ = false;  // the attribute controller's index/data flip-flop
    uint8_t misc_ = 0x67;
    uint8_t pel_mask_ = 0xFF;
    uint8_t dac_read_ = 0, dac_write_ = 0, dac_sub_ = 0;
    bool dac_reading_ = false;
    std::array<uint8_t, 3> dac_latch_{};
    uint32_t status_reads_ = 0;
};

}  // namespace jitpc::devices
