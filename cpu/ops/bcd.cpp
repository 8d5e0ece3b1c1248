// DAA DAS AAA AAS AAM AAD.
#include "cpu/ops/operands.h"

namespace jitpc::cpu {

void register_bcd(Binder*) {}

}  // namespace jitpc::cpu
