#include "jit/helpers.h"

#include "jit/engine.h"

namespace jitpc::jit {

namespace {

uint32_t stop_after(cpu::Cpu& c, uint64_t epoch_before) {
    if (c.code_epoch != epoch_before) c.request_exit();
    return c.exit_request || c.icount >= c.icount_limit;
}

// An access that made a device ask for the dispatcher (an MMIO register raising an interrupt)
// lowers the count limit, which the next block's prologue checks: blocks check no other flag.
void pass_on_exit_request(cpu::Cpu& c) {
    if (c.exit_request) c.icount_limit = 0;
}

template <typename T> uint64_t load(Engine* e, uint32_t seg, uint32_t off) {
    try {
        const T v = e->cpu.read<T>(seg, off);
        pass_on_exit_request(e->cpu);
        return v;
    } catch (const cpu::GuestFault& f) {
        e->fault = f;
        e->fault_pending = true;
        return uint64_t(1) << 32;
    }
}

template <typename T> uint32_t store(Engine* e, uint32_t seg, uint32_t off, uint32_t v) {
    cpu::Cpu& c = e->cpu;
    const uint64_t epoch = c.code_epoch;
    try {
        c.write<T>(seg, off, T(v));
    } catch (const cpu::GuestFault& f) {
        e->fault = f;
        e->fault_pending = true;
        return 1;
    }
    if (c.code_epoch == epoch) {
        pass_on_exit_request(c);
        return 0;
    }
    c.request_exit();
    return 2;
}

}  // namespace

extern "C" uint32_t jit_exec(Engine* e, const cpu::Insn* i) {
    cpu::Cpu& c = e->cpu;
    const uint64_t epoch = c.code_epoch;
    try {
        c.next_eip = c.eip + i->len;
        i->fn(c, *i);
        c.eip = c.next_eip;
        ++c.icount;
    } catch (const cpu::GuestFault& f) {
        e->fault = f;
        e->fault_pending = true;
        return 1;
    }
    return stop_after(c, epoch);
}

extern "C" uint64_t jit_load8(Engine* e, uint32_t seg, uint32_t off) { return load<uint8_t>(e, seg, off); }
extern "C" uint64_t jit_load16(Engine* e, uint32_t seg, uint32_t off) { return load<uint16_t>(e, seg, off); }
extern "C" uint64_t jit_load32(Engine* e, uint32_t seg, uint32_t off) { return load<uint32_t>(e, seg, off); }
extern "C" uint32_t jit_store8(Engine* e, uint32_t seg, uint32_t off, uint32_t v) { return store<uint8_t>(e, seg, off, v); }
extern "C" uint32_t jit_store16(Engine* e, uint32_t seg, uint32_t off, uint32_t v) { return store<uint16_t>(e, seg, off, v); }
extern "C" uint32_t jit_store32(Engine* e, uint32_t seg, uint32_t off, uint32_t v) { return store<uint32_t>(e, seg, off, v); }

extern "C" uint32_t jit_flags(Engine* e) { return e->cpu.flags.get(); }

}  // namespace jitpc::jit
