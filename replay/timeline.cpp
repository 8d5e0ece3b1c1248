#include "replay/timeline.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "machine/machine.h"
#include "snapshot/snapshot.h"

namespace jitpc::replay {

namespace {

constexpr uint64_t PAGE = memory::PAGE_SIZE;

bool is_zero(const uint8_t* p) {
    static const uint8_t zero[PAGE] = {};
    return std::memcmp(p, zero, PAGE) == 0;
}

}  // namespace

std::vector<Timeline::Checkpoint> Timeline::checkpoints() const {
    std::vector<Checkpoint> out;
    for (const Stored& s : stored_) out.push_back({s.count, s.bytes()});
    return out;
}

uint64_t Timeline::bytes() const {
    uint64_t n = 0;
    for (const Stored& s : stored_) n += s.bytes();
    return n;
}

int Timeline::at_stop(machine::Machine& m) {
    const uint64_t now = m.cpu.icount;
    // After a rewind the run passes its checkpoints again: they are already there.
    if (stored_.empty() || now > stored_.back().count) take(m);
    next_ = (std::max(now, stored_.back().count) / interval_ + 1) * interval_;
    return GO_ON;
}

void Timeline::take(machine::Machine& m) {
    Stored s;
    s.count = m.cpu.icount;
    s.state = snapshot::save_state(m);
    s.position = replayer_.position();
    const uint8_t* ram = m.mem.ram();
    std::vector<uint64_t> dirty = m.mem.take_dirty();
    if (stored_.empty()) {  // the first holds all RAM that is not zero
        dirty.clear();
        for (uint64_t p = 0; p < m.mem.ram_pages(); ++p)
            if (!is_zero(ram + p * PAGE)) dirty.push_back(p);
    }
    s.pages = std::move(dirty);
    s.contents.resize(s.pages.size() * PAGE);
    for (size_t i = 0; i < s.pages.size(); ++i) std::memcpy(&s.contents[i * PAGE], ram + s.pages[i] * PAGE, PAGE);
    stored_.push_back(std::move(s));
    while (stored_.size() > 2 && (stored_.size() > MAX_CHECKPOINTS || bytes() > BYTE_BUDGET)) thin();
}

// Every other checkpoint between the first and the newest goes into the one after it, which then
// holds the pages written since the one before: its own version of a page, else the dropped one's.
void Timeline::thin() {
    std::vector<Stored> kept;
    kept.push_back(std::move(stored_[0]));
    for (size_t i = 1; i < stored_.size(); ++i) {
        Stored& s = stored_[i];
        if (i % 2 == 1 && i + 1 < stored_.size()) {
            Stored& next = stored_[i + 1];
            Stored merged;
            size_t a = 0, b = 0;
            while (a < s.pages.size() || b < next.pages.size()) {
                const bool from_next = b < next.pages.size() && (a == s.pages.size() || next.pages[b] <= s.pages[a]);
                const Stored& src = from_next ? next : s;
                const size_t at = from_next ? b : a;
                if (from_next && a < s.pages.size() && s.pages[a] == next.pages[b]) ++a;
                merged.pages.push_back(src.pages[at]);
                merged.contents.insert(merged.contents.end(), src.contents.begin() + at * PAGE,
                                       src.contents.begin() + (at + 1) * PAGE);
                ++(from_next ? b : a);
            }
            next.pages = std::move(merged.pages);
            next.contents = std::move(merged.contents);
            continue;
        }
        kept.push_back(std::move(s));
    }
    stored_ = std::move(kept);
    interval_ *= 2;
}

const uint8_t* Timeline::find(size_t i, uint64_t page) const {
    const std::vector<uint64_t>& pages = stored_[i].pages;
    const auto it = std::lower_bound(pages.begin(), pages.end(), page);
    if (it == pages.end() || *it != page) return nullptr;
    return &stored_[i].contents[size_t(it - pages.begin()) * PAGE];
}

uint64_t Timeline::rewind(machine::Machine& m, uint64_t count) {
    if (count > end())
        throw std::runtime_error("the recording ends at count " + std::to_string(end()));
    if (stored_.empty() || count < stored_[0].count)
        throw std::runtime_error("no checkpoint at or before count " + std::to_string(count));
    size_t k = stored_.size() - 1;
    while (stored_[k].count > count) --k;
    const uint64_t now = m.cpu.icount;
    if (now <= count && stored_[k].count <= now) return now;  // running on from here is nearer

    // RAM differs from checkpoint k at most in the pages written since the newest checkpoint
    // (the dirty ones) and in those the checkpoints after k hold.
    std::vector<uint64_t> changed = m.mem.take_dirty();
    for (size_t i = k + 1; i < stored_.size(); ++i) changed.insert(changed.end(), stored_[i].pages.begin(), stored_[i].pages.end());
    std::sort(changed.begin(), changed.end());
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
    uint8_t* ram = m.mem.ram();
    for (const uint64_t p : changed) {
        const uint8_t* then = nullptr;
        for (size_t i = k + 1; i-- > 0 && !then;) then = find(i, p);
        uint8_t* now_bytes = ram + p * PAGE;
        if (then) std::memcpy(now_bytes, then, PAGE);
        else if (!is_zero(now_bytes)) std::memset(now_bytes, 0, PAGE);  // zero then (the first holds the rest)
        // They still differ from the newest checkpoint, which the next one's pages count from.
        m.mem.mark_dirty(p);
    }
    snapshot::load_state(m, stored_[k].state);
    replayer_.rewind(stored_[k].position);
    next_ = (std::max(m.cpu.icount, stored_.back().count) / interval_ + 1) * interval_;
    return m.cpu.icount;
}

}  // namespace jitpc::replay
