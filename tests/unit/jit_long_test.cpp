// The JIT on 64-bit and compatibility-mode code against the interpreter: each program runs on
// two CPUs in IA-32e mode from the same state, one with the JIT attached (translating every
// block at its first run), and all sixteen registers, RIP, RFLAGS, the instruction count and
// the memory the program writes must agree.
#include <doctest/doctest.h>

#include <sstream>
#include <vector>

#include "jit/engine.h"
#include "tests/unit/long_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

namespace {

using Bytes = std::vector<uint8_t>;

struct LongPair {
    test::LongFixture ref, jit;
    jit::Engine engine{jit.cpu};

    LongPair() {
        jit.interp.native = &engine;
        for (test::LongFixture* f : {&ref, &jit}) {
            f->fault_gates();
            for (unsigned v : {6u, 10u, 11u, 12u, 13u, 14u}) f->mem.write_bytes(f->HANDLER + v, "\xF4", 1);
            for (unsigned r = 0; r < 16; ++r)
                if (r != ESP) f->reg(r) = 0x0123456789ABCDEFull * (r + 1) ^ (uint64_t(r) << 60);
        }
    }
    void load(const Bytes& code, uint64_t at) {
        for (test::LongFixture* f : {&ref, &jit}) {
            f->mem.write_bytes(at, code.data(), code.size());
            f->cpu.rip = at;
        }
    }
    // Runs both until they halt, and compares what they reached.
    void run_and_compare(uint32_t data, unsigned bytes) {
        for (test::LongFixture* f : {&ref, &jit}) REQUIRE(f->run(100000) == StopReason::Halted);
        for (unsigned r = 0; r < 16; ++r) CHECK_MESSAGE(ref.reg(r) == jit.reg(r), "register " << r);
        CHECK(ref.cpu.rip == jit.cpu.rip);
        CHECK(ref.flags() == jit.flags());
        CHECK(ref.cpu.icount == jit.cpu.icount);
        for (unsigned k = 0; k < bytes; k += 8) CHECK_MESSAGE(ref.rd64(data + k) == jit.rd64(data + k), "at " << data + k);
        for (unsigned k = 0; k < 16; ++k) {
            CHECK_MESSAGE(ref.cpu.sse.xmm[k].q[0] == jit.cpu.sse.xmm[k].q[0], "xmm" << k);
            CHECK_MESSAGE(ref.cpu.sse.xmm[k].q[1] == jit.cpu.sse.xmm[k].q[1], "xmm" << k);
        }
        CHECK(ref.cpu.sse.mxcsr == jit.cpu.sse.mxcsr);
        CHECK(engine.blocks_translated > 0);
    }
};

// Snippets in 64-bit code as jit_emit_test runs them in 32-bit code: a prelude leaving the
// flags in a given place, the instruction under test, and SETcc/CMOVcc/Jcc of one condition
// reading them, over register values at the edges of every operand size. One pair of CPUs
// runs them all, each from a fresh state and an empty block cache.
struct Snippets {
    LongPair p;
    unsigned runs = 0;
    static constexpr uint8_t DATA = 0x50;  // memory operands: [0x5000] (ModRM 0x04 | reg, SIB 0x25)

    static constexpr uint64_t VALUES[] = {0, 1, 0x8000000000000000, 0x7FFFFFFFFFFFFFFF, ~0ull,
                                          0x123456789ABCDEF0, 0x80, 0x8000, 0x80000000,
                                          0xFFFFFFFF7FFFFFFF, 0xC000000000000001, 0x81C3A5F0DEADBEEF};
    static constexpr uint64_t COUNTS[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 0xFF};
    static constexpr uint32_t FLAG_IMAGES[] = {0x8D5, 0, 0x801, 0x0D4, 0x011, 0x840, 0x081, 0x004};

