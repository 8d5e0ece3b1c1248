#include "frontend/keyboard_input.h"

namespace jitpc::frontend {

machine::SerialInput::Result KeyboardInput::next(uint64_t wait_ns) {
    while (keys_.out.empty() && !ended_) {
        // Waiting on the host while an ESC is unanswered would hold the Escape key back.
        const Result r = stdin_.next(keys_.in_sequence() ? 0 : wait_ns);
        switch (r.kind) {
        case Kind::Byte: keys_.feed(r.byte); break;
        case Kind::Quit:
        case Kind::Dump: return r;
        case Kind::End:
            ended_ = true;
            keys_.pause();
            break;
        case Kind::Nothing:
            keys_.pause();
            if (keys_.out.empty()) return r;
            break;
        }
    }
    if (keys_.out.empty()) return {Kind::End};
    const uint8_t b = keys_.out.front();
    keys_.out.pop_front();
    return {Kind::Byte, b};
}

}  // namespace jitpc::frontend
