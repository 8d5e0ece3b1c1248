// BIOS Data Area (segment 0x40, linear 0x400): the offsets of the fields this BIOS keeps.
// Shared by every service that reads or writes them; the layout is the IBM PC/AT one.
#pragma once

#include <cstdint>

namespace jitpc::bios::bda {

constexpr uint32_t BASE = 0x400;

constexpr uint32_t COM_PORTS = 0x00;        // 4 words: COM1-COM4 I/O bases
constexpr uint32_t LPT_PORTS = 0x08;        // 3 words: LPT1-LPT3 I/O bases
constexpr uint32_t EBDA_SEGMENT = 0x0E;     // word
constexpr uint32_t EQUIPMENT = 0x10;        // word (INT 11h)
constexpr uint32_t BASE_MEMORY_KIB = 0x13;  // word (INT 12h)
constexpr uint32_t KBD_FLAGS = 0x17;        // 2 bytes: shift/toggle state
constexpr uint32_t KBD_HEAD = 0x1A;         // word: offset from 0x400 of the next key
constexpr uint32_t KBD_TAIL = 0x1C;         // word: offset from 0x400 of the next free slot
constexpr uint32_t KBD_BUFFER = 0x1E;       // 16 words
constexpr uint32_t KBD_BUFFER_END = 0x3E;
constexpr uint32_t VIDEO_MODE = 0x49;       // byte
constexpr uint32_t VIDEO_COLUMNS = 0x4A;    // word
constexpr uint32_t VIDEO_PAGE_SIZE = 0x4C;  // word, bytes
constexpr uint32_t VIDEO_PAGE_START = 0x4E; // word, offset in video memory
constexpr uint32_t CURSOR_POS = 0x50;       // 8 words: (row << 8) | column per page
constexpr uint32_t CURSOR_SHAPE = 0x60;     // word: end line, start line
constexpr uint32_t VIDEO_PAGE = 0x62;       // byte: active page
constexpr uint32_t CRTC_BASE = 0x63;        // word: 0x3D4 colour, 0x3B4 mono
constexpr uint32_t VIDEO_MODE_CTRL = 0x65;  // byte: last value written to port 0x3D8
constexpr uint32_t VIDEO_PALETTE = 0x66;    // byte: last value written to port 0x3D9
constexpr uint32_t TICKS = 0x6C;            // dword: IRQ 0 ticks since midnight
constexpr uint32_t MIDNIGHT = 0x70;         // byte: day rollover flag
constexpr uint32_t HARD_DISK_COUNT = 0x75;  // byte
constexpr uint32_t KBD_BUFFER_START_PTR = 0x80;  // word: offset from 0x400 of the buffer
constexpr uint32_t KBD_BUFFER_END_PTR = 0x82;    // word
constexpr uint32_t VIDEO_ROWS_MINUS_1 = 0x84;    // byte
constexpr uint32_t CHAR_HEIGHT = 0x85;           // word: scan lines per character

// Equipment word (0x410) bits.
constexpr uint16_t EQ_FLOPPY_PRESENT = 1u << 0;
constexpr uint16_t EQ_X87 = 1u << 1;
constexpr uint16_t EQ_VIDEO_80X25_COLOUR = 2u << 4;
constexpr unsigned EQ_FLOPPY_COUNT_SHIFT = 6;  // drives - 1, 2 bits
constexpr unsigned EQ_SERIAL_COUNT_SHIFT = 9;  // 3 bits

}  // namespace jitpc::bios::bda