    // 0 PUSH imm; POPFQ (CpuState, plain bits), 1 ADD rsi, rdi (the host's EFLAGS), 2 XADD
    // rbp, rdi (an interpreter's lazy form in CpuState), 3 TEST rsi, rdi (AF undefined).
    static Bytes prelude(unsigned kind, uint32_t image) {
        switch (kind) {
        case 0: return {0x68, uint8_t(image), uint8_t(image >> 8), 0, 0, 0x9D};
        case 1: return {0x48, 0x01, 0xFE};
        case 2: return {0x48, 0x0F, 0xC1, 0xFD};
        default: return {0x48, 0x85, 0xFE};
        }
    }
    // Runs `insn` with every prelude over the value table, cycling through the 16 conditions.
    void sweep(const Bytes& insn) {
        const unsigned n = std::size(VALUES);
        for (unsigned v = 0; v < n; ++v)
            for (unsigned kind = 0; kind < 4; ++kind) {
                const unsigned k = v * 4 + kind;
                const uint8_t cc = uint8_t(k % 16);
                Bytes code = prelude(kind, FLAG_IMAGES[k % std::size(FLAG_IMAGES)]);
                code.insert(code.end(), insn.begin(), insn.end());
                // set<cc> al; cmov<cc> rdi, rsi; j<cc> +1; nop; hlt
                for (uint8_t b : {uint8_t(0x0F), uint8_t(0x90 + cc), uint8_t(0xC0), uint8_t(0x48), uint8_t(0x0F),
                                  uint8_t(0x40 + cc), uint8_t(0xFE), uint8_t(0x70 + cc), uint8_t(0x01), uint8_t(0x90),
                                  uint8_t(0xF4)})
                    code.push_back(b);
                uint64_t regs[16];
                for (unsigned r = 0; r < 16; ++r) regs[r] = VALUES[(v + 2 * r + kind) % n];
                regs[ECX] = COUNTS[(v + kind) % std::size(COUNTS)];
                regs[R9] = COUNTS[(v + kind + 5) % std::size(COUNTS)] ^ 0x1234567800000000;
                run(code, regs, VALUES[(v + 5) % n]);
            }
    }
    void run(const Bytes& code, const uint64_t (&regs)[16], uint64_t data) {
        for (test::LongFixture* f : {&p.ref, &p.jit}) {
            f->cpu.code.flush();
            for (unsigned r = 0; r < 16; ++r) f->reg(r) = r == ESP ? 0x80000 : regs[r];
            f->cpu.flags = Flags{};
            f->cpu.icount = 0;
            f->cpu.halted = 0;
            f->wr64(DATA << 8, data);
            // XMM registers from the same values (zeros, NaNs, infinities, denormals as floats
            // and doubles), SSE on, every exception masked and no sticky flag set.
            f->cpu.cr4 |= cr4::OSFXSR;
            for (unsigned k = 0; k < 16; ++k) f->cpu.sse.xmm[k] = Xmm{{regs[k], regs[(k + 3) % 16]}};
            f->cpu.sse.mxcsr = mxcsr::MASKS;
        }
        p.load(code, test::lm::CODE);
        std::ostringstream hex;
        for (uint8_t b : code) hex << std::hex << unsigned(b) << ' ';
        INFO("code: " << hex.str() << " rcx " << std::hex << regs[ECX] << " rdx " << regs[EDX] << " [data] " << data);
        p.run_and_compare(DATA << 8, 8);
        ++runs;
    }
};

}  // namespace

TEST_CASE("JIT 64-bit shifts and rotates match the interpreter, every operand size") {
    Snippets s;
    // /0 ROL, /1 ROR, /4 SHL, /5 SHR, /7 SAR
    for (uint8_t ext : {0, 1, 4, 5, 7}) {
        const uint8_t rdx = uint8_t(0xC2 | ext << 3), rcx = uint8_t(0xC1 | ext << 3), bl = uint8_t(0xC3 | ext << 3);
        for (uint8_t count : {0, 1, 2, 7, 8, 16, 31, 32, 33, 63, 64, 65, 0xFF}) {
            s.sweep({0x48, 0xC1, rdx, count});        // r64, imm8
            s.sweep({0xC1, rdx, count});              // r32, imm8 (upper half cleared)
            s.sweep({0x66, 0xC1, bl, count});         // r16, imm8
            s.sweep({0x40, 0xC0, uint8_t(bl + 3), count});  // r8 (SIL), imm8
        }
        s.sweep({0x48, 0xD1, rdx});        // r64, 1
        s.sweep({0x48, 0xD3, rdx});        // r64, CL
        s.sweep({0x48, 0xD3, rcx});        // RCX, CL
        s.sweep({0xD3, rdx});              // r32, CL
        s.sweep({0x49, 0xD3, uint8_t(rcx)});  // R9, CL
        s.sweep({0x48, 0xC1, rdx, 5, 0x48, 0x11, 0xDA});  // then ADC rdx, rbx (reads CF)
        s.sweep({0x48, 0xC1, rdx, 3, 0x48, 0xFF, 0xC2});  // then INC rdx (keeps CF)
        s.sweep({0x48, 0xD3, rdx, 0x48, 0xD1, rdx});      // two in a row
        const uint8_t mem = uint8_t(0x04 | ext << 3);
        s.sweep({0x48, 0xD1, mem, 0x25, 0, Snippets::DATA, 0, 0});     // m64, 1 (in place)
        s.sweep({0x48, 0xC1, mem, 0x25, 0, Snippets::DATA, 0, 0, 3});  // m64, 3 (the interpreter)
        s.sweep({0xD1, mem, 0x25, 0, Snippets::DATA, 0, 0});           // m32, 1
    }
    MESSAGE(s.runs << " snippets, " << s.p.engine.insns_translated << " guest instructions translated");
}

TEST_CASE("JIT 64-bit SHLD and SHRD match the interpreter, every operand size") {
    Snippets s;
    for (uint8_t op : {0xA4, 0xAC}) {  // SHLD, SHRD r/m, r, imm8; then the CL forms (op + 1)
        for (uint8_t count : {0, 1, 2, 15, 16, 17, 31, 32, 33, 63, 0xFF}) {
            s.sweep({0x48, 0x0F, op, 0xDA, count});  // rdx, rbx
            s.sweep({0x0F, op, 0xDA, count});        // edx, ebx (upper half cleared)
            s.sweep({0x66, 0x0F, op, 0xDA, count});  // dx, bx
            s.sweep({0x4D, 0x0F, op, 0xC8, count});  // r8, r9
        }
        for (const Bytes& size : {Bytes{0x48}, Bytes{}, Bytes{0x66}, Bytes{0x66, 0x45}}) {
            Bytes code = size;
            code.insert(code.end(), {0x0F, uint8_t(op + 1), 0xDA});  // (r)dx/r10, (r)bx/r11, CL
            s.sweep(code);
        }
    }
    MESSAGE(s.runs << " snippets, " << s.p.engine.insns_translated << " guest instructions translated");
}

