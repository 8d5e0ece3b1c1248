// Host input for COM1. The machine asks for the next byte only at points fixed by guest time
// (see Machine::poll_input), so what the source returns, not when the host produced it,
// decides what the guest sees.
#pragma once

#include <cstdint>

namespace jitpc::machine {

class SerialInput {
public:
    enum class Kind { Byte, Nothing, End, Quit };
    struct Result {
        Kind kind;
        uint8_t byte = 0;
    };
    virtual ~SerialInput() = default;
    // `idle`: the CPU is halted and no other event is pending, so only input can wake it; a
    // source without input ready may then wait for some instead of returning Nothing.
    virtual Result next(bool idle) = 0;
};

}  // namespace jitpc::machine
