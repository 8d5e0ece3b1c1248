// jitpc-difftest: runs random instruction sequences natively (32-bit user mode in a persistent
// seccomp'd child) and on the reference interpreter (or, with --engine jit, through the JIT),
// and compares GPRs, EFLAGS, the data and stack pages and the fault class. Under the JIT each
// case also runs on the interpreter, which must end exactly as the JIT did, faults and
// undefined flags included (compare_engines). --self-test checks that corrupted results are
// reported.
//
// What is not compared, and why (the one table of it):
//   what                               | why
//   -----------------------------------+---------------------------------------------------------
//   flags the SDM leaves undefined     | per instruction and operand (e.g. OF only for a shift
//                                      | count != 1, CF of SHL/SHR for count >= width, SF/ZF/AF/PF
//                                      | after MUL); carried along the sequence until defined
//                                      | again; an instruction that reads such a flag (ADC, SETcc,
//                                      | LAHF, PUSHF...) is not generated while it is undefined
//   TF, IF, IOPL, AC, ID, RF, VM       | host runs at CPL 3: never set by the generated code
//                                      | (POPF pops only arithmetic flags and DF, with IF = 1)
//   registers after a fault            | the host reports a signal only; memory still compared
//   the exact vector                   | host signals group them: SIGSEGV ~ #GP/#NP/#PF,
//                                      | SIGFPE ~ #DE/#MF, SIGILL ~ #UD, SIGBUS ~ #SS/#AC
//   results undefined by the SDM       | not generated: 16-bit SHLD/SHRD with count > 16;
//                                      | BSWAP o16; BSF/BSR with a zero source IS compared (the
//                                      | destination is kept on P6 and on current hosts)
//   never generated                    | far JMP/CALL/RET, MOV/POP/PUSH Sreg and indirect
//                                      | JMP/CALL (GDT selectors differ: 0x23 vs 0x1B; IRET only
//                                      | in 16-bit code, whose LDT selector is the same; LDS/LES/
//                                      | LSS only where DS/ES/SS hold LDT selectors, LFS/LGS
//                                      | everywhere: the host's FS/GS are restored after a case),
//                                      | memory outside the two pages (no host #PF: jitpc's RAM is
//                                      | flat), LZCNT/TZCNT (host extensions), unmasked x87
//                                      | exceptions (FLDCW loads masked control words only), INT
//                                      | 0x80 (a syscall), LAR/LSL/VERR/VERW on GDT selectors
//   vendor-dependent results          | RCP/RSQRT: only first in a case and on registers; the host
//                                      | loads jitpc's model's result instead (the unit test
//                                      | sse_approx_test checks the model against exact values)
//   not comparable (kNotComparable)    | CPUID, RDTSC, XGETBV, SYSENTER/SYSEXIT, SGDT/SIDT/SLDT/SMSW/STR
//                                      | (UMIP), x87 transcendentals (F2XM1 FSIN FCOS FSINCOS
//                                      | FPTAN FPATAN FYL2X FYL2XP1: jitpc's software algorithm is
//                                      | not the host's microcode, by design)
//   x87 state                          | compared only through FSTP/FIST(P)/FBSTP/FNSTCW to memory,
//                                      | FNSTSW AX after compares, FTST and FXAM, and FNSTENV/
//                                      | FNSAVE images with FIP/FCS/opcode/FDP/FDS and the empty
//                                      | registers ST1-ST7 zeroed (selectors differ; FNINIT leaves
//                                      | stale register contents)
//   privileged and I/O instructions    | compared as faults only: at CPL 3 with IOPL 0 and no I/O
//                                      | bitmap both sides raise #GP (SIGSEGV)
//   fault classes of INT n/INTO/INT1   | host gates other than 3, 4, 0x80 have DPL 0: #GP; jitpc's
//                                      | IDT has DPL 0 gates except 3 (the end marker) and only 32
//                                      | vectors: INT 4 and INTO are #GP there but SIGSEGV on both
// Modes (Case::mode, per case): 32-bit code with flat data segments; 32-bit code with DS/ES/SS an
// LDT 32-bit data segment based at CODE (16-bit offsets reach the buffer, so 67 forms are
// generated); 16-bit LDT code segment with DS/ES/SS an LDT 16-bit (B=0) data segment, both based
// at CODE (16-bit default operand and address size; 66/67 select the 32-bit forms; 16-bit stack).
// The host installs the LDT with modify_ldt before forking the child; jitpc gets identical
// descriptors in an LDT loaded in LDTR. The coverage keys end in cs16/cs32 and a16/a32.
// --mode 64: 64-bit code (a run of its own), the host in its 64-bit user code segment, jitpc in
// IA-32e mode with Linux's selectors (CS 0x33, data 0x2B), so IRETQ, RETFQ and far jumps to the
// case's own code segment are compared (cs64, a64/a32). Not generated there: ARPL (its opcode is MOVSXD's), LDS/LES/
// BOUND (VEX/EVEX prefixes on the host), REX.W on LFS/LGS/LSS (AMD ignores it, Intel honours
// it), an operand-size prefix on near branches (the same), FS/GS overrides (the host's FS is
// its thread pointer).
// Both sides run the case at CPL 3; jitpc delivers exceptions through its IDT onto a ring-0
// stack, so the case's own stack sees no frame (as with the host kernel) (emu.cpp).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include "difftest/check.h"
#include "difftest/emu.h"
#include "difftest/gen.h"
#include "cpu/insn_table.h"
#include "difftest/native.h"

