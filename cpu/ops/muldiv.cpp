// MUL IMUL DIV IDIV.
#include "cpu/ops/operands.h"

namespace jitpc::cpu {

void register_muldiv(Binder*) {}

}  // namespace jitpc::cpu