TEST_CASE("JIT 64-bit MUL, IMUL and DIV match the interpreter, every operand size, #DE included") {
    Snippets s;
    for (test::LongFixture* f : {&s.p.ref, &s.p.jit}) {
        f->gate(0, test::LongFixture::HANDLER, 0);  // #DE: the handler's HLT
        f->mem.write_bytes(test::LongFixture::HANDLER, "\xF4", 1);
    }
    const uint8_t D = Snippets::DATA;
    s.sweep({0x48, 0x0F, 0xAF, 0xD3});                    // imul rdx, rbx
    s.sweep({0x48, 0x0F, 0xAF, 0xD2});                    // imul rdx, rdx
    s.sweep({0x0F, 0xAF, 0xD3});                          // imul edx, ebx (upper half cleared)
    s.sweep({0x4C, 0x0F, 0xAF, 0xCB});                    // imul r9, rbx
    s.sweep({0x48, 0x0F, 0xAF, 0x14, 0x25, 0, D, 0, 0});  // imul rdx, [DATA]
    for (uint32_t imm : {0u, 1u, 3u, 0x10001u, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFFu}) {
        s.sweep({0x48, 0x69, 0xD3, uint8_t(imm), uint8_t(imm >> 8), uint8_t(imm >> 16), uint8_t(imm >> 24)});
        s.sweep({0x48, 0x6B, 0xD3, uint8_t(imm)});  // sign-extended imm8
        s.sweep({0x48, 0x69, 0x14, 0x25, 0, D, 0, 0, uint8_t(imm), uint8_t(imm >> 8), uint8_t(imm >> 16),
                 uint8_t(imm >> 24)});  // imul rdx, [DATA], imm32
    }
    // One operand (/4 MUL, /5 IMUL, /6 DIV, /7 IDIV) of each size, from RBX, RDX, RAX, R9 and
    // memory. The consumer's SETcc overwrites AL: RAX is copied to RBP first.
    for (uint8_t ext : {4, 5, 6, 7}) {
        const uint8_t rbx = uint8_t(0xC3 | ext << 3), rdx = uint8_t(0xC2 | ext << 3), rax = uint8_t(0xC0 | ext << 3),
                      rcx = uint8_t(0xC1 | ext << 3), mem = uint8_t(0x04 | ext << 3);
        std::vector<Bytes> forms = {{0x48, 0xF7, rbx}, {0x48, 0xF7, rdx}, {0x48, 0xF7, rax}, {0x49, 0xF7, rcx},
                                    {0x48, 0xF7, rcx}, {0x48, 0xF7, mem, 0x25, 0, D, 0, 0}, {0xF7, rbx},
                                    {0xF7, mem, 0x25, 0, D, 0, 0}};
        forms.insert(forms.end(), {{0x66, 0xF7, rbx}, {0x40, 0xF6, rbx}, {0xF6, mem, 0x25, 0, D, 0, 0}, {0x41, 0xF6, rcx}});
        if (ext >= 6)  // dividends whose quotients fit more often: xor edx, edx / CQO, CDQ, CWD, CBW first
            forms.insert(forms.end(), {{0x31, 0xD2, 0x48, 0xF7, rcx}, {0x31, 0xD2, 0x48, 0xF7, rbx},
                                       {0x48, 0x99, 0x48, 0xF7, rbx}, {0x48, 0x99, 0x49, 0xF7, rcx},
                                       {0x48, 0x99, 0x48, 0xF7, mem, 0x25, 0, D, 0, 0}, {0x99, 0xF7, rbx},
                                       {0x99, 0x41, 0xF7, rcx}, {0x66, 0x99, 0x66, 0xF7, rbx},
                                       {0x66, 0x98, 0x40, 0xF6, rbx}, {0x0F, 0xB6, 0xC0, 0x41, 0xF6, rcx}});
        for (Bytes code : forms) {
            code.insert(code.end(), {0x48, 0x89, 0xC5});  // mov rbp, rax
            s.sweep(code);
        }
    }
    MESSAGE(s.runs << " snippets, " << s.p.engine.insns_translated << " guest instructions translated");
}

TEST_CASE("JIT 64-bit BT* and BSF/BSR match the interpreter") {
    Snippets s;
    for (uint8_t op : {0xA3, 0xAB, 0xB3, 0xBB}) {
        s.sweep({0x48, 0x0F, op, 0xCA});  // rdx, rcx
        s.sweep({0x0F, op, 0xCA});        // edx, ecx (BTS/BTR/BTC clear the upper half)
        s.sweep({0x49, 0x0F, op, 0xC9});  // r9, rcx
    }
    for (uint8_t ext : {4, 5, 6, 7})
        for (uint8_t bit : {3, 40, 63, 0xFF}) s.sweep({0x48, 0x0F, 0xBA, uint8_t(0xC2 | ext << 3), bit});
    for (uint8_t op : {0xBC, 0xBD}) {
        s.sweep({0x48, 0x0F, op, 0xD3});                    // rdx, rbx
        s.sweep({0x0F, op, 0xD3});                          // edx, ebx (a zero source keeps all of rdx)
        s.sweep({0x48, 0x0F, op, 0x14, 0x25, 0, Snippets::DATA, 0, 0});  // rdx, [DATA]
    }
}

