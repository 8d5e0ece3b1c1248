#include "difftest/sse_ops.h"

#include <set>

namespace jitpc::difftest {

const std::vector<SseForm>& sse_forms() {
    using S = SseShape;
    static const std::vector<SseForm> forms = [] {
        std::vector<SseForm> v = {
            {"MOVUPS", 0, 0x10, S::XX, 16, false}, {"MOVUPS", 0, 0x11, S::XS, 16, false},
            {"MOVAPS", 0, 0x28, S::XX, 16, true}, {"MOVAPS", 0, 0x29, S::XS, 16, true},
            {"MOVUPD", 0x66, 0x10, S::XX, 16, false}, {"MOVUPD", 0x66, 0x11, S::XS, 16, false},
            {"MOVAPD", 0x66, 0x28, S::XX, 16, true}, {"MOVAPD", 0x66, 0x29, S::XS, 16, true},
            {"MOVDQA", 0x66, 0x6F, S::XX, 16, true}, {"MOVDQA", 0x66, 0x7F, S::XS, 16, true},
            {"MOVDQU", 0xF3, 0x6F, S::XX, 16, false}, {"MOVDQU", 0xF3, 0x7F, S::XS, 16, false},
            {"MOVSS", 0xF3, 0x10, S::XX, 4, false}, {"MOVSS", 0xF3, 0x11, S::XS, 4, false},
            {"MOVSD", 0xF2, 0x10, S::XX, 8, false}, {"MOVSD", 0xF2, 0x11, S::XS, 8, false},
            {"MOVLPS", 0, 0x12, S::XX, 8, false, MEM_ONLY}, {"MOVLPS", 0, 0x13, S::XS, 8, false, MEM_ONLY},
            {"MOVHPS", 0, 0x16, S::XX, 8, false, MEM_ONLY}, {"MOVHPS", 0, 0x17, S::XS, 8, false, MEM_ONLY},
            {"MOVLPD", 0x66, 0x12, S::XX, 8, false, MEM_ONLY}, {"MOVLPD", 0x66, 0x13, S::XS, 8, false, MEM_ONLY},
            {"MOVHPD", 0x66, 0x16, S::XX, 8, false, MEM_ONLY}, {"MOVHPD", 0x66, 0x17, S::XS, 8, false, MEM_ONLY},
            {"MOVHLPS", 0, 0x12, S::XX, 16, false, REG_ONLY}, {"MOVLHPS", 0, 0x16, S::XX, 16, false, REG_ONLY},
            {"MOVNTPS", 0, 0x2B, S::XS, 16, true, MEM_ONLY}, {"MOVNTPD", 0x66, 0x2B, S::XS, 16, true, MEM_ONLY},
            {"MOVNTDQ", 0x66, 0xE7, S::XS, 16, true, MEM_ONLY},
            {"MOVD", 0x66, 0x6E, S::XR, 4, false}, {"MOVD", 0x66, 0x7E, S::RMX, 4, false},
            {"MOVQ", 0xF3, 0x7E, S::XX, 8, false}, {"MOVQ", 0x66, 0xD6, S::XS, 8, false},
            {"MOVMSKPS", 0, 0x50, S::RX, 16, false, REG_ONLY}, {"MOVMSKPD", 0x66, 0x50, S::RX, 16, false, REG_ONLY},
            {"PMOVMSKB", 0x66, 0xD7, S::RX, 16, false, REG_ONLY},
            {"MASKMOVDQU", 0x66, 0xF7, S::XX, 16, false, REG_ONLY},
            {"MOVNTI", 0, 0xC3, S::MR, 4, false, MEM_ONLY},
            {"CMPPS", 0, 0xC2, S::XXI, 16, true}, {"CMPSS", 0xF3, 0xC2, S::XXI, 4, false},
            {"CMPPD", 0x66, 0xC2, S::XXI, 16, true}, {"CMPSD", 0xF2, 0xC2, S::XXI, 8, false},
            {"COMISS", 0, 0x2F, S::XX, 4, false, ANY, 0, true}, {"UCOMISS", 0, 0x2E, S::XX, 4, false, ANY, 0, true},
            {"COMISD", 0x66, 0x2F, S::XX, 8, false, ANY, 0, true}, {"UCOMISD", 0x66, 0x2E, S::XX, 8, false, ANY, 0, true},
            {"SHUFPS", 0, 0xC6, S::XXI, 16, true}, {"SHUFPD", 0x66, 0xC6, S::XXI, 16, true},
            {"PSHUFD", 0x66, 0x70, S::XXI, 16, true}, {"PSHUFHW", 0xF3, 0x70, S::XXI, 16, true},
            {"PSHUFLW", 0xF2, 0x70, S::XXI, 16, true},
            {"PEXTRW", 0x66, 0xC5, S::RXI, 16, false, REG_ONLY}, {"PINSRW", 0x66, 0xC4, S::XRI, 2, false},
            // Register forms only (the host loads the model's result: gen.cpp, approx_host).
            {"RCPPS", 0, 0x53, S::XX, 16, true, REG_ONLY}, {"RCPSS", 0xF3, 0x53, S::XX, 4, false, REG_ONLY},
            {"RSQRTPS", 0, 0x52, S::XX, 16, true, REG_ONLY}, {"RSQRTSS", 0xF3, 0x52, S::XX, 4, false, REG_ONLY},
            {"CVTPS2PD", 0, 0x5A, S::XX, 8, false}, {"CVTPD2PS", 0x66, 0x5A, S::XX, 16, true},
            {"CVTSS2SD", 0xF3, 0x5A, S::XX, 4, false}, {"CVTSD2SS", 0xF2, 0x5A, S::XX, 8, false},
            {"CVTDQ2PS", 0, 0x5B, S::XX, 16, true}, {"CVTPS2DQ", 0x66, 0x5B, S::XX, 16, true},
            {"CVTTPS2DQ", 0xF3, 0x5B, S::XX, 16, true}, {"CVTDQ2PD", 0xF3, 0xE6, S::XX, 8, false},
            {"CVTPD2DQ", 0xF2, 0xE6, S::XX, 16, true}, {"CVTTPD2DQ", 0x66, 0xE6, S::XX, 16, true},
            {"CVTSI2SS", 0xF3, 0x2A, S::XR, 4, false}, {"CVTSI2SD", 0xF2, 0x2A, S::XR, 4, false},
            {"CVTTSS2SI", 0xF3, 0x2C, S::RX, 4, false}, {"CVTSS2SI", 0xF3, 0x2D, S::RX, 4, false},
            {"CVTTSD2SI", 0xF2, 0x2C, S::RX, 8, false}, {"CVTSD2SI", 0xF2, 0x2D, S::RX, 8, false},
            {"FXSAVE", 0, 0xAE, S::M, 0, true, MEM_ONLY, 0}, {"FXRSTOR", 0, 0xAE, S::M, 0, true, MEM_ONLY, 1},
            {"LDMXCSR", 0, 0xAE, S::M, 4, false, MEM_ONLY, 2}, {"STMXCSR", 0, 0xAE, S::M, 4, false, MEM_ONLY, 3},
            {"XSAVE", 0, 0xAE, S::M, 0, true, MEM_ONLY, 4}, {"XRSTOR", 0, 0xAE, S::M, 0, true, MEM_ONLY, 5},
            {"XSETBV", 0, 0x01, S::NONE, 0, false, REG_ONLY, 0xD1},  // privileged: #GP(0) at CPL 3
            {"CLFLUSH", 0, 0xAE, S::M, 1, false, MEM_ONLY, 7},
            {"LFENCE", 0, 0xAE, S::NONE, 0, false, REG_ONLY, 0xE8},
            {"MFENCE", 0, 0xAE, S::NONE, 0, false, REG_ONLY, 0xF0},
            {"SFENCE", 0, 0xAE, S::NONE, 0, false, REG_ONLY, 0xF8},
            {"PREFETCHNTA", 0, 0x18, S::M, 1, false, MEM_ONLY, 0}, {"PREFETCHT0", 0, 0x18, S::M, 1, false, MEM_ONLY, 1},
            {"PREFETCHT1", 0, 0x18, S::M, 1, false, MEM_ONLY, 2}, {"PREFETCHT2", 0, 0x18, S::M, 1, false, MEM_ONLY, 3},
        };
        // The xmm, xmm/m forms named by (mnemonic, prefix, opcode, memory bytes, aligned).
        struct Op { const char* n; uint8_t p, o, bytes = 16; };
        static const Op xx[] = {
            {"ADDPS", 0, 0x58, 16}, {"ADDSS", 0xF3, 0x58, 4}, {"ADDPD", 0x66, 0x58, 16}, {"ADDSD", 0xF2, 0x58, 8},
            {"MULPS", 0, 0x59, 16}, {"MULSS", 0xF3, 0x59, 4}, {"MULPD", 0x66, 0x59, 16}, {"MULSD", 0xF2, 0x59, 8},
            {"SUBPS", 0, 0x5C, 16}, {"SUBSS", 0xF3, 0x5C, 4}, {"SUBPD", 0x66, 0x5C, 16}, {"SUBSD", 0xF2, 0x5C, 8},
            {"MINPS", 0, 0x5D, 16}, {"MINSS", 0xF3, 0x5D, 4}, {"MINPD", 0x66, 0x5D, 16}, {"MINSD", 0xF2, 0x5D, 8},
            {"DIVPS", 0, 0x5E, 16}, {"DIVSS", 0xF3, 0x5E, 4}, {"DIVPD", 0x66, 0x5E, 16}, {"DIVSD", 0xF2, 0x5E, 8},
            {"MAXPS", 0, 0x5F, 16}, {"MAXSS", 0xF3, 0x5F, 4}, {"MAXPD", 0x66, 0x5F, 16}, {"MAXSD", 0xF2, 0x5F, 8},
            {"SQRTPS", 0, 0x51, 16}, {"SQRTSS", 0xF3, 0x51, 4}, {"SQRTPD", 0x66, 0x51, 16}, {"SQRTSD", 0xF2, 0x51, 8},
            {"ANDPS", 0, 0x54, 16}, {"ANDNPS", 0, 0x55, 16}, {"ORPS", 0, 0x56, 16}, {"XORPS", 0, 0x57, 16},
            {"ANDPD", 0x66, 0x54, 16}, {"ANDNPD", 0x66, 0x55, 16}, {"ORPD", 0x66, 0x56, 16}, {"XORPD", 0x66, 0x57, 16},
            {"UNPCKLPS", 0, 0x14, 16}, {"UNPCKHPS", 0, 0x15, 16}, {"UNPCKLPD", 0x66, 0x14, 16}, {"UNPCKHPD", 0x66, 0x15, 16},
            {"PUNPCKLBW", 0x66, 0x60, 16}, {"PUNPCKLWD", 0x66, 0x61, 16}, {"PUNPCKLDQ", 0x66, 0x62, 16},
            {"PACKSSWB", 0x66, 0x63, 16}, {"PCMPGTB", 0x66, 0x64, 16}, {"PCMPGTW", 0x66, 0x65, 16},
            {"PCMPGTD", 0x66, 0x66, 16}, {"PACKUSWB", 0x66, 0x67, 16}, {"PUNPCKHBW", 0x66, 0x68, 16},
            {"PUNPCKHWD", 0x66, 0x69, 16}, {"PUNPCKHDQ", 0x66, 0x6A, 16}, {"PACKSSDW", 0x66, 0x6B, 16},
            {"PUNPCKLQDQ", 0x66, 0x6C, 16}, {"PUNPCKHQDQ", 0x66, 0x6D, 16}, {"PCMPEQB", 0x66, 0x74, 16},
            {"PCMPEQW", 0x66, 0x75, 16}, {"PCMPEQD", 0x66, 0x76, 16}, {"PSRLW", 0x66, 0xD1, 16},
            {"PSRLD", 0x66, 0xD2, 16}, {"PSRLQ", 0x66, 0xD3, 16}, {"PADDQ", 0x66, 0xD4, 16},
            {"PMULLW", 0x66, 0xD5, 16}, {"PSUBUSB", 0x66, 0xD8, 16}, {"PSUBUSW", 0x66, 0xD9, 16},
            {"PMINUB", 0x66, 0xDA, 16}, {"PAND", 0x66, 0xDB, 16}, {"PADDUSB", 0x66, 0xDC, 16},
            {"PADDUSW", 0x66, 0xDD, 16}, {"PMAXUB", 0x66, 0xDE, 16}, {"PANDN", 0x66, 0xDF, 16},
            {"PAVGB", 0x66, 0xE0, 16}, {"PSRAW", 0x66, 0xE1, 16}, {"PSRAD", 0x66, 0xE2, 16},
            {"PAVGW", 0x66, 0xE3, 16}, {"PMULHUW", 0x66, 0xE4, 16}, {"PMULHW", 0x66, 0xE5, 16},
            {"PSUBSB", 0x66, 0xE8, 16}, {"PSUBSW", 0x66, 0xE9, 16}, {"PMINSW", 0x66, 0xEA, 16},
            {"POR", 0x66, 0xEB, 16}, {"PADDSB", 0x66, 0xEC, 16}, {"PADDSW", 0x66, 0xED, 16},
            {"PMAXSW", 0x66, 0xEE, 16}, {"PXOR", 0x66, 0xEF, 16}, {"PSLLW", 0x66, 0xF1, 16},
            {"PSLLD", 0x66, 0xF2, 16}, {"PSLLQ", 0x66, 0xF3, 16}, {"PMULUDQ", 0x66, 0xF4, 16},
            {"PMADDWD", 0x66, 0xF5, 16}, {"PSADBW", 0x66, 0xF6, 16}, {"PSUBB", 0x66, 0xF8, 16},
            {"PSUBW", 0x66, 0xF9, 16}, {"PSUBD", 0x66, 0xFA, 16}, {"PSUBQ", 0x66, 0xFB, 16},
            {"PADDB", 0x66, 0xFC, 16}, {"PADDW", 0x66, 0xFD, 16}, {"PADDD", 0x66, 0xFE, 16},
        };
        for (const Op& o : xx) v.push_back({o.n, o.p, o.o, S::XX, o.bytes, o.bytes == 16});
        // Shifts by imm8: 66 0F 71/72/73 /digit ib.
        struct Shift { const char* n; uint8_t o, digit; };
        static const Shift sh[] = {{"PSRLW", 0x71, 2}, {"PSRAW", 0x71, 4}, {"PSLLW", 0x71, 6},
                                   {"PSRLD", 0x72, 2}, {"PSRAD", 0x72, 4}, {"PSLLD", 0x72, 6},
                                   {"PSRLQ", 0x73, 2}, {"PSRLDQ", 0x73, 3}, {"PSLLQ", 0x73, 6},
                                   {"PSLLDQ", 0x73, 7}};
        for (const Shift& s : sh) v.push_back({s.n, 0x66, s.o, S::XI, 0, false, REG_ONLY, s.digit});
        // The MMX forms: the packed-integer rows without the 66 prefix on MM registers (64-bit
        // memory operands, no alignment), except the 128-bit-only ones.
        const size_t xmm_rows = v.size();
        for (size_t k = 0; k < xmm_rows; ++k) {
            SseForm f = v[k];
            const std::string n = f.name;
            if (f.prefix != 0x66 || n[0] != 'P' || (f.shape != S::XX && f.shape != S::XI) ||
                n == "PUNPCKLQDQ" || n == "PUNPCKHQDQ" || n == "PSRLDQ" || n == "PSLLDQ")
                continue;
            f.prefix = 0;
            if (f.shape == S::XX) f.mem_bytes = 8;
            f.aligned = false;
            f.mmx = true;
            v.push_back(f);
        }
        const std::vector<SseForm> mmx = {
            {"MOVD", 0, 0x6E, S::XR, 4}, {"MOVD", 0, 0x7E, S::RMX, 4},
            {"MOVQ", 0, 0x6F, S::XX, 8}, {"MOVQ", 0, 0x7F, S::XS, 8},
            {"MOVNTQ", 0, 0xE7, S::XS, 8, false, MEM_ONLY}, {"MASKMOVQ", 0, 0xF7, S::XX, 8, false, REG_ONLY},
            {"EMMS", 0, 0x77, S::BARE, 0, false, REG_ONLY}, {"PSHUFW", 0, 0x70, S::XXI, 8},
            {"PEXTRW", 0, 0xC5, S::RXI, 8, false, REG_ONLY}, {"PINSRW", 0, 0xC4, S::XRI, 2},
            {"PMOVMSKB", 0, 0xD7, S::RX, 8, false, REG_ONLY},
            {"CVTPI2PS", 0, 0x2A, S::XX, 8}, {"CVTPS2PI", 0, 0x2D, S::XX, 8}, {"CVTTPS2PI", 0, 0x2C, S::XX, 8},
            {"CVTPI2PD", 0x66, 0x2A, S::XX, 8}, {"CVTPD2PI", 0x66, 0x2D, S::XX, 16, true},
            {"CVTTPD2PI", 0x66, 0x2C, S::XX, 16, true},
            {"MOVQ2DQ", 0xF3, 0xD6, S::XX, 8, false, REG_ONLY}, {"MOVDQ2Q", 0xF2, 0xD6, S::XX, 8, false, REG_ONLY},
        };
        for (SseForm f : mmx) {
            f.mmx = true;
            v.push_back(f);
        }
        // SSE3.
        const std::vector<SseForm> sse3 = {
            {"ADDSUBPS", 0xF2, 0xD0, S::XX, 16, true}, {"ADDSUBPD", 0x66, 0xD0, S::XX, 16, true},
            {"HADDPS", 0xF2, 0x7C, S::XX, 16, true}, {"HADDPD", 0x66, 0x7C, S::XX, 16, true},
            {"HSUBPS", 0xF2, 0x7D, S::XX, 16, true}, {"HSUBPD", 0x66, 0x7D, S::XX, 16, true},
            {"MOVSLDUP", 0xF3, 0x12, S::XX, 16, true}, {"MOVSHDUP", 0xF3, 0x16, S::XX, 16, true},
            {"MOVDDUP", 0xF2, 0x12, S::XX, 8, false}, {"LDDQU", 0xF2, 0xF0, S::XX, 16, false, MEM_ONLY},
        };
        v.insert(v.end(), sse3.begin(), sse3.end());
        // SSSE3: each in its XMM form (66) and its MMX form (no prefix, 64-bit memory operand).
        static const Op ssse3[] = {
            {"PSHUFB", 0, 0x00}, {"PHADDW", 0, 0x01}, {"PHADDD", 0, 0x02}, {"PHADDSW", 0, 0x03},
            {"PMADDUBSW", 0, 0x04}, {"PHSUBW", 0, 0x05}, {"PHSUBD", 0, 0x06}, {"PHSUBSW", 0, 0x07},
            {"PSIGNB", 0, 0x08}, {"PSIGNW", 0, 0x09}, {"PSIGND", 0, 0x0A}, {"PMULHRSW", 0, 0x0B},
            {"PABSB", 0, 0x1C}, {"PABSW", 0, 0x1D}, {"PABSD", 0, 0x1E},
        };
        for (const Op& o : ssse3) {
            v.push_back({o.n, 0x66, uint16_t(0x3800 | o.o), S::XX, 16, true});
            v.push_back({o.n, 0, uint16_t(0x3800 | o.o), S::XX, 8, false, ANY, 0, false, true});
        }
        v.push_back({"PALIGNR", 0x66, 0x3A0F, S::XXI, 16, true});
        v.push_back({"PALIGNR", 0, 0x3A0F, S::XXI, 8, false, ANY, 0, false, true});
        // SSE4.1 and SSE4.2: 66 0F 38 xx and 66 0F 3A xx ib.
        static const Op sse4_38[] = {
            {"PBLENDVB", 0, 0x10, 16}, {"BLENDVPS", 0, 0x14, 16}, {"BLENDVPD", 0, 0x15, 16},
            {"PTEST", 0, 0x17, 16}, {"PMOVSXBW", 0, 0x20, 8}, {"PMOVSXBD", 0, 0x21, 4},
            {"PMOVSXBQ", 0, 0x22, 2}, {"PMOVSXWD", 0, 0x23, 8}, {"PMOVSXWQ", 0, 0x24, 4},
            {"PMOVSXDQ", 0, 0x25, 8}, {"PMULDQ", 0, 0x28, 16}, {"PCMPEQQ", 0, 0x29, 16},
            {"PACKUSDW", 0, 0x2B, 16}, {"PMOVZXBW", 0, 0x30, 8}, {"PMOVZXBD", 0, 0x31, 4},
            {"PMOVZXBQ", 0, 0x32, 2}, {"PMOVZXWD", 0, 0x33, 8}, {"PMOVZXWQ", 0, 0x34, 4},
            {"PMOVZXDQ", 0, 0x35, 8}, {"PCMPGTQ", 0, 0x37, 16}, {"PMINSB", 0, 0x38, 16},
            {"PMINSD", 0, 0x39, 16}, {"PMINUW", 0, 0x3A, 16}, {"PMINUD", 0, 0x3B, 16},
            {"PMAXSB", 0, 0x3C, 16}, {"PMAXSD", 0, 0x3D, 16}, {"PMAXUW", 0, 0x3E, 16},
            {"PMAXUD", 0, 0x3F, 16}, {"PMULLD", 0, 0x40, 16}, {"PHMINPOSUW", 0, 0x41, 16},
        };
        for (const Op& o : sse4_38)
            v.push_back({o.n, 0x66, uint16_t(0x3800 | o.o), S::XX, o.bytes, o.bytes == 16, ANY, 0,
                         std::string(o.n) == "PTEST"});
        v.push_back({"MOVNTDQA", 0x66, 0x382A, S::XX, 16, true, MEM_ONLY});
        static const Op sse4_3a[] = {
            {"ROUNDPS", 0, 0x08, 16}, {"ROUNDPD", 0, 0x09, 16}, {"ROUNDSS", 0, 0x0A, 4},
            {"ROUNDSD", 0, 0x0B, 8}, {"BLENDPS", 0, 0x0C, 16}, {"BLENDPD", 0, 0x0D, 16},
            {"PBLENDW", 0, 0x0E, 16}, {"INSERTPS", 0, 0x21, 4}, {"DPPS", 0, 0x40, 16},
            {"DPPD", 0, 0x41, 16}, {"MPSADBW", 0, 0x42, 16},
        };
        for (const Op& o : sse4_3a) v.push_back({o.n, 0x66, uint16_t(0x3A00 | o.o), S::XXI, o.bytes, o.bytes == 16});
        const std::vector<SseForm> sse4 = {
            {"PEXTRB", 0x66, 0x3A14, S::RMXI, 1}, {"PEXTRW", 0x66, 0x3A15, S::RMXI, 2},
            {"PEXTRD", 0x66, 0x3A16, S::RMXI, 4}, {"EXTRACTPS", 0x66, 0x3A17, S::RMXI, 4},
            {"PINSRB", 0x66, 0x3A20, S::XRI, 1}, {"PINSRD", 0x66, 0x3A22, S::XRI, 4},
            // SSE4.2's string compares take unaligned memory operands.
            {"PCMPESTRM", 0x66, 0x3A60, S::XXI, 16, false, ANY, 0, true},
            {"PCMPESTRI", 0x66, 0x3A61, S::XXI, 16, false, ANY, 0, true},
            {"PCMPISTRM", 0x66, 0x3A62, S::XXI, 16, false, ANY, 0, true},
            {"PCMPISTRI", 0x66, 0x3A63, S::XXI, 16, false, ANY, 0, true},
            {"CRC32", 0xF2, 0x38F0, S::RG, 1}, {"CRC32", 0xF2, 0x38F1, S::RG, 4},
            {"CRC32", 0xF2, 0x38F1, S::RG, 2, false, ANY, 0, false, false, true},
            {"POPCNT", 0xF3, 0xB8, S::RG, 4, false, ANY, 0, true},
            {"POPCNT", 0xF3, 0xB8, S::RG, 2, false, ANY, 0, true, false, true},
        };
        v.insert(v.end(), sse4.begin(), sse4.end());
        return v;
    }();
    return forms;
}

std::vector<std::string> sse_mnemonics() {
    std::set<std::string> names;
    for (const auto& f : sse_forms()) names.insert(f.name);
    return {names.begin(), names.end()};
}

}  // namespace jitpc::difftest
