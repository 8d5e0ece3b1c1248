#include "frontend/terminal_display.h"

#include <algorithm>
#include <vector>

namespace jitpc::frontend {

namespace {

// VGA colour numbers (blue = 1, red = 4) to ANSI ones (red = 1, blue = 4).
constexpr uint8_t ANSI_COLOUR[8] = {0, 4, 2, 6, 1, 5, 3, 7};

// Splits a row of text_rows() into its cells: one UTF-8 code point each.
void split_cells(const std::string& row, std::string* cells, unsigned count) {
    unsigned cell = 0;
    for (size_t i = 0; i < row.size() && cell < count; ++cell) {
        size_t len = 1;
        while (i + len < row.size() && (uint8_t(row[i + len]) & 0xC0) == 0x80) ++len;
        cells[cell] = row.substr(i, len);
        i += len;
    }
}

}  // namespace

TerminalDisplay::TerminalDisplay(std::FILE* out) : out_(out) {}

TerminalDisplay::~TerminalDisplay() { park_cursor(); }

// Default colours, the cursor visible again and below the screen for what follows.
void TerminalDisplay::park_cursor() {
    if (!drawn_ || finished_) return;
    finished_ = true;
    std::fprintf(out_, "\x1b[0m\x1b[?25h\x1b[%u;1H\n", devices::VgaText::ROWS + 1);
    std::fflush(out_);
}

void TerminalDisplay::finish(const devices::VgaText& vga) {
    refresh(vga, true);
    park_cursor();
}

std::string TerminalDisplay::sgr(uint8_t attr) {
    const unsigned fg = ANSI_COLOUR[attr & 7], bg = ANSI_COLOUR[(attr >> 4) & 7];
    return "\x1b[0;" + std::to_string(attr & 8 ? 90 + fg : 30 + fg) + ";" + std::to_string(40 + bg) + "m";
}

void TerminalDisplay::refresh(const devices::VgaText& vga, bool now) {
    if (finished_) return;
    const auto host_now = std::chrono::steady_clock::now();
    if (!now && drawn_ && host_now - last_frame_ < FRAME_INTERVAL) return;
    using devices::VgaText;
    std::array<VgaText::Cell, CELLS> cells;
    for (unsigned r = 0; r < VgaText::ROWS; ++r)
        for (unsigned c = 0; c < VgaText::COLS; ++c) cells[r * VgaText::COLS + c] = vga.cell(r, c);
    const VgaText::Cursor cursor = vga.cursor();
    const auto same_cell = [](VgaText::Cell a, VgaText::Cell b) { return a.ch == b.ch && a.attr == b.attr; };
    if (drawn_ && std::equal(cells.begin(), cells.end(), shown_.begin(), same_cell) &&
        cursor.row == shown_cursor_.row && cursor.col == shown_cursor_.col &&
        cursor.visible == shown_cursor_.visible)
        return;
    last_frame_ = host_now;
    std::string frame = drawn_ ? "\x1b[?25l\x1b[H" : "\x1b[?25l\x1b[H\x1b[2J";
    const std::vector<std::string> rows = vga.text_rows();
    std::string glyphs[VgaText::COLS];
    for (unsigned r = 0; r < VgaText::ROWS; ++r) {
        split_cells(rows[r], glyphs, VgaText::COLS);
        frame += "\x1b[" + std::to_string(r + 1) + ";1H";
        int attr = -1;
        for (unsigned c = 0; c < VgaText::COLS; ++c) {
            const uint8_t a = cells[r * VgaText::COLS + c].attr;
            if (a != attr) frame += sgr(a);
            attr = a;
            frame += glyphs[c];
        }
    }
    frame += "\x1b[0m\x1b[" + std::to_string(cursor.row + 1) + ";" + std::to_string(cursor.col + 1) + "H";
    if (cursor.visible) frame += "\x1b[?25h";
    std::fwrite(frame.data(), 1, frame.size(), out_);
    std::fflush(out_);
    shown_ = cells;
    shown_cursor_ = cursor;
    drawn_ = true;
}

}  // namespace jitpc::frontend
