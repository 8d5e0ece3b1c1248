// jitpc-fuzz: random byte streams executed in real mode, ring 0 and ring 3 must end in a
// fault delivery, a halt, a shutdown or the step budget; never a host crash, hang or escaping
// host exception. Prints "N passed, M failed".
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <random>
#include <string>

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

}  // namespace

int main(int argc, char** argv) {
    unsigned long cases = 1000, seed = 1, steps = 20000;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        const unsigned long v = std::strtoul(argv[i + 1], nullptr, 0);
        if (a == "--cases") cases = v;
        else if (a == "--seed") seed = v;
        else if (a == "--steps") steps = v;
        else {
            std::fprintf(stderr, "usage: jitpc-fuzz [--cases N] [--seed S] [--steps N]\n");
            return 1;
        }
    }
    unsigned long passed = 0, failed = 0, outcome[4] = {};
    for (unsigned long c = 0; c < cases; ++c) {
        std::mt19937_64 rng(seed * 1000003 + c);
        auto f = std::make_unique<test::CpuFixture>();
        f->mem.log_unmapped_accesses = false;
        const unsigned mode = c % 3;  // real mode, ring 0, ring 3
        if (mode == 0) f->real16();
        else setup_protected(*f, mode == 1 ? 0 : 3);
        std::vector<uint8_t> code(4096);
        for (auto& b : code) b = uint8_t(rng());
        f->load(code);
        for (unsigned r = 0; r < 8; ++r)
            if (r != cpu::ESP) f->cpu.gpr[r] = uint32_t(rng());
        try {
            const auto why = f->run(steps);
            ++outcome[unsigned(why)];
            ++passed;
        } catch (const std::exception& e) {
            std::printf("case %lu (seed %lu, mode %u): host exception escaped: %s\n", c, seed, mode, e.what());
            ++failed;
        } catch (...) {
            std::printf("case %lu (seed %lu, mode %u): unknown exception escaped\n", c, seed, mode);
            ++failed;
        }
    }
    std::printf("outcomes: %lu budget, %lu halted, %lu shutdown\n", outcome[0], outcome[1], outcome[2]);
    std::printf("%lu passed, %lu failed\n", passed, failed);
    return failed ? 1 : 0;
}
