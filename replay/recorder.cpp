#include "replay/recorder.h"

#include "machine/machine.h"
#include "replay/state_digest.h"

namespace jitpc::replay {

class Recorder::LoggedInput : public machine::SerialInput {
public:
    LoggedInput(Recorder& rec, SerialInput& inner, InputSource source) : rec_(rec), inner_(inner), source_(source) {}
    Result next(uint64_t wait_ns) override { return logged(inner_.next(wait_ns)); }
    Result command() override { return logged(inner_.command()); }

private:
    Result logged(const Result& r) {
        rec_.log_input(source_, r);
        return r;
    }
    Recorder& rec_;
    SerialInput& inner_;
    InputSource source_;
};

Recorder::Recorder(const std::string& path, const Header& header) : log_(path) {
    log_.header(header);
}

Recorder::~Recorder() = default;

machine::SerialInput* Recorder::wrap(machine::SerialInput* input, InputSource source) {
    if (!input) return nullptr;
    inputs_.push_back(std::make_unique<LoggedInput>(*this, *input, source));
    return inputs_.back().get();
}

// Dump requests (Ctrl-A d) and empty polls change nothing in the guest: not logged.
void Recorder::log_input(InputSource source, const machine::SerialInput::Result& r) {
    using Kind = machine::SerialInput::Kind;
    const InputKind kind = r.kind == Kind::Byte ? InputKind::Byte
                           : r.kind == Kind::End ? InputKind::End
                           : r.kind == Kind::Quit ? InputKind::Quit
                                                  : InputKind(0xFF);
    if (kind == InputKind(0xFF)) return;
    log_.input({*icount_, source, kind, r.byte});
}

// Halted ticks do not count towards a State frame: an idle guest changes nothing to check, and
// digesting it at the pace of its virtual time cost half a host core on a host where touching the
// sampled RAM pages is slow. The stops stay at every multiple of the interval (log_format.h).
int Recorder::at_stop(machine::Machine& m) {
    icount_ = &m.cpu.icount;
    const uint64_t active = m.cpu.icount - m.idle_ticks;
    if (states_ == 0 || active - digested_at_ >= STATE_INTERVAL) {
        log_.state(take_state(m, states_++));
        digested_at_ = active;
    }
    next_state_ = (m.cpu.icount / STATE_INTERVAL + 1) * STATE_INTERVAL;
    return GO_ON;
}

int Recorder::ended(machine::Machine& m, int status) {
    log_.end({m.cpu.icount, m.idle_ticks, status, m.ended_by_host, take_state(m, states_)});
    return status;
}

}  // namespace jitpc::replay
