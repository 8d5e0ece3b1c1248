// The JIT's inline emitters against the interpreter: each snippet runs on two CPUs from the
// same state, one with the JIT attached, and all sixteen registers, EFLAGS and the instruction
// count must agree (32-bit code, and 64-bit code with R8-R15 in every operand position). A snippet is: a prelude that leaves the flags in a given place (the host's
// EFLAGS after an inline op, CpuState as plain bits after POPFD, or a lazy interpreter op after
// a fallback), the instruction under test, and SETcc/CMOVcc/Jcc of one condition reading its
// flags.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <sstream>
#include <type_traits>
#include <vector>

#include "jit/engine.h"
#include "tests/unit/cpu_fixture.h"
#include "tests/unit/long_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

namespace {

using Bytes = std::vector<uint8_t>;
constexpr uint32_t DATA = 0x5000;  // the memory operand snippets use

const uint32_t VALUES[] = {0,          1,          0x80000000, 0x7FFFFFFF, 0xFFFFFFFF, 0x12345678,
                           0x00000080, 0x00008000, 0xC0000001, 0x00000040, 0xFFFF7FFF, 0x81C3A5F0};
const uint32_t COUNTS[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 0xFF, 0x21};
const uint32_t FLAG_IMAGES[] = {0x8D5, 0, 0x801, 0x0D4, 0x011, 0x840, 0x081, 0x004};

template <typename Fixture = test::CpuFixture> struct Pair {
    Fixture ref, jit;
    jit::Engine engine{jit.cpu};
    unsigned runs = 0;
    bool cold_tlb = false;  // every run starts with an empty TLB: first accesses miss

    static constexpr bool LONG64 = std::is_base_of_v<test::LongFixture, Fixture>;

    Pair() {
        for (Fixture* f : {&ref, &jit}) {
            if constexpr (LONG64) {
                f->fault_gates();  // each handler halts
                for (unsigned v : {6u, 10u, 11u, 12u, 13u, 14u}) f->mem.write_bytes(f->HANDLER + v, "\xF4", 1);
            } else {
                f->flat32();
            }
        }
        jit.interp.native = &engine;
    }

    // R8-R15 hold values of all 64 bits in 32-bit snippets too: nothing may change them.
    void run(const Bytes& code, const std::array<uint32_t, 8>& regs, uint32_t data) {
        std::array<uint64_t, 16> all;
        for (unsigned r = 0; r < 16; ++r) all[r] = r < 8 ? regs[r] : 0x0123456789ABCDEFull * r;
        run64(code, all, data);
    }
    void run64(const Bytes& code, const std::array<uint64_t, 16>& regs, uint32_t data) {
        for (Fixture* f : {&ref, &jit}) {
            f->cpu.code.flush();
            f->test::CpuFixture::load(code);
            for (unsigned r = 0; r < 16; ++r) f->reg(r) = r == ESP ? 0x80000 : regs[r];
            f->cpu.flags = Flags{};
            f->cpu.icount = 0;
            f->wr32(DATA, data);
            if (cold_tlb && (runs & 1)) f->cpu.mmu.flush_all();
            REQUIRE(f->run(200) == StopReason::Halted);
        }
        std::ostringstream hex;
        for (uint8_t b : code) hex << std::hex << unsigned(b) << ' ';
        INFO("code: " << hex.str());
        INFO("eax " << std::hex << regs[0] << " ecx " << regs[1] << " edx " << regs[2] << " ebx " << regs[3]
                    << " ebp " << regs[5] << " esi " << regs[6] << " edi " << regs[7] << " [data] " << data);
        for (unsigned r = 0; r < 16; ++r) CHECK_MESSAGE(ref.reg(r) == jit.reg(r), "register " << r);
        CHECK(ref.flags() == jit.flags());
        for (uint32_t at = DATA - 8; at < DATA + 24; at += 4) CHECK_MESSAGE(ref.rd32(at) == jit.rd32(at), "at " << at);
        CHECK(ref.rd32(0x80000 - 8) == jit.rd32(0x80000 - 8));  // a push
        CHECK(ref.rd32(0x80000 - 4) == jit.rd32(0x80000 - 4));
        CHECK(ref.cpu.rip == jit.cpu.rip);
        CHECK(ref.cpu.icount == jit.cpu.icount);
        ++runs;
    }
};

// Flags before the instruction under test: 0 POPFD of an image (CpuState, plain bits), 1 ADD
// (the host's EFLAGS), 2 ADC with a memory source (a fallback: a lazy op in CpuState), 3 TEST
// (the host's EFLAGS with AF undefined there).
Bytes prelude(unsigned kind, uint32_t image, bool long64 = false) {
    switch (kind) {
    case 0: return {0x68, uint8_t(image), uint8_t(image >> 8), 0, 0, 0x9D};  // push imm32; popfd
    case 1: return {0x01, 0xFE};                                             // add esi, edi
    case 2:
        if (long64) return {0x13, 0x2C, 0x25, 0x00, 0x50, 0x00, 0x00};  // adc ebp, [DATA] (no RIP)
        return {0x13, 0x2D, 0x00, 0x50, 0x00, 0x00};                     // adc ebp, [DATA]
    default: return {0x85, 0xFE};                                            // test esi, edi
    }
}

// set<cc> al; cmov<cc> edi, esi; j<cc> +1; nop; hlt
Bytes consumer(unsigned cc) {
    return {0x0F, uint8_t(0x90 + cc), 0xC0, 0x0F, uint8_t(0x40 + cc), 0xFE, uint8_t(0x70 + cc), 0x01, 0x90, 0xF4};
}

// The same preludes, each ending its block with JMP +0, so the instruction under test starts
// the next block and finds the flags in the form the JIT stored them in at the exit (0: plain
// bits after POPFD's fallback, 1: an exact op's, 2: a lazy one, 3: a logic op's).
Bytes prelude_then_jump(unsigned kind, uint32_t image) {
    Bytes code = prelude(kind, image);
    code.insert(code.end(), {0xEB, 0x00});
    return code;
}

// Runs `insn` with every prelude over the value table, cycling through the 16 conditions.
template <typename Fixture> void sweep(Pair<Fixture>& p, const Bytes& insn, Bytes (*before)(unsigned, uint32_t) = nullptr) {
    const unsigned n = std::size(VALUES);
    for (unsigned v = 0; v < n; ++v)
        for (unsigned kind = 0; kind < 4; ++kind) {
            const unsigned k = v * 4 + kind;
            const uint32_t image = FLAG_IMAGES[k % std::size(FLAG_IMAGES)];
            Bytes code = before ? before(kind, image) : prelude(kind, image);
            code.insert(code.end(), insn.begin(), insn.end());
            const Bytes tail = consumer(k % 16);
            code.insert(code.end(), tail.begin(), tail.end());
            const std::array<uint32_t, 8> regs = {
                0x11111111u * kind, COUNTS[(v + kind) % std::size(COUNTS)], VALUES[v], VALUES[(v + 3) % n],
                0, VALUES[(v + 1) % n], VALUES[(v + 5) % n], VALUES[(v + 7) % n]};
            p.run(code, regs, VALUES[(v + 2) % n]);
        }
}

}  // namespace

