// SHL SHR SAR ROL ROR RCL RCR SHLD SHRD.
#include "cpu/ops/operands.h"

namespace jitpc::cpu {

void register_shift(Binder*) {}

}  // namespace jitpc::cpu
