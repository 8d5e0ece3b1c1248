#include "difftest/emu.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <set>
#include <sstream>

#include "cpu/block_cache.h"
#include "cpu/cpu.h"
#include "cpu/decode.h"
#include "cpu/fault.h"
#include "cpu/insn_table.h"
#include "cpu/interp.h"
#include "jit/engine.h"
#include "memory/physmem.h"

namespace jitpc::difftest {
namespace {

class NullBus : public cpu::Bus {
public:
    uint32_t io_read(uint16_t, unsigned) override { return 0xFFFFFFFF; }
    void io_write(uint16_t, unsigned, uint32_t) override {}
    void cpu_reset_request(const char*) override {}
};

// The case runs at CPL 3 like the host process. Exceptions reach one HLT per vector at
// HANDLERS + vector through 32-bit interrupt gates and switch to a ring-0 stack from the TSS,
// so delivery leaves the case's own stack untouched (as the host kernel does), and the halted
// EIP names the vector.
constexpr uint32_t GDT = 0x00700000;
constexpr uint32_t IDT = GDT + 0x100;
constexpr uint32_t TSS = GDT + 0x400;
constexpr uint32_t HANDLERS = GDT + 0x1000;
constexpr uint32_t RING0_STACK_TOP = GDT + 0x3000;
constexpr unsigned VECTORS = 32;
constexpr uint32_t LDT = GDT + 0x200;
constexpr uint16_t USER_CS = 0x1B, USER_DS = 0x23, TSS_SEL = 0x28, LDT_SEL = 0x30;
// 64-bit cases: Linux's selectors for the user data and 64-bit code segments (so that IRETQ and
// far transfers see the host's values), a 64-bit code segment for ring 0 (the gates'), the TSS
// and LDT descriptors (16 bytes) after them, 16-byte gates, and 4-level tables mapping the low
// 16 MiB (all of RAM) by 2 MiB user pages.
constexpr uint16_t USER_DS64 = 0x2B, USER_CS64 = 0x33, KERNEL_CS64 = 0x38, TSS64_SEL = 0x40, LDT64_SEL = 0x50;
constexpr uint32_t IDT64 = GDT + 0x800;
constexpr uint32_t PML4 = GDT + 0x3000, PDPT = GDT + 0x4000, PD = GDT + 0x5000;
constexpr uint32_t RAM_BYTES = 16u << 20;

void put64(memory::PhysMemory& m, uint32_t at, uint64_t v) { m.write_bytes(at, &v, 8); }
void put32(memory::PhysMemory& m, uint32_t at, uint32_t v) { m.write_bytes(at, &v, 4); }

void install_tables(cpu::Cpu& c, Mode mode) {
    auto& m = c.mem;
    put64(m, GDT + 0x08, 0x00CF9B000000FFFFull);  // flat 32-bit code, DPL 0
    put64(m, GDT + 0x10, 0x00CF93000000FFFFull);  // flat data, DPL 0
    put64(m, GDT + 0x18, 0x00CFFB000000FFFFull);  // flat 32-bit code, DPL 3
    put64(m, GDT + 0x20, 0x00CFF3000000FFFFull);  // flat data, DPL 3
    put64(m, GDT + TSS_SEL, 0x67 | (uint64_t(TSS & 0xFFFFFF) << 16) | (0x8Bull << 40) |
                                (uint64_t(TSS >> 24) << 56));  // busy 32-bit TSS
    // The host's LDT (modify_ldt): base CODE, byte limit SEG_LIMIT, DPL 3, accessed.
    const auto desc = [](uint32_t base, uint32_t limit, uint64_t access, uint64_t flags) {
        return (limit & 0xFFFFull) | (uint64_t(base & 0xFFFFFF) << 16) | (access << 40) |
               (uint64_t(limit >> 16) << 48) | (flags << 52) | (uint64_t(base >> 24) << 56);
    };
    put64(m, GDT + LDT_SEL, desc(LDT, 0x17, 0x82, 0));
    put64(m, LDT + (LDT_CODE16 & ~7), desc(CODE, SEG_LIMIT, 0xFB, 0));
    put64(m, LDT + (LDT_DATA16 & ~7), desc(CODE, SEG_LIMIT, 0xF3, 0));
    put64(m, LDT + (LDT_DATA32 & ~7), desc(CODE, SEG_LIMIT, 0xF3, 0x4));
    put32(m, TSS + 4, RING0_STACK_TOP);  // ESP0
    put32(m, TSS + 8, 0x10);             // SS0
    put32(m, TSS + 0x64, 0x68u << 16);   // no I/O bitmap: IN/OUT at CPL 3 raise #GP, as on the host
    for (unsigned v = 0; v < VECTORS; ++v) {
        const uint32_t h = HANDLERS + v;
        // Vector 3 is reachable from ring 3: the INT3 after the case marks its end.
        const uint64_t type = v == 3 ? 0xEE : 0x8E;
        const uint64_t gate = (h & 0xFFFFull) | (0x08ull << 16) | (type << 40) |
                              (uint64_t(h >> 16) << 48);
        put64(m, IDT + 8 * v, gate);
        const uint8_t hlt = 0xF4;
        m.write_bytes(h, &hlt, 1);
    }
    c.gdtr = {GDT, 0x37};
    if (mode == Mode::Long64) {
        put64(m, GDT + (USER_DS64 & ~3), 0x00CFF3000000FFFFull);
        put64(m, GDT + (USER_CS64 & ~3), 0x00AFFB000000FFFFull);
        put64(m, GDT + KERNEL_CS64, 0x00AF9B000000FFFFull);
        put64(m, GDT + TSS64_SEL, 0x67 | (uint64_t(TSS & 0xFFFFFF) << 16) | (0x8Bull << 40) |
                                      (uint64_t(TSS >> 24) << 56));
        put64(m, GDT + TSS64_SEL + 8, 0);
        put64(m, GDT + LDT64_SEL, desc(LDT, 0x17, 0x82, 0));
        put64(m, GDT + LDT64_SEL + 8, 0);
        c.gdtr = {GDT, LDT64_SEL + 15};
        put64(m, TSS + 4, RING0_STACK_TOP);  // RSP0
        for (unsigned v = 0; v < VECTORS; ++v) {
            const uint32_t h = HANDLERS + v;
            const uint64_t type = v == 3 ? 0xEE : 0x8E;
            put64(m, IDT64 + 16 * v, (h & 0xFFFFull) | (uint64_t(KERNEL_CS64) << 16) | (type << 40) |
                                         (uint64_t(h >> 16) << 48));
            put64(m, IDT64 + 16 * v + 8, 0);
        }
        put64(m, PML4, PDPT | 7);
        put64(m, PDPT, PD | 7);
        for (uint64_t n = 0; n < RAM_BYTES >> 21; ++n) put64(m, PD + 8 * uint32_t(n), n << 21 | 0x87);
    }
    c.ldtr.sel = mode == Mode::Long64 ? LDT64_SEL : LDT_SEL;
    c.ldtr.base = LDT;
    c.ldtr.limit = 0x17;
    c.ldtr.attrs = cpu::attr::P | 0x2;
    c.idtr = mode == Mode::Long64 ? cpu::TableReg{IDT64, VECTORS * 16 - 1}
                                  : cpu::TableReg{IDT, VECTORS * 8 - 1};
    c.tr.sel = mode == Mode::Long64 ? TSS64_SEL : TSS_SEL;
    c.tr.base = TSS;
    c.tr.limit = 0x67;
    c.tr.attrs = cpu::attr::P | 0xB;
}

// Segment caches as the host's loads leave them: flat GDT segments, or the LDT ones of the
// mode for CS (Code16) and DS/ES/SS (FS/GS stay flat: never used).
void enter_ring3(cpu::Cpu& c, Mode mode) {
    using namespace cpu;
    c.enter_flat32();
    for (unsigned sr = 0; sr < 6; ++sr) {
        SegCache& s = c.seg[sr];
        s.sel = sr == CS ? USER_CS : USER_DS;
        s.attrs |= 3 << attr::DPL_SHIFT;
        const bool ldt_code = sr == CS && mode == Mode::Code16;
        const bool ldt_data = (sr == DS || sr == ES || sr == SS) && (mode == Mode::Based32 || mode == Mode::Code16);
        if (ldt_code || ldt_data) {
            s.sel = ldt_code ? LDT_CODE16 : mode == Mode::Code16 ? LDT_DATA16 : LDT_DATA32;
            s.base = CODE;
            s.limit = SEG_LIMIT;
            s.attrs &= uint16_t(~(attr::G | (ldt_code || mode == Mode::Code16 ? attr::DB : 0)));
        }
        if (mode == Mode::Long64) s.sel = sr == CS ? USER_CS64 : USER_DS64;
        if (mode == Mode::Long64 && sr == CS) s.attrs = uint16_t((s.attrs | attr::L) & ~attr::DB);
        s.refresh();
    }
    if (mode == Mode::Long64) {
        c.cr4 |= cpu::cr4::PAE;
        c.cr3 = PML4;
        c.efer |= cpu::efer::LME | cpu::efer::LMA | cpu::efer::SCE | cpu::efer::NXE;  // as Linux sets it
        c.cr0 |= cpu::cr0::PG;
        c.mmu.flush_all();
    }
    c.cpl = 3;
}

// Exception vector -> the signal class Linux turns it into for a user process.
Outcome from_vector(unsigned v) {
    switch (v) {
    case 0: case 16: case 19: return Outcome::FpeClass;
    case 6: return Outcome::IllClass;
    case 12: case 17: return Outcome::BusClass;  // #SS, #AC
    case 1: case 3: return Outcome::TrapClass;
    default: return Outcome::SegvClass;  // #GP, #NP, #PF, #OF, #BR (all SIGSEGV)
    }
}

std::set<uint16_t> executed;  // Zydis mnemonics the interpreter ran
bool counting = true;          // off for compare_engines' reference runs: they are not coverage

// The JIT for the dispatcher, noting which instructions of the block it is handed it ran: as
// many as icount advanced, plus the one a fault names (EIP stays on the faulting instruction).
// A block the JIT declines (64-bit code until it translates that) runs in the interpreter
// right after: what that retired in it counts, and the instruction an event (a fault, the final
// INT3) starts from.
class RecordingJit : public cpu::NativeRunner {
public:
    explicit RecordingJit(cpu::Cpu& c) : jit_(c, CACHE_BYTES) {
        c.on_deliver = [this](const cpu::Cpu& cpu, const cpu::Cpu::Event&) { settle(cpu.icount + 1); };
    }
    bool run_block(cpu::Block& b, cpu::Interpreter& dispatcher) override {
        settle(jit_.cpu.icount);
        const uint64_t start = jit_.cpu.icount;
        const bool ran = jit_.run_block(b, dispatcher);
        if (ran) note(b, jit_.cpu.icount - start + jit_.cpu.fault_pending);
        else declined_ = &b, declined_at_ = start;
        return ran;
    }
    // Credits the declined block with the instructions before count `upto`.
    void settle(uint64_t upto) {
        if (declined_) note(*declined_, upto - declined_at_);
        declined_ = nullptr;
    }

private:
    cpu::Block* declined_ = nullptr;
    uint64_t declined_at_ = 0;
    static constexpr size_t CACHE_BYTES = 1u << 20;  // a case is a few blocks
    static void note(const cpu::Block& b, uint64_t n) {
        for (size_t k = 0; k < b.insns.size() && k < n; ++k) executed.insert(b.insns[k].mnemonic);
    }
    jit::Engine jit_;
};

}  // namespace

bool use_jit = false;
const cpu::CpuModel* emulated_model = &cpu::models::max;

std::vector<std::string> unexercised_mnemonics(uint8_t code) {
    std::vector<std::string> out;
    for (unsigned m = 0; m <= ZYDIS_MNEMONIC_MAX_VALUE; ++m)
        if (const cpu::InsnInfo& info = cpu::InsnTable::get()[m];
            info.bind && (info.modes & code) && !executed.count(uint16_t(m)))
            out.emplace_back(ZydisMnemonicGetString(ZydisMnemonic(m)));
    return out;
}

Result run_emulated(const std::vector<uint8_t>& code, const State& in, Mode mode, EngineState* end_state) {
    // RAM is reused across cases (allocating it dominated the run time); everything a case
    // reads is rewritten below and the CPU is built fresh.
    static memory::PhysMemory mem{RAM_BYTES};
    NullBus bus;
    auto c = std::make_unique<cpu::Cpu>(mem, bus, *emulated_model);
    cpu::Interpreter interp{*c};
    std::unique_ptr<RecordingJit> jit;
    if (use_jit && mode != Mode::Code16) {
        jit = std::make_unique<RecordingJit>(*c);
        interp.native = jit.get();
    } else if (counting) {
        interp.trace = [](cpu::Cpu&, const cpu::Insn& i) { executed.insert(i.mnemonic); };
    }
    enter_ring3(*c, mode);
    install_tables(*c, mode);
    mem.write_bytes(CODE_START, code.data(), code.size());
    const uint8_t int3 = 0xCC;  // stands for the host trailer: ends the case at ring 0
    mem.write_bytes(CODE_START + uint32_t(code.size()), &int3, 1);
    mem.write_bytes(DATA, in.data.data(), PAGE);
    mem.write_bytes(STACK, in.stack.data(), PAGE);
    EngineState blank;
    mem.write_bytes(RING0_STACK_TOP - sizeof blank.frame, blank.frame.data(), sizeof blank.frame);
    for (unsigned r = 0; r < num_regs(mode); ++r) c->gpr[r] = in.gpr[r];
    c->flags.set(in.eflags, cpu::EFLAGS_WRITABLE);
    // SSE as Linux runs the host child: CR4.OSFXSR, OSXMMEXCPT and OSXSAVE set (XCR0: the x87
    // and SSE components), CR0.EM and TS clear.
    c->cr4 |= cpu::cr4::OSFXSR | cpu::cr4::OSXMMEXCPT | cpu::cr4::OSXSAVE;
    c->sse.xcr0 = cpu::xcr0::SUPPORTED;
    std::memcpy(static_cast<void*>(c->sse.xmm), in.xmm.data(), 256);
    c->sse.mxcsr = in.mxcsr;
    const uint32_t cs_base = mode == Mode::Code16 ? CODE : 0;
    c->rip = CODE_START - cs_base;

    // Run to the INT3 after the code (REP iterations make instruction counts unsuitable); the
    // budget only stops a run that went astray.
    const cpu::StopReason why = interp.run(c->icount + 100000);
    if (jit) jit->settle(c->icount);
    Result r;
    const uint32_t end = CODE_START - cs_base + uint32_t(code.size());
    // The ring-0 frame of the INT3: EIP, CS, EFLAGS, ESP, SS of the case's last state (in
    // 64-bit mode quadwords, the frame aligned to 16 bytes: RING0_STACK_TOP is).
    std::array<uint64_t, 5> frame{};
    const unsigned slot = mode == Mode::Long64 ? 8 : 4;
    for (unsigned k = 0; k < frame.size(); ++k)
        mem.read_bytes(RING0_STACK_TOP - slot * (5 - k), &frame[k], slot);
    if (end_state) {
        std::copy_n(c->gpr, cpu::NUM_GPRS, end_state->gpr.begin());
        end_state->eflags = c->flags.get();
        end_state->rip = c->rip;
        end_state->cr2 = c->cr2;
        end_state->icount = c->icount;
        // One more slot below the INT3 frame: an exception's error code.
        for (unsigned k = 0; k < frame.size(); ++k)
            mem.read_bytes(RING0_STACK_TOP - slot * (6 - k), &end_state->frame[k], slot);
    }
    if (why == cpu::StopReason::Halted && c->rip == HANDLERS + 3 + 1 && frame[0] == end + 1) {
        r.outcome = Outcome::Completed;
        for (unsigned reg = 0; reg < num_regs(mode); ++reg) r.out.gpr[reg] = c->gpr[reg];
        r.out.gpr[cpu::ESP] = frame[3];
        r.out.eflags = frame[2];
    } else if (c->rip > HANDLERS && c->rip <= HANDLERS + VECTORS) {
        r.outcome = from_vector(c->rip - HANDLERS - 1);
    } else {
        r.outcome = Outcome::Other;  // shutdown or a runaway: never what the host does
    }
    if (r.outcome != Outcome::Completed) {
        r.out.gpr = in.gpr;
        r.out.eflags = in.eflags;
    }
    std::memcpy(r.out.xmm.data(), c->sse.xmm, 256);
    r.out.fcw = c->fpu.fcw;
    r.out.top = uint16_t(c->fpu.top());
    r.out.tags = 0;
    for (unsigned p = 0; p < 8; ++p) {
        if (((c->fpu.ftw >> (2 * p)) & 3) != 3) r.out.tags |= uint16_t(1u << p);
        r.out.mant[p] = c->fpu.st[p].mant;
        r.out.exp[p] = c->fpu.st[p].sexp;
    }
    r.out.mxcsr = c->sse.mxcsr;
    mem.read_bytes(DATA, r.out.data.data(), PAGE);
    mem.read_bytes(STACK, r.out.stack.data(), PAGE);
    return r;
}

std::string compare_engines(const std::vector<uint8_t>& code, const State& in, Mode mode,
                            bool corrupt_reference) {
    EngineState jit, reference;
    const Result rj = run_emulated(code, in, mode, &jit);
    use_jit = counting = false;
    const Result ri = run_emulated(code, in, mode, &reference);
    use_jit = counting = true;
    if (corrupt_reference) reference.gpr[0] ^= 1;
    std::ostringstream d;
    char buf[128];
    const auto diff = [&](const char* what, uint64_t i, uint64_t j) {
        if (i == j) return;
        std::snprintf(buf, sizeof buf, "engines: %s interp %llx, jit %llx\n", what,
                      static_cast<unsigned long long>(i), static_cast<unsigned long long>(j));
        d << buf;
    };
    static const char* const regs[] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                       "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
    for (unsigned r = 0; r < cpu::NUM_GPRS; ++r) diff(regs[r], reference.gpr[r], jit.gpr[r]);
    diff("eflags", reference.eflags, jit.eflags);
    diff("rip", reference.rip, jit.rip);
    diff("cr2", reference.cr2, jit.cr2);
    diff("icount", reference.icount, jit.icount);
    for (unsigned k = 0; k < reference.frame.size(); ++k)
        diff("ring-0 stack word", reference.frame[k], jit.frame[k]);
    if (ri.out.xmm != rj.out.xmm) d << "engines: XMM registers differ\n";
    if (ri.out.mant != rj.out.mant || ri.out.exp != rj.out.exp) d << "engines: x87/MMX registers differ\n";
    diff("fcw", ri.out.fcw, rj.out.fcw);
    diff("fsw top", ri.out.top, rj.out.top);
    diff("abridged tags", ri.out.tags, rj.out.tags);
    diff("mxcsr", ri.out.mxcsr, rj.out.mxcsr);
    if (ri.out.data != rj.out.data) d << "engines: data pages differ\n";
    if (ri.out.stack != rj.out.stack) d << "engines: stack pages differ\n";
    return d.str();
}

}  // namespace jitpc::difftest