TEST_CASE("JIT 64-bit CMPXCHG8B and CMPXCHG16B match the interpreter, #GP(0) of a misaligned operand included") {
    Snippets s;
    const uint8_t D = Snippets::DATA;
    const Bytes load = {0x48, 0x8B, 0x04, 0x25, 0, D, 0, 0, 0x48, 0x8B, 0x14, 0x25, 8, D, 0, 0};  // rax, rdx from DATA
    for (const Bytes& op : {Bytes{0x0F, 0xC7, 0x0C, 0x25, 0, D, 0, 0}, Bytes{0x48, 0x0F, 0xC7, 0x0C, 0x25, 0, D, 0, 0},
                            Bytes{0xF0, 0x48, 0x0F, 0xC7, 0x0C, 0x25, 0, D, 0, 0},
                            Bytes{0x48, 0x0F, 0xC7, 0x0C, 0x25, 8, D, 0, 0},         // misaligned: #GP(0)
                            Bytes{0x43, 0x0F, 0xC7, 0x0C, 0x21}, Bytes{0x4B, 0x0F, 0xC7, 0x0C, 0x21}}) {  // [r9 + r12]
        for (bool equal : {false, true}) {
            Bytes code = {0x49, 0xC7, 0xC1, 0, D, 0, 0, 0x4D, 0x31, 0xE4};  // mov r9, DATA; xor r12, r12
            if (equal) code.insert(code.end(), load.begin(), load.end());
            code.insert(code.end(), op.begin(), op.end());
            code.insert(code.end(), {0x48, 0x89, 0xC5});  // then mov rbp, rax (SETcc writes AL)
            s.sweep(code);
        }
    }
    MESSAGE(s.runs << " snippets, " << s.p.engine.insns_translated << " guest instructions translated");
}

TEST_CASE("JIT 64-bit MOVZX and MOVSX from memory match the interpreter, every size") {
    Snippets s;
    const uint8_t D = Snippets::DATA;
    for (uint8_t op : {0xB6, 0xB7, 0xBE, 0xBF})  // MOVZX, MOVSX r, m8 / m16
        for (const Bytes& prefix : {Bytes{}, Bytes{0x48}, Bytes{0x66}, Bytes{0x4C}})  // edx, rdx, dx, r10
            if (prefix.empty() || prefix[0] != 0x66 || (op & 1) == 0) {
                Bytes code = prefix;
                code.insert(code.end(), {0x0F, op, 0x14, 0x25, 0, D, 0, 0});
                s.sweep(code);
            }
}

TEST_CASE("JIT 64-bit CBW..CDQE and CWD..CQO match the interpreter") {
    Snippets s;
    for (uint8_t op : {0x98, 0x99})
        for (const Bytes& prefix : {Bytes{0x66}, Bytes{}, Bytes{0x48}}) {
            Bytes code = prefix;
            code.insert(code.end(), {op, 0x48, 0x89, 0xC5});  // then mov rbp, rax (SETcc writes AL)
            s.sweep(code);
        }
}

TEST_CASE("JIT 64-bit LODS, STOS, MOVS, SCAS and CMPS match the interpreter, both directions, faults included") {
    Snippets s;
    const uint8_t D = Snippets::DATA;
    const Bytes pointers = {0xBE, 0x04, 0, D, 0, 0xBF, 0x00, 0, D, 0};  // mov esi, DATA + 4; mov edi, DATA
    const Bytes noncanonical = {0x48, 0xBE, 0, 0, 0, 0, 0, 0x80, 0, 0};  // mov rsi, 1 << 55
    for (uint8_t op : {0xAC, 0xAD, 0xAA, 0xAB, 0xA4, 0xA5, 0xAE, 0xAF, 0xA6, 0xA7})
        for (const Bytes& size : {Bytes{}, Bytes{0x66}, Bytes{0x48}})
            for (uint8_t direction : {0xFC, 0xFD}) {  // CLD, STD
                if ((op & 1) == 0 && !size.empty()) continue;  // the byte forms
                Bytes code = pointers;
                code.push_back(direction);
                code.insert(code.end(), size.begin(), size.end());
                code.push_back(op);
                s.sweep(code);
                code = pointers;
                code.insert(code.end(), noncanonical.begin(), noncanonical.end());
                code.insert(code.end(), size.begin(), size.end());
                code.push_back(op);  // LODS, MOVS and CMPS: #GP(0); the others go on
                s.sweep(code);
            }
    s.sweep({0xBF, 0x00, 0, D, 0, 0xB9, 3, 0, 0, 0, 0xF3, 0x48, 0xAB});  // mov edi, DATA; mov ecx, 3; rep stosq
}

