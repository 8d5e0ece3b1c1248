#include "cpu/print.h"

#include <cstdio>

namespace jitpc::cpu {

const char* mode_name(CpuMode m) {
    switch (m) {
    case CpuMode::Real16: return "real/16";
    case CpuMode::Real32: return "real/32";
    case CpuMode::V86: return "vm86/16";
    case CpuMode::Prot16: return "protected/16";
    case CpuMode::Prot32: return "protected/32";
    case CpuMode::Compat16: return "compat/16";
    case CpuMode::Compat32: return "compat/32";
    case CpuMode::Long64: return "long/64";
    }
    return "?";
}

std::string gpr_text(const CpuState& s) {
    char buf[400];  // 16 × "R15=" and 16 digits and a space
    if (s.mode() == CpuMode::Long64) {
        static const char* const names[NUM_GPRS] = {"RAX", "RBX", "RCX", "RDX", "RSI", "RDI",
                                                    "RBP", "RSP", "R8",  "R9",  "R10", "R11",
                                                    "R12", "R13", "R14", "R15"};
        static const uint8_t order[NUM_GPRS] = {EAX, EBX, ECX, EDX, ESI, EDI, EBP, ESP,
                                                R8,  R9,  R10, R11, R12, R13, R14, R15};
        int n = 0;
        for (unsigned k = 0; k < NUM_GPRS; ++k)
            n += std::snprintf(buf + n, sizeof buf - n, "%s%s=%016llx", k ? " " : "", names[k],
                               static_cast<unsigned long long>(s.gpr[order[k]]));
        return buf;
    }
    std::snprintf(buf, sizeof buf, "EAX=%08x EBX=%08x ECX=%08x EDX=%08x ESI=%08x EDI=%08x EBP=%08x ESP=%08x",
                  uint32_t(s.gpr[EAX]), uint32_t(s.gpr[EBX]), uint32_t(s.gpr[ECX]), uint32_t(s.gpr[EDX]),
                  uint32_t(s.gpr[ESI]), uint32_t(s.gpr[EDI]), uint32_t(s.gpr[EBP]), uint32_t(s.gpr[ESP]));
    return buf;
}

std::string ip_text(uint16_t sel, uint64_t ip, CpuMode m) {
    char buf[32];
    if (m == CpuMode::Long64)
        std::snprintf(buf, sizeof buf, "%04x:%016llx", sel, static_cast<unsigned long long>(ip));
    else
        std::snprintf(buf, sizeof buf, "%04x:%08x", sel, uint32_t(ip));
    return buf;
}

}  // namespace jitpc::cpu
