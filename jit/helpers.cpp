#include "jit/helpers.h"

#include "jit/engine.h"

namespace jitpc::jit {

namespace {

// An access that made a device ask for the dispatcher (an MMIO register raising an interrupt)
// lowers the count limit: the translator's stop point after the instruction sees the request,
// and when the instruction ends its block, the next block's prologue sees the limit.
void pass_on_exit_request(cpu::Cpu& c) {
    if (c.exit_request) c.icount_limit = 0;
}

// The fault, if any, is left in the CPU (Cpu::raise_pending) for the dispatcher: most of these
// report it by value (Cpu::try_read/try_write); what still throws is caught here.
uint32_t take_fault(cpu::Cpu& c, const cpu::GuestFault& f) {
    ++c.faults_unwound;
    c.raise_pending(f);
    return 1;
}

// 0, or 1 on a fault.
template <typename T> uint32_t read(cpu::Cpu& c, uint32_t seg, uint64_t off, T& v) {
    try {
        if (!c.try_read<T>(seg, off, v)) return 1;
    } catch (const cpu::GuestFault& f) {  // a device's MMIO read
        return take_fault(c, f);
    }
    pass_on_exit_request(c);
    return 0;
}

template <typename T> uint64_t load(Engine* e, uint32_t seg, uint64_t off) {
    T v;
    return read(e->cpu, seg, off, v) ? uint64_t(1) << 32 : v;
}

template <typename T> uint32_t store(Engine* e, uint32_t seg, uint64_t off, T v) {
    cpu::Cpu& c = e->cpu;
    const uint64_t epoch = c.code_epoch;
    try {
        if (!c.try_write<T>(seg, off, v)) return 1;
    } catch (const cpu::GuestFault& f) {
        return take_fault(c, f);
    }
    if (c.code_epoch == epoch) {
        pass_on_exit_request(c);
        return 0;
    }
    c.request_exit();
    return 2;
}

// The instruction retired as the dispatcher would retire it; 1 on a fault (left pending).
uint32_t retire(cpu::Cpu& c, const cpu::Insn* i) {
    try {
        // Generated code runs 32-bit code, where RIP wraps at 4 GiB, or 64-bit code.
        c.next_rip = c.long64() ? c.rip + i->len : uint32_t(c.rip + i->len);
        i->fn(c, *i);
    } catch (const cpu::GuestFault& f) {
        return take_fault(c, f);
    }
    if (c.fault_pending) return 1;
    c.rip = c.next_rip;
    ++c.icount;
    return 0;
}

}  // namespace

extern "C" uint32_t jit_exec(Engine* e, const cpu::Insn* i, const uint8_t* own) {
    cpu::Cpu& c = e->cpu;
    const uint64_t epoch = c.code_epoch;
    if (retire(c, i)) return 1;
    if (c.code_epoch != epoch) {  // the block's own code may be gone
        c.request_exit();
        return 1;
    }
    if (!c.exit_request) return c.icount >= c.icount_limit;
    const bool go_on = e->resume_point() == own;
    ++(go_on ? e->resumed : e->left)[i->mnemonic];
    return !go_on;
}

extern "C" const uint8_t* jit_exec_last(Engine* e, const cpu::Insn* i) {
    if (retire(e->cpu, i)) return nullptr;
    const uint8_t* go_on = e->resume_point();
    ++(go_on ? e->resumed : e->left)[i->mnemonic];
    return go_on;
}

extern "C" uint64_t jit_load8(Engine* e, uint32_t seg, uint64_t off) { return load<uint8_t>(e, seg, off); }
extern "C" uint64_t jit_load16(Engine* e, uint32_t seg, uint64_t off) { return load<uint16_t>(e, seg, off); }
extern "C" uint64_t jit_load32(Engine* e, uint32_t seg, uint64_t off) { return load<uint32_t>(e, seg, off); }
extern "C" Load64 jit_load64(Engine* e, uint32_t seg, uint64_t off) {
    Load64 r{0, 0};
    r.fault = read(e->cpu, seg, off, r.value);
    return r;
}
extern "C" uint32_t jit_store8(Engine* e, uint32_t seg, uint64_t off, uint32_t v) { return store<uint8_t>(e, seg, off, uint8_t(v)); }
extern "C" uint32_t jit_store16(Engine* e, uint32_t seg, uint64_t off, uint32_t v) { return store<uint16_t>(e, seg, off, uint16_t(v)); }
extern "C" uint32_t jit_store32(Engine* e, uint32_t seg, uint64_t off, uint32_t v) { return store<uint32_t>(e, seg, off, v); }
extern "C" uint32_t jit_store64(Engine* e, uint32_t seg, uint64_t off, uint64_t v) { return store<uint64_t>(e, seg, off, v); }

extern "C" uint32_t jit_flags(Engine* e) { return e->cpu.flags.get(); }

}  // namespace jitpc::jit
