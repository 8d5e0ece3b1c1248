// The developer's view of a run that ended badly (-dump-on-hang): the VGA text page, the CPU
// registers, the last blocks the interpreter entered and guest memory around CS:EIP and SS:ESP
// (RIP and RSP in 64-bit mode, with all 64 bits) and any -dump-mem ranges. Read-only: memory is looked at through the MMU's peek (no faults, no
// A/D bits) and only RAM and ROM pages are shown, so writing a dump changes nothing in the guest.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "cpu/block_history.h"
#include "cpu/cpu.h"
#include "devices/vga_text.h"
#include "memory/physmem.h"

namespace jitpc::machine {

// A linear address range to dump (-dump-mem ADDR,LEN).
struct MemRange {
    uint32_t lin;
    uint32_t len;
};

struct HangDumpView {
    cpu::Cpu& cpu;
    memory::PhysMemory& mem;
    const devices::VgaText& vga;
    const cpu::BlockHistory* history;  // null: the tail was not recorded
    const std::vector<MemRange>& extra;
};

void write_hang_dump(std::FILE* out, const char* why, const HangDumpView& v);
// The dump's register lines (GPRs, IP, EFLAGS, segments, descriptor tables, control registers),
// also the monitor's `info registers`.
std::string register_text(cpu::Cpu& c);

}  // namespace jitpc::machine
