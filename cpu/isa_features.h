// Which CPUID features an instruction needs: the decoder binds an instruction only when the CPU
// model has all of them (else #UD), so one binder table serves every model.
#pragma once

#include <Zydis/Zydis.h>

#include <optional>

#include "cpu/model.h"

namespace jitpc::cpu {

// From Zydis's ISA set (and the mnemonic or machine mode where one set mixes features). Empty
// for ISA sets no jitpc model can have (AVX, VMX, 3DNow! …): they never decode.
std::optional<FeatureSet> required_features(const ZydisDecodedInstruction& zi);

}  // namespace jitpc::cpu
