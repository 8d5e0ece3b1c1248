// jitpc-fuzz: random byte streams executed in real mode, ring 0 and ring 3 (with --mode 64: in
// 64-bit mode at ring 0 and ring 3, on the max model) must end in a fault delivery, a halt, a
// shutdown or the step budget; never a host crash, hang or escaping host exception. With --engine both each stream also runs with the JIT attached, and the two
// runs must end in the same state (registers, EFLAGS, EIP, CR2, the instruction count and the
// code page, which random stores rewrite). Prints "N passed, M failed".
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <random>
#include <string>

#include "jit/engine.h"
#include "tests/unit/cpu_fixture.h"

using namespace jitpc;

namespace {

// GDT: null, ring-0 code, ring-0 data, ring-3 code, ring-3 data, TSS, ring-0 and ring-3 64-bit
// code. IDT: every vector → a ring-0 interrupt gate at a HLT (16-byte gates in IA-32e mode).
// Built in guest memory the same way an OS would; in IA-32e mode 4-level tables map the 16 MiB
// of RAM by 2 MiB user pages.
constexpr uint32_t GDT = 0x1000, IDT = 0x2000, TSS = 0x3000, HANDLER = 0x4000;
constexpr uint32_t PML4 = 0x5000, PDPT = 0x6000, PD = 0x7000;
constexpr uint16_t CS64 = 0x30, USER_CS64 = 0x3B;

// The modes a case runs in: real mode, ring 0, ring 3 (16/32-bit), 64-bit ring 0 and ring 3.
enum Mode : unsigned { REAL, RING0, RING3, LONG0, LONG3 };

uint64_t seg_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
    return (limit & 0xFFFF) | (uint64_t(base & 0xFFFFFF) << 16) | (uint64_t(access) << 40) |
           (uint64_t((limit >> 16) & 0xF) << 48) | (uint64_t(flags) << 52) |
           (uint64_t(base >> 24) << 56);
}

void setup_protected(test::CpuFixture& f, unsigned ring, bool long_mode) {
    using namespace cpu;
    const uint64_t gdt[8] = {0, seg_desc(0, 0xFFFFF, 0x9A, 0xC), seg_desc(0, 0xFFFFF, 0x92, 0xC),
                             seg_desc(0, 0xFFFFF, 0xFA, 0xC), seg_desc(0, 0xFFFFF, 0xF2, 0xC),
                             seg_desc(TSS, 0x67, 0x89, 0), seg_desc(0, 0xFFFFF, 0x9A, 0xA),
                             seg_desc(0, 0xFFFFF, 0xFA, 0xA)};
    f.mem.write_bytes(GDT, gdt, sizeof gdt);
    const unsigned gate_size = long_mode ? 16 : 8;
    for (unsigned v = 0; v < 256; ++v) {
        const uint64_t gate[2] = {(HANDLER & 0xFFFF) | (uint64_t(long_mode ? CS64 : 0x08) << 16) |
                                      (uint64_t(0x8E) << 40) | (uint64_t(HANDLER >> 16) << 48),
                                  0};
        f.mem.write_bytes(IDT + v * gate_size, gate, gate_size);
    }
    if (long_mode) {
        const uint64_t rsp0 = 0x90000;
        f.mem.write_bytes(TSS + 4, &rsp0, 8);
    } else {
        f.wr32(TSS + 4, 0x90000);  // ESP0
        f.wr32(TSS + 8, 0x10);     // SS0
    }
    f.mem.write_bytes(HANDLER, "\xF4", 1);
    f.flat32();
    f.cpu.gdtr = {GDT, sizeof gdt - 1};
    f.cpu.idtr = {IDT, uint16_t(256 * gate_size - 1)};
    f.cpu.tr.sel = 0x28;
    f.cpu.tr.base = TSS;
    f.cpu.tr.limit = 0x67;
    f.cpu.tr.attrs = attr::P | 0xB;
    if (ring == 3) {
        for (unsigned sr = 0; sr < 6; ++sr) {
            SegCache& s = f.cpu.seg[sr];
            s.sel = sr == CS ? 0x1B : 0x23;
            s.attrs |= 3 << attr::DPL_SHIFT;
        }
        f.cpu.cpl = 3;
        f.cpu.flags.set(EFLAGS_IF, EFLAGS_IF);
    }
    if (long_mode) {  // paging, SSE and SYSCALL on as a 64-bit OS has them
        const uint64_t tables[3][2] = {{PML4, PDPT | 7}, {PDPT, PD | 7}};
        for (const auto& [at, entry] : tables)
            if (at) f.mem.write_bytes(uint32_t(at), &entry, 8);
        for (uint64_t n = 0; n < 8; ++n) {
            const uint64_t pde = n << 21 | 0x87;
            f.mem.write_bytes(uint32_t(PD + 8 * n), &pde, 8);
        }
        f.cpu.cr3 = PML4;
        f.cpu.cr4 |= cr4::PAE | cr4::OSFXSR | cr4::OSXMMEXCPT;
        f.cpu.efer |= efer::LME | efer::LMA | efer::SCE | efer::NXE;
        f.cpu.cr0 |= cr0::PG;
        SegCache& cs = f.cpu.seg[CS];
        cs.sel = ring == 3 ? USER_CS64 : CS64;
        cs.attrs = uint16_t((cs.attrs | attr::L) & ~attr::DB);
        cs.refresh();
        f.cpu.mmu.flush_all();
    }
}

