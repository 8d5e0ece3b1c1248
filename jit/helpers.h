// Functions generated code calls. They never let a C++ exception out: a guest fault is stored
// in the engine and reported through the return value, and the generated code then leaves
// through its exit stub (no unwinding through host code the compiler did not make).
#pragma once

#include <cstdint>

#include "cpu/insn.h"

namespace jitpc::jit {

class Engine;

// Runs one instruction with the interpreter's semantics, as the interpreter's dispatcher would:
// next_rip, the handler, rip, the instruction count. Returns nonzero when the block must stop
// after it: a fault (left in Cpu::pending_fault), the count limit, a change to translations or
// code (the code epoch moved), or an exit request unless the dispatcher has nothing to do at
// this boundary and the CPU is still in the variant of the calling translation, whose lookup
// thunk is `own` (Engine::resume_point).
extern "C" uint32_t jit_exec(Engine* e, const cpu::Insn* i, const uint8_t* own);
// jit_exec for an instruction that ends its block: returns where generated code goes on at the
// RIP it left (Engine::resume_point: a lookup thunk, which takes that RIP in rax), or null when
// the dispatcher must see the boundary.
extern "C" const uint8_t* jit_exec_last(Engine* e, const cpu::Insn* i);

// Guest memory accesses through the segment and the softMMU, for operands the generated code
// does not access inline. `seg` is the SegReg, `off` the offset in it. Loads return the value
// in the low 32 bits and bit 32 set on a fault (jit_load64: the value in rax, nonzero rdx on a
// fault); stores return 1 on a fault and 2 when the store changed decoded code (the block must
// stop right after it).
struct Load64 {
    uint64_t value, fault;
};
extern "C" uint64_t jit_load8(Engine* e, uint32_t seg, uint64_t off);
extern "C" uint64_t jit_load16(Engine* e, uint32_t seg, uint64_t off);
extern "C" uint64_t jit_load32(Engine* e, uint32_t seg, uint64_t off);
extern "C" Load64 jit_load64(Engine* e, uint32_t seg, uint64_t off);
extern "C" uint32_t jit_store8(Engine* e, uint32_t seg, uint64_t off, uint32_t v);
extern "C" uint32_t jit_store16(Engine* e, uint32_t seg, uint64_t off, uint32_t v);
extern "C" uint32_t jit_store32(Engine* e, uint32_t seg, uint64_t off, uint32_t v);
extern "C" uint32_t jit_store64(Engine* e, uint32_t seg, uint64_t off, uint64_t v);

// The arithmetic flags as EFLAGS bits, evaluating the interpreter's lazy form.
extern "C" uint32_t jit_flags(Engine* e);

}  // namespace jitpc::jit
