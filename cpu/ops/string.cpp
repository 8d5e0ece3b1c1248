// MOVS CMPS SCAS LODS STOS INS OUTS with REP/REPE/REPNE.
#include "cpu/ops/operands.h"

namespace jitpc::cpu {

void register_string(Binder*) {}

}  // namespace jitpc::cpu
