// jitpc-fuzz: random byte streams executed in real mode, ring 0 and ring 3 must end in a
// fault delivery, a halt, a shutdown or the step budget; never a host crash, hang or escaping
// host exception. With --engine both each stream also runs with the JIT attached, and the two
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

// GDT: null, ring-0 code, ring-0 data, ring-3 code, ring-3 data, TSS. IDT: every vector → a
// ring-0 interrupt gate at a HLT. Built in guest memory the same way an OS would.
constexpr uint32_t GDT = 0x1000, IDT = 0x2000, TSS = 0x3000, HANDLER = 0x4000;

uint64_t seg_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
    return (limit & 0xFFFF) | (uint64_t(base & 0xFFFFFF) << 16) | (uint64_t(access) << 40) |
           (uint64_t((limit >> 16) & 0xF) << 48) | (uint64_t(flags) << 52) |
           (uint64_t(base >> 24) << 56);
}

void setup_protected(test::CpuFixture& f, unsigned ring) {
    using namespace cpu;
    const uint64_t gdt[6] = {0, seg_desc(0, 0xFFFFF, 0x9A, 0xC), seg_desc(0, 0xFFFFF, 0x92, 0xC),
                             seg_desc(0, 0xFFFFF, 0xFA, 0xC), seg_desc(0, 0xFFFFF, 0xF2, 0xC),
                             seg_desc(TSS, 0x67, 0x89, 0)};
    f.mem.write_bytes(GDT, gdt, sizeof gdt);
    for (unsigned v = 0; v < 256; ++v) {
        const uint64_t gate = (HANDLER & 0xFFFF) | (uint64_t(0x08) << 16) | (uint64_t(0x8E) << 40) |
                              (uint64_t(HANDLER >> 16) << 48);
        f.mem.write_bytes(IDT + v * 8, &gate, 8);
    }
    f.wr32(TSS + 4, 0x90000);  // ESP0
    f.wr32(TSS + 8, 0x10);     // SS0
    f.mem.write_bytes(HANDLER, "\xF4", 1);
    f.flat32();
    f.cpu.gdtr = {GDT, sizeof gdt - 1};
    f.cpu.idtr = {IDT, 256 * 8 - 1};
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
}

// One random case on a CPU of its own, with the JIT attached when asked; the stop reason, or
// the host exception that escaped.
struct Run {
    std::unique_ptr<test::CpuFixture> f = std::make_unique<test::CpuFixture>();
    std::unique_ptr<jit::Engine> engine;
    int why = -1;
    std::string escaped;

    Run(bool jit, unsigned mode, const std::vector<uint8_t>& code, const uint32_t (&regs)[8],
        unsigned long steps) {
        if (mode == 0) f->real16();
        else setup_protected(*f, mode == 1 ? 0 : 3);
        if (jit) {
            engine = std::make_unique<jit::Engine>(f->cpu);
            f->interp.native = engine.get();
        }
        f->load(code);
        for (unsigned r = 0; r < 8; ++r)
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
    bool both = false;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        const std::string value = argv[i + 1];
        const unsigned long v = std::strtoul(value.c_str(), nullptr, 0);
        if (a == "--cases") cases = v;
        else if (a == "--seed") seed = v;
        else if (a == "--steps") steps = v;
        else if (a == "--engine" && (value == "both" || value == "interp")) both = value == "both";
        else {
            std::fprintf(stderr, "usage: jitpc-fuzz [--cases N] [--seed S] [--steps N] [--engine interp|both]\n");
            return 1;
        }
    }
    unsigned long passed = 0, failed = 0, outcome[4] = {};
    for (unsigned long c = 0; c < cases; ++c) {
        std::mt19937_64 rng(seed * 1000003 + c);
        const unsigned mode = c % 3;  // real mode, ring 0, ring 3
        std::vector<uint8_t> code(4096);
        for (auto& b : code) b = uint8_t(rng());
        uint32_t regs[8];
        for (auto& r : regs) r = uint32_t(rng());
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
            std::printf("case %lu (seed %lu, mode %u): %s\n", c, seed, mode, problem.c_str());
            ++failed;
        }
    }
    std::printf("outcomes: %lu budget, %lu halted, %lu shutdown\n", outcome[0], outcome[1], outcome[2]);
    std::printf("%lu passed, %lu failed\n", passed, failed);
    return failed ? 1 : 0;
}
