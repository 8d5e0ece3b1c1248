// INT 10h: the video BIOS of a VGA in colour text mode (modes 2 and 3, 80x25, 8 pages at
// 0xB8000). All state a caller can observe lives where a real VGA BIOS keeps it: the BIOS Data
// Area and the CRTC registers, which are programmed through the port bus so the device sees
// them. Graphics modes, mode 7 (the device shows only the colour text buffer), the character
// generator and VBE are refused (Bios::unsupported: logged once, AH unchanged, CF=1 — INT 10h
// has no error convention, callers detect the missing feature from the unchanged registers,
// e.g. AX=4F00h stays 4F00h, not 004Fh).
#include <algorithm>
#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include "bios/bda.h"
#include "bios/bios.h"

namespace jitpc::bios {

namespace {

constexpr uint16_t TEXT_SEGMENT = 0xB800;
constexpr uint16_t COLUMNS = 80, ROWS = 25;
constexpr uint16_t PAGE_BYTES = 0x1000;  // 80 * 25 * 2 rounded up, as the BIOS pages them
constexpr uint8_t PAGES = 8;
constexpr uint8_t CHAR_HEIGHT = 16;
constexpr uint16_t CRTC = 0x3D4;
constexpr uint8_t CR_CURSOR_START = 0x0A, CR_CURSOR_END = 0x0B, CR_START_HI = 0x0C,
                  CR_CURSOR_HI = 0x0E;
constexpr uint16_t DEFAULT_CURSOR_SHAPE = 0x0607;  // CGA scan lines 6-7: an underline
constexpr uint8_t BLANK = 0x07;                    // light grey on black

// One text page's view of the BDA and the buffer, for the service being run.
class Screen {
public:
    Screen(RealModeCall& call, devices::IoBus& bus, uint8_t page, const TextMirror* mirror = nullptr)
        : call_(call), bus_(bus), page_(page % PAGES), mirror_(mirror) {}

    uint8_t page() const { return page_; }
    uint8_t active_page() { return bda8(bda::ACTIVE_PAGE); }

    struct Pos {
        uint8_t row, col;
    };
    Pos cursor() {
        const uint16_t v = call_.read<uint16_t>(bda::SEGMENT, bda::CURSOR_POS + 2 * page_);
        return {uint8_t(v >> 8), uint8_t(v)};
    }
    void set_cursor(Pos p) {
        call_.write<uint16_t>(bda::SEGMENT, bda::CURSOR_POS + 2 * page_,
                              uint16_t(p.row << 8 | p.col));
        if (page_ == active_page())
            crtc_word(CR_CURSOR_HI, uint16_t(page_ * PAGE_BYTES / 2 + p.row * COLUMNS + p.col));
    }

    uint16_t cell(uint8_t row, uint8_t col) {
        return call_.read<uint16_t>(TEXT_SEGMENT, offset(row, col));
    }
    void put(uint8_t row, uint8_t col, uint16_t cell) {
        call_.write<uint16_t>(TEXT_SEGMENT, offset(row, col), cell);
    }
    void put_char(uint8_t row, uint8_t col, uint8_t ch) {
        call_.write<uint8_t>(TEXT_SEGMENT, offset(row, col), ch);
    }

    // Moves the window's rows up (n > 0) or down (n < 0) by |n|, filling the uncovered rows
    // with blanks in `attr`; n = 0 or |n| > the window's height blanks the whole window.
    void scroll(int n, uint8_t attr, Pos top_left, Pos bottom_right) {
        const int top = top_left.row, left = top_left.col;
        const int bottom = std::min<int>(bottom_right.row, ROWS - 1);
        const int right = std::min<int>(bottom_right.col, COLUMNS - 1);
        if (top > bottom || left > right) return;
        const int height = bottom - top + 1;
        if (n == 0 || std::abs(n) >= height) n = height;
        const uint16_t blank = uint16_t(attr << 8 | ' ');
        auto move_row = [&](int row) {
            const int from = row + n;
            for (int col = left; col <= right; ++col)
                put(uint8_t(row), uint8_t(col),
                    from >= top && from <= bottom ? cell(uint8_t(from), uint8_t(col)) : blank);
        };
        if (n > 0)
            for (int row = top; row <= bottom; ++row) move_row(row);
        else
            for (int row = bottom; row >= top; --row) move_row(row);
    }

    // Teletype output: control characters move the cursor, others are written in `attr` or,
    // without one, keeping the cell's; the screen scrolls up at the bottom with the attribute
    // under the cursor.
    void teletype(uint8_t ch, std::optional<uint8_t> attr = std::nullopt) {
        if (mirror_ && *mirror_) (*mirror_)(ch);
        Pos p = cursor();
        switch (ch) {
        case '\a': return;
        case '\b':
            if (p.col > 0) --p.col;
            break;
        case '\r': p.col = 0; break;
        case '\n': ++p.row; break;
        default:
            if (attr)
                put(p.row, p.col, uint16_t(*attr << 8 | ch));
            else
                put_char(p.row, p.col, ch);
            if (++p.col == COLUMNS) {
                p.col = 0;
                ++p.row;
            }
        }
        if (p.row == ROWS) {
            p.row = ROWS - 1;
            scroll(1, uint8_t(cell(p.row, p.col) >> 8), {0, 0}, {ROWS - 1, COLUMNS - 1});
        }
        set_cursor(p);
    }

