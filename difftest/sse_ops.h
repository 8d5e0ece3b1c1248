// The MMX, SSE to SSE4.2 forms (with CRC32 and POPCNT) the generator draws: one row per encoding (a mnemonic with a load
// and a store opcode, or with XMM and MMX forms, has several rows).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace jitpc::difftest {

enum class SseShape : uint8_t {
    XX,     // xmm, xmm/m
    XS,     // xmm/m, xmm (store opcode; the register form copies reg into r/m)
    XXI,    // xmm, xmm/m, imm8
    XI,     // xmm (r/m), imm8 with /digit in ModRM.reg (shifts)
    XR,     // xmm, r/m32 (MOVD, CVTSI2SS/SD)
    XRI,    // xmm, r32/m16, imm8 (PINSRW)
    RX,     // r32, xmm/m (CVT(T)SS2SI, MOVMSKPS, PMOVMSKB)
    RXI,    // r32, xmm, imm8 (PEXTRW)
    RMX,    // r/m32, xmm (MOVD store)
    RMXI,   // r/m32, xmm, imm8 (PEXTRB/W/D, EXTRACTPS)
    RG,     // r32, r/m (general registers: CRC32, POPCNT)
    MR,     // m32, r32 (MOVNTI)
    M,      // memory only, /digit (LDMXCSR, STMXCSR, CLFLUSH, PREFETCHh, FXSAVE, FXRSTOR)
    NONE,   // no operands: the whole ModRM is fixed (fences)
    BARE,   // no operands and no ModRM (EMMS)
};
enum SseWhere : uint8_t { ANY = 0, REG_ONLY = 1, MEM_ONLY = 2 };

struct SseForm {
    const char* name;
    uint8_t prefix;    // 0, 0x66, 0xF2, 0xF3
    uint16_t opcode;   // after 0F; 0x38xx and 0x3Axx in the three-byte maps
    SseShape shape;
    uint8_t mem_bytes = 0; // memory operand size
    bool aligned = false; // a 16-byte memory operand must be aligned (#GP otherwise)
    uint8_t where = ANY; // SseWhere
    uint8_t digit = 0; // ModRM.reg for XI/M, the ModRM byte for NONE
    bool writes_flags = false; // COMISS..: defines ZF PF CF, clears OF SF AF
    bool mmx = false;  // an MM register operand: the case's x87/MMX state is compared
    bool size_prefix = false;  // a 66 prefix before the mandatory one (CRC32/POPCNT r16 forms)
};

const std::vector<SseForm>& sse_forms();
// The mnemonics of sse_forms(), for the generator's op list and group.
std::vector<std::string> sse_mnemonics();

}  // namespace jitpc::difftest