TEST_CASE("JIT shifts and rotates match the interpreter") {
    Pair<> p;
    // /0 ROL, /1 ROR, /4 SHL, /5 SHR, /6 SAL, /7 SAR
    for (uint8_t ext : {0, 1, 4, 5, 6, 7}) {
        const uint8_t edx = uint8_t(0xC2 | ext << 3), ebx = uint8_t(0xC3 | ext << 3), ecx = uint8_t(0xC1 | ext << 3);
        for (uint8_t count : {0, 1, 2, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 0xFF}) {
            sweep(p, {0xC1, edx, count});        // r32, imm8
            sweep(p, {0x66, 0xC1, ebx, count});  // r16, imm8
            sweep(p, {0xC0, ebx, count});        // r8 (BL), imm8
        }
        sweep(p, {0xD1, edx});        // r32, 1
        sweep(p, {0x66, 0xD1, edx});  // r16, 1
        sweep(p, {0xD0, ebx});        // r8, 1
        sweep(p, {0xD3, edx});        // r32, CL
        sweep(p, {0xD3, ecx});        // ECX, CL
        sweep(p, {0x66, 0xD3, ebx});  // r16, CL
        sweep(p, {0xD2, ebx});        // r8, CL
        sweep(p, {0xD2, ecx});        // CL, CL
        sweep(p, {0xD1, edx, 0xD3, edx});  // two in a row: the first one's flags never seen
        sweep(p, {0xC1, edx, 5, 0x11, 0xDA});  // then ADC edx, ebx (reads CF)
        sweep(p, {0xC1, edx, 3, 0x42});        // then INC edx (keeps CF)
        sweep(p, {0xC1, edx, 6, 0xEB, 0x00});  // then JMP: the flags leave the block
        const uint8_t mem = uint8_t(0x05 | ext << 3);  // [DATA]
        sweep(p, {0xD1, mem, 0x00, 0x50, 0x00, 0x00});        // m32, 1 (in place)
        sweep(p, {0x66, 0xD1, mem, 0x00, 0x50, 0x00, 0x00});  // m16, 1
        sweep(p, {0xD0, mem, 0x00, 0x50, 0x00, 0x00});        // m8, 1
        sweep(p, {0xC1, mem, 0x00, 0x50, 0x00, 0x00, 1});     // m32, imm8 1
        sweep(p, {0xC1, mem, 0x00, 0x50, 0x00, 0x00, 3});     // m32, imm8 3 (the interpreter)
    }
    CHECK(p.engine.blocks_translated > 0);
    MESSAGE(p.runs << " snippets, " << p.engine.blocks_translated << " blocks translated");
}

// A block that starts with a flag reader does not know in which form the previous one left
// the flags: the form an exact op's exit stores is read inline, any other through the thunk.
TEST_CASE("JIT flag readers at a block's start read the form the previous block stored") {
    Pair<> p;
    for (const Bytes& insn : {Bytes{0x90},                                    // the conditions alone
                              Bytes{0x4A}, Bytes{0x42},                       // dec edx, inc edx (keep CF)
                              Bytes{0xFF, 0x0D, 0x00, 0x50, 0x00, 0x00},      // dec [DATA]
                              Bytes{0xFE, 0x05, 0x00, 0x50, 0x00, 0x00},      // inc byte [DATA]
                              Bytes{0x11, 0xDA}, Bytes{0x19, 0xDA},           // adc edx, ebx; sbb edx, ebx
                              Bytes{0x13, 0x15, 0x00, 0x50, 0x00, 0x00},      // adc edx, [DATA]
                              Bytes{0x66, 0x1B, 0x15, 0x00, 0x50, 0x00, 0x00},  // sbb dx, [DATA]
                              Bytes{0x12, 0x3D, 0x00, 0x50, 0x00, 0x00},      // adc bh, [DATA]
                              Bytes{0x11, 0x15, 0x00, 0x50, 0x00, 0x00},      // adc [DATA], edx
                              Bytes{0x0F, 0x42, 0x15, 0x00, 0x50, 0x00, 0x00},  // cmovb edx, [DATA]
                              Bytes{0xC1, 0xC2, 5}, Bytes{0xC1, 0xCA, 30}})   // rol edx, 5; ror edx, 30
        sweep(p, insn, prelude_then_jump);
    MESSAGE(p.runs << " snippets, " << p.engine.blocks_translated << " blocks translated");
}

// ROL/ROR by a constant whose flags only a fault of a later access could see, and with the
// flags the next instruction reads after an access.
TEST_CASE("JIT rotates by a constant before memory accesses match the interpreter") {
    Pair<> p;
    for (uint8_t ext : {0, 1})
        for (uint8_t count : {2, 7, 8, 9, 16, 17, 31}) {
            const uint8_t edx = uint8_t(0xC2 | ext << 3), ebx = uint8_t(0xC3 | ext << 3);
            sweep(p, {0xC1, edx, count, 0x8B, 0x1D, 0x00, 0x50, 0x00, 0x00});  // then mov ebx, [DATA]
            sweep(p, {0x66, 0xC1, ebx, count, 0x8B, 0x15, 0x00, 0x50, 0x00, 0x00});
            sweep(p, {0xC0, ebx, count, 0x03, 0x15, 0x00, 0x50, 0x00, 0x00});  // then add edx, [DATA]
            sweep(p, {0xC1, edx, count, 0x8B, 0x1D, 0x00, 0x50, 0x00, 0x00, 0x11, 0xDE});  // ... adc esi, ebx
        }
    MESSAGE(p.runs << " snippets, " << p.engine.blocks_translated << " blocks translated");
}

TEST_CASE("JIT SHLD and SHRD match the interpreter") {
    Pair<> p;
    for (uint8_t op : {0xA4, 0xAC})  // SHLD, SHRD r/m, r, imm8
        for (uint8_t count : {0, 1, 2, 5, 15, 16, 17, 31, 32, 33}) {
            sweep(p, {0x0F, op, 0xDA, count});        // edx, ebx
            sweep(p, {0x0F, op, 0xD2, count});        // edx, edx
            sweep(p, {0x66, 0x0F, op, 0xDA, count});  // dx, bx (counts of 16..31: the interpreter's)
            sweep(p, {0x66, 0x0F, op, 0xD2, count});  // dx, dx
        }
    for (uint8_t op : {0xA5, 0xAD}) {  // SHLD, SHRD r/m, r, CL
        sweep(p, {0x0F, op, 0xDA});
        sweep(p, {0x0F, op, 0xD9});                  // ecx, ebx
        sweep(p, {0x0F, op, 0xDA, 0x0F, op, 0xD3});  // two in a row: the first one's flags never seen
        sweep(p, {0x66, 0x0F, op, 0xDA});            // dx, bx, CL (16..31: the interpreter's)
        sweep(p, {0x66, 0x0F, op, 0xD9});            // cx, bx
        sweep(p, {0x66, 0x0F, op, 0xDA, 0x66, 0x0F, op, 0xD3});
    }
    MESSAGE(p.runs << " snippets, " << p.engine.blocks_translated << " blocks translated");
}

TEST_CASE("JIT BT/BTS/BTR/BTC and BSF/BSR keep the flags they do not write, like the interpreter") {
    Pair<> p;
    for (uint8_t op : {0xA3, 0xAB, 0xB3, 0xBB}) {  // BT, BTS, BTR, BTC r/m, r
        sweep(p, {0x0F, op, 0xDA});                // edx, ebx
        sweep(p, {0x0F, op, 0xCA});                // edx, ecx (a count: small)
        sweep(p, {0x66, 0x0F, op, 0xCA});          // dx, cx
        sweep(p, {0x0F, op, 0xCA, 0x0F, op, 0xDA});  // two in a row: the first CF never seen
    }
    for (uint8_t ext : {4, 5, 6, 7})  // BT, BTS, BTR, BTC r/m, imm8
        for (uint8_t bit : {0, 5, 31, 33, 0xFF}) {
            sweep(p, {0x0F, 0xBA, uint8_t(0xC2 | ext << 3), bit});
            sweep(p, {0x66, 0x0F, 0xBA, uint8_t(0xC2 | ext << 3), bit});
        }
    for (uint8_t op : {0xA3, 0xAB, 0xB3, 0xBB}) {  // with memory: [DATA], ecx (a count) / edx
        sweep(p, {0x0F, op, 0x0D, 0x00, 0x50, 0x00, 0x00});
        sweep(p, {0x66, 0x0F, op, 0x0D, 0x00, 0x50, 0x00, 0x00});
        sweep(p, {0x0F, op, 0x15, 0x00, 0x50, 0x00, 0x00});  // anywhere, or outside RAM
        sweep(p, {0x64, 0x0F, op, 0x0D, 0x00, 0x50, 0x00, 0x00});  // fs: (checked, the address in rcx)
        sweep(p, {0x0F, op, 0x0D, 0x00, 0x50, 0x00, 0x00, 0x0F, op, 0x15, 0x08, 0x50, 0x00, 0x00});
    }
    for (uint8_t ext : {4, 5, 6, 7})  // [DATA], imm8
        for (uint8_t bit : {0, 5, 31, 33, 0xFF}) {
            sweep(p, {0x0F, 0xBA, uint8_t(0x05 | ext << 3), 0x00, 0x50, 0x00, 0x00, bit});
            sweep(p, {0x66, 0x0F, 0xBA, uint8_t(0x05 | ext << 3), 0x00, 0x50, 0x00, 0x00, bit});
        }
    for (uint8_t op : {0xBC, 0xBD}) {  // BSF, BSR
        sweep(p, {0x0F, op, 0xD3});                          // edx, ebx (zero now and then)
        sweep(p, {0x66, 0x0F, op, 0xD3});                    // dx, bx
        sweep(p, {0x0F, op, 0x15, 0x00, 0x50, 0x00, 0x00});  // edx, [DATA]
        sweep(p, {0x0F, op, 0xD3, 0x0F, op, 0xD1});          // two in a row
    }
    MESSAGE(p.runs << " snippets, " << p.engine.blocks_translated << " blocks translated");
}

