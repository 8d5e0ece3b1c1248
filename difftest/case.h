// One differential test case: code bytes, the input state, and what each side produced.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace jitpc::difftest {

// Fixed linear addresses, identical in the host child and in the emulated machine. They sit
// below 4 GiB (reachable from 32-bit code) and above mmap_min_addr and the usual PIE ranges.
constexpr uint32_t CODE = 0x00800000;   // prologue, then the random code, then the trailer
constexpr uint32_t CODE_SIZE = 0x4000;
constexpr uint32_t CODE_START = CODE + 0x100;  // where the random code begins on both sides
constexpr uint32_t DATA = 0x00804000;   // the 4 KiB buffer memory operands point into
constexpr uint32_t STACK = 0x00805000;  // one page; ESP starts in its middle
constexpr uint32_t STACK_TOP = STACK + 0x800;
constexpr uint32_t RESULT = 0x00806000;  // the trailer's register dump (host side only)
constexpr uint32_t REGION_SIZE = 0x7000;
constexpr unsigned PAGE = 4096;

// How the case runs. Flat32: CS/DS/ES/SS flat (base 0). Based32: 32-bit code, DS/ES/SS an LDT
// data segment based at CODE (so 16-bit offsets reach the buffer and 67 forms are generated).
// Code16: CS an LDT 16-bit code segment and DS/ES/SS an LDT 16-bit (B=0) data segment, both
// based at CODE. Register values and addresses in the case are offsets in the data segment.
// Long64: 64-bit code (the host's own user mode; jitpc in IA-32e mode with the region
// identity-mapped), 16 GPRs of 64 bits and XMM0-15.
enum class Mode : uint8_t { Flat32, Based32, Code16, Long64 };
constexpr unsigned MODES_LEGACY = 7;  // Mode bits of the 16- and 32-bit modes
constexpr unsigned MODES_64 = 1u << unsigned(Mode::Long64);
// LDT descriptors identical on both sides: base CODE, byte limit SEG_LIMIT, DPL 3.
constexpr uint16_t LDT_CODE16 = 0x07, LDT_DATA16 = 0x0F, LDT_DATA32 = 0x17;
constexpr uint32_t SEG_LIMIT = 0xFFFF;
constexpr uint32_t seg_base(Mode m) { return m == Mode::Flat32 || m == Mode::Long64 ? 0 : CODE; }
// The general and XMM registers a case of the mode has (and the comparison looks at).
constexpr unsigned num_regs(Mode m) { return m == Mode::Long64 ? 16 : 8; }

// Arithmetic flags plus DF: what the generator randomises and the comparison looks at.
constexpr uint32_t FLAGS_COMPARED = 0x0CD5;  // OF DF SF ZF AF PF CF

// Register values of 16/32-bit cases stay below 2^32 and only the first 8 GPRs and XMM
// registers are used.
struct State {
    std::array<uint64_t, 16> gpr{};
    uint32_t eflags = 0x202;
    std::array<uint64_t, 32> xmm{};  // XMM0-15, low quadword first
    uint32_t mxcsr = 0x1F80;
    // The x87/MMX state at the end (an output only; compared for cases with an MMX form): FCW,
    // FSW's TOP, the abridged tag word, and the physical registers R0-R7 (MM0-7 in `mant`).
    uint16_t fcw = 0, top = 0, tags = 0;
    std::array<uint64_t, 8> mant{};
    std::array<uint16_t, 8> exp{};
    std::array<uint8_t, PAGE> data{};
    std::array<uint8_t, PAGE> stack{};
    bool operator==(const State&) const = default;
};

// How a run ended: completed, or the fault class (host signal <-> guest exception vector).
enum class Outcome : uint8_t { Completed, SegvClass, FpeClass, IllClass, BusClass, TrapClass, Other };
const char* outcome_name(Outcome o);

struct Insn {
    std::vector<uint8_t> bytes;
    std::string text;          // mnemonic and form, for reports
    std::string coverage_key;  // mnemonic x size x reg/mem x prefixes
    uint32_t writes_flags = 0;     // arithmetic flags the instruction defines
    uint32_t undefined_flags = 0;  // arithmetic flags the SDM leaves undefined
    uint32_t reads_flags = 0;      // flags whose input value the result depends on
    bool mmx = false;              // uses MM registers: the x87/MMX state is compared...
    bool x87 = false;              // ...unless the case has x87 forms (compared through memory:
                                   // FFREEP's tag effect differs between the P6 model and the host)
    // RCPPS/RCPSS/RSQRTPS/RSQRTSS, whose results are the model's, not the host's: the host runs
    // `host_bytes` instead, a load of the model's result the generator computed.
    std::vector<uint8_t> host_bytes;
    int8_t approx_dst = -1, approx_src = -1;  // their XMM registers (register forms only)
    // A RIP-relative operand (64-bit code): the disp32 at `rip_disp_at` in `bytes` is written
    // when the sequence is laid out (code_bytes), so that it reaches linear `rip_target` from
    // the end of its instruction, `rip_end` bytes into `bytes`.
    int16_t rip_disp_at = -1;
    uint16_t rip_end = 0;
    uint32_t rip_target = 0;
};

struct Case {
    Mode mode = Mode::Flat32;
    std::vector<Insn> insns;
    State in;
};

struct Result {
    Outcome outcome = Outcome::Completed;
    State out;
};

// The code of a sequence as jitpc runs it, or (host) as the host does, from CODE_START (RIP-
// relative displacements resolved).
std::vector<uint8_t> code_bytes(const std::vector<Insn>& insns, bool host = false);

}  // namespace jitpc::difftest