using namespace jitpc::difftest;

namespace {

// Mnemonics of jitpc's CPU table the oracle cannot compare with the host, in which code (bits of
// cpu::CodeModes), and why. Every other mnemonic of the table that decodes in the run's code
// (cpu::InsnInfo::modes, from Zydis) must show up as executed in a long enough run (`--ops all`).
struct NotComparable {
    uint8_t code;
    const char* why;
};
constexpr uint8_t ANY_CODE = jitpc::cpu::CODE_LEGACY | jitpc::cpu::CODE_64;
const std::map<std::string, NotComparable> kNotComparable = {
    {"cpuid", {ANY_CODE, "host and emulated CPU identify differently"}},
    {"rdtsc", {ANY_CODE, "time stamps differ"}},
    {"xgetbv", {ANY_CODE, "the host's XCR0 enables AVX state, jitpc's x87 and SSE only"}},
    {"sysenter", {ANY_CODE, "the AMD host raises #UD in compatibility mode; a P6 raises #GP with no MSRs"}},
    {"sysexit", {ANY_CODE, "privileged; differs like SYSENTER on the AMD host"}},
    {"rdtscp", {ANY_CODE, "time stamps differ"}},
    {"syscall", {ANY_CODE, "the host kernel's system call; #UD outside 64-bit mode on the emulated Intel CPU"}},
    {"sysret", {jitpc::cpu::CODE_LEGACY, "ring 0 only; the AMD host has a legacy form"}},
    {"iret", {jitpc::cpu::CODE_64, "o16 IRET in 64-bit code returns to a 16-bit IP, below the case's code "
                                   "(unmapped on the host, RAM on jitpc)"}},
    {"sgdt", {ANY_CODE, "UMIP on the host: the kernel emulates or faults (table addresses differ anyway)"}},
    {"sidt", {ANY_CODE, "as SGDT"}}, {"sldt", {ANY_CODE, "as SGDT"}}, {"smsw", {ANY_CODE, "as SGDT"}},
    {"str", {ANY_CODE, "as SGDT"}},
    {"f2xm1", {ANY_CODE, "x87 transcendental: jitpc's software algorithm differs from the host's microcode "
                         "in the last bits by design"}},
    {"fcos", {ANY_CODE, "as F2XM1"}}, {"fsin", {ANY_CODE, "as F2XM1"}}, {"fsincos", {ANY_CODE, "as F2XM1"}},
    {"fptan", {ANY_CODE, "as F2XM1"}}, {"fpatan", {ANY_CODE, "as F2XM1"}}, {"fyl2x", {ANY_CODE, "as F2XM1"}},
    {"fyl2xp1", {ANY_CODE, "as F2XM1"}},
};

// Proves the oracle can fail: for random cases whose two results agree, each single-bit
// corruption of jitpc's result (a GPR, a compared flag, a memory byte, the outcome) must be
// reported, and flipping a flag declared undefined must not be.
int self_test(uint64_t seed, unsigned cases, unsigned modes) {
    Generator gen(seed, expand_ops("all"), modes);
    Runner r;
    std::mt19937_64 rng(seed);
    unsigned missed = 0, checked = 0;
    const auto expect = [&](bool reported, bool want, const char* what, const Case& c) {
        ++checked;
        if (reported == want) return;
        ++missed;
        std::printf("self-test: %s %s for %s\n", what, want ? "not reported" : "wrongly reported",
                    c.insns.front().text.c_str());
    };
    for (unsigned i = 0; i < cases; ++i) {
        const Case c = gen.next(6);
        const auto code = code_bytes(c.insns);
        const Result h = r.native->run(code_bytes(c.insns, true), c.in, c.mode);
        const Result e = run_emulated(code, c.in, c.mode);
        const uint32_t undef = undefined_after(c.insns), mask = FLAGS_COMPARED & ~undef;
        const bool x87 = uses_mmx(c.insns);
        if (!compare(h, e, mask, x87, c.mode).empty()) continue;  // a real mismatch: the normal run reports it
        const auto mutated = [&](auto change) {
            Result m = e;
            change(m);
            return !compare(h, m, mask, x87, c.mode).empty();
        };
        const uint32_t bit = 1u << (rng() % 32);
        const unsigned byte = unsigned(rng() % PAGE);
        if (e.outcome == Outcome::Completed) {
            const uint64_t high = c.mode == Mode::Long64 && rng() % 2 ? uint64_t(bit) << 32 : bit;
            expect(mutated([&](Result& m) { m.out.gpr[rng() % num_regs(c.mode)] ^= high; }), true, "GPR bit flip", c);
            uint32_t f;
            do f = 1u << (rng() % 12); while (!(mask & f));
            expect(mutated([&](Result& m) { m.out.eflags ^= f; }), true, "compared flag flip", c);
            if (undef) {
                uint32_t u;
                do u = 1u << (rng() % 12); while (!(undef & u));
                expect(mutated([&](Result& m) { m.out.eflags ^= u; }), false, "undefined flag flip", c);
            }
        }
        if (e.outcome != Outcome::Other) {
            expect(mutated([&](Result& m) { m.out.xmm[rng() % (2 * num_regs(c.mode))] ^= uint64_t(1) << (rng() % 64); }), true,
                   "XMM bit flip", c);
            expect(mutated([&](Result& m) { m.out.mxcsr ^= 1u << (rng() % 16); }), true, "MXCSR bit flip", c);
            if (x87) expect(mutated([&](Result& m) { m.out.mant[rng() % 8] ^= uint64_t(1) << (rng() % 64); }),
                            true, "MM bit flip", c);
        }
        expect(mutated([&](Result& m) { m.out.data[byte] ^= uint8_t(bit | bit >> 8 | bit >> 16 | bit >> 24); }),
               true, "data byte flip", c);
        expect(mutated([&](Result& m) { m.out.stack[byte] ^= 0x80; }), true, "stack byte flip", c);
        expect(mutated([&](Result& m) {
                   m.outcome = m.outcome == Outcome::Completed ? Outcome::SegvClass : Outcome::Completed;
               }),
               true, "outcome change", c);
    }
    std::printf("self-test: %u corruptions checked, %u missed\n", checked, missed);
    return missed || checked == 0 ? 1 : 0;
}

void write_failure(const std::string& dir, uint64_t seed, unsigned index, const Insn& insn,
                   const State& in, Mode mode, const std::string& diff) {
    std::filesystem::create_directories(dir);
    std::ofstream f(dir + "/seed" + std::to_string(seed) + "-case" + std::to_string(index) + ".txt");
    f << "instruction: " << insn.text << "\nbytes:";
    char buf[64];
    for (uint8_t b : insn.bytes) { std::snprintf(buf, sizeof buf, " %02x", b); f << buf; }
    static const char* modes[] = {"32-bit code, flat data segments",
                                  "32-bit code, DS/ES/SS LDT 32-bit data segment based at code area",
                                  "16-bit LDT code segment, DS/ES/SS LDT 16-bit data segment, both based at code area",
                                  "64-bit code (IA-32e mode, the region identity-mapped)"};
    f << "\nmode: " << modes[unsigned(mode)] << "\ncode address (linear): " << std::hex << CODE_START
      << "\ninput (offsets relative to segment base " << seg_base(mode) << "):\n";
    for (unsigned r = 0; r < num_regs(mode); ++r) {
        std::snprintf(buf, sizeof buf, "  %s=%0*llx\n", reg_name(r, mode), mode == Mode::Long64 ? 16 : 8,
                      (unsigned long long)in.gpr[r]);
        f << buf;
    }
    std::snprintf(buf, sizeof buf, "  eflags=%08x\n  mxcsr=%08x\n", in.eflags, in.mxcsr);
    f << buf;
    for (unsigned r = 0; r < num_regs(mode); ++r) {
        std::snprintf(buf, sizeof buf, "  xmm%u=%016llx%016llx\n", r, (unsigned long long)in.xmm[2 * r + 1],
                      (unsigned long long)in.xmm[2 * r]);
        f << buf;
    }
    f << "differences:\n" << diff;
    const auto dump = [&](const char* name, uint32_t base, const std::array<uint8_t, PAGE>& m) {
        f << name << ":\n";
        for (unsigned k = 0; k < PAGE; k += 32) {
            std::snprintf(buf, sizeof buf, "  %08x:", base + k);
            f << buf;
            for (unsigned j = 0; j < 32; ++j) { std::snprintf(buf, sizeof buf, " %02x", m[k + j]); f << buf; }
            f << "\n";
        }
    };
    dump("input data", DATA, in.data);
    dump("input stack", STACK, in.stack);
}

void report_failure(Runner& r, const Case& c, const std::string& diff, const std::string& dir, uint64_t seed,
                    unsigned index) {
    const Reduced m = minimize(r, c, diff);
    Insn all;
    all.bytes = code_bytes(m.insns);
    for (const auto& i : m.insns) all.text += i.text + (m.insns.size() > 1 ? "; " : "");
    write_failure(dir, seed, index, all, m.in, c.mode, m.diff);
    std::printf("FAIL case %u%s: %s\n%s", index, m.insns.size() > 1 ? " (sequence)" : "", all.text.c_str(),
                m.diff.c_str());
}

}  // namespace