TEST_CASE("JIT SETcc and CMOVcc read every condition like the interpreter") {
    Pair<> p;
    sweep(p, {0x39, 0xFB});  // cmp ebx, edi (then all 16 conditions via the sweep)
    sweep(p, {0x90});        // the prelude's flags straight into the conditions
    for (unsigned cc = 0; cc < 16; ++cc) {
        sweep(p, {0x0F, uint8_t(0x90 + cc), 0xC3});                         // set<cc> bl
        sweep(p, {0x0F, uint8_t(0x90 + cc), 0xC7});                         // set<cc> bh (a fallback)
        sweep(p, {0x0F, uint8_t(0x40 + cc), 0xD3});                         // cmov<cc> edx, ebx
        sweep(p, {0x66, 0x0F, uint8_t(0x40 + cc), 0xD3});                   // cmov<cc> dx, bx
        sweep(p, {0x0F, uint8_t(0x40 + cc), 0x15, 0x00, 0x50, 0x00, 0x00});  // cmov<cc> edx, [DATA]
        sweep(p, {0x66, 0x0F, uint8_t(0x40 + cc), 0x15, 0x00, 0x50, 0x00, 0x00});
    }
    MESSAGE(p.runs << " snippets, " << p.engine.blocks_translated << " blocks translated");
}

TEST_CASE("JIT MUL and IMUL match the interpreter, with and without overflow") {
    Pair<> p;
    sweep(p, {0x0F, 0xAF, 0xD3});                                // imul edx, ebx
    sweep(p, {0x66, 0x0F, 0xAF, 0xD3});                          // imul dx, bx
    sweep(p, {0x0F, 0xAF, 0xD2});                                // imul edx, edx
    sweep(p, {0x0F, 0xAF, 0x15, 0x00, 0x50, 0x00, 0x00});        // imul edx, [DATA]
    sweep(p, {0x66, 0x0F, 0xAF, 0x15, 0x00, 0x50, 0x00, 0x00});  // imul dx, [DATA]
    for (uint32_t imm : {0u, 1u, 2u, 3u, 0x10001u, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFFu}) {
        sweep(p, {0x69, 0xD3, uint8_t(imm), uint8_t(imm >> 8), uint8_t(imm >> 16), uint8_t(imm >> 24)});
        sweep(p, {0x66, 0x69, 0xD3, uint8_t(imm), uint8_t(imm >> 8)});
        sweep(p, {0x6B, 0xD3, uint8_t(imm)});  // sign-extended imm8
        sweep(p, {0x69, 0x15, 0x00, 0x50, 0x00, 0x00, uint8_t(imm), uint8_t(imm >> 8), uint8_t(imm >> 16),
                  uint8_t(imm >> 24)});  // imul edx, [DATA], imm32
    }
    // One operand (/4 MUL, /5 IMUL): EBX, BX, BL, [DATA] of each size. The consumer's SETcc
    // overwrites AL, so EAX is copied to EBP first.
    for (uint8_t ext : {4, 5}) {
        const uint8_t reg = uint8_t(0xC3 | ext << 3), mem = uint8_t(0x05 | ext << 3);
        for (const Bytes& insn : {Bytes{0xF7, reg}, Bytes{0x66, 0xF7, reg}, Bytes{0xF6, reg},
                                  Bytes{0xF7, mem, 0x00, 0x50, 0x00, 0x00}, Bytes{0x66, 0xF7, mem, 0x00, 0x50, 0x00, 0x00},
                                  Bytes{0xF6, mem, 0x00, 0x50, 0x00, 0x00}, Bytes{0xF7, uint8_t(0xC2 | ext << 3)},
                                  Bytes{0xF7, uint8_t(0xC0 | ext << 3)}, Bytes{0xF6, uint8_t(0xC4 | ext << 3)}}) {
            Bytes code = insn;
            code.insert(code.end(), {0x89, 0xC5});  // mov ebp, eax
            sweep(p, code);
        }
    }
    MESSAGE(p.runs << " snippets, " << p.engine.blocks_translated << " blocks translated");
}

// Flags the host holds stay there through a memory access when the host has BMI2 (its fast
// path then tests the TLB without writing EFLAGS, and its slow path stores and reloads them);
// without BMI2 they go through CpuState. Both ways, hitting and missing the TLB.
TEST_CASE("JIT memory accesses between a flag producer and its reader, with and without BMI2") {
    for (bool bmi2 : {true, false}) {
        Pair<> p;
        p.engine.bmi2 = p.engine.bmi2 && bmi2;
        p.cold_tlb = true;
        sweep(p, {0x8B, 0x15, 0x00, 0x50, 0x00, 0x00});        // mov edx, [DATA]
        sweep(p, {0x89, 0x15, 0x00, 0x50, 0x00, 0x00});        // mov [DATA], edx
        sweep(p, {0x0F, 0xB6, 0x15, 0x00, 0x50, 0x00, 0x00});  // movzx edx, byte [DATA]
        sweep(p, {0xFF, 0x35, 0x00, 0x50, 0x00, 0x00});        // push dword [DATA]
        sweep(p, {0xF7, 0x15, 0x00, 0x50, 0x00, 0x00});        // not dword [DATA]
        sweep(p, {0x11, 0x15, 0x00, 0x50, 0x00, 0x00});        // adc [DATA], edx
        sweep(p, {0x19, 0x15, 0x00, 0x50, 0x00, 0x00});        // sbb [DATA], edx
        sweep(p, {0x66, 0x0F, 0xB6, 0x15, 0x00, 0x50, 0x00, 0x00});  // movzx dx, byte [DATA]
        sweep(p, {0x0F, 0xB7, 0x15, 0x00, 0x50, 0x00, 0x00});        // movzx edx, word [DATA]
        CHECK(p.runs == 9 * std::size(VALUES) * 4);
    }
}

// A memory access between an ALU op on registers and a reader of its flags: the JIT produces
// them again after the access (and before storing them on its slow path) from the registers.
TEST_CASE("JIT flags of a register op produced again after a memory access") {
    const Bytes producers[] = {
        {0x39, 0xFE},                    // cmp esi, edi
        {0x85, 0xFE},                    // test esi, edi
        {0x29, 0xFE},                    // sub esi, edi
        {0x83, 0xEE, 0x05},              // sub esi, 5
        {0x2C, 0x80},                    // sub al, 0x80
        {0x66, 0x01, 0xFE},              // add si, di
        {0x81, 0xC6, 0x00, 0x00, 0x00, 0x80},  // add esi, 0x80000000
        {0x21, 0xFE},                    // and esi, edi
        {0x30, 0xD9},                    // xor cl, bl
        {0x46},                          // inc esi
        {0x4E},                          // dec esi
        {0xF7, 0xDE},                    // neg esi
        {0xFE, 0xC1},                    // inc cl
    };
    const Bytes accesses[] = {
        {0x8B, 0x15, 0x00, 0x50, 0x00, 0x00},  // mov edx, [DATA]
        {0x89, 0x15, 0x00, 0x50, 0x00, 0x00},  // mov [DATA], edx
        {0xFF, 0x35, 0x00, 0x50, 0x00, 0x00},  // push dword [DATA]
        {0x01, 0x15, 0x00, 0x50, 0x00, 0x00},  // add [DATA], edx (its fault would show them)
        {0x03, 0x15, 0x00, 0x50, 0x00, 0x00},  // add edx, [DATA]
    };
    Pair<> p;
    p.cold_tlb = true;
    const unsigned n = std::size(VALUES);
    unsigned k = 0;
    for (const Bytes& producer : producers)
        for (const Bytes& access : accesses)
            for (unsigned v = 0; v < n; ++v, ++k) {
                Bytes code = producer;
                code.insert(code.end(), access.begin(), access.end());
                const Bytes tail = consumer(k % 16);
                code.insert(code.end(), tail.begin(), tail.end());
                const std::array<uint32_t, 8> regs = {VALUES[(v + 4) % n], VALUES[(v + 2) % n], VALUES[(v + 9) % n],
                                                      VALUES[(v + 3) % n], 0, 0, VALUES[v], VALUES[(v + 1) % n]};
                p.run(code, regs, VALUES[(v + 6) % n]);
            }
    CHECK(p.runs == k);
}

