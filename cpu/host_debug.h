// Breakpoints and watchpoints of a host debugger (the gdbstub). They are the host's, not the
// guest's: they never write guest memory or touch DR0-DR7, and a hit stops the run for the
// debugger instead of raising #DB. They ride on the debug architecture's careful path
// (cpu/debug.cpp, docs/ARCHITECTURE.md "Debug architecture"). A block in a linear page holding a
// breakpoint runs instruction by instruction in the interpreter, every other block as usual,
// translated: the JIT's links never leave the linear page they were entered in (they join
// blocks of one physical page), so code entered in a page without a breakpoint cannot reach
// one through them, and the indirect-branch table forgets its entries whenever the points
// change. Watchpoints leave every block on its usual path: the TLB entries of the linear pages
// they cover send every data access there to the slow path (TLB_WATCH, Mmu::watch_pages), the
// JIT's inline ones included, and the slow path's Cpu::try_linear checks them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace jitpc::cpu {

// Bits of CpuState::insn_bp_armed and watch_armed: who armed them.
constexpr uint8_t ARMED_GUEST = 1, ARMED_HOST = 2;

struct HostDebug {
    // gdb's Z2/Z3/Z4 kinds.
    enum class Kind : uint8_t { Write, Read, Access };
    struct Watch {
        uint64_t addr = 0, len = 0;
        Kind kind = Kind::Write;
        bool operator==(const Watch&) const = default;
    };
    std::vector<uint64_t> breaks;  // linear addresses of instructions
    std::vector<Watch> watches;    // linear ranges of data accesses
    // The linear pages of `breaks`, sorted (Cpu::debug_regs_changed).
    std::vector<uint64_t> break_pages;

    // Why the run stopped for the debugger: a breakpoint before the instruction at CS:EIP, or a
    // watched access by the instruction that just retired (`watched` names the watchpoint).
    enum class Hit : uint8_t { None, Break, Watch } hit = Hit::None;
    Watch watched;
    // The breakpoint at this linear address does not stop the next instruction (the one the
    // debugger resumes at); UINT64_MAX: none.
    uint64_t resume_at = UINT64_MAX;

    bool armed() const { return !breaks.empty() || !watches.empty(); }
    // Whether a breakpoint is in a linear page of [lin, lin + bytes).
    bool breaks_near(uint64_t lin, uint64_t bytes) const {
        const auto in = [this](uint64_t lin) { return std::binary_search(break_pages.begin(), break_pages.end(), lin >> 12); };
        return in(lin) || in(lin + bytes - 1);
    }
};

}  // namespace jitpc::cpu
