#include "cpu/cpu.h"

namespace jitpc::cpu {

Cpu::Cpu(memory::PhysMemory& pm, Bus& b, const CpuModel& m)
    : mem(pm), bus(b), model(m), mmu(*this, pm, m), code(pm) {
    mem.on_code_write = [this](memory::PhysAddr paddr, uint32_t len) { code.invalidate(paddr, len); };
    mem.on_remap = [this] { mmu.flush_all(); };
    mem.on_clean = [this] { mmu.slow_writes(); };
    code.ctx = this;
    code.epoch = &code_epoch;
    code.on_new_code_page = [](void* ctx, memory::PhysAddr phys) {
        static_cast<Cpu*>(ctx)->mmu.page_became_code(phys);
    };
    reset();
}

void Cpu::reset() {
    // The virtual clock (and with it the -max-insns budget) and the ticks PAUSE took: a reset
    // does not turn them back. The TSC restarts at zero, as RESET does on hardware.
    // INTR is the interrupt controller's output, which a CPU reset does not change.
    const uint64_t clock = icount, spun = spin_ticks;
    const uint8_t intr = events & EVENT_INTR;
    static_cast<CpuState&>(*this) = CpuState{};
    icount = clock;
    spin_ticks = spun;
    events = intr;
    tsc_offset = 0 - clock;
    // Power-on state (SDM Vol. 3 9.1.1): EDX holds the processor signature.
    gpr[EDX] = model.signature();
    rip = 0xFFF0;
    for (auto& s : seg) {
        s = SegCache{};
        s.refresh();
    }
    seg[CS].sel = 0xF000;
    seg[CS].base = 0xFFFF0000;
    seg[CS].attrs = attr::P | attr::S | attr::CODE | attr::READABLE | attr::ACCESSED;
    seg[CS].refresh();
    seg[CS].rights = SegCache::R | SegCache::W;  // real mode checks limits, not types
    ldtr = SegCache{};
    ldtr.attrs = attr::P | 0x2;
    tr = SegCache{};
    tr.attrs = attr::P | 0xB;
    fpu = FpuState{};
    sse = SseState{};
    mmu.flush_all();
    code.flush();
    delivering = 0;
    shutdown = false;
}

void SegCache::refresh() {
    const bool code = (attrs & attr::S) && (attrs & attr::CODE);
    if (!(attrs & attr::S) || !(attrs & attr::P)) {
        rights = 0;
    } else if (code) {
        rights = (attrs & attr::READABLE) ? R : 0;
    } else {
        rights = R | ((attrs & attr::WRITABLE) ? W : 0);
    }
    if (!code && (attrs & attr::S) && (attrs & attr::EXPAND_DOWN)) {
        lo = limit + 1;  // wraps to 0 for limit 0xFFFFFFFF: then nothing is valid
        hi = big() ? 0xFFFFFFFFu : 0xFFFFu;
        if (limit == 0xFFFFFFFFu) {
            lo = 1;
            hi = 0;
        }
    } else {
        lo = 0;
        hi = limit;
    }
}

}  // namespace jitpc::cpu
