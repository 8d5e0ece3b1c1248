// The JIT: translates decoded blocks (cpu/block_cache.h) into x86-64 host code and runs them
// for the interpreter's dispatcher (cpu::NativeRunner), which stays the one place that takes
// interrupts, delivers faults and decides when a block needs instruction-by-instruction care.
//
// Generated code keeps guest registers in host registers across blocks (jit/reg_alloc.h); rbx
// points at the CPU state, rbp holds the count. Blocks are entered through a trampoline that loads the
// registers and leave through a stub that stores them back. docs/ARCHITECTURE.md ("JIT")
// states the invariants: when translations are flushed, how faults leave generated code, and
// how the instruction count stays exact.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "cpu/cpu.h"
#include "cpu/interp.h"
#include "jit/code_buffer.h"
#include "jit/fallback_profile.h"
#include "jit/variant.h"

namespace jitpc::jit {

// A patchable `jmp rel32` that leaves its block for a direct successor in the same physical
// page. It first jumps to its own exit stub (the dispatcher then links it); linked, it jumps
// straight into the successor's translation.
struct ChainSite {
    uint8_t* jump;    // the E9 opcode byte
    uint8_t* unlinked;  // where the jump goes while not linked
    cpu::Block* from;
    memory::PhysAddr target_phys;  // where the successor starts
    cpu::Block* to = nullptr;
};

// What the engine keeps per decoded block.
struct Translation {
    // Host code per variant of the block's mode (Variant::per_block).
    uint8_t* code[Variant::PER_BLOCK] = {};
    std::vector<std::unique_ptr<ChainSite>> sites;  // the jumps out of this block's translations
    std::vector<ChainSite*> incoming;               // linked jumps into them
    std::vector<uint32_t> slots;  // the indirect-branch table entries made for them (Engine::forget)
};

// Indirect branches (returns, jumps and calls through registers or memory) look their target
// up here from generated code and jump straight into its translation on a hit. An entry holds
// for one RIP (the linear address, CS being flat) and variant while the TLB maps EIP's page,
// executable, to the physical page the translation was made from: a TLB flush or INVLPG needs
// no sweep of the table, and the entry is good again once the dispatcher has refilled the TLB.
// Removing a block clears the entries made for its translations (Engine::forget).
struct IndirectEntry {
    // RIP with the variant's index in bits 48-53 (xor: generated code's RIP is canonical, so
    // bits 54-63 stay the sign and no two pairs share a key; EMPTY is no pair's).
    static constexpr unsigned VARIANT_SHIFT = 48;
    static_assert(Variant::COUNT <= 1u << 6);
    static uint64_t key_of(uint64_t rip, Variant v) { return rip ^ uint64_t(v.index()) << VARIANT_SHIFT; }
    static constexpr uint64_t EMPTY = uint64_t(1) << 63;
    uint64_t key = EMPTY;
    uint32_t code = 0;   // the translation's offset in the code buffer (at most 1 GiB: -jit-cache)
    uint32_t frame = 0;  // physical page number
};
static_assert(sizeof(IndirectEntry) == 16);

// The return-address stack (dynarmic's RSB is the model): a CALL pushes the indirect-branch
// table's entry for its return address as the table holds it then, and a RET pops one and, when
// its key is the popped RIP's, checks it and jumps through it as a table lookup does, without the
// hash or the table's cache line; otherwise it takes the table's lookup (Translator::
// predict_return, Translator::exit_indirect). A wrong prediction (a return address overwritten,
// a longjmp, a stack switch, a ring that wrapped, an entry copied from a slot holding another
// RIP) costs that lookup, never a wrong jump: an entry is trusted only through the checks a
// table entry gets, and removing a block clears its entries here too (Engine::forget).
struct ReturnStack {
    static constexpr unsigned DEPTH = 32;  // a power of two: the ring wraps
    IndirectEntry entries[DEPTH];
    uint32_t top = 0;  // the newest entry's offset in bytes
};

// One of the engine's fixed pieces of code (entry, exit, thunks), named in the perf map.
struct Stub {
    const uint8_t* code;
    size_t size;
    std::string name;
};

class Engine : public cpu::NativeRunner {
public:
    Engine(cpu::Cpu& cpu, size_t cache_bytes = 64u << 20);
    ~Engine() override;

    bool run_block(cpu::Block& b, cpu::Interpreter& dispatcher) override;
    // After an instruction that ends its block ran through jit_exec_last: the lookup thunk of
    // the variant the CPU is in now, through which generated code goes on at RIP, when the
    // dispatcher has nothing to do at this boundary (cpu::Interpreter::quiet_boundary) and
    // generated code can run the code there; else null.
    const uint8_t* resume_point();
    // The host debugger's breakpoints changed: the indirect-branch table may lead into a page
    // that holds one now (cpu/host_debug.h), so its entries are emptied (Engine::forget checks
    // an entry is still its translation's before clearing it), and the return-address stack's.
    void forget_indirect() {
        std::fill(std::begin(indirect), std::end(indirect), IndirectEntry{});
        returns = {};
    }

    cpu::Cpu& cpu;