TEST_CASE("JIT XCHG, CBW..CDQ, MOVZX/MOVSX from AH..BH and LEA match the interpreter") {
    Pair<> p;
    // The consumer overwrites AL: these run on EAX first, then move it to EBP.
    const Bytes to_ebp = {0x89, 0xC5};  // mov ebp, eax
    for (const Bytes& insn : {Bytes{0x87, 0xDA}, Bytes{0x66, 0x87, 0xDA}, Bytes{0x86, 0xDA}, Bytes{0x86, 0xFA},
                              Bytes{0x92}, Bytes{0x66, 0x93}, Bytes{0x87, 0xD2}, Bytes{0x87, 0x15, 0x00, 0x50, 0x00, 0x00},
                              Bytes{0x89, 0xD0, 0x98}, Bytes{0x89, 0xD0, 0x66, 0x98}, Bytes{0x89, 0xD0, 0x99},
                              Bytes{0x89, 0xD0, 0x66, 0x99},
                              // MOVZX/MOVSX from AH..BH
                              Bytes{0x0F, 0xB6, 0xD4}, Bytes{0x0F, 0xBE, 0xD7}, Bytes{0x66, 0x0F, 0xB6, 0xD5},
                              Bytes{0x66, 0x0F, 0xBE, 0xDE}, Bytes{0x0F, 0xBE, 0xDE}, Bytes{0x0F, 0xB6, 0xEF},
                              // LEA (no flags): base+index+disp8, index*4+disp32, base-4, base+index*2,
                              // 16-bit (a fallback), disp32 alone
                              Bytes{0x8D, 0x54, 0x1E, 0x07}, Bytes{0x8D, 0x14, 0x9D, 0x00, 0x10, 0x00, 0x00},
                              Bytes{0x8D, 0x56, 0xFC}, Bytes{0x8D, 0x14, 0x5B}, Bytes{0x66, 0x8D, 0x56, 0x01},
                              Bytes{0x8D, 0x15, 0x78, 0x56, 0x34, 0x12}}) {
        Bytes code = insn;
        code.insert(code.end(), to_ebp.begin(), to_ebp.end());
        sweep(p, code);
    }
    MESSAGE(p.runs << " snippets, " << p.engine.blocks_translated << " blocks translated");
}

// CMPXCHG and XADD on registers and in memory (LOCK or not), XCHG and SETcc with memory. The
// accumulator is loaded from the operand first in some snippets, so the compare succeeds.
TEST_CASE("JIT CMPXCHG, CMPXCHG8B, XADD, XCHG and SETcc with memory match the interpreter") {
    Pair<> p;
    p.cold_tlb = true;
    const Bytes to_ebp = {0x89, 0xC5};           // mov ebp, eax
    const Bytes acc_from_data = {0xA1, 0x00, 0x50, 0x00, 0x00};  // mov eax, [DATA]
    const Bytes mem = {0x15, 0x00, 0x50, 0x00, 0x00};            // [DATA], edx
    std::vector<Bytes> forms;
    for (const Bytes& op : {Bytes{0x0F, 0xB1}, Bytes{0x66, 0x0F, 0xB1}, Bytes{0x0F, 0xB0}, Bytes{0xF0, 0x0F, 0xB1},
                            Bytes{0x0F, 0xC1}, Bytes{0x66, 0x0F, 0xC1}, Bytes{0x0F, 0xC0}, Bytes{0xF0, 0x0F, 0xC1},
                            Bytes{0x87}, Bytes{0x66, 0x87}, Bytes{0x86}}) {
        Bytes m = op;
        m.insert(m.end(), mem.begin(), mem.end());
        forms.push_back(m);
        Bytes equal = acc_from_data;
        equal.insert(equal.end(), m.begin(), m.end());
        forms.push_back(equal);
        if (op[0] == 0xF0) continue;  // LOCK with a register destination is #UD
        for (uint8_t modrm : {0xD3, 0xD8, 0xC3, 0xD2}) {  // ebx, edx; eax, ebx; ebx, eax; edx, edx
            Bytes r = op;
            r.push_back(modrm);
            forms.push_back(r);
        }
    }
    forms.push_back({0x89, 0xD8, 0x0F, 0xB1, 0xD8});  // mov eax, ebx; cmpxchg eax, ebx (equal)
    // CMPXCHG8B [DATA] unequal and (EDX:EAX loaded from it) equal, locked, misaligned, across a page
    forms.push_back({0x0F, 0xC7, 0x0D, 0x00, 0x50, 0x00, 0x00});
    forms.push_back({0xA1, 0x00, 0x50, 0x00, 0x00, 0x8B, 0x15, 0x04, 0x50, 0x00, 0x00, 0x0F, 0xC7, 0x0D, 0x00, 0x50, 0x00, 0x00});
    forms.push_back({0xA1, 0x00, 0x50, 0x00, 0x00, 0x8B, 0x15, 0x04, 0x50, 0x00, 0x00, 0xF0, 0x0F, 0xC7, 0x0D, 0x00, 0x50, 0x00, 0x00});
    forms.push_back({0x0F, 0xC7, 0x0D, 0x03, 0x50, 0x00, 0x00});
    forms.push_back({0x0F, 0xC7, 0x0D, 0xFC, 0x5F, 0x00, 0x00});
    for (unsigned cc = 0; cc < 16; ++cc) forms.push_back({0x0F, uint8_t(0x90 + cc), 0x05, 0x00, 0x50, 0x00, 0x00});
    for (const Bytes& f : forms) {
        Bytes code = f;
        code.insert(code.end(), to_ebp.begin(), to_ebp.end());
        sweep(p, code);
    }
    MESSAGE(p.runs << " snippets, " << p.engine.blocks_translated << " blocks translated");
}

// Byte ops naming AH..BH, with each other and the low byte registers: the host names them in
// rdx and rcx (jit/high_byte.h).
const std::vector<Bytes> HIGH_BYTE_FORMS = {
    {0xF6, 0xC4, 0x40}, {0x84, 0xDC}, {0x80, 0xE4, 0xFE}, {0x80, 0xCF, 0x80}, {0x00, 0xD5}, {0x38, 0xE6},
    {0x28, 0xE0},       {0x30, 0xC4}, {0x10, 0xDC},       {0x80, 0xDF, 0x03}, {0xB4, 0x12}, {0x88, 0xE0},
    {0x88, 0xEF},       {0x88, 0xE4}, {0xFE, 0xC4},       {0xFE, 0xCF},       {0xF6, 0xDD}, {0xF6, 0xD6},
    {0x0F, 0x94, 0xC4}, {0x0F, 0x92, 0xC7}, {0x86, 0xC4}, {0x86, 0xFB},       {0x20, 0xE4}, {0x02, 0xE7}};

TEST_CASE("JIT byte ops on AH..BH match the interpreter") {
    Pair<> p;
    p.cold_tlb = true;
    std::vector<Bytes> forms = HIGH_BYTE_FORMS;
    // With [DATA]: mov ah, m; mov m, bh; cmp ah, m; cmp m, ch; test m, dh; add m, ah; and ah, m;
    // adc ah, m; sbb m, ah (the interpreter's); xchg m, ah
    for (const Bytes& op : {Bytes{0x8A, 0x25}, Bytes{0x88, 0x3D}, Bytes{0x3A, 0x25}, Bytes{0x38, 0x2D},
                            Bytes{0x84, 0x35}, Bytes{0x00, 0x25}, Bytes{0x22, 0x25}, Bytes{0x12, 0x25},
                            Bytes{0x18, 0x25}, Bytes{0x86, 0x25}}) {
        Bytes f = op;
        f.insert(f.end(), {0x00, 0x50, 0x00, 0x00});
        forms.push_back(f);
    }
    for (const Bytes& f : forms) {
        Bytes code = f;
        code.insert(code.end(), {0x89, 0xC5});  // mov ebp, eax (the consumer writes AL)
        sweep(p, code);
        code.insert(code.begin(), {0x01, 0xD3});  // after add ebx, edx: flags in the host
        sweep(p, code);
    }
    MESSAGE(p.runs << " snippets, " << p.engine.blocks_translated << " blocks translated");
}

