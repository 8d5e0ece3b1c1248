#include "replay/replayer.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "machine/machine.h"
#include "replay/state_digest.h"

namespace jitpc::replay {

// The recorded inputs of one source, each given at the poll of its count. One still waiting
// after its count means the guest did not take it when the recorded one did.
class Replayer::RecordedInput : public machine::SerialInput {
public:
    explicit RecordedInput(Replayer& owner) : owner_(owner) {}
    std::deque<InputRecord> pending;

    Result command() override {
        if (pending.empty() || owner_.failed_) return {Kind::Nothing};
        const InputRecord& r = pending.front();
        const uint64_t now = *owner_.icount_;
        if (r.count < now) {
            char why[96];
            std::snprintf(why, sizeof why, "the guest did not take the input recorded at count %" PRIu64, r.count);
            owner_.diverged(now, why);
            return {Kind::Nothing};
        }
        if (r.count != now || r.kind != InputKind::Quit) return {Kind::Nothing};
        pending.pop_front();
        return {Kind::Quit};
    }
    Result next(uint64_t) override {
        if (pending.empty() || owner_.failed_ || pending.front().count != *owner_.icount_) return {Kind::Nothing};
        const InputRecord r = pending.front();
        pending.pop_front();
        return r.kind == InputKind::Byte ? Result{Kind::Byte, r.byte} : r.kind == InputKind::End ? Result{Kind::End} : Result{Kind::Quit};
    }

private:
    Replayer& owner_;
};

Replayer::Replayer(Log log) : log_(std::move(log)) {
    for (unsigned s = 0; s < 2; ++s)
        if (log_.header.inputs & (1u << s)) inputs_[s] = std::make_unique<RecordedInput>(*this);
    for (const InputRecord& r : log_.inputs) {
        if (!inputs_[unsigned(r.source)])
            throw std::runtime_error("the log has input for a source the recorded run did not have");
        inputs_[unsigned(r.source)]->pending.push_back(r);
    }
}

Replayer::~Replayer() = default;

machine::SerialInput* Replayer::input(InputSource source) { return inputs_[unsigned(source)].get(); }

Replayer::Position Replayer::position() const {
    Position p{next_state_, {}};
    for (const InputRecord& r : log_.inputs) ++p.taken[unsigned(r.source)];
    for (unsigned s = 0; s < 2; ++s)
        if (inputs_[s]) p.taken[s] -= inputs_[s]->pending.size();
    return p;
}

void Replayer::rewind(const Position& p) {
    next_state_ = p.next_state;
    size_t skip[2] = {p.taken[0], p.taken[1]};
    for (auto& in : inputs_)
        if (in) in->pending.clear();
    for (const InputRecord& r : log_.inputs)
        if (skip[unsigned(r.source)]) --skip[unsigned(r.source)];
        else inputs_[unsigned(r.source)]->pending.push_back(r);
}

// The recorder's stops too, State frame or not: the replay slices the run as the recording did.
uint64_t Replayer::next_stop() const {
    if (failed_ || !icount_) return 0;  // the first pass attaches the machine's clock
    const uint64_t tick = (*icount_ / STATE_INTERVAL + 1) * STATE_INTERVAL;
    const uint64_t state = next_state_ < log_.states.size() ? log_.states[next_state_].count : log_.end.count;
    return std::min({tick, state, log_.end.count});
}

void Replayer::diverged(uint64_t count, const std::string& why) {
    std::fprintf(stderr, "jitpc: replay diverged at instruction count %" PRIu64 ": %s\n", count, why.c_str());
    failed_ = true;
}

bool Replayer::compare(const StateRecord& recorded, const StateRecord& present) {
    if (present.values == recorded.values) return true;
    char hashes[96];
    std::snprintf(hashes, sizeof hashes, "state hash 0x%016" PRIx64 " (recorded 0x%016" PRIx64 "); ", present.hash(),
                  recorded.hash());
    diverged(present.count, hashes + state_diff(recorded, present));
    return false;
}

int Replayer::at_stop(machine::Machine& m) {
    icount_ = &m.cpu.icount;
    const uint64_t now = m.cpu.icount;
    while (!failed_ && next_state_ < log_.states.size() && log_.states[next_state_].count <= now) {
        const StateRecord& recorded = log_.states[next_state_];
        if (recorded.count != now)
            diverged(now, "the replay passed count " + std::to_string(recorded.count) + " without stopping there");
        else
            compare(recorded, take_state(m, next_state_));
        ++next_state_;
    }
    // The user ended the recorded run here (the monitor's quit): so does the replay.
    if (!failed_ && now == log_.end.count && log_.end.by_host) return log_.end.status;
    // A recording cut by -max-insns ends at its count after the observers: so does the replay.
    const bool limit_next = now == log_.end.count && log_.end.status == machine::EXIT_INSN_LIMIT;
    if (!failed_ && now >= log_.end.count && !limit_next) {
        char why[128];
        std::snprintf(why, sizeof why, "the recording ended here with status %d; the replay is still running",
                      int(log_.end.status));
        diverged(now, why);
    }
    return failed_ ? machine::EXIT_HOST_ERROR : GO_ON;
}

int Replayer::ended(machine::Machine& m, int status) {
    if (failed_) return machine::EXIT_HOST_ERROR;
    if (status == machine::EXIT_INSN_LIMIT && m.cpu.icount == early_stop_) return status;
    // The user ended the replay (the monitor's quit, gdb's kill) short of where the recorded run
    // ended by the user's hand: not a divergence.
    if (m.ended_by_host && !(log_.end.by_host && m.cpu.icount == log_.end.count)) return status;
    if (m.cpu.icount != log_.end.count || status != log_.end.status || m.idle_ticks != log_.end.idle_ticks) {
        char why[160];
        std::snprintf(why, sizeof why,
                      "the run ended with status %d (%" PRIu64 " ticks halted); the recording at count %" PRIu64
                      " with status %d (%" PRIu64 " ticks halted)",
                      status, m.idle_ticks, log_.end.count, int(log_.end.status), log_.end.idle_ticks);
        diverged(m.cpu.icount, why);
        return machine::EXIT_HOST_ERROR;
    }
    if (!compare(log_.end.state, take_state(m, log_.states.size()))) return machine::EXIT_HOST_ERROR;
    return status;
}

}  // namespace jitpc::replay
