// The reference interpreter: runs decoded blocks instruction by instruction. It is the oracle
// the tests compare against, the single-step engine for tracing and debugging, and the fallback
// engine. One instruction retires when its handler returns without a fault.
#pragma once

#include <cstdint>
#include <functional>

#include "cpu/block_history.h"
#include "cpu/cpu.h"
#include "cpu/decode.h"

namespace jitpc::cpu {

enum class StopReason : uint8_t {
    Budget,    // reached the instruction count it was asked to stop at
    Halted,    // HLT with nothing to deliver: the platform advances time or gives up
    Shutdown,  // triple fault: the platform resets or exits
    Request,   // the platform asked to stop (stop_request)
};

class Interpreter;

// A faster way to run a decoded block (the JIT). run_block() returns false, having done
// nothing, when it cannot run this block now; the interpreter then runs it. It may run further
// blocks after it, past a boundary only where `dispatcher` says it has nothing to do there
// (Interpreter::quiet_boundary), and leaves a guest fault for the dispatcher as
// Cpu::raise_pending does.
class NativeRunner {
public:
    virtual ~NativeRunner() = default;
    virtual bool run_block(Block& b, Interpreter& dispatcher) = 0;
};

class Interpreter {
public:
    explicit Interpreter(Cpu& cpu);

    // Runs until `icount` reaches `until` (or a lower CpuState::icount_limit set meanwhile), or
    // the CPU halts, shuts down or is asked to stop.
    StopReason run(uint64_t until);
    // Retires exactly one instruction (or delivers one event).
    StopReason step() { return run(cpu_.icount + 1); }

    // Called before every instruction when set (instruction trace); slows the loop down.
    std::function<void(Cpu&, const Insn&)> trace;
    // Runs blocks that need no instruction-by-instruction care, when set, once they are hot:
    // a block runs in the interpreter its first `hot_runs` times (code that runs once never
    // pays translation), and is offered to `native` from then on. 0 offers every block.
    NativeRunner* native = nullptr;
    uint32_t hot_runs = 0;
    // Records every block entry when set (the hang dump's execution tail).
    BlockHistory* history = nullptr;
    // Set from outside (signal handler, device) to make run() return at the next boundary.
    volatile bool stop_request = false;

    const Decoder& decoder() const { return dec_; }
    // The block starting at CS:EIP, decoded now if needed; null with its fetch fault pending
    // (Cpu::raise_pending).
    Block* block_at_eip();
    // At an instruction boundary inside a native run, after an instruction that asked for the
    // dispatcher (Cpu::request_exit): whether the dispatcher would only look up the next block
    // and run it without care, so the native runner may go on by itself. It then takes the
    // request back, and an interrupt shadow that nothing can observe (see interp.cpp).
    bool quiet_boundary();

    // Figures for -stats: the dispatcher's look-ups of the next block through the link of the
    // block before, hits and misses, and of the misses those where a link for that address
    // and context was there but no longer held (the code epoch moved, or the TLB no longer
    // maps it where it did: fetch_maps).
    struct Stats {
        uint64_t link_hits = 0, link_misses = 0, stale_links = 0;
    } stats;

private:
    template <bool Careful> void run_block(Block* b);
    bool take_interrupt();
    bool fetch_maps(const Block& b, uint64_t lin) const;
    // An NMI or an interrupt would be delivered at this boundary but for an interrupt shadow.
    bool event_due() const {
        return ((cpu_.events & EVENT_NMI) && !cpu_.nmi_blocked) || (cpu_.intr_line() && (cpu_.flags.bits & EFLAGS_IF));
    }
    void deliver_fault(const GuestFault& f);
    void deliver_pending();  // the fault Cpu::raise_pending left
    bool hot(Block& b) const {
        if (b.runs >= hot_runs) return true;
        ++b.runs;
        return false;
    }
    Block* decode_block(uint64_t lin, memory::PhysAddr phys);

    Cpu& cpu_;
    Decoder dec_;
};

}  // namespace jitpc::cpu
