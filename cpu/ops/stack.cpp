// PUSH POP PUSHA POPA PUSHF POPF ENTER LEAVE.
#include "cpu/ops/operands.h"

namespace jitpc::cpu {

void register_stack(Binder*) {}

}  // namespace jitpc::cpu
