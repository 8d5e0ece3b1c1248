// Shared by the SSE emitters (jit/emit_sse_*.cpp, one per cpu/ops/sse_* group). The XMM
// registers stay in cpu::Cpu::sse: an instruction loads its operands into host xmm0/xmm1 and
// stores its result, all within guarded() (jit/translator.h), whose slow path runs the
// interpreter's semantics when the inline code does not take the instruction: SSE disabled
// (CR4.OSFXSR clear, CR0.EM or CR0.TS set: #UD or #NM), a memory slow path or fault, a
// misaligned operand of an aligned form (#GP), and, for floating point, a guest MXCSR that
// unmasks any exception (the interpreter's precise #XM and its unmasked overflow/underflow
// rules). Floating point otherwise runs the host's own instruction under the guest's MXCSR
// (rounding, DAZ, FTZ; its sticky flags are the guest's then), the host's restored after: what
// the interpreter computes (cpu/ops/sse_common.h), to the bit.
#pragma once

#include <asmjit/x86.h>

#include <functional>

#include "jit/translator.h"

namespace jitpc::jit::sse {

// The guest's XMM register `r` (16 bytes) and MXCSR, in CpuState's Cpu.
asmjit::x86::Mem xmm(const Translator& t, unsigned r, unsigned size = 16, unsigned at = 0);
asmjit::x86::Mem mxcsr(const Translator& t);

// Whether the instruction is the XMM form of a mnemonic that may have an MMX one too (the
// binder says so: cpu::AUX_XMM).
bool xmm_form(const Translator& t);
// Whether a memory operand, if any, has an address size generated code forms (32 or 64 bits).
bool addressable(const Translator& t);

// Jumps to `slow` unless SSE instructions execute: CR4.OSFXSR set, CR0.EM and CR0.TS clear
// (emitted at the block's first SSE instruction only: emit_sse.cpp).
void check_enabled(Translator& t, const asmjit::Label& slow);
// The memory operand as host memory of `bytes` bytes (effective_address and the TLB test), and,
// `aligned`, a jump to `slow` off a 16-byte boundary (the host address has the linear
// address's page offset).
asmjit::x86::Mem memory(Translator& t, unsigned bytes, bool write, bool aligned, const asmjit::Label& slow);
// The source of an "xmm, xmm/mN" form: host xmm1 loaded from the guest's r1, or host memory.
asmjit::Operand source(Translator& t, unsigned bytes, bool aligned, const asmjit::Label& slow);

// Jumps to `slow` unless the guest's MXCSR masks every exception. Clobbers eax.
void check_masked(Translator& t, const asmjit::Label& slow);
// `op` (emitted twice) under the guest's MXCSR, whose sticky flags then include those it
// raised. LDMXCSR stalls the host's pipeline, so while the guest's control bits (rounding,
// DAZ, FTZ, masks) are the host's, `op` runs under the host's MXCSR, kept equal to the guest's
// (its sticky flags made the guest's when they differ, which is rare): the host's MXCSR after
// `op` is then the guest's new one. Otherwise the guest's MXCSR is loaded around `op` and the
// host's reloaded after. The host's control bits are never changed outside that, and nothing in
// jitpc reads the host's sticky flags (the interpreter loads its own MXCSR around its host
// operations). The host's EFLAGS after it are `op`'s. Clobbers eax.
void under_guest_mxcsr(Translator& t, const std::function<void()>& op);

// "xmm, xmm/mN [, imm8]": the guest's r0 = host instruction `id` on it and the source (`bytes`
// of memory, `aligned` for m128 operands of legacy SSE), under the guest's MXCSR when `fp`; the
// imm8 masked with `imm_mask`. False (nothing emitted) for a form generated code cannot address.
bool binary(Translator& t, asmjit::x86::Inst::Id id, unsigned bytes, bool aligned, bool fp,
            uint8_t imm_mask = 0xFF);

// Registers `m` as host instruction `name` through binary() with `bytes` of memory (aligned
// when 16), under the guest's MXCSR when `fp`; of a P... mnemonic only the XMM forms (which
// may have MMX ones).
void host_op(GroupEmitters& e, ZydisMnemonic m, const char* name, unsigned bytes, bool fp);
// SSE2's MOVSD and CMPSD, whose mnemonics the string instructions' group owns: its emitters
// (jit/emit_string.cpp) pass the forms with explicit operands on (emit_sse_move.cpp,
// emit_sse_arith.cpp).
bool movsd(Translator& t);
bool cmpsd(Translator& t);

// The memory operand's size for floating-point lanes PS, SS, PD or SD.
constexpr unsigned lane_bytes(const char* lanes) { return lanes[0] == 'P' ? 16 : lanes[1] == 'S' ? 4 : 8; }

}  // namespace jitpc::jit::sse
