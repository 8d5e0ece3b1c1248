// Register text for the tracer, the hang dump and messages. Outside 64-bit mode it is the 32-bit
// view (EAX..ESP, CS:EIP), exactly as before the registers were widened, so traces of 32-bit
// guests and the tests that read them stay as they are; in 64-bit mode, all 16 registers and
// RIP with 64 bits.
#pragma once

#include <cstdint>
#include <string>

#include "cpu/state.h"

namespace jitpc::cpu {

// "EAX=%08x EBX=%08x ECX=%08x EDX=%08x ESI=%08x EDI=%08x EBP=%08x ESP=%08x", or RAX..R15.
std::string gpr_text(const CpuState& s);
// "SSSS:%08x" (selector:EIP), or the RIP with 16 digits when `m` is 64-bit mode.
std::string ip_text(uint16_t sel, uint64_t ip, CpuMode m);
inline std::string ip_text(const CpuState& s) { return ip_text(s.seg[CS].sel, s.rip, s.mode()); }

}  // namespace jitpc::cpu