    uint8_t bda8(uint16_t off) { return call_.read<uint8_t>(bda::SEGMENT, off); }
    void crtc_word(uint8_t hi_index, uint16_t v) {
        crtc(hi_index, uint8_t(v >> 8));
        crtc(uint8_t(hi_index + 1), uint8_t(v));
    }
    void crtc(uint8_t index, uint8_t v) {
        bus_.io_write(CRTC, 1, index);
        bus_.io_write(CRTC + 1, 1, v);
    }

private:
    uint32_t offset(uint8_t row, uint8_t col) const {
        return page_ * PAGE_BYTES + (row * COLUMNS + col) * 2;
    }

    RealModeCall& call_;
    devices::IoBus& bus_;
    uint8_t page_;
    const TextMirror* mirror_;
};

// The CRTC cursor lines for a shape in BDA form (CH start, CL end). Shapes given in CGA terms
// (both lines below 8) are stretched onto the 16-line cell the way VGA BIOSes emulate them: the
// top half scales, lines in the bottom half keep their distance from the underline (line 14).
std::pair<uint8_t, uint8_t> cursor_lines(uint16_t shape) {
    uint8_t start = uint8_t(shape >> 8), end = uint8_t(shape) & 0x1F;
    const uint8_t lines = start & 0x1F;
    if (lines < 8 && end < 8) {
        auto stretch = [](uint8_t l) { return uint8_t(l < 4 ? l * 2 : l + CHAR_HEIGHT - 9); };
        start = uint8_t((start & 0x60) | stretch(lines));
        end = stretch(end);
    }
    return {start, end};
}

void set_cursor_shape(RealModeCall& call, Screen& s, uint16_t shape) {
    call.write<uint16_t>(bda::SEGMENT, bda::CURSOR_SHAPE, shape);
    const auto [start, end] = cursor_lines(shape);
    s.crtc(CR_CURSOR_START, start);
    s.crtc(CR_CURSOR_END, end);
}

void select_page(RealModeCall& call, devices::IoBus& bus, uint8_t page) {
    Screen s(call, bus, page);
    call.write<uint8_t>(bda::SEGMENT, bda::ACTIVE_PAGE, s.page());
    call.write<uint16_t>(bda::SEGMENT, bda::VIDEO_PAGE_OFFSET, uint16_t(s.page() * PAGE_BYTES));
    s.crtc_word(CR_START_HI, uint16_t(s.page() * PAGE_BYTES / 2));
    s.set_cursor(s.cursor());
}

// Modes 2 and 3 (the same on a VGA). AL bit 7 keeps the buffer's contents.
void set_text_mode(RealModeCall& call, devices::IoBus& bus, uint8_t mode, bool clear) {
    auto put8 = [&](uint16_t off, uint8_t v) { call.write<uint8_t>(bda::SEGMENT, off, v); };
    auto put16 = [&](uint16_t off, uint16_t v) { call.write<uint16_t>(bda::SEGMENT, off, v); };
    put8(bda::VIDEO_MODE, mode);
    put16(bda::VIDEO_COLUMNS, COLUMNS);
    put16(bda::VIDEO_PAGE_SIZE, PAGE_BYTES);
    put16(bda::CRTC_PORT, CRTC);
    put8(bda::MODE_CONTROL, 0x29);  // 80 columns, video on, blink
    put8(bda::PALETTE, 0x30);
    put8(bda::VIDEO_ROWS_MINUS_1, ROWS - 1);
    put16(bda::CHAR_HEIGHT, CHAR_HEIGHT);
    put8(bda::EGA_MISC, uint8_t(clear ? 0x60 : 0xE0));  // 256 KiB; bit 7: buffer kept
    put8(bda::VGA_FLAGS, 0x11);                         // 400 scan lines, VGA active
    for (uint8_t p = 0; p < PAGES; ++p) put16(uint16_t(bda::CURSOR_POS + 2 * p), 0);
    if (clear) {
        const std::vector<uint16_t> blank(PAGES * PAGE_BYTES / 2, uint16_t(BLANK << 8 | ' '));
        call.write(TEXT_SEGMENT, 0, blank.data(), PAGES * PAGE_BYTES);
    }
    select_page(call, bus, 0);
    Screen s(call, bus, 0);
    set_cursor_shape(call, s, DEFAULT_CURSOR_SHAPE);
}

// AX=1003h: bit 3 of the attribute controller's mode control register picks blink (1) or
// bright backgrounds (0); BDA 0x465 bit 5 mirrors it.
void set_blink(RealModeCall& call, devices::IoBus& bus, bool blink) {
    constexpr uint8_t AR_MODE = 0x10, PALETTE_SOURCE = 0x20, BLINK_BIT = 0x08;
    bus.io_read(0x3DA, 1);  // resets the index/data flip-flop
    bus.io_write(0x3C0, 1, AR_MODE | PALETTE_SOURCE);
    const uint8_t mode = uint8_t(bus.io_read(0x3C1, 1));
    bus.io_write(0x3C0, 1, blink ? (mode | BLINK_BIT) : (mode & ~BLINK_BIT));
    const uint8_t ctl = call.read<uint8_t>(bda::SEGMENT, bda::MODE_CONTROL);
    call.write<uint8_t>(bda::SEGMENT, bda::MODE_CONTROL, blink ? (ctl | 0x20) : (ctl & ~0x20));
}

// AH=13h: the string at ES:BP, CX characters (or character/attribute pairs when AL bit 1),
// written from (DH, DL) on page BH as teletype output; AL bit 0 leaves the cursor after it.
void write_string(RealModeCall& call, Screen& s) {
    const uint8_t mode = call.al(), attr = call.reg8(3);
    const uint16_t es = call.sreg(cpu::ES), bp = call.reg16(cpu::EBP);
    const Screen::Pos saved = s.cursor();
    s.set_cursor({call.reg8(6), call.reg8(2)});
    const bool pairs = mode & 2;
    for (uint16_t i = 0, n = call.reg16(cpu::ECX); i < n; ++i) {
        const uint16_t at = uint16_t(bp + (pairs ? 2 * i : i));
        const uint8_t ch = call.read<uint8_t>(es, at);
        const uint8_t a = pairs ? call.read<uint8_t>(es, uint16_t(at + 1)) : attr;
        s.teletype(ch, a);
    }
    if (!(mode & 1)) s.set_cursor(saved);
}

}  // namespace

void Bios::video(RealModeCall& call) {
    const uint8_t bh = call.reg8(7), bl = call.reg8(3);
    Screen page(call, bus_, bh, &cfg_.text_mirror);
    Screen active(call, bus_, call.read<uint8_t>(bda::SEGMENT, bda::ACTIVE_PAGE));
    switch (call.ah()) {
    case 0x00: {
        const uint8_t mode = call.al() & 0x7F;
        if (mode != 2 && mode != 3) return unsupported(call, 0x10, call.ah());
        return set_text_mode(call, bus_, mode, !(call.al() & 0x80));
    }
    case 0x01: return set_cursor_shape(call, active, call.reg16(cpu::ECX));
    case 0x02: return page.set_cursor({call.reg8(6), call.reg8(2)});
    case 0x03: {
        const Screen::Pos p = page.cursor();
        call.set_reg16(cpu::ECX, call.read<uint16_t>(bda::SEGMENT, bda::CURSOR_SHAPE));
        call.set_reg16(cpu::EDX, uint16_t(p.row << 8 | p.col));
        return;
    }
    case 0x05: return select_page(call, bus_, call.al());
    case 0x06:
    case 0x07: {
        const int n = call.al();
        return active.scroll(call.ah() == 0x06 ? n : -n, bh, {call.reg8(5), call.reg8(1)},
                             {call.reg8(6), call.reg8(2)});
    }
    case 0x08: {
        const Screen::Pos p = page.cursor();
        return call.set_reg16(cpu::EAX, page.cell(p.row, p.col));
    }
    case 0x09:
    case 0x0A: {
        // CX copies from the cursor on, wrapping onto following rows; the cursor stays.
        const Screen::Pos p = page.cursor();
        unsigned at = p.row * COLUMNS + p.col;
        for (uint16_t n = call.reg16(cpu::ECX); n > 0 && at < ROWS * COLUMNS; --n, ++at) {
            const uint8_t row = uint8_t(at / COLUMNS), col = uint8_t(at % COLUMNS);
            if (call.ah() == 0x09)
                page.put(row, col, uint16_t(bl << 8 | call.al()));
            else
                page.put_char(row, col, call.al());
        }
        return;
    }
    case 0x0E: return page.teletype(call.al());
    case 0x0F:
        call.set_ah(call.read<uint8_t>(bda::SEGMENT, bda::VIDEO_COLUMNS));
        call.set_al(call.read<uint8_t>(bda::SEGMENT, bda::VIDEO_MODE));
        call.set_reg8(7, active.page());
        return;
    case 0x10:
        if (call.al() == 0x03) return set_blink(call, bus_, bl != 0);
        return unsupported(call, 0x10, call.ah());
    case 0x12:
        if (bl != 0x10) return unsupported(call, 0x10, call.ah());
        call.set_reg16(cpu::EBX, 0x0003);  // colour, 256 KiB
        call.set_reg16(cpu::ECX, 0x0009);  // no feature bits; switches: EGA+ enhanced colour
        return;
    case 0x13: return write_string(call, page);
    case 0x1A:
        if (call.al() != 0x00) return unsupported(call, 0x10, call.ah());
        call.set_al(0x1A);
        call.set_reg16(cpu::EBX, 0x0008);  // active: VGA with colour display; no alternate
        return;
    default: return unsupported(call, 0x10, call.ah());
    }
}

}  // namespace jitpc::bios
