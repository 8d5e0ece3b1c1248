// The guest state a record/replay log carries every `interval` ticks (log_format.h, StateRecord):
// the general registers, RIP, RFLAGS, the segment selectors and FS/GS bases, CR0-CR4, EFER, the
// XMM registers and MXCSR folded into one word, the halted ticks so far, a hash of everything the
// guest sent out of its serial ports, and a digest of RAM. The
// RAM digest is cheap by design (128 KiB read per state at any RAM size): 1024 64-byte cache
// lines spread over all of RAM, one per 1/1024 of it at an offset that differs from line to line
// (a line costs one cache miss, a scattered word as much), plus a 64 KiB window that walks through RAM, the next one at each state, so every byte is covered
// once per (RAM size / 64 KiB) states. A divergence in registers shows at once; one confined to
// memory shows once it reaches a register, a sampled word or the window.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "replay/log_format.h"

namespace jitpc::machine {
class Machine;
}

namespace jitpc::replay {

// The names of StateRecord::values, in their order.
const std::vector<std::string>& state_names();
// The state at the machine's current count; `sequence` picks the RAM window (the n-th state of
// the run).
StateRecord take_state(machine::Machine& m, uint64_t sequence);
// The registers take_state reads and a hash of all of RAM (not a sample): `info replay` shows it,
// so runs can be compared at a count.
uint64_t full_digest(machine::Machine& m);
// "EAX 0x1 (recorded 0x2), …": the values that differ.
std::string state_diff(const StateRecord& recorded, const StateRecord& now);

}  // namespace jitpc::replay