TEST_CASE("JIT 64-bit SSE conversions and lane moves with general registers match the interpreter") {
    Snippets s;
    const uint8_t D = Snippets::DATA;
    // PEXTRQ/PEXTRB (REX.W: a 64-bit destination) to RDX and memory, PINSRQ from RSI and memory
    for (uint8_t imm : {0, 1, 2, 3, 9})
        for (uint8_t op : {0x16, 0x14, 0x22}) {
            const uint8_t reg = op == 0x22 ? 0xCE : 0xCA;
            s.sweep({0x66, 0x48, 0x0F, 0x3A, op, reg, imm});
            s.sweep({0x66, 0x48, 0x0F, 0x3A, op, 0x0C, 0x25, 0, D, 0, 0, imm});
        }
    for (uint8_t lanes : {0xF3, 0xF2})  // SS, SD
        for (const Bytes& rex : {Bytes{}, Bytes{0x48}, Bytes{0x4C}}) {
            // CVTSI2Sx xmm1, rsi / r14 (REX.R names xmm9 instead) and from memory
            for (const Bytes& tail : {Bytes{0x2A, 0xCE}, Bytes{0x2A, 0x0C, 0x25, 0, D, 0, 0}}) {
                Bytes code = {lanes};
                code.insert(code.end(), rex.begin(), rex.end());
                code.push_back(0x0F);
                code.insert(code.end(), tail.begin(), tail.end());
                s.sweep(code);
            }
            // CVT(T)Sx2SI edx/rdx/r10, xmm2 and from memory
            for (uint8_t op : {0x2C, 0x2D})
                for (const Bytes& tail : {Bytes{0xD2}, Bytes{0x14, 0x25, 0, D, 0, 0}}) {
                    Bytes code = {lanes};
                    code.insert(code.end(), rex.begin(), rex.end());
                    code.insert(code.end(), {0x0F, op});
                    code.insert(code.end(), tail.begin(), tail.end());
                    s.sweep(code);
                }
        }
}

TEST_CASE("JIT 64-bit blocks: R8-R15, 64-bit immediates, RIP-relative operands, a loop, calls") {
    LongPair p;
    for (test::LongFixture* f : {&p.ref, &p.jit}) {
        f->cpu.seg[GS].base = 0x6000;
        f->wr64(0x6010, 0x1122334455667788ull);
    }
    // The data at the end shares the code's page: the store to it goes through the code-page
    // path (the block stops after it).
    p.load({0x48, 0xb8, 0xf0, 0xde, 0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12,  // mov rax, imm64
            0x49, 0x89, 0xc0,                                            // mov r8, rax
            0x4d, 0x01, 0xc8,                                            // add r8, r9
            0x4c, 0x8d, 0x15, 0x41, 0x00, 0x00, 0x00,                    // lea r10, [rip + data]
            0x4c, 0x8b, 0x1d, 0x3a, 0x00, 0x00, 0x00,                    // mov r11, [rip + data]
            0x4c, 0x89, 0x05, 0x3b, 0x00, 0x00, 0x00,                    // mov [rip + data + 8], r8
            0x4c, 0x63, 0xe0,                                            // movsxd r12, eax
            0xb9, 0x64, 0x00, 0x00, 0x00,                                // mov ecx, 100
            0x49, 0x01, 0xcd,                                            // 1: add r13, rcx
            0x49, 0xc1, 0xc5, 0x07,                                      // rol r13, 7
            0xff, 0xc9,                                                  // dec ecx
            0x75, 0xf5,                                                  // jnz 1b
            0x41, 0x50, 0x41, 0x5e,                                      // push r8; pop r14
            0x65, 0x4c, 0x8b, 0x3c, 0x25, 0x10, 0x00, 0x00, 0x00,        // mov r15, gs:[0x10]
            0xe8, 0x02, 0x00, 0x00, 0x00,                                // call 2f
            0xeb, 0x01,                                                  // jmp 3f
            0xc3,                                                        // 2: ret
            0x48, 0x8b, 0x5c, 0x24, 0xf8,                                // 3: mov rbx, [rsp - 8]
            0xf4,                                                        // hlt
            0x0f, 0x1f, 0x44, 0x00, 0x00,                                // (padding)
            0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,              // data
            0, 0, 0, 0, 0, 0, 0, 0},
           test::lm::CODE);
    p.run_and_compare(test::lm::CODE + 0x58, 16);
    CHECK(p.jit.reg(R11) == 0xfedcba9876543210ull);
    CHECK(p.jit.reg(R15) == 0x1122334455667788ull);
}

TEST_CASE("JIT 64-bit blocks: a non-canonical access faults precisely, in ring 0 and ring 3") {
    for (bool user : {false, true}) {
        CAPTURE(user);
        LongPair p;
        if (user)
            for (test::LongFixture* f : {&p.ref, &p.jit}) f->to_user64();
        const uint64_t at = user ? test::lm::USER : test::lm::CODE;
        p.load({0x48, 0xff, 0xc6,                                            // inc rsi
                0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0x80,                       // mov rax, 1 << 63
                0x48, 0x8b, 0x18,                                            // mov rbx, [rax]
                0xf4},
               at);
        // The frame (RIP, CS, RFLAGS, RSP, SS, the error code below) on the handler's stack.
        p.run_and_compare((user ? test::lm::RSP0 : 0x80000) - 48, 48);
        CHECK(p.jit.cpu.rip == test::LongFixture::HANDLER + 13 + 1);  // after its HLT
        CHECK(p.jit.cpu.icount == 3);                                 // INC, MOV, HLT
        CHECK(p.jit.rd64((user ? test::lm::RSP0 : 0x80000) - 40) == at + 13);
    }
}

