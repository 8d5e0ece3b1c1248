// An interrupt request wire from a device (or an interrupt controller's output) to the
// controller that samples it: the driver calls it with the new level each time its output
// changes, never polled.
#pragma once

#include <functional>

namespace jitpc::devices {

using IrqLine = std::function<void(bool level)>;

}  // namespace jitpc::devices
