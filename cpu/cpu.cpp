#include "cpu/cpu.h"

#include <cstdio>

namespace jitpc::cpu {

Cpu::Cpu(memory::PhysMemory& pm, Bus& b) : mem(pm), bus(b), mmu(*this, pm), code(pm) {
    mem.on_code_write = [this](uint32_t paddr, uint32_t len) { code.invalidate(paddr, len); };
    mem.on_remap = [this] { mmu.flush_all(); };
    code.ctx = this;
    code.epoch = &code_epoch;
    code.on_new_code_page = [](void* ctx, uint32_t phys) {
        static_cast<Cpu*>(ctx)->mmu.page_became_code(phys);
    };
    reset();
}

void Cpu::reset() {
    // The retired-instruction count is the virtual clock and the -max-insns budget: a reset
    // does not turn it back. The TSC restarts at zero, as RESET does on hardware.
    // INTR is the interrupt controller's output, which a CPU reset does not change.
    const uint64_t clock = icount;
    const uint8_t intr = intr_line;
    static_cast<CpuState&>(*this) = CpuState{};
    icount = clock;
    intr_line = intr;
    tsc_offset = 0 - clock;
    // Power-on state (SDM Vol. 3 9.1.1): EDX holds the processor signature.
    gpr[EDX] = 0x00000633;
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

std::string Cpu::describe() {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "EAX=%08x EBX=%08x ECX=%08x EDX=%08x ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n"
                  "EIP=%08x EFL=%08x CPL=%u CS=%04x(%08x) SS=%04x DS=%04x ES=%04x FS=%04x GS=%04x\n"
                  "CR0=%08x CR2=%08x CR3=%08x CR4=%08x icount=%llu",
                  reg<uint32_t>(EAX), reg<uint32_t>(EBX), reg<uint32_t>(ECX), reg<uint32_t>(EDX),
                  reg<uint32_t>(ESI), reg<uint32_t>(EDI), reg<uint32_t>(EBP), reg<uint32_t>(ESP),
                  uint32_t(rip), flags.get(), cpl, seg[CS].sel, uint32_t(seg[CS].base), seg[SS].sel,
                  seg[DS].sel, seg[ES].sel, seg[FS].sel, seg[GS].sel, uint32_t(cr0), uint32_t(cr2),
                  uint32_t(cr3), uint32_t(cr4),
                  static_cast<unsigned long long>(icount));
    return buf;
}

}  // namespace jitpc::cpu
