// IN and OUT (port in DX or imm8). INS/OUTS live with the string instructions.
#include "cpu/ops/operands.h"

namespace jitpc::cpu::ops {
namespace {

template <typename T, bool ImmPort> void in(Cpu& c, const Insn& i) {
    const uint16_t port = ImmPort ? uint16_t(i.imm & 0xFF) : c.reg16(EDX);
    c.check_io(port, sizeof(T));
    c.set_reg<T>(EAX, static_cast<T>(c.bus.io_read(port, sizeof(T))));
}
template <typename T, bool ImmPort> void out(Cpu& c, const Insn& i) {
    const uint16_t port = ImmPort ? uint16_t(i.imm & 0xFF) : c.reg16(EDX);
    c.check_io(port, sizeof(T));
    c.bus.io_write(port, sizeof(T), c.reg<T>(EAX));
    // A port write can raise an interrupt line or stop the machine: look before going on.
    c.request_exit();
}

template <bool In> Handler bind_io(const DecodeCtx& ctx, Insn&) {
    const unsigned data = In ? 0 : 1;  // operand holding AL/AX/EAX
    const bool imm = ctx.is_imm(In ? 1 : 0);
    switch (ctx.size(data)) {
    case 1: return imm ? (In ? in<uint8_t, true> : out<uint8_t, true>) : (In ? in<uint8_t, false> : out<uint8_t, false>);
    case 2: return imm ? (In ? in<uint16_t, true> : out<uint16_t, true>) : (In ? in<uint16_t, false> : out<uint16_t, false>);
    case 4: return imm ? (In ? in<uint32_t, true> : out<uint32_t, true>) : (In ? in<uint32_t, false> : out<uint32_t, false>);
    }
    return nullptr;
}

}  // namespace
}  // namespace jitpc::cpu::ops

namespace jitpc::cpu {

void register_io(Binder* t) {
    t[ZYDIS_MNEMONIC_IN] = ops::bind_io<true>;
    t[ZYDIS_MNEMONIC_OUT] = ops::bind_io<false>;
}

}  // namespace jitpc::cpu
