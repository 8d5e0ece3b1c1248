// x87 FPU instructions.
#include "cpu/ops/operands.h"

namespace jitpc::cpu {

void register_fpu(Binder*) {}

}  // namespace jitpc::cpu
