// Host input for COM1. The machine asks for the next byte only at points fixed by guest time
// (see Machine::poll_input), so what the source returns, not when the host produced it,
// decides what the guest sees.
#pragma once

#include <cstdint>

namespace jitpc::machine {

class SerialInput {
public:
    // Quit and Dump are the user's commands to the emulator (Ctrl-A x, Ctrl-A d on a terminal).
    enum class Kind { Byte, Nothing, End, Quit, Dump };
    struct Result {
        Kind kind;
        uint8_t byte = 0;
    };
    virtual ~SerialInput() = default;
    // `wait_ns`: the CPU is halted and nothing else wakes it for that many ticks of guest time,
    // so a source without input ready may wait up to as many nanoseconds of host time for some
    // instead of returning Nothing at once (the guest's idle time then passes at host speed).
    virtual Result next(uint64_t wait_ns) = 0;
    // Called at every input poll, whether or not the guest can take a byte: a command the user
    // typed (Quit, Dump), else Nothing. Bytes read meanwhile wait for next().
    virtual Result command() { return {Kind::Nothing}; }
};

}  // namespace jitpc::machine