// One random case on a CPU of its own, with the JIT attached when asked; the stop reason, or
// the host exception that escaped.
struct Run {
    std::unique_ptr<test::CpuFixture> f;
    std::unique_ptr<jit::Engine> engine;
    int why = -1;
    std::string escaped;

    Run(bool jit, Mode mode, const std::vector<uint8_t>& code, const uint64_t (&regs)[16],
        unsigned long steps) {
        f = mode >= LONG0 ? std::make_unique<test::CpuFixture>(cpu::models::max) : std::make_unique<test::CpuFixture>();
        if (mode == REAL) f->real16();
        else setup_protected(*f, mode == RING0 || mode == LONG0 ? 0 : 3, mode >= LONG0);
        if (jit) {
            engine = std::make_unique<jit::Engine>(f->cpu);
            f->interp.native = engine.get();
        }
        f->load(code);
        if (mode >= LONG0 && f->cpu.mode() != cpu::CpuMode::Long64) {
            escaped = "the case did not start in 64-bit mode";
            return;
        }
        for (unsigned r = 0; r < cpu::NUM_GPRS; ++r)
            if (r != cpu::ESP) f->cpu.gpr[r] = regs[r];
        try {
            why = int(f->run(steps));
        } catch (const std::exception& e) {
            escaped = e.what();
        } catch (...) {
            escaped = "unknown exception";
        }
    }
};

// What differs between the ends of a case under the two engines, or an empty string.
std::string difference(Run& a, Run& b) {
    const cpu::Cpu& x = a.f->cpu;
    const cpu::Cpu& y = b.f->cpu;
    char buf[160];
    if (a.why != b.why) return "stop reason";
    for (unsigned r = 0; r < cpu::NUM_GPRS; ++r)
        if (x.gpr[r] != y.gpr[r]) {
            std::snprintf(buf, sizeof buf, "register %u: interp %016llx, jit %016llx", r,
                          static_cast<unsigned long long>(x.gpr[r]), static_cast<unsigned long long>(y.gpr[r]));
            return buf;
        }
    const uint32_t fx = a.f->flags(), fy = b.f->flags();
    if (fx != fy) {
        std::snprintf(buf, sizeof buf, "eflags: interp %08x, jit %08x", fx, fy);
        return buf;
    }
    if (x.rip != y.rip || x.cr2 != y.cr2 || x.icount != y.icount) {
        std::snprintf(buf, sizeof buf, "rip %llx/%llx cr2 %llx/%llx icount %llu/%llu (interp/jit)",
                      static_cast<unsigned long long>(x.rip), static_cast<unsigned long long>(y.rip),
                      static_cast<unsigned long long>(x.cr2), static_cast<unsigned long long>(y.cr2),
                      static_cast<unsigned long long>(x.icount),
                      static_cast<unsigned long long>(y.icount));
        return buf;
    }
    std::vector<uint8_t> ca(4096), cb(4096);
    a.f->mem.read_bytes(test::CpuFixture::CODE, ca.data(), ca.size());
    b.f->mem.read_bytes(test::CpuFixture::CODE, cb.data(), cb.size());
    if (ca != cb) return "code page contents";
    return {};
}

}  // namespace

int main(int argc, char** argv) {
    unsigned long cases = 1000, seed = 1, steps = 20000;
    bool both = false, long_mode = false;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        const std::string value = argv[i + 1];
        const unsigned long v = std::strtoul(value.c_str(), nullptr, 0);
        if (a == "--cases") cases = v;
        else if (a == "--seed") seed = v;
        else if (a == "--steps") steps = v;
        else if (a == "--engine" && (value == "both" || value == "interp")) both = value == "both";
        else if (a == "--mode" && (value == "16,32" || value == "64")) long_mode = value == "64";
        else {
            std::fprintf(stderr, "usage: jitpc-fuzz [--cases N] [--seed S] [--steps N] [--engine interp|both] "
                                 "[--mode 16,32|64]\n");
            return 1;
        }
    }
    unsigned long passed = 0, failed = 0, outcome[4] = {};
    for (unsigned long c = 0; c < cases; ++c) {
        std::mt19937_64 rng(seed * 1000003 + c);
        const Mode mode = long_mode ? Mode(LONG0 + c % 2) : Mode(c % 3);
        std::vector<uint8_t> code(4096);
        for (auto& b : code) b = uint8_t(rng());
        uint64_t regs[16] = {};
        for (unsigned r = 0; r < (long_mode ? 16 : 8); ++r) regs[r] = long_mode ? rng() : uint32_t(rng());
        Run interp(false, mode, code, regs, steps);
        std::string problem;
        if (!interp.escaped.empty()) {
            problem = "host exception escaped: " + interp.escaped;
        } else if (both) {
            Run jit(true, mode, code, regs, steps);
            problem = jit.escaped.empty() ? difference(interp, jit)
                                          : "host exception escaped under the JIT: " + jit.escaped;
        }
        if (problem.empty()) {
            ++outcome[unsigned(interp.why)];
            ++passed;
        } else {
            std::printf("case %lu (seed %lu, mode %u): %s\n", c, seed, unsigned(mode), problem.c_str());
            ++failed;
        }
    }
    std::printf("outcomes: %lu budget, %lu halted, %lu shutdown\n", outcome[0], outcome[1], outcome[2]);
    std::printf("%lu passed, %lu failed\n", passed, failed);
    return failed ? 1 : 0;
}
