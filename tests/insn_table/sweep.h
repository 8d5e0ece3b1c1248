// Every instruction form Zydis decodes: each opcode byte of the one-byte, 0F, 0F38 and 0F3A maps
// with each mandatory/size prefix and every ModRM byte (REX.W too in 64-bit mode). Shared by
// the decoder's coverage test and the generator of the instruction table's Zydis facts.
#pragma once

#include <Zydis/Zydis.h>

#include <cstdint>
#include <vector>

#include "cpu/decode.h"

namespace jitpc::opcodes {

// Calls fn(zi, ops, bytes, mode) for each form (ops: all operands, hidden ones included) that decodes in each of `modes`; a form without ModRM
// does not depend on the byte after the opcode, so its first decode stands for all 256.
template <typename Fn> void each_form(const std::vector<ZydisMachineMode>& modes, Fn&& fn) {
    static const std::vector<std::vector<uint8_t>> maps = {{}, {0x0F}, {0x0F, 0x38}, {0x0F, 0x3A}};
    static const std::vector<std::vector<uint8_t>> prefixes = {{}, {0x66}, {0xF2}, {0xF3}, {0x67}};
    for (const ZydisMachineMode mode : modes) {
        ZydisDecoder zd;
        const bool long_mode = mode == ZYDIS_MACHINE_MODE_LONG_64;
        cpu::init_decoder(zd, mode,
                          long_mode                                 ? ZYDIS_STACK_WIDTH_64
                          : mode == ZYDIS_MACHINE_MODE_LEGACY_16 ? ZYDIS_STACK_WIDTH_16
                                                                   : ZYDIS_STACK_WIDTH_32);
        for (const auto& pfx : prefixes)
            for (unsigned rex = 0; rex < (long_mode ? 2u : 1u); ++rex)
                for (const auto& map : maps)
                    for (unsigned op = 0; op < 256; ++op)
                        for (unsigned modrm = 0; modrm < 256; ++modrm) {
                            std::vector<uint8_t> b(pfx);
                            if (rex) b.push_back(0x48);
                            b.insert(b.end(), map.begin(), map.end());
                            b.push_back(uint8_t(op));
                            b.push_back(uint8_t(modrm));
                            b.resize(15, 0);
                            ZydisDecoderContext ctx;
                            ZydisDecodedInstruction zi{};
                            if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&zd, &ctx, b.data(),
                                                                            b.size(), &zi)))
                                continue;
                            ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
                            if (!ZYAN_SUCCESS(ZydisDecoderDecodeOperands(&zd, &ctx, &zi, ops,
                                                                         zi.operand_count)))
                                continue;
                            fn(zi, ops, b, mode);
                            if (!(zi.attributes & ZYDIS_ATTRIB_HAS_MODRM)) break;
                        }
    }
}

}  // namespace jitpc::opcodes
