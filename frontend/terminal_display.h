// The VGA text screen drawn in the host terminal (the display unless -nographic; QEMU's
// `-display curses` in spirit): 80x25 cells, characters through code page 437 as UTF-8, the
// attribute's foreground and background as ANSI colours (bright foregrounds as the 90-97
// colours; the blink bit is not shown) and the hardware cursor. A frame is drawn when the
// screen or cursor changed and at least FRAME_INTERVAL of host time has passed since the last
// one, or at once when asked; drawing only reads the text page, so it cannot change what the
// guest does. The last frame stays on the terminal at exit, with the host cursor below it.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "machine/host_display.h"

namespace jitpc::frontend {

class TerminalDisplay : public machine::HostDisplay {
public:
    explicit TerminalDisplay(std::FILE* out);
    ~TerminalDisplay() override;
    TerminalDisplay(const TerminalDisplay&) = delete;
    TerminalDisplay& operator=(const TerminalDisplay&) = delete;

    void refresh(const devices::VgaText& vga, bool now) override;
    void finish(const devices::VgaText& vga) override;

    // The ANSI SGR sequence for a VGA attribute byte (exposed for tests).
    static std::string sgr(uint8_t attr);

private:
    void park_cursor();

    static constexpr std::chrono::milliseconds FRAME_INTERVAL{33};
    static constexpr unsigned CELLS = devices::VgaText::ROWS * devices::VgaText::COLS;

    std::FILE* out_;
    std::chrono::steady_clock::time_point last_frame_{};
    bool drawn_ = false;
    bool finished_ = false;
    std::array<devices::VgaText::Cell, CELLS> shown_{};
    devices::VgaText::Cursor shown_cursor_{};
};

}  // namespace jitpc::frontend
