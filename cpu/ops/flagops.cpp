// CLC STC CMC CLD STD LAHF SAHF SALC.
#include "cpu/ops/operands.h"

namespace jitpc::cpu {

void register_flagops(Binder*) {}

}  // namespace jitpc::cpu