// REP MOVS and STOS of each size over a pattern: apart, overlapping either way, crossing a
// page with either pointer, a count of 0 and 1, DF set (the interpreter's).
template <typename Fixture> void rep_strings(const std::vector<Bytes>& ops) {
    Pair<Fixture> p;
    for (auto* f : {&p.ref, &p.jit})
        for (uint32_t at = 0x4000; at < 0x8000; at += 4) f->wr32(at, at * 2654435761u);
    struct Case {
        uint32_t src, dst, count;
        bool down;
    };
    const Case cases[] = {{0x5000, 0x6000, 37, false}, {0x5000, 0x5001, 40, false}, {0x5003, 0x5000, 40, false},
                          {0x5FF0, 0x6800, 40, false}, {0x5000, 0x6FF8, 40, false}, {0x5000, 0x6000, 0, false},
                          {0x5000, 0x6000, 1, false},  {0x6000, 0x4000, 150, false}, {0x5100, 0x5180, 60, true},
                          {0x6FFC, 0x5000, 2, false}};
    unsigned k = 0;
    for (const Bytes& op : ops)
        for (const Case& c : cases) {
            Bytes code = {0xBE, uint8_t(c.src), uint8_t(c.src >> 8), 0, 0, 0xBF, uint8_t(c.dst), uint8_t(c.dst >> 8), 0, 0};
            if (c.down) code.push_back(0xFD);  // std
            code.insert(code.end(), op.begin(), op.end());
            code.push_back(0xFC);  // cld
            const Bytes tail = consumer(k % 16);
            code.insert(code.end(), tail.begin(), tail.end());
            std::array<uint64_t, 16> regs = {};
            regs[EAX] = 0x1111111111111111ull * k;
            regs[ECX] = c.count | (Pair<Fixture>::LONG64 ? 0 : 0xABCD00000000ull);  // the upper half: not the count's
            p.run64(code, regs, VALUES[k % std::size(VALUES)]);
            for (uint32_t at = 0x4000; at < 0x8000; at += 4)
                if (p.ref.rd32(at) != p.jit.rd32(at)) FAIL_CHECK("memory at " << at << " differs, case " << k);
            ++k;
        }
    MESSAGE(p.runs << " snippets, " << p.engine.blocks_translated << " blocks translated");
}

TEST_CASE("JIT REP MOVS and REP STOS match the interpreter") {
    rep_strings<test::CpuFixture>({{0xF3, 0xA4}, {0x66, 0xF3, 0xA5}, {0xF3, 0xA5}, {0xF3, 0xAA}, {0x66, 0xF3, 0xAB}, {0xF3, 0xAB}});
    // 64-bit code: every size, and 32-bit addresses (the interpreter's)
    rep_strings<test::LongFixture>({{0xF3, 0xA4}, {0xF3, 0x48, 0xA5}, {0xF3, 0xA5}, {0xF3, 0x48, 0xAB}, {0xF3, 0xAA},
                                    {0x66, 0xF3, 0xAB}, {0x67, 0xF3, 0x48, 0xA5}});
}

// REPE/REPNE CMPS and SCAS of each size over runs of equal bytes that end (or not) at a given
// element: within a page, reaching into the next one (the rest in the interpreter's handler),
// a count of 0 and 1, DF set (the interpreter's); EAX equal to the run's bytes or not.
template <typename Fixture> void rep_compares(const std::vector<Bytes>& ops) {
    Pair<Fixture> p;
    struct Case {
        uint32_t src, dst, count, differ;  // differ: the byte offset that differs (or none)
        bool down;
    };
    const Case cases[] = {{0x5000, 0x6000, 37, 9, false},    {0x5000, 0x6000, 37, 500, false},
                          {0x5F00, 0x6800, 90, 300, false},  {0x5F00, 0x6800, 90, 12, false},
                          {0x5000, 0x6FF0, 40, 30, false},   {0x5000, 0x6000, 0, 0, false},
                          {0x5000, 0x6000, 1, 0, false},     {0x5000, 0x6000, 1, 500, false},
                          {0x5100, 0x6180, 20, 8, true},     {0x5FFE, 0x6FFC, 4, 500, false},
                          {0x5000, 0x6000, 150, 1000, false}};
    unsigned k = 0;
    for (const Bytes& op : ops)
        for (const Case& c : cases)
            for (uint32_t fill : {0x41414141u, 0u}) {
                for (auto* f : {&p.ref, &p.jit}) {
                    for (uint32_t at = 0x4000; at < 0x8000; at += 4) f->wr32(at, 0x41414141u);
                    const uint32_t d = c.down ? c.dst - c.differ : c.dst + c.differ;
                    if (d >= 0x4000 && d < 0x8000) f->mem.write_bytes(d, "\x00", 1);
                }
                Bytes code = {0xBE, uint8_t(c.src), uint8_t(c.src >> 8), 0, 0, 0xBF, uint8_t(c.dst), uint8_t(c.dst >> 8), 0, 0};
                if (c.down) code.push_back(0xFD);  // std
                code.insert(code.end(), op.begin(), op.end());
                code.insert(code.end(), {0xFC, 0x89, 0xC5});  // cld; mov ebp, eax
                const Bytes tail = consumer(k % 16);
                code.insert(code.end(), tail.begin(), tail.end());
                std::array<uint64_t, 16> regs = {};
                regs[EAX] = fill;
                regs[ECX] = c.count | (Pair<Fixture>::LONG64 ? 0 : 0xABCD00000000ull);  // the upper half: not the count's
                p.run64(code, regs, fill);
                ++k;
            }
    MESSAGE(p.runs << " snippets, " << p.engine.blocks_translated << " blocks translated");
}

TEST_CASE("JIT REPE/REPNE CMPS and SCAS match the interpreter") {
    rep_compares<test::CpuFixture>({{0xF3, 0xA6}, {0xF2, 0xA6}, {0x66, 0xF3, 0xA7}, {0xF3, 0xA7}, {0xF2, 0xA7},
                                    {0xF3, 0xAE}, {0xF2, 0xAE}, {0x66, 0xF2, 0xAF}, {0xF3, 0xAF}, {0xF2, 0xAF}});
    // 64-bit code: every size, and 32-bit addresses (the interpreter's)
    rep_compares<test::LongFixture>({{0xF3, 0xA6}, {0xF2, 0xAE}, {0xF3, 0x48, 0xA7}, {0xF2, 0x48, 0xAF}, {0xF3, 0xA7},
                                     {0x66, 0xF2, 0xAF}, {0x67, 0xF3, 0xA6}});
}

// The iterations of REPE/REPNE CMPS and SCAS past their first pages run in the interpreter's
// handler: a #PF on its first one must see the flags of the last compare done inline.
TEST_CASE("JIT REPNE SCAS and REPE CMPS faulting past their first page keep the last compare's flags") {
    Pair<test::SystemFixture> p;
    for (auto* f : {&p.ref, &p.jit}) {
        f->recording_handler(14);
        constexpr uint32_t PD = 0x20000, PT = 0x21000;
        f->wr32(PD, PT | 3);
        for (uint32_t page = 0; page < 1024; ++page) f->wr32(PT + 4 * page, page == 7 ? 0 : page << 12 | 3);
        f->cpu.cr3 = PD;
        f->cpu.cr0 |= cpu::cr0::PG;
        f->cpu.mmu.flush_all();
        for (uint32_t at = 0x5000; at < 0x7000; at += 4) f->wr32(at, 0x80808080u);
    }
    // mov esi, 0x6FF0; mov edi, 0x6FF0 (SCAS) or 0x5000 (CMPS); mov ecx, 40; mov al, 0x41; op
    for (const Bytes& op : {Bytes{0xF2, 0xAE}, Bytes{0xF3, 0xA6}, Bytes{0xF2, 0xAF}}) {
        Bytes code = {0xBE, 0xF0, 0x6F, 0, 0, 0xBF, 0xF0, uint8_t(op[1] == 0xA6 ? 0x50 : 0x6F), 0, 0,
                      0xB9, 40, 0, 0, 0, 0xB0, 0x41};
        code.insert(code.end(), op.begin(), op.end());
        code.push_back(0xF4);
        p.run64(code, {}, 0);
        CHECK(p.ref.reg(EBX) == 14);
    }
}