TEST_CASE("JIT compatibility-mode blocks: the stack, calls and returns, a memory operand") {
    LongPair p;
    for (test::LongFixture* f : {&p.ref, &p.jit}) {
        f->load(test::lm::KCODE32, CS);
        REQUIRE(f->cpu.mode() == CpuMode::Compat32);
    }
    p.load({0xb9, 0x32, 0x00, 0x00, 0x00,        // mov ecx, 50
            0x51,                                // 1: push ecx
            0x8b, 0x04, 0x24,                    // mov eax, [esp]
            0x01, 0x05, 0x00, 0x50, 0x00, 0x00,  // add [0x5000], eax
            0xe8, 0x05, 0x00, 0x00, 0x00,        // call 2f
            0x5a,                                // pop edx
            0x49,                                // dec ecx
            0x75, 0xed,                          // jnz 1b
            0xf4,                                // hlt
            0xc3},                               // 2: ret
           test::lm::CODE);
    p.run_and_compare(0x5000, 8);
    CHECK(p.jit.rd32(0x5000) == 50 * 51 / 2);
}

TEST_CASE("JIT random sequences of inline 64-bit forms match the interpreter") {
    // Every 64-bit form the JIT emits inline, and neighbours it leaves to the interpreter:
    // REX.W ALU ops with registers, immediates and memory (RIP-relative, GS-based, RSP-based,
    // in place), MOV with a negative immediate to memory, MOVSXD, LEA (RIP-relative too),
    // MOVZX/MOVSX, SPL..DIL, CMOVcc, SETcc, XCHG, BSWAP, PUSH/POP, R8-R15 in every operand
    // position, 32-bit ops (which zero-extend). The RIP-relative operands land in the code's own page: their stores take
    // the code-page path.
    const std::vector<Bytes> pool = {
        {0x48, 0x01, 0xd8}, {0x48, 0x81, 0xe9, 0x80, 0xff, 0xff, 0x7f}, {0x48, 0x11, 0xf2},
        {0x48, 0x83, 0xdf, 0xfb}, {0x48, 0x21, 0xcb}, {0x48, 0x0b, 0x05, 0x00, 0x01, 0x00, 0x00},
        {0x65, 0x48, 0x33, 0x34, 0x25, 0x18, 0x00, 0x00, 0x00}, {0x48, 0x3b, 0x54, 0x24, 0x08},
        {0x48, 0x85, 0xf9}, {0x48, 0xff, 0xc3}, {0x48, 0xff, 0x0d, 0x00, 0x01, 0x00, 0x00},
        {0x48, 0xf7, 0xda}, {0x48, 0xf7, 0xd6}, {0x65, 0x48, 0x01, 0x04, 0x25, 0x20, 0x00, 0x00, 0x00},
        {0x48, 0xc7, 0xc0, 0xfe, 0xff, 0xff, 0xff},
        {0x48, 0xc7, 0x05, 0x08, 0x01, 0x00, 0x00, 0xf9, 0xff, 0xff, 0xff},
        {0x48, 0x8b, 0x2d, 0x08, 0x01, 0x00, 0x00}, {0x48, 0x63, 0xca}, {0x48, 0x63, 0x3d, 0x04, 0x01, 0x00, 0x00},
        {0x48, 0x8d, 0x5c, 0x88, 0xc0}, {0x48, 0x8d, 0x15, 0x34, 0x12, 0x00, 0x00}, {0x48, 0x0f, 0xb6, 0xc6},
        {0x48, 0x0f, 0xbe, 0xf3}, {0x40, 0x88, 0xcf}, {0x40, 0x80, 0xc4, 0x01}, {0x48, 0x0f, 0x44, 0xc1},
        {0x48, 0x0f, 0x42, 0x15, 0x00, 0x01, 0x00, 0x00}, {0x0f, 0x95, 0xc3}, {0x48, 0x87, 0xd1},
        {0x48, 0x0f, 0xcd}, {0x50}, {0x59}, {0x68, 0x00, 0x0c, 0xfe, 0xff}, {0x5a}, {0x49, 0x01, 0xc0},
        {0x4d, 0x8b, 0x0c, 0x02}, {0x48, 0x0f, 0xaf, 0xca}, {0x48, 0xc1, 0xe0, 0x03}, {0x89, 0xc8},
        {0x83, 0xc0, 0xff}, {0x48, 0xb8, 0x00, 0x00, 0x00, 0x80, 0xff, 0xff, 0xff, 0x7f},
        // R8-R15 in every operand position (each bound into a host register for its
        // instruction): ModRM reg and r/m, SIB base and index, the opcode's register, byte
        // registers, next to implicit operands; memory through r10 (0x7000).
        {0x4d, 0x29, 0xd9}, {0x4c, 0x31, 0xd9}, {0x49, 0x21, 0xc2}, {0x45, 0x09, 0xc8}, {0x4d, 0x85, 0xe5},
        {0x4d, 0x39, 0xf7}, {0x4d, 0x11, 0xc8}, {0x4c, 0x19, 0xe8}, {0x4d, 0x0f, 0xaf, 0xc1},
        {0x4c, 0x0f, 0x44, 0xc9}, {0x4d, 0x0f, 0x4f, 0xee}, {0x45, 0x0f, 0xb6, 0xc1}, {0x4c, 0x0f, 0xbe, 0xe8},
        {0x4d, 0x63, 0xc1}, {0x49, 0xc1, 0xe0, 0x05}, {0x49, 0xd3, 0xe9}, {0x41, 0xd1, 0xfc}, {0x49, 0xf7, 0xd8},
        {0x49, 0xff, 0xc1}, {0x41, 0xff, 0xcf}, {0x41, 0x0f, 0x94, 0xc0}, {0x49, 0x0f, 0xc8}, {0x41, 0x50},
        {0x41, 0x59}, {0x49, 0x87, 0xc1}, {0x4d, 0x87, 0xfe}, {0x45, 0x88, 0xc1}, {0x49, 0xf7, 0xe0},
        {0x49, 0x6b, 0xc1, 0x35}, {0x49, 0xbb, 0x21, 0x43, 0x65, 0x87, 0x09, 0xba, 0xdc, 0xfe},
        {0x4d, 0x8b, 0x5a, 0x08}, {0x4d, 0x01, 0x4a, 0x10}, {0x4f, 0x8d, 0x44, 0x12, 0x07},
        {0x47, 0x0f, 0xb6, 0x42, 0x01}, {0x49, 0xff, 0x42, 0x18}, {0x41, 0xff, 0x72, 0x20},
        {0x4e, 0x8b, 0x04, 0x15, 0x00, 0x00, 0x00, 0x00}, {0x4d, 0x3b, 0x4a, 0x28}, {0x4d, 0x89, 0x62, 0x30},
        {0x4e, 0x89, 0x24, 0x12}, {0x65, 0x4c, 0x8b, 0x04, 0x25, 0x18, 0x00, 0x00, 0x00}, {0x4d, 0x0f, 0xa3, 0xc8}};
    uint32_t seed = 4242;
    auto next = [&] {
        seed = seed * 1103515245u + 12345u;
        return seed >> 8;
    };
    unsigned translated = 0;
    for (unsigned run = 0; run < 1500; ++run) {
        LongPair p;
        p.engine.bmi2 = p.engine.bmi2 && (run & 1);
        Bytes code;
        for (unsigned k = 0; k < 8; ++k) {
            const Bytes& insn = pool[next() % pool.size()];
            code.insert(code.end(), insn.begin(), insn.end());
        }
        // setcc al; cmovcc rdi, rsi; jcc +1; nop; hlt, of one condition.
        const uint8_t cc = uint8_t(next() % 16);
        for (uint8_t b : {uint8_t(0x0F), uint8_t(0x90 + cc), uint8_t(0xC0), uint8_t(0x48), uint8_t(0x0F),
                          uint8_t(0x40 + cc), uint8_t(0xFE), uint8_t(0x70 + cc), uint8_t(0x01), uint8_t(0x90),
                          uint8_t(0xF4)})
            code.push_back(b);
        uint64_t regs[16];
        for (uint64_t& r : regs) r = uint64_t(next()) << 40 ^ next() * 2654435761u;
        regs[R10] = 0x7000;
        for (test::LongFixture* f : {&p.ref, &p.jit}) {
            f->cpu.seg[GS].base = 0x6000;
            for (unsigned r = 0; r < 16; ++r)
                if (r != ESP) f->reg(r) = regs[r];
            for (unsigned k = 0; k < 8; ++k) f->wr64(0x6018 + 8 * k, uint64_t(k) * 0x9E3779B97F4A7C15ull);
            f->mem.write_bytes(test::lm::CODE + 0x100, "\x80\x00\x00\x00\xff\xff\xff\xff\x01\x02\x03\x04\x05\x06\x07\x08", 16);
            if (run % 3 == 0) f->cpu.mmu.flush_all();
        }
        p.load(code, test::lm::CODE);
        std::ostringstream hex;
        for (uint8_t b : code) hex << std::hex << unsigned(b) << ' ';
        INFO("run " << run << " code: " << hex.str());
        p.run_and_compare(test::lm::CODE + 0x100, 16);
        for (uint32_t at = 0x7000; at < 0x7040; at += 8) CHECK_MESSAGE(p.ref.rd64(at) == p.jit.rd64(at), "at " << at);
        translated += unsigned(p.engine.insns_translated);
    }
    MESSAGE(translated << " guest instructions translated");
}

