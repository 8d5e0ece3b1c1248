// BT BTS BTR BTC BSF BSR BSWAP.
#include "cpu/ops/operands.h"

namespace jitpc::cpu {

void register_bits(Binder*) {}

}  // namespace jitpc::cpu
