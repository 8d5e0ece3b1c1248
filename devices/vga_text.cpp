#include "devices/vga_text.h"

#include <algorithm>

namespace jitpc::devices {

namespace {

// Power-on register files hold the standard mode 3 values (80x25, 9x16 cells), so a screen
// written before any BIOS mode set is laid out as the BIOS's own would be.
constexpr std::array<uint8_t, 0x19> MODE3_CRTC = {0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF,
                                                  0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00,
                                                  0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F,
                                                  0x96, 0xB9, 0xA3, 0xFF};
constexpr std::array<uint8_t, 0x15> MODE3_ATTR = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14,
                                                  0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D,
                                                  0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08, 0x00};
constexpr std::array<uint8_t, 5> MODE3_SEQ = {0x03, 0x00, 0x03, 0x00, 0x02};
constexpr std::array<uint8_t, 9> MODE3_GC = {0x00, 0x00, 0x00, 0x00, 0x00,
                                             0x10, 0x0E, 0x00, 0xFF};

enum : uint8_t {
    CR_MAX_SCAN = 0x09,
    CR_CURSOR_START = 0x0A,
    CR_CURSOR_END = 0x0B,
    CR_START_HI = 0x0C,
    CR_CURSOR_HI = 0x0E,
    CR_OVERFLOW = 0x07,
    CR_VRETRACE_END = 0x11,
};
constexpr uint8_t CURSOR_DISABLE = 0x20;
constexpr uint8_t CRTC_PROTECT = 0x80;  // CR11 bit 7: CR00-CR07 read-only (CR07 bit 4 excepted)
constexpr uint8_t OVERFLOW_LINE_COMPARE_8 = 0x10;

// Input Status 1 follows a fixed pattern over successive reads (period 8, no clock): display
// enable toggles every read and the last two reads of each period are vertical retrace, so
// both "wait for retrace" and "wait for the end of retrace" loops finish.
constexpr unsigned STATUS_PERIOD = 8;
constexpr unsigned STATUS_VRETRACE_FROM = 6;

// Unicode for CP437 0x00-0x1F, 0x7F and 0x80-0xFF; 0x20-0x7E are ASCII. NUL and 0xFF (a
// non-breaking space) show as plain spaces.
constexpr char16_t CP437_LOW[32] = {
    u' ',     u'\u263A', u'\u263B', u'\u2665', u'\u2666', u'\u2663', u'\u2660', u'\u2022',
    u'\u25D8', u'\u25CB', u'\u25D9', u'\u2642', u'\u2640', u'\u266A', u'\u266B', u'\u263C',
    u'\u25BA', u'\u25C4', u'\u2195', u'\u203C', u'\u00B6', u'\u00A7', u'\u25AC', u'\u21A8',
    u'\u2191', u'\u2193', u'\u2192', u'\u2190', u'\u221F', u'\u2194', u'\u25B2', u'\u25BC'};
constexpr char16_t CP437_DEL = u'\u2302';
constexpr char16_t CP437_HIGH[128] = {
    u'\u00C7', u'\u00FC', u'\u00E9', u'\u00E2', u'\u00E4', u'\u00E0', u'\u00E5', u'\u00E7',
    u'\u00EA', u'\u00EB', u'\u00E8', u'\u00EF', u'\u00EE', u'\u00EC', u'\u00C4', u'\u00C5',
    u'\u00C9', u'\u00E6', u'\u00C6', u'\u00F4', u'\u00F6', u'\u00F2', u'\u00FB', u'\u00F9',
    u'\u00FF', u'\u00D6', u'\u00DC', u'\u00A2', u'\u00A3', u'\u00A5', u'\u20A7', u'\u0192',
    u'\u00E1', u'\u00ED', u'\u00F3', u'\u00FA', u'\u00F1', u'\u00D1', u'\u00AA', u'\u00BA',
    u'\u00BF', u'\u2310', u'\u00AC', u'\u00BD', u'\u00BC', u'\u00A1', u'\u00AB', u'\u00BB',
    u'\u2591', u'\u2592', u'\u2593', u'\u2502', u'\u2524', u'\u2561', u'\u2562', u'\u2556',
    u'\u2555', u'\u2563', u'\u2551', u'\u2557', u'\u255D', u'\u255C', u'\u255B', u'\u2510',
    u'\u2514', u'\u2534', u'\u252C', u'\u251C', u'\u2500', u'\u253C', u'\u255E', u'\u255F',
    u'\u255A', u'\u2554', u'\u2569', u'\u2566', u'\u2560', u'\u2550', u'\u256C', u'\u2567',
    u'\u2568', u'\u2564', u'\u2565', u'\u2559', u'\u2558', u'\u2552', u'\u2553', u'\u256B',
    u'\u256A', u'\u2518', u'\u250C', u'\u2588', u'\u2584', u'\u258C', u'\u2590', u'\u2580',
    u'\u03B1', u'\u00DF', u'\u0393', u'\u03C0', u'\u03A3', u'\u03C3', u'\u00B5', u'\u03C4',
    u'\u03A6', u'\u0398', u'\u03A9', u'\u03B4', u'\u221E', u'\u03C6', u'\u03B5', u'\u2229',
    u'\u2261', u'\u00B1', u'\u2265', u'\u2264', u'\u2320', u'\u2321', u'\u00F7', u'\u2248',
    u'\u00B0', u'\u2219', u'\u00B7', u'\u221A', u'\u207F', u'\u00B2', u'\u25A0', u' '};

char16_t cp437(uint8_t c) {
    if (c < 0x20) return CP437_LOW[c];
    if (c < 0x7F) return c;
    if (c == 0x7F) return CP437_DEL;
    return CP437_HIGH[c - 0x80];
}

// All CP437 glyphs lie in the Basic Multilingual Plane, so at most three UTF-8 bytes.
void append_utf8(std::string& s, char16_t u) {
    if (u < 0x80) {
        s += char(u);
    } else if (u < 0x800) {
        s += char(0xC0 | u >> 6);
        s += char(0x80 | (u & 0x3F));
    } else {
        s += char(0xE0 | u >> 12);
        s += char(0x80 | (u >> 6 & 0x3F));
        s += char(0x80 | (u & 0x3F));
    }
}

// An index register selects a slot of `regs`; slots past its end read 0 and drop writes.
template <size_t N>
uint8_t read_indexed(const std::array<uint8_t, N>& regs, uint8_t index) {
    return index < N ? regs[index] : 0;
}
template <size_t N>
void write_indexed(std::array<uint8_t, N>& regs, uint8_t index, uint8_t v) {
    if (index < N) regs[index] = v;
}

}  // namespace

