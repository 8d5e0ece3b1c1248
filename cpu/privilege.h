// Privilege-changing control transfer pieces shared by interrupt delivery, IRET and far
// CALL/JMP/RET.
#pragma once

#include <cstdint>

#include "cpu/descriptor.h"

namespace jitpc::cpu {

// Inner stack for privilege level `dpl` from the current TSS (#TS(TR) when outside it).
void tss_stack(Cpu& c, unsigned dpl, uint16_t& ss, uint32_t& esp);
// Checks and builds the cache for a stack segment taken from the TSS (#TS/#SS with `ext`).
SegCache load_inner_stack(Cpu& c, uint16_t ss, unsigned dpl, uint32_t ext);
// Writes `n` values (vals[0] first pushed) below `esp` on the stack `ss` as the privilege
// level `new_cpl` would, after checking the whole frame fits (#SS(fault_err) otherwise).
void write_frame(Cpu& c, const SegCache& ss, uint32_t& esp, const uint32_t* vals, unsigned n,
                 unsigned width, uint8_t new_cpl, uint32_t fault_err);
// Non-null selector of a code segment (#GP(sel|ext) otherwise); returns its descriptor.
Descriptor check_code_target(Cpu& c, uint16_t sel, uint32_t ext);

// The end of IDT delivery once the frame is written: CS = the gate's target segment at
// `new_cpl`, EFLAGS.TF/NT/RF/VM cleared (and IF through an interrupt gate), RIP = `target`.
void enter_handler(Cpu& c, uint16_t sel, const Descriptor& cs, uint8_t new_cpl, bool int_gate,
                   uint64_t target);

// Checks the stack segment a return to outer level `rpl` pops (#GP/#SS with its selector)
// and returns its cache; sets the descriptor's accessed bit.
SegCache load_outer_stack(Cpu& c, uint16_t ss, unsigned rpl);
// After a return to an outer level: data segment registers more privileged than the new CPL
// become unusable.
void drop_inner_segments(Cpu& c);

// Reads a `w`-byte value at ESP + offset without popping; drops `bytes` from the stack.
uint32_t stack_slot(Cpu& c, unsigned w, uint32_t offset);
uint64_t stack_slot64(Cpu& c, unsigned w, uint32_t offset);  // w may also be 8
void release_stack(Cpu& c, unsigned bytes);

// IA-32e mode (cpu/interrupts_long.cpp).
// A 64-bit value of the TSS at `off` (#TS(TR) outside its limit); RSPn of the 64-bit TSS.
uint64_t tss_rsp(Cpu& c, uint32_t off);
uint64_t tss_rsp_for(Cpu& c, unsigned dpl);
uint64_t sys_read64(Cpu& c, uint64_t lin);
// Writes `n` 8-byte values (vals[0] first pushed) below `rsp` as the privilege level
// `new_cpl` would, after checking the frame is canonical (#SS(fault_err) otherwise).
void write_frame64(Cpu& c, uint64_t& rsp, const uint64_t* vals, unsigned n, uint8_t new_cpl,
                   uint32_t fault_err);
// The null SS of 64-bit mode below ring 3: selector `rpl`, DPL `rpl`, no descriptor.
void load_null_ss(Cpu& c, unsigned rpl);

enum class TaskSwitch { Jmp, Call, Iret };  // interrupts through task gates switch like Call
// Switches to the task whose TSS descriptor (16- or 32-bit) `d` was selected by `sel`, saving
// the current task in its own TSS's format with `return_eip`. Faults after the commit point are raised in the new task's context.
void task_switch(Cpu& c, uint16_t sel, const Descriptor& d, TaskSwitch why, uint32_t return_eip);

}  // namespace jitpc::cpu