// A REP instruction whose iterations do not all fit before the count limit stops where the
// interpreter's does (one tick per iteration), and the rest runs after.
TEST_CASE("JIT REP MOVS, STOS, CMPS and SCAS stop at the count limit like the interpreter") {
    Pair<> p;
    for (auto* f : {&p.ref, &p.jit})
        for (uint32_t at = 0x5F00; at < 0x6200; at += 4) f->wr32(at, 0);  // REPE CMPS runs on, REPNE SCAS too
    for (const Bytes& op : {Bytes{0xF3, 0xA4}, Bytes{0xF3, 0xAB}, Bytes{0xF3, 0xA5}, Bytes{0xF3, 0xA6}, Bytes{0xF2, 0xAF}})
        for (uint64_t budget : {3u, 4u, 5u, 6u, 50u, 67u, 68u, 69u, 70u, 102u, 103u, 104u, 105u, 300u}) {
            // mov esi, 0x5FC0 (64 bytes before a page's end); mov edi, 0x6000; mov ecx, 100;
            // rep op; mov ebx, ecx; hlt
            Bytes code = {0xBE, 0xC0, 0x5F, 0, 0, 0xBF, 0x00, 0x60, 0, 0, 0xB9, 100, 0, 0, 0};
            code.insert(code.end(), op.begin(), op.end());
            code.insert(code.end(), {0x89, 0xCB, 0xF4});
            for (auto* f : {&p.ref, &p.jit}) {
                f->cpu.code.flush();
                f->test::CpuFixture::load(code);
                f->cpu.icount = 0;
                f->reg(EBX) = 0;
                f->run(budget);
            }
            INFO("budget " << budget);
            for (unsigned r = 0; r < 8; ++r) CHECK_MESSAGE(p.ref.reg(r) == p.jit.reg(r), "register " << r);
            CHECK(p.ref.cpu.icount == p.jit.cpu.icount);
            CHECK(p.ref.cpu.rip == p.jit.cpu.rip);
            for (auto* f : {&p.ref, &p.jit}) REQUIRE(f->run(300) == StopReason::Halted);
            CHECK(p.ref.cpu.icount == p.jit.cpu.icount);
            CHECK(p.ref.reg(EBX) == p.jit.reg(EBX));
            CHECK(p.ref.flags() == p.jit.flags());
        }
}

// PUSHFD after each way the flags can be held (the prelude), after a logic op (AF undefined
// on the host), an INC (CF kept aside) and with DF set; the image on the stack must agree.
TEST_CASE("JIT PUSHFD and PUSHFQ store the interpreter's image, CLI clears IF") {
    Pair<> p;
    for (const Bytes& f : {Bytes{0x9C}, Bytes{0x21, 0xD3, 0x9C}, Bytes{0x42, 0x9C}, Bytes{0xFD, 0x9C, 0xFC},
                           Bytes{0x01, 0xD3, 0x9C, 0x11, 0xD3}, Bytes{0xFB, 0x90, 0x9C, 0xFA, 0x9C}})  // sti; cli
        sweep(p, f);
    MESSAGE(p.runs << " snippets, " << p.engine.blocks_translated << " blocks translated");
}

TEST_CASE("JIT SAHF loads the interpreter's flags from AH and keeps OF") {
    Pair<> p;
    for (const Bytes& f : {Bytes{0x9E}, Bytes{0x88, 0xD4, 0x9E}, Bytes{0xC1, 0xE2, 0x05, 0x9E},   // mov ah, dl; shl edx, 5
                           Bytes{0x42, 0x9E, 0x11, 0xD3}, Bytes{0x9E, 0x8B, 0x15, 0x00, 0x50, 0x00, 0x00},  // inc edx; adc / a load
                           Bytes{0x9E, 0x0F, 0xB6, 0xC4}, Bytes{0x21, 0xD3, 0x9E, 0x9C}})  // movzx eax, ah; and, pushfd
        sweep(p, f);
    MESSAGE(p.runs << " snippets, " << p.engine.blocks_translated << " blocks translated");
}

TEST_CASE("JIT MOV from segment registers matches the interpreter") {
    Pair<> p;
    // mov eax, ds; mov dx, ds; mov edx, ss; mov ebx, fs; mov bp, cs (each then into EBP: the
    // consumer writes AL)
    for (const Bytes& f : {Bytes{0x8C, 0xD8, 0x89, 0xC5}, Bytes{0x66, 0x8C, 0xDA}, Bytes{0x8C, 0xD2},
                           Bytes{0x8C, 0xE3}, Bytes{0x66, 0x8C, 0xCD}})
        sweep(p, f);
    for (auto* f : {&p.ref, &p.jit}) f->cpu.seg[FS].sel = 0xABCD;
    sweep(p, {0x8C, 0xE3});
}

// The last instruction of a block may straddle into the next page: the translator reads its
// bytes from both physical pages (a wrong second page gives a wrong immediate here).
TEST_CASE("JIT an instruction straddling two pages") {
    Pair<> p;
    for (unsigned at = 0xFFB; at <= 0xFFF; ++at) {
        Bytes code(0x1010, 0x90);
        code[0] = 0xE9;  // jmp rel32 to `at`
        const uint32_t rel = at - 5;
        std::memcpy(&code[1], &rel, 4);
        const Bytes add = {0x81, 0xC6, 0x78, 0x56, 0x34, 0x92};  // add esi, 0x92345678
        std::copy(add.begin(), add.end(), code.begin() + at);
        const Bytes tail = consumer(at % 16);
        std::copy(tail.begin(), tail.end(), code.begin() + at + add.size());
        for (uint32_t v : VALUES) p.run(code, {0, 0, 0, 0, 0, 0, v, ~v}, 0);
    }
    CHECK(p.runs == 5 * std::size(VALUES));
}

// A block whose last instruction straddles into a second page is decoded again when that page
// is mapped elsewhere (here after INVLPG), under the interpreter and under the JIT: the second
// run must add the new page's immediate.
TEST_CASE("An instruction straddling into a remapped page is decoded again") {
    for (bool jit : {false, true}) {
        test::CpuFixture f;
        jit::Engine engine{f.cpu};
        if (jit) f.interp.native = &engine;
        f.flat32();
        constexpr uint32_t PD = 0x20000, PT = 0x21000;
        f.wr32(PD, PT | 3);
        for (uint32_t page = 0; page < 1024; ++page) f.wr32(PT + 4 * page, page << 12 | 3);
        f.wr32(PT + 4 * 6, 0x7000 | 3);  // linear 0x6000 -> 0x7000
        f.cpu.cr3 = PD;
        f.cpu.cr0 |= cpu::cr0::PG;
        f.cpu.mmu.flush_all();
        const uint8_t first[] = {0xB8, 0, 0, 0, 0, 0x81};  // mov eax, 0; add esi, ...
        f.mem.write_bytes(0x5FFA, first, sizeof first);
        const uint8_t old_tail[] = {0xC6, 0x11, 0x11, 0x11, 0x11, 0xF4};  // ... 0x11111111; hlt
        const uint8_t new_tail[] = {0xC6, 0x22, 0x22, 0x22, 0x22, 0xF4};
        f.mem.write_bytes(0x7000, old_tail, sizeof old_tail);
        f.mem.write_bytes(0x8000, new_tail, sizeof new_tail);
        for (uint32_t expect : {0x11111111u, 0x22222222u}) {
            f.cpu.rip = 0x5FFA;
            f.cpu.halted = 0;
            f.reg(ESI) = 0;
            CHECK(f.run(10) == StopReason::Halted);
            CHECK_MESSAGE(f.reg(ESI) == expect, (jit ? "jit" : "interp"));
            f.wr32(PT + 4 * 6, 0x8000 | 3);  // linear 0x6000 -> 0x8000
            f.cpu.mmu.invlpg(0x6000);
        }
    }
}