int run(int argc, char** argv) {
    unsigned cases = 1000, max_insns = 6;
    uint64_t seed = 1;
    std::string ops = "arith,mov", dir = "difftest-failures";
    unsigned modes = MODES_LEGACY;
    bool selftest = false, require_coverage = false;
    for (int a = 1; a < argc; ++a) {
        const std::string k = argv[a];
        if (k == "--self-test") { selftest = true; continue; }
        if (k == "--require-coverage") { require_coverage = true; continue; }
        const char* v = a + 1 < argc ? argv[a + 1] : nullptr;
        if (!v) { std::fprintf(stderr, "difftest: %s needs a value\n", k.c_str()); return 2; }
        if (k == "--cases") cases = unsigned(std::strtoul(v, nullptr, 0));
        else if (k == "--seed") seed = std::strtoull(v, nullptr, 0);
        else if (k == "--ops") ops = v;
        else if (k == "--failures") dir = v;
        else if (k == "--max-insns") max_insns = unsigned(std::strtoul(v, nullptr, 0));
        else if (k == "--engine" && (std::strcmp(v, "jit") == 0 || std::strcmp(v, "interp") == 0))
            use_jit = std::strcmp(v, "jit") == 0;
        else if (k == "--mode" && (std::strcmp(v, "16,32") == 0 || std::strcmp(v, "64") == 0))
            modes = std::strcmp(v, "64") == 0 ? MODES_64 : MODES_LEGACY;
        else {
            std::fprintf(stderr, "usage: jitpc-difftest [--cases N] [--seed S] [--ops LIST] "
                                 "[--mode 16,32|64] [--failures DIR] [--max-insns N] [--engine jit|interp] "
                                 "[--self-test] [--require-coverage]\n");
            return 2;
        }
        ++a;
    }
    if (selftest) return self_test(seed, cases, modes);
    Generator gen(seed, expand_ops(ops), modes);
    Runner runner;
    std::map<std::string, unsigned> coverage;
    unsigned passed = 0, failed = 0;
    for (unsigned i = 0; i < cases; ++i) {
        const Case c = gen.next(max_insns);
        for (const auto& insn : c.insns) ++coverage[insn.coverage_key];
        const std::string d = runner.check(c.insns, c.in, c.mode);
        if (d.empty()) {
            ++passed;
        } else {
            ++failed;
            report_failure(runner, c, d, dir, seed, i);
        }
    }
    std::printf("%-40s %s\n", "coverage (mnemonic size reg/mem prefixes)", "count");
    for (const auto& [key, n] : coverage) std::printf("  %-38s %u\n", key.c_str(), n);
    std::string missing, excluded;
    const uint8_t code = modes == MODES_64 ? jitpc::cpu::CODE_64 : jitpc::cpu::CODE_LEGACY;
    for (const auto& m : unexercised_mnemonics(code)) {
        const auto nc = kNotComparable.find(m);
        (nc != kNotComparable.end() && nc->second.code & code ? excluded : missing) += " " + m;
    }
    std::printf("CPU table mnemonics not executed:%s\n", missing.empty() ? " none" : missing.c_str());
    std::printf("CPU table mnemonics not comparable (see kNotComparable):%s\n", excluded.c_str());
    std::printf("host outcomes:");
    for (const auto& [o, n] : runner.outcomes) std::printf(" %s %u", outcome_name(o), n);
    std::printf("\n%u passed, %u failed\n", passed, failed);
    // --require-coverage: a comparable CPU-table mnemonic that no case executed fails the run.
    return failed || (require_coverage && !missing.empty()) ? 1 : 0;
}

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const jitpc::difftest::HostUnsupported& e) {
        std::printf("skipped: %s\n", e.what());
        return 77;  // meson's "skipped"
    } catch (const std::exception& e) {
        std::fprintf(stderr, "difftest: %s\n", e.what());
        return 2;
    }
}