VgaText::VgaText(memory::PhysMemory& mem)
    : mem_(mem), crtc_(MODE3_CRTC), attr_(MODE3_ATTR), seq_(MODE3_SEQ), gc_(MODE3_GC) {}

void VgaText::claim_ports(IoBus& bus) {
    bus.claim(0x3B4, 2, this);
    bus.claim(0x3BA, 1, this);
    bus.claim(0x3C0, 16, this);
    bus.claim(0x3D4, 2, this);
    bus.claim(0x3DA, 1, this);
}

uint32_t VgaText::port_read(uint16_t port, unsigned size) {
    uint32_t v = 0;
    for (unsigned i = 0; i < size; ++i) v |= uint32_t(read_byte(uint16_t(port + i))) << (8 * i);
    return v;
}

void VgaText::port_write(uint16_t port, unsigned size, uint32_t value) {
    for (unsigned i = 0; i < size; ++i) write_byte(uint16_t(port + i), uint8_t(value >> (8 * i)));
}

uint8_t VgaText::input_status() {
    attr_data_next_ = false;
    const unsigned phase = status_reads_++ % STATUS_PERIOD;
    const bool vretrace = phase >= STATUS_VRETRACE_FROM;
    return uint8_t((vretrace ? 0x08 : 0) | ((vretrace || (phase & 1)) ? 0x01 : 0));
}

uint8_t VgaText::read_byte(uint16_t port) {
    switch (port) {
    case 0x3B4:
    case 0x3D4:
        return crtc_base_selected(port) ? crtc_index_ : 0xFF;
    case 0x3B5:
    case 0x3D5:
        return crtc_base_selected(port) ? read_indexed(crtc_, crtc_index_) : 0xFF;
    case 0x3BA:
    case 0x3DA:
        return crtc_base_selected(port) ? input_status() : 0xFF;
    case 0x3C0:
        return attr_index_;
    case 0x3C1:
        return read_indexed(attr_, attr_index_ & 0x1F);
    case 0x3C2:  // Input Status 0: no switch sense, no vertical retrace interrupt
        return 0x00;
    case 0x3C4:
        return seq_index_;
    case 0x3C5:
        return read_indexed(seq_, seq_index_);
    case 0x3C6:
        return pel_mask_;
    case 0x3C7:
        return dac_reading_ ? 0x03 : 0x00;
    case 0x3C8:
        return dac_write_;
    case 0x3C9: {
        const uint8_t v = dac_[dac_read_ * 3 + dac_sub_];
        if (++dac_sub_ == 3) {
            dac_sub_ = 0;
            ++dac_read_;
        }
        return v;
    }
    case 0x3CC:
        return misc_;
    case 0x3CE:
        return gc_index_;
    case 0x3CF:
        return read_indexed(gc_, gc_index_);
    default:  // 0x3C3, 0x3CA (feature control reads 0 too), 0x3CB, 0x3CD
        return port == 0x3CA ? 0x00 : 0xFF;
    }
}

