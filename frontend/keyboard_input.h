// The host keyboard of the display mode: terminal bytes from standard input (raw mode, Ctrl-A x
// quits, as StdinInput handles them) translated into set-1 scancode bytes, which the machine
// hands to the i8042 one per input poll (see Machine::poll_input).
#pragma once

#include "frontend/key_translator.h"
#include "frontend/stdin_input.h"

namespace jitpc::frontend {

class KeyboardInput : public machine::SerialInput {
public:
    // `bounded`: as StdinInput's (stdin may be a pipe while stdout is the display's terminal).
    explicit KeyboardInput(bool bounded) : stdin_(bounded) {}
    Result next(uint64_t wait_ns) override;
    Result command() override { return stdin_.command(); }

private:
    StdinInput stdin_;
    KeyTranslator keys_;
    bool ended_ = false;
};

}  // namespace jitpc::frontend