// DIV and IDIV inline when the quotient fits, #DE through the interpreter otherwise (a zero
// divisor, a quotient out of range); the flags stay as they were either way.
TEST_CASE("JIT DIV and IDIV match the interpreter, every operand size, #DE included") {
    Pair<test::SystemFixture> p;
    for (auto* f : {&p.ref, &p.jit}) f->recording_handler(0);
    for (uint8_t ext : {6, 7}) {  // F6/F7 /6 DIV, /7 IDIV
        const uint8_t ebx = uint8_t(0xC3 | ext << 3), ecx = uint8_t(0xC1 | ext << 3), mem = uint8_t(0x05 | ext << 3);
        sweep(p, {0xF7, ebx});                                   // ebx
        sweep(p, {0xF7, ecx});                                   // ecx (a count: small)
        sweep(p, {0xF7, uint8_t(0xC2 | ext << 3)});              // edx: DIV always #DE
        sweep(p, {0xF7, uint8_t(0xC0 | ext << 3)});              // eax
        sweep(p, {0xF7, mem, 0x00, 0x50, 0x00, 0x00});           // dword [DATA]
        sweep(p, {0x31, 0xD2, 0xF7, ecx});                       // xor edx, edx; ecx (0 = #DE)
        sweep(p, {0x99, 0xF7, ebx});                             // cdq; ebx
        sweep(p, {0x99, 0xF7, ecx});                             // cdq; ecx
        sweep(p, {0x66, 0xF7, ebx});                             // bx
        sweep(p, {0x66, 0x99, 0x66, 0xF7, ecx});                 // cwd; cx
        sweep(p, {0x66, 0xF7, mem, 0x00, 0x50, 0x00, 0x00});     // word [DATA]
        sweep(p, {0xF6, ebx});                                   // bl
        sweep(p, {0x66, 0x98, 0xF6, ecx});                       // cbw; cl
        sweep(p, {0x0F, 0xB6, 0xC0, 0xF6, ecx});                 // movzx eax, al; cl
        sweep(p, {0xF6, mem, 0x00, 0x50, 0x00, 0x00});           // byte [DATA]
        sweep(p, {0xF6, uint8_t(0xC7 | ext << 3)});              // bh (the interpreter's)
    }
}

TEST_CASE("JIT CMOVcc reads its memory source even when the condition is false") {
    Pair<test::SystemFixture> p;
    p.ref.record_faults();
    p.jit.record_faults();
    // cmov<cc> edx, [0xFFFFFFFE]: the dword passes the flat segments' limit, #GP(0) whatever cc
    for (unsigned cc = 0; cc < 16; ++cc) {
        sweep(p, {0x0F, uint8_t(0x40 + cc), 0x15, 0xFE, 0xFF, 0xFF, 0xFF});
        CHECK(p.ref.reg(EBX) == 13);
    }
}

TEST_CASE("JIT random sequences of inline and fallback instructions match the interpreter") {
    // Each instruction hands its flags state (host, deferred, stored, lazy) to the next one.
    const std::vector<Bytes> pool = {
        {0xC1, 0xE2, 5},       {0xC1, 0xFB, 3},       {0xC1, 0xEE, 7},    {0xD1, 0xE7},       {0xD3, 0xE2},
        {0xD3, 0xFB},          {0xD3, 0xEE},          {0xC0, 0xC2, 3},    {0xC1, 0xCB, 9},    {0xD3, 0xC6},
        {0xD0, 0xCB},          {0x66, 0xC1, 0xE3, 4}, {0xD2, 0xEA},       {0xC0, 0xFB, 9},    {0x0F, 0xAF, 0xD3},
        {0x6B, 0xF7, 0x35},    {0xF7, 0xE3},          {0xF7, 0xEE},       {0xF6, 0xE2},       {0x0F, 0x94, 0xC2},
        {0x0F, 0x9C, 0xC3},    {0x0F, 0x90, 0xC1},    {0x0F, 0x47, 0xD6}, {0x0F, 0x4E, 0xFB}, {0x0F, 0x40, 0xEA},
        {0x01, 0xDA},          {0x11, 0xF7},          {0x19, 0xD3},       {0x21, 0xFE},       {0x85, 0xD3},
        {0x42},                {0x4B},                {0xF7, 0xDE},       {0x87, 0xD6},       {0x99},
        {0x98},                {0xF5},                {0xF9},             {0x0F, 0xA3, 0xDA}, {0x13, 0x2D, 0x00, 0x50, 0x00, 0x00},
        {0x68, 0xD5, 0x08, 0, 0, 0x9D}, {0x0F, 0xBC, 0xD6}, {0x8D, 0x54, 0x1E, 0x07}, {0x9E}};
    Pair<> p;
    uint32_t seed = 12345;
    auto next = [&] {
        seed = seed * 1103515245u + 12345u;
        return seed >> 8;
    };
    for (unsigned run = 0; run < 3000; ++run) {
        Bytes code;
        for (unsigned k = 0; k < 6; ++k) {
            const Bytes& insn = pool[next() % pool.size()];
            code.insert(code.end(), insn.begin(), insn.end());
        }
        const Bytes tail = consumer(next() % 16);
        code.insert(code.end(), tail.begin(), tail.end());
        std::array<uint32_t, 8> regs;
        for (uint32_t& r : regs) r = next() % 3 ? next() * 2654435761u : VALUES[next() % std::size(VALUES)];
        p.run(code, regs, next() * 2246822519u);
    }
    MESSAGE(p.runs << " snippets, " << p.engine.blocks_translated << " blocks translated");
}