void VgaText::write_byte(uint16_t port, uint8_t v) {
    switch (port) {
    case 0x3B4:
    case 0x3D4:
        if (crtc_base_selected(port)) crtc_index_ = v & 0x1F;
        return;
    case 0x3B5:
    case 0x3D5: {
        if (!crtc_base_selected(port) || crtc_index_ >= crtc_.size()) return;
        if ((crtc_[CR_VRETRACE_END] & CRTC_PROTECT) && crtc_index_ <= CR_OVERFLOW) {
            if (crtc_index_ == CR_OVERFLOW)
                crtc_[CR_OVERFLOW] = uint8_t((crtc_[CR_OVERFLOW] & ~OVERFLOW_LINE_COMPARE_8) |
                                             (v & OVERFLOW_LINE_COMPARE_8));
            return;
        }
        crtc_[crtc_index_] = v;
        return;
    }
    case 0x3C0:
        if (attr_data_next_)
            write_indexed(attr_, attr_index_ & 0x1F, v);
        else
            attr_index_ = v & 0x3F;  // bit 5 is the palette address source, stored with it
        attr_data_next_ = !attr_data_next_;
        return;
    case 0x3C2:
        misc_ = v;
        return;
    case 0x3C4:
        seq_index_ = v & 0x07;
        return;
    case 0x3C5:
        write_indexed(seq_, seq_index_, v);
        return;
    case 0x3C6:
        pel_mask_ = v;
        return;
    case 0x3C7:
        dac_read_ = v;
        dac_sub_ = 0;
        dac_reading_ = true;
        return;
    case 0x3C8:
        dac_write_ = v;
        dac_sub_ = 0;
        dac_reading_ = false;
        return;
    case 0x3C9:
        // The DAC keeps 6 bits per component and takes an entry once all three arrived.
        dac_latch_[dac_sub_] = v & 0x3F;
        if (++dac_sub_ == 3) {
            dac_sub_ = 0;
            std::copy(dac_latch_.begin(), dac_latch_.end(), dac_.begin() + dac_write_ * 3);
            ++dac_write_;
        }
        return;
    case 0x3CE:
        gc_index_ = v & 0x0F;
        return;
    case 0x3CF:
        write_indexed(gc_, gc_index_, v);
        return;
    default:  // 0x3BA/0x3DA feature control, 0x3C1, 0x3C3, 0x3CA-0x3CD: nothing to keep
        return;
    }
}

VgaText::Cell VgaText::cell(unsigned row, unsigned col) const {
    // The start address counts character cells; the view wraps within the 32 KiB window.
    const uint32_t offset = ((crtc_word(CR_START_HI) + row * COLS + col) * 2) % TEXT_BYTES;
    uint8_t bytes[2];
    mem_.read_bytes(TEXT_BASE + offset, bytes, 2);
    return {bytes[0], bytes[1]};
}

std::vector<std::string> VgaText::text_rows() const {
    std::vector<std::string> rows(ROWS);
    for (unsigned r = 0; r < ROWS; ++r)
        for (unsigned c = 0; c < COLS; ++c) append_utf8(rows[r], cp437(cell(r, c).ch));
    return rows;
}

VgaText::Cursor VgaText::cursor() const {
    const unsigned pos = uint16_t(crtc_word(CR_CURSOR_HI) - crtc_word(CR_START_HI));
    const uint8_t start = crtc_[CR_CURSOR_START], end = crtc_[CR_CURSOR_END] & 0x1F;
    const bool shown = !(start & CURSOR_DISABLE) && (start & 0x1F) <= end &&
                       (start & 0x1F) <= (crtc_[CR_MAX_SCAN] & 0x1F) && pos < ROWS * COLS;
    return {pos / COLS, pos % COLS, shown};
}

}  // namespace jitpc::devices