TEST_CASE("JIT fallback profile: each fallback counted once per execution, by mnemonic and reason") {
    LongPair p;
    p.engine.fallbacks = std::make_unique<jit::FallbackProfile>();
    p.load({0xbe, 0x64, 0x00, 0x00, 0x00,  // mov esi, 100
            0x49, 0x01, 0xf5,              // 1: add r13, rsi (inline)
            0x0f, 0xa2,                    // cpuid (no emitter)
            0xff, 0xce,                    // dec esi
            0x75, 0xf7,                    // jnz 1b
            0xf4},                         // hlt
           test::lm::CODE);
    p.run_and_compare(test::lm::CODE, 8);
    jit::FallbackProfile& prof = *p.engine.fallbacks;
    REQUIRE(p.jit.interp.hot_runs == 0);  // every run of the loop is translated code
    CHECK(*prof.counter(ZYDIS_MNEMONIC_CPUID, jit::Fallback::NoEmitter) == 100);
    for (unsigned why = 0; why < unsigned(jit::Fallback::COUNT); ++why) {
        CHECK(*prof.counter(ZYDIS_MNEMONIC_ADD, jit::Fallback(why)) == 0);
        CHECK(*prof.counter(ZYDIS_MNEMONIC_DEC, jit::Fallback(why)) == 0);
    }
}