    // Whether generated code may use BMI2 (then memory accesses can keep the guest's flags in
    // the host's EFLAGS: Translator::keeps_flags). Tests turn it off to cover the other path.
    bool bmi2;

    // Off only to measure what exactness costs (-jit-inexact): a linked block then runs without
    // checking the count limit, so events wait for the next return to the dispatcher.
    bool exact = true;

    // -perfmap: from now on, every translation gets a line of the Linux perf map format
    // ("START SIZE NAME", hexadecimal) in `out`, named by the guest address it was made for, so
    // that `perf report` names guest code; the fixed stubs get one line each now (jitpc-exit,
    // jitpc-enter, jitpc-flags, jitpc-thunk-HELPER, jitpc-lookup-VARIANT).
    void write_perf_map(std::FILE* out);

    // -d jit_fallback: on when set, for the translations made from then on.
    std::unique_ptr<FallbackProfile> fallbacks;

    // Figures for -stats.
    uint64_t blocks_translated = 0, cache_flushes = 0, links_made = 0;
    // Host code bytes emitted and guest instructions translated: the code size per instruction.
    uint64_t bytes_emitted = 0, insns_translated = 0;
    // Blocks the dispatcher ran in generated code (each such entry ends with a return to the
    // dispatcher), and the indirect-branch lookups that missed and returned there.
    uint64_t entries = 0, lookup_misses = 0;
    // Returns whose return-address stack entry did not hold their target (they took the lookup).
    uint64_t return_mispredictions = 0;
    // Runs of blocks declined because their stack frame's probe failed (jit/frame.cpp), and
    // blocks translated again without frames for it.
    uint64_t frame_declines = 0, frames_dropped = 0;
    // By mnemonic, the instructions run through jit_exec or jit_exec_last that asked for the
    // dispatcher (or ended their block): how often generated code left for it after one, and
    // how often it went on.
    uint64_t left[ZYDIS_MNEMONIC_MAX_VALUE + 1] = {}, resumed[ZYDIS_MNEMONIC_MAX_VALUE + 1] = {};
    // -stats: the instructions of `left` and `resumed`, most frequent first.
    void print_block_ends(std::FILE* out) const;
    // Off only to measure what resuming saves (-jit-no-resume): generated code leaves for the
    // dispatcher after every instruction that asks for it.
    bool resume = true;

private:
    // Where each privilege class's TLB is, relative to the CPU state generated code addresses.
    int32_t tlb_offset[2] = {};
    // Where the SSE state (cpu::Cpu::sse) and the x87 state (cpu::Cpu::fpu) are, likewise.
    int32_t sse_offset = 0, fpu_offset = 0;
    // 2^16 entries (1 MiB, of which a run touches the lines its targets hash to), hashed
    // multiplicatively from EIP: with 2^13 and EIP's low bits folded with the next 13, pairs
    // of hot targets shared a slot and evicted each other on every call (busybox's shell
    // 0x08051560 and 0x0816f5ff, 60,000 misses each in the Linux test run).
    static constexpr unsigned INDIRECT_BITS = 16;
    static constexpr uint32_t INDIRECT_HASH = 0x9E3779B1u;
    static unsigned indirect_slot(uint64_t rip) {
        return (uint32_t(rip) * INDIRECT_HASH) >> (32 - INDIRECT_BITS);  // as generated code does (emit_lookup)
    }
    IndirectEntry indirect[1u << INDIRECT_BITS];
    ReturnStack returns;
    uint8_t* translate(cpu::Block& b, Variant v);
    void flush();
    void forget(cpu::Block* b);
    void link(ChainSite* site, cpu::Block& to, uint8_t* target);

    CodeBuffer buf_;
    std::FILE* perf_map_ = nullptr;
    // enter(cpu, code) → the ChainSite to link next, or null.
    using EnterFn = ChainSite* (*)(cpu::CpuState*, const uint8_t*);
    EnterFn enter_ = nullptr;
    uint8_t* exit_stub_ = nullptr;
    // The shared call sequence of each helper (Engine::Engine): a call site is `call rel32`.
    struct Thunk {
        const void* helper = nullptr;
        uint8_t* code = nullptr;
    };
    Thunk thunks_[10];
    uint8_t* flags_thunk_ = nullptr;
    uint8_t* lookup_thunks_[Variant::COUNT] = {};  // by Variant::index: Translator::lookup_and_jump
    // A return's way to the lookup when the return-address stack did not hold its target.
    uint8_t* return_miss_thunks_[Variant::COUNT] = {};
    cpu::Interpreter* dispatcher_ = nullptr;  // the one whose run_block call is running
    // The block whose stack-frame probe just failed (jit/frame.cpp), which run_block declines
    // once; a block declined this many times in a row is translated again without frames.
    cpu::Block* frame_declined_ = nullptr;
public:
    static constexpr uint8_t FRAME_DECLINES = 8;
private:
    uint8_t* thunk(const void* helper) const;
    std::vector<Stub> stubs_;  // for -perfmap
    // Blocks holding a Translation, for flush(); a set, as forget() removes them one by one.
    std::unordered_set<cpu::Block*> translated_;

    friend class Translator;
};

}  // namespace jitpc::jit
