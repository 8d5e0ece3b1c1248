// BIOS Data Area fields (segment 0040h, linear 0x400), as offsets from its start, shared by
// every service that reads or writes them. The layout is the one every PC BIOS since the AT
// has used.
#pragma once

#include <cstdint>

namespace jitpc::bios::bda {

constexpr uint16_t SEGMENT = 0x40;
constexpr uint32_t BASE = 0x400;

constexpr uint16_t COM_PORTS = 0x00;        // 4 words: COM1-COM4 I/O bases
constexpr uint16_t LPT_PORTS = 0x08;        // 3 words: LPT1-LPT3 I/O bases
constexpr uint16_t EBDA_SEGMENT = 0x0E;     // word
constexpr uint16_t EQUIPMENT = 0x10;        // word (INT 11h)
constexpr uint16_t BASE_MEMORY_KIB = 0x13;  // word (INT 12h)
// Keyboard.
constexpr uint16_t KBD_FLAGS1 = 0x17, KBD_FLAGS2 = 0x18;
constexpr uint16_t KBD_HEAD = 0x1A, KBD_TAIL = 0x1C;          // offsets from 0x400 into the ring
constexpr uint16_t KBD_BUFFER = 0x1E, KBD_BUFFER_END = 0x3E;  // the default ring
constexpr uint16_t KBD_START = 0x80, KBD_END = 0x82;          // the ring actually in use
constexpr uint16_t KBD_FLAGS3 = 0x96;
// Video.
constexpr uint16_t VIDEO_MODE = 0x49, VIDEO_COLUMNS = 0x4A, VIDEO_PAGE_SIZE = 0x4C,
                   VIDEO_PAGE_OFFSET = 0x4E, CURSOR_POS = 0x50, CURSOR_SHAPE = 0x60,
                   ACTIVE_PAGE = 0x62, CRTC_PORT = 0x63, MODE_CONTROL = 0x65, PALETTE = 0x66,
                   VIDEO_ROWS_MINUS_1 = 0x84, CHAR_HEIGHT = 0x85, EGA_MISC = 0x87,
                   VGA_FLAGS = 0x89;
// Clock.
constexpr uint16_t TICKS = 0x6C, MIDNIGHT = 0x70;
// Disks.
constexpr uint16_t HARD_DISK_COUNT = 0x75;  // byte

// Equipment word (0x410) bits.
constexpr uint16_t EQ_FLOPPY_PRESENT = 1u << 0;
constexpr uint16_t EQ_X87 = 1u << 1;
constexpr uint16_t EQ_VIDEO_80X25_COLOUR = 2u << 4;
constexpr unsigned EQ_FLOPPY_COUNT_SHIFT = 6;  // drives - 1, 2 bits
constexpr unsigned EQ_SERIAL_COUNT_SHIFT = 9;  // 3 bits

}  // namespace jitpc::bios::bda