// 64-bit code: the allocator binds the R8-R15 an instruction names into host registers for it
// (jit/reg_alloc.h). Each form runs with R8-R15 in every operand position it has: ModRM's reg
// (REX.R) and r/m (REX.B), SIB's base (REX.B) and index (REX.X), the opcode's register, next to
// implicit operands (MUL's RAX:RDX, a shift's CL, PUSH's RSP), with the memory operand hitting
// and missing the TLB and faulting (a non-canonical address: the handler halts).
TEST_CASE("JIT 64-bit forms with R8-R15 in every operand position match the interpreter") {
    Pair<test::LongFixture> p;
    p.cold_tlb = true;
    std::vector<Bytes> forms;
    // Register to register, ModRM reg = rdx/r10 and r/m = rbx/r11: REX.R, REX.B and both; 64,
    // 32 and 8 bits (REX: SPL..DIL, R8B..R15B).
    for (const Bytes& op : {Bytes{0x01}, Bytes{0x29}, Bytes{0x31}, Bytes{0x21}, Bytes{0x09}, Bytes{0x39}, Bytes{0x85},
                            Bytes{0x11}, Bytes{0x19}, Bytes{0x89}, Bytes{0x8B}, Bytes{0x87}, Bytes{0x0F, 0xAF},
                            Bytes{0x0F, 0x44}, Bytes{0x0F, 0x4C}, Bytes{0x0F, 0xB6}, Bytes{0x0F, 0xBE}, Bytes{0x63},
                            Bytes{0x00}, Bytes{0x28}, Bytes{0x30}, Bytes{0x88}, Bytes{0x38}, Bytes{0x84}, Bytes{0x86},
                            Bytes{0x0F, 0xB1}, Bytes{0x0F, 0xB0}, Bytes{0x0F, 0xC1}, Bytes{0x0F, 0xC0}})
        for (uint8_t rex : {0x44, 0x41, 0x45})
            for (uint8_t w : {0x08, 0x00}) {
                Bytes f = {uint8_t(rex | w)};
                f.insert(f.end(), op.begin(), op.end());
                f.push_back(0xD3);
                forms.push_back(f);
            }
    // One register operand, in ModRM r/m (REX.B): r11, and r11d.
    for (const Bytes& op : {Bytes{0x81, 0xC3, 0x78, 0x56, 0x34, 0x92}, Bytes{0x83, 0xEB, 0x05}, Bytes{0x83, 0xFB, 0x80},
                            Bytes{0xC1, 0xE3, 0x05}, Bytes{0xC1, 0xEB, 0x21}, Bytes{0xC1, 0xFB, 0x3F}, Bytes{0xC1, 0xC3, 0x07}, Bytes{0xC1, 0xCB, 0x2E},
                            Bytes{0xD1, 0xE3}, Bytes{0xD3, 0xE3}, Bytes{0xD3, 0xEB}, Bytes{0xF7, 0xDB}, Bytes{0xF7, 0xD3},
                            Bytes{0xFF, 0xC3}, Bytes{0xFF, 0xCB}, Bytes{0xF7, 0xE3}, Bytes{0xF7, 0xEB},
                            Bytes{0xC7, 0xC3, 0xFE, 0xFF, 0xFF, 0xFF}, Bytes{0x0F, 0x95, 0xC3}, Bytes{0x0F, 0xCB},
                            Bytes{0x53}, Bytes{0x5B}, Bytes{0x93}, Bytes{0x6B, 0xDB, 0x35},
                            Bytes{0x69, 0xD3, 0x01, 0x00, 0x01, 0x00}})
        for (uint8_t rex : {0x49, 0x41}) {
            Bytes f = {rex};
            f.insert(f.end(), op.begin(), op.end());
            forms.push_back(f);
        }
    forms.push_back({0x49, 0xBB, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11});  // mov r11, imm64
    forms.push_back({0x41, 0x53, 0x41, 0x5A});                                      // push r11; pop r10
    for (const Bytes& f : HIGH_BYTE_FORMS) forms.push_back(f);  // in 64-bit code (no REX)
    forms.push_back({0x0F, 0x01, 0xF9, 0x49, 0x89, 0xC3});  // rdtscp; mov r11, rax
    for (uint8_t n : {1, 5, 33, 63})
        for (uint8_t op : {0xA4, 0xAC}) {
            forms.push_back({0x4D, 0x0F, op, 0xD3, n});  // shld/shrd r11, r10, n
            forms.push_back({0x45, 0x0F, op, 0xD3, n});  // r11d, r10d
        }
    for (uint8_t op : {0xA3, 0xAB, 0xB3, 0xBB}) {
        forms.push_back({0x4B, 0x0F, op, 0x0C, 0xCC});  // bt* [r12 + r9*8], rcx (a count)
        forms.push_back({0x43, 0x0F, op, 0x0C, 0xCC});  // ... ecx
        forms.push_back({0x4F, 0x0F, op, 0x14, 0xCC});  // ... r10: far away, non-canonical
    }
    for (uint8_t ext : {4, 5, 6, 7}) forms.push_back({0x4B, 0x0F, 0xBA, uint8_t(0x04 | ext << 3), 0xCC, 45});
    // mov rcx, -37; bts/btr [r12 + r9*8 + 16], rcx / ecx: a negative offset, the unit below
    for (uint8_t op : {0xAB, 0xB3})
        for (uint8_t rex : {0x4B, 0x43}) forms.push_back({0x48, 0xC7, 0xC1, 0xDB, 0xFF, 0xFF, 0xFF, rex, 0x0F, op, 0x4C, 0xCC, 0x10});
    forms.push_back({0x4D, 0x0F, 0xA5, 0xD3});  // shld r11, r10, cl
    forms.push_back({0x9C});              // pushfq
    forms.push_back({0x8C, 0xDB, 0x66, 0x8C, 0xD2, 0x48, 0x8C, 0xD9, 0x41, 0x8C, 0xDB});  // mov ebx/dx/rcx/r11d, ds
    forms.push_back({0xFB, 0x90, 0x9C, 0xFA, 0x9C});  // sti; nop; pushfq; cli; pushfq
    forms.push_back({0x4D, 0x21, 0xD3, 0x9C});  // and r11, r10; pushfq
    forms.push_back({0x41, 0x0F, 0xAD, 0xD3});  // shrd r11d, edx, cl
    for (auto* f : {&p.ref, &p.jit}) f->cpu.tsc_aux = 0x9ABCDEF1, f->cpu.cr4 |= cr4::OSFXSR;
    forms.push_back({0x66, 0x48, 0x0F, 0x6E, 0xC3, 0x66, 0x48, 0x0F, 0x7E, 0xC2});  // movq xmm0, rbx; movq rdx, xmm0
    forms.push_back({0x66, 0x48, 0x0F, 0x6E, 0xCB, 0x66, 0x0F, 0xD4, 0xC1, 0x66, 0x48, 0x0F, 0x7E, 0xC7});  // ... paddq: rdi
    forms.push_back({0x66, 0x49, 0x0F, 0x6E, 0xC3});  // movq xmm0, r11 (the interpreter's)
    // Memory: r12 and r13 hold DATA - 16, r9 holds 2 (r12 + r9*8 is DATA); r11 random (almost
    // always non-canonical: #GP).
    for (const Bytes& f : {
             Bytes{0x4F, 0x8B, 0x14, 0xCC},              // mov r10, [r12 + r9*8]
             Bytes{0x4F, 0x01, 0x14, 0xCC},              // add [r12 + r9*8], r10 (in place)
             Bytes{0x4F, 0x3B, 0x14, 0xCC},              // cmp r10, [r12 + r9*8]
             Bytes{0x4F, 0x8D, 0x54, 0xCC, 0x07},        // lea r10, [r12 + r9*8 + 7]
             Bytes{0x47, 0x0F, 0xB6, 0x14, 0xCC},        // movzx r10d, byte [r12 + r9*8]
             Bytes{0x4B, 0xFF, 0x04, 0xCC},              // inc qword [r12 + r9*8]
             Bytes{0x4D, 0x89, 0x75, 0x10},              // mov [r13 + 16], r14
             Bytes{0x43, 0xFF, 0x34, 0xCC},              // push qword [r12 + r9*8]
             Bytes{0x4F, 0x0F, 0x44, 0x3C, 0xCC},        // cmovz r15, [r12 + r9*8]
             Bytes{0x4A, 0x8B, 0x04, 0xCD, 0xF0, 0x4F, 0x00, 0x00},  // mov rax, [r9*8 + DATA - 16]
             Bytes{0x4F, 0x87, 0x04, 0xCC},              // xchg r8, [r12 + r9*8]
             Bytes{0x4F, 0x0F, 0xB1, 0x14, 0xCC},        // cmpxchg [r12 + r9*8], r10
             Bytes{0x47, 0x0F, 0xB1, 0x04, 0xCC},        // cmpxchg [r12 + r9*8], r8d
             Bytes{0xF0, 0x4F, 0x0F, 0xC1, 0x14, 0xCC},  // lock xadd [r12 + r9*8], r10
             Bytes{0x43, 0x0F, 0xC0, 0x1C, 0xCC},        // xadd [r12 + r9*8], bl
             Bytes{0x43, 0x0F, 0x94, 0x04, 0xCC},        // setz [r12 + r9*8]
             Bytes{0x4D, 0x0F, 0xB1, 0x13},              // cmpxchg [r11], r10: #GP
             Bytes{0x41, 0x0F, 0x18, 0x0B, 0x0F, 0xAE, 0xE8},  // prefetcht0 [r11] (never faults); lfence
             Bytes{0x43, 0x0F, 0x18, 0x04, 0xCC, 0x0F, 0xAE, 0xF0, 0x0F, 0xAE, 0xF8},  // prefetchnta; mfence; sfence
             Bytes{0x4F, 0x8B, 0x24, 0xCC},              // mov r12, [r12 + r9*8]
             Bytes{0x4B, 0xF7, 0x24, 0xCC},              // mul qword [r12 + r9*8]
             Bytes{0x4B, 0x89, 0x14, 0xCC},              // mov [r12 + r9*8], rdx
             Bytes{0x4A, 0x8B, 0x14, 0x0B},              // mov rdx, [rbx + r9] (index only)
             Bytes{0x4D, 0x8B, 0x13},                    // mov r10, [r11]: #GP
             Bytes{0x4D, 0x01, 0x13},                    // add [r11], r10: #GP in place
             Bytes{0x4D, 0x89, 0x03}})                   // mov [r11], r8: #GP
        forms.push_back(f);
    const unsigned n = std::size(VALUES);
    for (const Bytes& insn : forms)
        for (unsigned v = 0; v < n; ++v)
            for (unsigned kind = 0; kind < 4; ++kind) {
                const unsigned k = v * 4 + kind;
                Bytes code = prelude(kind, FLAG_IMAGES[k % std::size(FLAG_IMAGES)], true);
                code.insert(code.end(), insn.begin(), insn.end());
                const Bytes tail = consumer(k % 16);
                code.insert(code.end(), tail.begin(), tail.end());
                std::array<uint64_t, 16> regs;
                for (unsigned r = 0; r < 16; ++r)
                    regs[r] = uint64_t(VALUES[(v + r) % n]) << (r & 1 ? 32 : 0) ^ VALUES[(v + 3 * r + kind) % n];
                regs[EBX] = DATA - 8;  // rbx + r9 is DATA - 6 (a misaligned access)
                regs[R9] = 2;
                regs[R12] = regs[R13] = DATA - 16;
                regs[ECX] = COUNTS[(v + kind) % std::size(COUNTS)];
                p.run64(code, regs, VALUES[(v + 2) % n]);
            }
    CHECK(p.engine.blocks_translated > 0);
    MESSAGE(p.runs << " snippets, " << p.engine.blocks_translated << " blocks translated");
}
