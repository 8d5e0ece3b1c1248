#include "replay/state_digest.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "machine/machine.h"
#include "replay/checksum.h"

namespace jitpc::replay {

namespace {

// Whole cache lines: a line costs one cache miss however many of its bytes are hashed (8192
// scattered words took 4 % of a recording's host time under perf).
constexpr uint64_t SAMPLE_LINES = 1024, LINE = 64;
constexpr uint64_t WINDOW_BYTES = 64 << 10;

uint64_t ram_digest(machine::Machine& m, uint64_t sequence) {
    // One mapping holds the RAM below 4 GiB and then the part above (memory/physmem.h).
    const uint8_t* ram = m.mem.ram();
    const uint64_t size = m.mem.layout().total();
    Hash64 h;
    const uint64_t stride = size / SAMPLE_LINES;  // at least 2 KiB (RAM is at least 2 MiB)
    for (uint64_t i = 0; i < SAMPLE_LINES; ++i) {
        const uint64_t offset = ((i * 0x9E3779B97F4A7C15ull) >> 40) % (stride - LINE + 1) & ~(LINE - 1);
        h.add(ram + i * stride + offset, LINE);
    }
    const uint64_t windows = size / WINDOW_BYTES;
    h.add(ram + (sequence % windows) * WINDOW_BYTES, WINDOW_BYTES);
    return h.value();
}

}  // namespace

const std::vector<std::string>& state_names() {
    static const std::vector<std::string> names = {
        "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI", "R8", "R9", "R10", "R11", "R12", "R13",
        "R14", "R15", "RIP", "RFLAGS", "ES", "CS", "SS", "DS", "FS", "GS", "FS.base", "GS.base", "CR0",
        "CR2", "CR3", "CR4", "EFER", "SSE digest", "halted ticks", "PAUSE ticks", "serial output digest", "RAM digest"};
    return names;
}

StateRecord take_state(machine::Machine& m, uint64_t sequence) {
    cpu::Cpu& c = m.cpu;
    StateRecord r;
    r.count = c.icount;
    r.values.assign(c.gpr, c.gpr + 16);
    r.values.push_back(c.rip);
    r.values.push_back(c.flags.get());
    for (const cpu::SegCache& s : c.seg) r.values.push_back(s.sel);
    r.values.push_back(c.seg[cpu::FS].base);
    r.values.push_back(c.seg[cpu::GS].base);
    for (const uint64_t v : {c.cr0, c.cr2, c.cr3, c.cr4, c.efer}) r.values.push_back(v);
    Hash64 sse;
    for (const cpu::Xmm& x : c.sse.xmm) {
        sse.add_u64(x.q[0]);
        sse.add_u64(x.q[1]);
    }
    sse.add_u64(c.sse.mxcsr);
    r.values.push_back(sse.value());
    r.values.push_back(m.idle_ticks);
    r.values.push_back(c.spin_ticks);
    r.values.push_back(m.serial_digest);
    r.values.push_back(ram_digest(m, sequence));
    return r;
}

uint64_t full_digest(machine::Machine& m) {
    StateRecord r = take_state(m, 0);
    Hash64 ram;
    ram.add(m.mem.ram(), m.mem.layout().total());
    r.values.back() = ram.value();  // the RAM digest's place
    return r.hash();
}

uint64_t StateRecord::hash() const {
    Hash64 h;
    for (const uint64_t v : values) h.add_u64(v);
    return h.value();
}

std::string state_diff(const StateRecord& recorded, const StateRecord& now) {
    std::string out;
    for (size_t i = 0; i < state_names().size(); ++i) {
        if (recorded.values[i] == now.values[i]) continue;
        char line[160];
        std::snprintf(line, sizeof line, "%s%s 0x%" PRIx64 " (recorded 0x%" PRIx64 ")", out.empty() ? "" : ", ",
                      state_names()[i].c_str(), now.values[i], recorded.values[i]);
        out += line;
    }
    return out;
}

}  // namespace jitpc::replay
