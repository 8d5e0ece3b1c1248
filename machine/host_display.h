// The guest's screen as the host shows it. The machine offers the VGA text state at every
// host-input poll; the display decides (by host time) whether to draw. Drawing is host output
// only: it reads the text page and never changes guest state or the instruction count.
#pragma once

#include "devices/vga_text.h"

namespace jitpc::machine {

class HostDisplay {
public:
    virtual ~HostDisplay() = default;
    // `now`: draw any change at once (the guest is about to wait for the host, or the run ends).
    virtual void refresh(const devices::VgaText& vga, bool now) = 0;
    // The run is over: draw the last frame and leave the host terminal to the messages that
    // follow. Later calls do nothing.
    virtual void finish(const devices::VgaText& vga) = 0;
};

}  // namespace jitpc::machine
