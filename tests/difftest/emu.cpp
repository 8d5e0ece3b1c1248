#include "tests/difftest/emu.h"

#include <memory>
#include <set>

#include "cpu/block_cache.h"
#include "cpu/cpu.h"
#include "cpu/decode.h"
#include "cpu/fault.h"
#include "cpu/interp.h"
#include "memory/physmem.h"

namespace jitpc::difftest {
namespace {

class NullBus : public cpu::Bus {
public:
    uint32_t io_read(uint16_t, unsigned) override { return 0xFFFFFFFF; }
    void io_write(uint16_t, unsigned, uint32_t) override {}
    void cpu_reset_request(const char*) override {}
};

// Exception handlers: one HLT per vector at HANDLERS + vector, reached through an IDT of
// 32-bit interrupt gates, so the halted EIP names the vector.
constexpr uint32_t GDT = 0x00700000;
constexpr uint32_t IDT = GDT + 0x100;
constexpr uint32_t HANDLERS = GDT + 0x1000;
constexpr unsigned VECTORS = 32;

void put64(memory::PhysMemory& m, uint32_t at, uint64_t v) { m.write_bytes(at, &v, 8); }

void install_tables(cpu::Cpu& c) {
    auto& m = c.mem;
    put64(m, GDT + 0x08, 0x00CF9B000000FFFFull);  // flat 32-bit code, DPL 0
    put64(m, GDT + 0x10, 0x00CF93000000FFFFull);  // flat data, DPL 0
    for (unsigned v = 0; v < VECTORS; ++v) {
        const uint32_t h = HANDLERS + v;
        const uint64_t gate = (h & 0xFFFFull) | (0x08ull << 16) | (0x8Eull << 40) |
                              (uint64_t(h >> 16) << 48);
        put64(m, IDT + 8 * v, gate);
        const uint8_t hlt = 0xF4;
        m.write_bytes(h, &hlt, 1);
    }
    c.gdtr = {GDT, 0x17};
    c.idtr = {IDT, VECTORS * 8 - 1};
}

void flat32(cpu::Cpu& c) {
    using namespace cpu;
    c.cr0 |= cr0::PE;
    for (unsigned sr = 0; sr < 6; ++sr) {
        SegCache& s = c.seg[sr];
        s.sel = sr == CS ? 0x08 : 0x10;
        s.base = 0;
        s.limit = 0xFFFFFFFF;
        s.attrs = attr::P | attr::S | attr::DB | attr::G | attr::ACCESSED |
                  (sr == CS ? attr::CODE | attr::READABLE : attr::WRITABLE);
        s.refresh();
    }
}

// Exception vector -> the signal class Linux turns it into for a user process.
Outcome from_vector(unsigned v) {
    switch (v) {
    case 0: case 16: case 19: return Outcome::FpeClass;
    case 6: return Outcome::IllClass;
    case 17: return Outcome::BusClass;
    case 1: case 3: return Outcome::TrapClass;
    default: return Outcome::SegvClass;  // #GP, #SS, #NP, #PF, #OF, #BR (all SIGSEGV)
    }
}

// Protected-mode exception delivery may still end in a triple fault; then the vector of the
// first fault is recovered by running the instruction at EIP once more (faults are precise,
// so the state is still the one it faulted from) and catching what it raises.
Outcome replay_fault(cpu::Cpu& c, cpu::Interpreter& interp) {
    c.shutdown = false;
    c.delivering = 0;
    try {
        cpu::Block* b = interp.block_at_eip();
        const cpu::Insn& i = b->insns[0];
        c.next_eip = c.eip + i.len;
        i.fn(c, i);
    } catch (const cpu::GuestFault& f) {
        return from_vector(f.vector);
    }
    return Outcome::Other;
}

std::set<uint16_t> executed;  // Zydis mnemonics the interpreter ran

}  // namespace

std::string unexercised_mnemonics() {
    std::string out;
    for (unsigned m = 0; m <= ZYDIS_MNEMONIC_MAX_VALUE; ++m)
        if (cpu::Decoder::table[m] && !executed.count(uint16_t(m)))
            out += std::string(" ") + ZydisMnemonicGetString(ZydisMnemonic(m));
    return out;
}

Result run_emulated(const std::vector<uint8_t>& code, const State& in) {
    // RAM is reused across cases (allocating it dominated the run time); everything a case
    // reads is rewritten below and the CPU is built fresh.
    static memory::PhysMemory mem{16u << 20};
    NullBus bus;
    auto c = std::make_unique<cpu::Cpu>(mem, bus);
    cpu::Interpreter interp{*c};
    interp.trace = [](cpu::Cpu&, const cpu::Insn& i) { executed.insert(i.mnemonic); };
    flat32(*c);
    install_tables(*c);
    mem.write_bytes(CODE_START, code.data(), code.size());
    const uint8_t hlt = 0xF4;  // stands for the host trailer: a stray run past the end stops
    mem.write_bytes(CODE_START + uint32_t(code.size()), &hlt, 1);
    mem.write_bytes(DATA, in.data.data(), PAGE);
    mem.write_bytes(STACK, in.stack.data(), PAGE);
    for (unsigned r = 0; r < 8; ++r) c->gpr[r] = in.gpr[r];
    c->flags.set(in.eflags, cpu::EFLAGS_WRITABLE);
    c->eip = CODE_START;

    // Run to the HLT after the code (REP iterations make instruction counts unsuitable); the
    // budget only stops a run that went astray.
    const cpu::StopReason why = interp.run(c->icount + 100000);
    Result r;
    const uint32_t end = CODE_START + uint32_t(code.size());
    if (why == cpu::StopReason::Halted && c->eip == end + 1) {
        r.outcome = Outcome::Completed;
        for (unsigned reg = 0; reg < 8; ++reg) r.out.gpr[reg] = c->gpr[reg];
        r.out.eflags = c->flags.get();
    } else if (c->eip > HANDLERS && c->eip <= HANDLERS + VECTORS) {
        r.outcome = from_vector(c->eip - HANDLERS - 1);
    } else {
        r.outcome = why == cpu::StopReason::Shutdown ? replay_fault(*c, interp) : Outcome::Other;
    }
    if (r.outcome != Outcome::Completed) {
        r.out.gpr = in.gpr;
        r.out.eflags = in.eflags;
    }
    mem.read_bytes(DATA, r.out.data.data(), PAGE);
    mem.read_bytes(STACK, r.out.stack.data(), PAGE);
    return r;
}

}  // namespace jitpc::difftest