TEST_CASE("JIT 64-bit blocks: a store into the running block stops it with bound registers written back") {
    LongPair p;
    // R8 and R10 are bound and written when the store changes the next instruction: the block
    // leaves right after the store, and the registers it wrote must reach CpuState.
    p.load({0x49, 0x89, 0xc0,                          // mov r8, rax
            0x49, 0x83, 0xc0, 0x05,                    // add r8, 5
            0x4c, 0x8d, 0x15, 0x05, 0x00, 0x00, 0x00,  // lea r10, [rip + 1f]
            0x41, 0xc6, 0x42, 0x02, 0x42,              // mov byte [r10 + 2], 0x42
            0x41, 0xb9, 0x11, 0x11, 0x11, 0x11,        // 1: mov r9d, 0x11111111 (becomes 0x11111142)
            0x4d, 0x01, 0xc1,                          // add r9, r8
            0xf4},                                     // hlt
           test::lm::CODE);
    p.run_and_compare(test::lm::CODE, 32);
    CHECK(p.jit.reg(R10) == test::lm::CODE + 19);
    CHECK(p.jit.reg(R9) == 0x11111142 + p.jit.reg(EAX) + 5);
}

TEST_CASE("JIT 64-bit SSE moves and conversions naming R8-R15 as a general register run inline") {
    LongPair p;
    p.engine.fallbacks = std::make_unique<jit::FallbackProfile>();
    for (test::LongFixture* f : {&p.ref, &p.jit}) {
        f->cpu.cr4 |= cr4::OSFXSR;
        f->cpu.sse.mxcsr = mxcsr::MASKS;
        f->reg(R14) = 0xFFFFFFFFFFFF8123ull;  // converts exactly
    }
    const Bytes code = {0x66, 0x49, 0x0f, 0x6e, 0xd9,        // movq xmm3, r9
                        0x66, 0x49, 0x0f, 0x7e, 0xda,        // movq r10, xmm3
                        0x66, 0x41, 0x0f, 0x6e, 0xe3,        // movd xmm4, r11d
                        0x66, 0x41, 0x0f, 0x7e, 0xe4,        // movd r12d, xmm4
                        0x66, 0x44, 0x0f, 0xd7, 0xeb,        // pmovmskb r13d, xmm3
                        0xf2, 0x49, 0x0f, 0x2a, 0xee,        // cvtsi2sd xmm5, r14
                        0xf2, 0x4c, 0x0f, 0x2c, 0xfd,        // cvttsd2si r15, xmm5
                        0x66, 0x49, 0x0f, 0x3a, 0x16, 0xd8, 0x01,  // pextrq r8, xmm3, 1
                        0x66, 0x41, 0x0f, 0x3a, 0x22, 0xf1, 0x02,  // pinsrd xmm6, r9d, 2
                        0xf3, 0x45, 0x0f, 0x2a, 0xe3,        // cvtsi2ss xmm12, r11d
                        0x66, 0x44, 0x0f, 0xc5, 0xf6, 0x05,  // pextrw r14d, xmm6, 5
                        0x4d, 0x01, 0xd1,                    // add r9, r10
                        0x41, 0x8c, 0xe3,                    // mov r11d, fs
                        0xf4};                               // hlt
    p.load(code, test::lm::CODE);
    p.run_and_compare(test::lm::CODE, 8);
    CHECK(p.jit.reg(R15) == 0xFFFFFFFFFFFF8123ull);
    // Each alone over the snippets' values, after each flag prelude (R9, R10, R14).
    Snippets s;
    for (const Bytes& insn : {Bytes{0x66, 0x41, 0x0f, 0x6e, 0xc9},              // movd xmm1, r9d
                              Bytes{0x66, 0x49, 0x0f, 0x7e, 0xca},              // movq r10, xmm1
                              Bytes{0x66, 0x44, 0x0f, 0xd7, 0xd2},              // pmovmskb r10d, xmm2
                              Bytes{0xf2, 0x49, 0x0f, 0x2a, 0xce},              // cvtsi2sd xmm1, r14
                              Bytes{0xf3, 0x41, 0x0f, 0x2a, 0xce},              // cvtsi2ss xmm1, r14d
                              Bytes{0xf2, 0x4c, 0x0f, 0x2c, 0xd2},              // cvttsd2si r10, xmm2
                              Bytes{0xf3, 0x44, 0x0f, 0x2d, 0xd2},              // cvtss2si r10d, xmm2
                              Bytes{0x66, 0x49, 0x0f, 0x3a, 0x16, 0xd2, 0x01},  // pextrq r10, xmm2, 1
                              Bytes{0x66, 0x49, 0x0f, 0x3a, 0x22, 0xce, 0x01},  // pinsrq xmm1, r14, 1
                              Bytes{0x66, 0x41, 0x0f, 0x3a, 0x14, 0xd2, 0x09}}) // pextrb r10d, xmm2, 9
        s.sweep(insn);
    for (auto m : {ZYDIS_MNEMONIC_MOVQ, ZYDIS_MNEMONIC_MOVD, ZYDIS_MNEMONIC_PMOVMSKB, ZYDIS_MNEMONIC_CVTSI2SD,
                   ZYDIS_MNEMONIC_CVTTSD2SI, ZYDIS_MNEMONIC_PEXTRQ, ZYDIS_MNEMONIC_PINSRD, ZYDIS_MNEMONIC_CVTSI2SS,
                   ZYDIS_MNEMONIC_PEXTRW, ZYDIS_MNEMONIC_MOV})
        for (unsigned why = 0; why < unsigned(jit::Fallback::COUNT); ++why)
            CHECK_MESSAGE(*p.engine.fallbacks->counter(m, jit::Fallback(why)) == 0, "mnemonic " << m << " reason " << why);
}
