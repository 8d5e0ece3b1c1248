// The JIT's inline SSE emitters against the interpreter (jit/emit_sse_*.cpp): each form of every
// mnemonic with an emitter runs on two CPUs from the same random XMM registers, memory operand
// and MXCSR (every rounding mode, DAZ and FTZ, sticky flags set or not, and now and then some
// exceptions unmasked, which the JIT leaves to the interpreter), one CPU with the JIT attached,
// between an inline ADD whose flags a SETcc after it reads; the XMM registers, MXCSR, the general
// registers, EFLAGS, the memory operand, EIP and the instruction count must agree, and so must
// the fault taken (#GP for a misaligned aligned operand, #XM, #UD with CR4.OSFXSR clear, #NM
// with CR0.TS set).
#include <doctest/doctest.h>

#include <array>
#include <cstring>
#include <sstream>
#include <vector>

#include "cpu/decode.h"
#include "jit/engine.h"
#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

namespace {

using Bytes = std::vector<uint8_t>;
constexpr uint32_t DATA = 0x5000;

// Lane values that exercise floating point: zeros, denormals, infinities, NaNs (quiet and
// signalling), numbers that overflow, underflow or round when combined, and integers.
const uint32_t SINGLES[] = {0x00000000, 0x80000000, 0x00000001, 0x807FFFFF, 0x7F800000, 0xFF800000,
                            0x7FC00000, 0x7F800001, 0xFFC12345, 0x3F800000, 0x3FC00000, 0x7F7FFFFF,
                            0x00800000, 0xC0490FDB, 0x4B000001, 0x33D6BF95, 0x80000001, 0x12345678};
const uint64_t DOUBLES[] = {0, 0x8000000000000000, 1, 0x800FFFFFFFFFFFFF, 0x7FF0000000000000,
                            0x7FF8000000000000, 0x7FF0000000000001, 0x3FF0000000000000, 0x7FEFFFFFFFFFFFFF,
                            0x0010000000000000, 0xC00921FB54442D18, 0x3FF8000000000001, 0x4330000000000001};

struct Rng {
    uint64_t s = 0x9E3779B97F4A7C15;
    uint64_t next() {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        return s;
    }
};

Xmm random_xmm(Rng& r) {
    Xmm x;
    switch (r.next() % 3) {
    case 0:
        x.q[0] = r.next(), x.q[1] = r.next();
        break;
    case 1:
        for (unsigned k = 0; k < 4; ++k) {
            const uint64_t v = SINGLES[r.next() % std::size(SINGLES)];
            x.q[k / 2] |= v << (32 * (k % 2));
        }
        break;
    default:
        x.q[0] = DOUBLES[r.next() % std::size(DOUBLES)], x.q[1] = DOUBLES[r.next() % std::size(DOUBLES)];
        break;
    }
    return x;
}

uint32_t random_mxcsr(Rng& r) {
    uint32_t v = uint32_t(r.next()) & (mxcsr::FLAGS | mxcsr::DAZ | mxcsr::FTZ | (3u << mxcsr::RC_SHIFT));
    if (r.next() % 2) v &= ~mxcsr::FLAGS;
    v |= mxcsr::MASKS;
    if (r.next() % 6 == 0) v &= ~(uint32_t(r.next()) & mxcsr::MASKS);  // the JIT's fallback
    return v;
}

struct Pair {
    test::SystemFixture ref{models::max}, jit{models::max};
    jit::Engine engine{jit.cpu};
    unsigned runs = 0;

    Pair() {
        jit.interp.native = &engine;
        for (auto* f : {&ref, &jit}) {
            f->record_faults();
            for (unsigned v : {7u, 19u}) f->recording_handler(v);
        }
    }

    // Runs `insn` after `add esi, edi` and before `setb cl; sete dl; hlt`.
    void run(const Bytes& insn, Rng& r, bool sse_on = true, bool ts = false, uint32_t eax = 0x11111111, uint32_t edx = 0) {
        Bytes code = {0x01, 0xFE};
        code.insert(code.end(), insn.begin(), insn.end());
        code.insert(code.end(), {0x0F, 0x92, 0xC1, 0x0F, 0x94, 0xC2, 0xF4});
        std::array<Xmm, 8> regs;
        for (Xmm& x : regs) x = random_xmm(r);
        const Xmm data[2] = {random_xmm(r), random_xmm(r)};
        const uint32_t csr = random_mxcsr(r);
        const uint32_t esi = uint32_t(r.next()), edi = uint32_t(r.next());
        for (test::SystemFixture* f : {&ref, &jit}) {
            f->cpu.cr4 = sse_on ? cr4::OSFXSR | cr4::OSXMMEXCPT : 0;
            f->cpu.cr0 = (f->cpu.cr0 & ~uint64_t(cr0::EM | cr0::TS)) | (ts ? cr0::TS : 0);
            for (unsigned k = 0; k < 8; ++k) f->cpu.sse.xmm[k] = regs[k];
            f->cpu.sse.mxcsr = csr;
            f->mem.write_bytes(DATA, data, sizeof data);
            REQUIRE(f->run_snippet(code, esi, edi, eax, edx));
        }
        std::ostringstream hex;
        for (uint8_t b : insn) hex << std::hex << unsigned(b) << ' ';
        INFO("insn: " << hex.str() << " mxcsr " << std::hex << csr);
        for (unsigned k = 0; k < 8; ++k) {
            INFO("xmm" << k);
            CHECK(ref.cpu.sse.xmm[k].q[0] == jit.cpu.sse.xmm[k].q[0]);
            CHECK(ref.cpu.sse.xmm[k].q[1] == jit.cpu.sse.xmm[k].q[1]);
        }
        CHECK(ref.cpu.sse.mxcsr == jit.cpu.sse.mxcsr);
        for (unsigned k = 0; k < 8; ++k) CHECK_MESSAGE(ref.reg(k) == jit.reg(k), "register " << k);
        CHECK(ref.flags() == jit.flags());
        for (unsigned k = 0; k < 32; k += 4) CHECK(ref.rd32(DATA + k) == jit.rd32(DATA + k));
        CHECK(ref.cpu.rip == jit.cpu.rip);
        CHECK(ref.cpu.icount == jit.cpu.icount);
        ++runs;
    }
};

// An SSE form: its prefix and opcode bytes, whether an imm8 follows the operands, and the ModRM
// byte of its register form (reg = xmm1 or the /digit, rm = xmm2) when it is not 0xCA.
struct Form {
    Bytes op;
    bool imm = false;
    uint8_t modrm = 0xCA;
    bool reg_only = false;  // no memory form (imm8 shifts, the sign-mask moves)
};

// The register form, the aligned memory form at DATA and the misaligned one at DATA + 4 (the
// ModRM's mod and rm replaced by a disp32).
std::vector<Bytes> encodings(const Form& f, unsigned imm) {
    std::vector<Bytes> out;
    auto with = [&](std::initializer_list<uint8_t> tail) {
        Bytes b = f.op;
        b.insert(b.end(), tail);
        if (f.imm) b.push_back(uint8_t(imm));
        out.push_back(b);
    };
    with({f.modrm});
    if (f.reg_only) return out;
    const uint8_t mem = uint8_t((f.modrm & 0x38) | 0x05);
    with({mem, uint8_t(DATA), uint8_t(DATA >> 8), 0, 0});
    with({mem, uint8_t(DATA + 4), uint8_t(DATA >> 8), 0, 0});
    return out;
}

void sweep(Pair& p, const std::vector<Form>& forms, unsigned rounds) {
    Rng r;
    for (const Form& f : forms)
        for (unsigned n = 0; n < rounds; ++n)
            // Shift counts and PALIGNR offsets in range more often than not.
            for (const Bytes& e : encodings(f, unsigned(r.next() % 3 ? r.next() % 18 : r.next()))) p.run(e, r);
}

const std::vector<Form> MOVES = {
    {{0x0F, 0x28}}, {{0x0F, 0x10}}, {{0x66, 0x0F, 0x28}}, {{0x66, 0x0F, 0x10}}, {{0x66, 0x0F, 0x6F}},
    {{0xF3, 0x0F, 0x6F}}, {{0x0F, 0x29}}, {{0x0F, 0x11}}, {{0x66, 0x0F, 0x7F}}, {{0xF3, 0x0F, 0x7F}},
    {{0x66, 0x0F, 0x29}}, {{0x66, 0x0F, 0x11}}, {{0xF3, 0x0F, 0x10}}, {{0xF3, 0x0F, 0x11}},
    {{0x66, 0x0F, 0x6E}, false, 0xC8}, {{0x66, 0x0F, 0x7E}, false, 0xC8},  // MOVD with EAX
    {{0xF3, 0x0F, 0x7E}}, {{0x66, 0x0F, 0xD6}},
    {{0x0F, 0x6F}}, {{0x0F, 0x7F}}, {{0x0F, 0x6E}, false, 0xC8},  // the MMX MOVQ and MOVD
    {{0xF2, 0x0F, 0x10}}, {{0xF2, 0x0F, 0x11}},                  // MOVSD (SSE2's)
    // MOVLPS, MOVHPS, MOVLPD, MOVHPD loads and stores (the 0F 12/16 register forms are
    // MOVHLPS/MOVLHPS, the 0F 13/17 ones #UD)
    {{0x0F, 0x12}}, {{0x0F, 0x13}}, {{0x0F, 0x16}}, {{0x0F, 0x17}},
    {{0x66, 0x0F, 0x12}}, {{0x66, 0x0F, 0x13}}, {{0x66, 0x0F, 0x16}}, {{0x66, 0x0F, 0x17}}};
const std::vector<Form> INTEGER = {
    {{0x66, 0x0F, 0xEF}}, {{0x66, 0x0F, 0xEB}}, {{0x66, 0x0F, 0xDB}}, {{0x66, 0x0F, 0xDF}},
    {{0x66, 0x0F, 0x74}}, {{0x66, 0x0F, 0x75}}, {{0x66, 0x0F, 0x76}}, {{0x66, 0x0F, 0x64}},
    {{0x66, 0x0F, 0xDA}}, {{0x66, 0x0F, 0xDE}}, {{0x66, 0x0F, 0xF8}}, {{0x66, 0x0F, 0xFB}},
    {{0x66, 0x0F, 0xFC}}, {{0x66, 0x0F, 0xFD}}, {{0x66, 0x0F, 0xFE}}, {{0x66, 0x0F, 0xD4}},
    {{0x66, 0x0F, 0xD5}}, {{0x66, 0x0F, 0xE0}}, {{0x66, 0x0F, 0xF6}}, {{0x66, 0x0F, 0xDC}},
    {{0x66, 0x0F, 0xF1}}, {{0x66, 0x0F, 0xE2}},                                  // PSLLW, PSRAD by xmm
    {{0x66, 0x0F, 0x71}, true, 0xF1, true}, {{0x66, 0x0F, 0x72}, true, 0xE1, true},  // PSLLW, PSRAD imm
    {{0x66, 0x0F, 0x73}, true, 0xF9, true}, {{0x66, 0x0F, 0x73}, true, 0xD9, true},  // PSLLDQ, PSRLDQ
    {{0x0F, 0x54}}, {{0x0F, 0x57}}, {{0x66, 0x0F, 0x55}},                        // ANDPS XORPS ANDNPD
    {{0x0F, 0xEF}}, {{0x0F, 0xFC}},                                               // MMX PXOR, PADDB
    // SSE4.1: PMULLD, PMULDQ, PMINSB/SD/UW/UD, PMAXSB/SD/UW/UD, PCMPEQQ
    {{0x66, 0x0F, 0x38, 0x40}}, {{0x66, 0x0F, 0x38, 0x28}}, {{0x66, 0x0F, 0x38, 0x38}},
    {{0x66, 0x0F, 0x38, 0x39}}, {{0x66, 0x0F, 0x38, 0x3A}}, {{0x66, 0x0F, 0x38, 0x3B}},
    {{0x66, 0x0F, 0x38, 0x3C}}, {{0x66, 0x0F, 0x38, 0x3D}}, {{0x66, 0x0F, 0x38, 0x3E}},
    {{0x66, 0x0F, 0x38, 0x3F}}, {{0x66, 0x0F, 0x38, 0x29}}};
const std::vector<Form> SHUFFLES = {
    {{0x66, 0x0F, 0x70}, true}, {{0x66, 0x0F, 0x38, 0x00}}, {{0x66, 0x0F, 0x3A, 0x0F}, true},
    {{0xF2, 0x0F, 0x70}, true}, {{0xF3, 0x0F, 0x70}, true},  // PSHUFLW, PSHUFHW
    // PEXTRW r32, xmm (0F C5) and r/m16 (3A 15), PEXTRB, PEXTRD, EXTRACTPS to EDX or memory;
    // PINSRW, PINSRB, PINSRD from ESI or memory; the MMX PEXTRW and PINSRW
    {{0x66, 0x0F, 0xC5}, true, 0xD1}, {{0x66, 0x0F, 0x3A, 0x15}, true, 0xCA}, {{0x66, 0x0F, 0x3A, 0x14}, true, 0xCA},
    {{0x66, 0x0F, 0x3A, 0x16}, true, 0xCA}, {{0x66, 0x0F, 0x3A, 0x17}, true, 0xCA},
    {{0x66, 0x0F, 0xC4}, true, 0xCE}, {{0x66, 0x0F, 0x3A, 0x20}, true, 0xCE}, {{0x66, 0x0F, 0x3A, 0x22}, true, 0xCE},
    {{0x0F, 0xC5}, true, 0xD1, true}, {{0x0F, 0xC4}, true, 0xCE},
    {{0x66, 0x0F, 0x60}}, {{0x66, 0x0F, 0x6C}}, {{0x66, 0x0F, 0x6A}}, {{0x66, 0x0F, 0x63}},
    {{0x66, 0x0F, 0x67}}, {{0x0F, 0xC6}, true}, {{0x66, 0x0F, 0xC6}, true}, {{0x0F, 0x14}},
    {{0x66, 0x0F, 0xD7}, false, 0xC2, true}, {{0x0F, 0x50}, false, 0xC2, true},  // PMOVMSKB, MOVMSKPS EAX
    {{0x66, 0x0F, 0x50}, false, 0xD2, true},                                     // MOVMSKPD EDX
    {{0x0F, 0x38, 0x00}}, {{0x0F, 0xD7}, false, 0xC2, true},                      // MMX PSHUFB, PMOVMSKB
    // SSE4.1: BLENDPS, BLENDPD, PBLENDW; PMOVSXBW..PMOVSXDQ, PMOVZXBW..PMOVZXDQ (m64, m32, m16 sources)
    {{0x66, 0x0F, 0x3A, 0x0C}, true}, {{0x66, 0x0F, 0x3A, 0x0D}, true}, {{0x66, 0x0F, 0x3A, 0x0E}, true},
    {{0x66, 0x0F, 0x38, 0x20}}, {{0x66, 0x0F, 0x38, 0x21}}, {{0x66, 0x0F, 0x38, 0x22}},
    {{0x66, 0x0F, 0x38, 0x23}}, {{0x66, 0x0F, 0x38, 0x24}}, {{0x66, 0x0F, 0x38, 0x25}},
    {{0x66, 0x0F, 0x38, 0x30}}, {{0x66, 0x0F, 0x38, 0x31}}, {{0x66, 0x0F, 0x38, 0x32}},
    {{0x66, 0x0F, 0x38, 0x33}}, {{0x66, 0x0F, 0x38, 0x34}}, {{0x66, 0x0F, 0x38, 0x35}}};
const std::vector<Form> FLOATING = {
    {{0x0F, 0x58}}, {{0xF3, 0x0F, 0x58}}, {{0x66, 0x0F, 0x58}}, {{0xF2, 0x0F, 0x58}},
    {{0x0F, 0x5C}}, {{0xF3, 0x0F, 0x5C}}, {{0x66, 0x0F, 0x5C}}, {{0xF2, 0x0F, 0x5C}},
    {{0x0F, 0x59}}, {{0xF3, 0x0F, 0x59}}, {{0x66, 0x0F, 0x59}}, {{0xF2, 0x0F, 0x59}},
    {{0x0F, 0x5E}}, {{0xF3, 0x0F, 0x5E}}, {{0x66, 0x0F, 0x5E}}, {{0xF2, 0x0F, 0x5E}},
    {{0x0F, 0x5D}}, {{0xF3, 0x0F, 0x5D}}, {{0x66, 0x0F, 0x5D}}, {{0xF2, 0x0F, 0x5D}},
    {{0x0F, 0x5F}}, {{0xF3, 0x0F, 0x5F}}, {{0x66, 0x0F, 0x5F}}, {{0xF2, 0x0F, 0x5F}},
    {{0x0F, 0x51}}, {{0xF3, 0x0F, 0x51}}, {{0x66, 0x0F, 0x51}}, {{0xF2, 0x0F, 0x51}},
    {{0x0F, 0x2F}}, {{0x0F, 0x2E}}, {{0x66, 0x0F, 0x2F}}, {{0x66, 0x0F, 0x2E}},
    // CMPPS, CMPSS, CMPPD, CMPSD (SSE2's) with predicates in and out of 0-7
    {{0x0F, 0xC2}, true}, {{0xF3, 0x0F, 0xC2}, true}, {{0x66, 0x0F, 0xC2}, true}, {{0xF2, 0x0F, 0xC2}, true}};

const std::vector<Form> CONVERSIONS = {
    {{0x0F, 0x5A}}, {{0xF3, 0x0F, 0x5A}}, {{0x0F, 0x5B}}, {{0x66, 0x0F, 0x5B}}, {{0xF3, 0x0F, 0x5B}},
    {{0xF3, 0x0F, 0xE6}}, {{0xF2, 0x0F, 0xE6}}, {{0x66, 0x0F, 0xE6}}, {{0x66, 0x0F, 0x5A}},
    {{0xF2, 0x0F, 0x5A}},
    {{0xF3, 0x0F, 0x2A}, false, 0xCE}, {{0xF2, 0x0F, 0x2A}, false, 0xCE},  // CVTSI2SS/SD xmm1, esi
    {{0xF3, 0x0F, 0x2D}, false, 0xC2}, {{0xF3, 0x0F, 0x2C}, false, 0xC2},  // CVT(T)SS2SI eax, xmm2
    {{0xF2, 0x0F, 0x2D}, false, 0xC2}, {{0xF2, 0x0F, 0x2C}, false, 0xC2}};

}  // namespace

TEST_CASE("JIT SSE moves match the interpreter") {
    Pair p;
    sweep(p, MOVES, 24);
    CHECK(p.engine.blocks_translated > 0);
}

TEST_CASE("JIT SSE integer operations match the interpreter") {
    Pair p;
    sweep(p, INTEGER, 16);
    sweep(p, SHUFFLES, 16);
}

// SSE4.2's PCMPISTRI, PCMPISTRM, PCMPESTRI and PCMPESTRM: every imm8, over random registers
// (EAX and EDX the explicit lengths; the lanes of random_xmm's floating-point values hold zero
// bytes and words, which end implicit strings).
TEST_CASE("JIT SSE4.2 string compares match the interpreter") {
    Pair p;
    Rng r;
    for (uint8_t op : {0x63, 0x62, 0x61, 0x60})
        for (unsigned imm = 0; imm < 128; ++imm)
            for (const Bytes& e : encodings({{0x66, 0x0F, 0x3A, op}, true}, imm)) {
                const int32_t lengths[] = {0, 3, -5, 8, 17, int32_t(r.next())};
                p.run(e, r, true, false, lengths[r.next() % 6], lengths[r.next() % 6]);
            }
    MESSAGE(p.runs << " snippets");
}

TEST_CASE("JIT SSE floating point and conversions match the interpreter under random MXCSR values") {
    Pair p;
    sweep(p, FLOATING, 40);
    sweep(p, CONVERSIONS, 40);
}

TEST_CASE("JIT SSE instructions take #UD with CR4.OSFXSR clear and #NM with CR0.TS set") {
    Pair p;
    Rng r;
    for (const std::vector<Form>* forms : {&MOVES, &INTEGER, &FLOATING, &CONVERSIONS})
        for (const Form& f : *forms)
            for (const Bytes& e : encodings(f, 3)) {
                p.run(e, r, false, false);
                p.run(e, r, true, true);
            }
}

// The emitters check CR0.EM, CR0.TS and CR4.OSFXSR at a block's first SSE instruction only
// (jit/emit_sse.cpp, check_enabled): every instruction that writes them ends its block, so an
// SSE instruction after one is checked again in the next block.
TEST_CASE("JIT SSE: the bits that enable SSE change only at a block's end, where they are checked again") {
    const Decoder dec(models::max);
    const std::vector<std::pair<CpuMode, Bytes>> writers = {
        {CpuMode::Prot32, {0x0F, 0x22, 0xC0}},                    // mov cr0, eax
        {CpuMode::Prot32, {0x0F, 0x22, 0xE0}},                    // mov cr4, eax
        {CpuMode::Prot32, {0x0F, 0x06}},                          // clts
        {CpuMode::Prot32, {0x0F, 0x01, 0xF0}},                    // lmsw ax
        {CpuMode::Prot32, {0x0F, 0x01, 0x35, 0x00, 0x50, 0, 0}},  // lmsw [DATA]
        {CpuMode::Long64, {0x0F, 0x22, 0xC0}},                    // mov cr0, rax
        {CpuMode::Long64, {0x0F, 0x22, 0xE0}},                    // mov cr4, rax
        {CpuMode::Long64, {0x0F, 0x06}}};                         // clts
    for (const auto& [mode, bytes] : writers) {
        Insn i;
        REQUIRE(dec.decode(bytes.data(), bytes.size(), mode, i) == Decoder::Status::Ok);
        CHECK_MESSAGE((i.flags & IF_END_BLOCK), "writer " << std::hex << unsigned(bytes[1]) << ' ' << unsigned(bytes[2]));
    }
    Pair p;
    Rng r;
    const Bytes set_ts = {0x0F, 0x20, 0xC0, 0x83, 0xC8, 0x08, 0x0F, 0x22, 0xC0};    // CR0.TS := 1
    const Bytes clear_osfxsr = {0x0F, 0x20, 0xE0, 0x25, 0xFF, 0xFD, 0xFF, 0xFF, 0x0F, 0x22, 0xE0};
    const Bytes movaps = {0x0F, 0x28, 0xCA}, addps = {0x0F, 0x58, 0xD3};
    for (const Bytes& writer : {set_ts, clear_osfxsr, Bytes{0x0F, 0x06}})
        for (bool ts : {false, true}) {
            // An SSE instruction before the writer and one after: the second is checked again.
            Bytes code = movaps;
            code.insert(code.end(), writer.begin(), writer.end());
            code.insert(code.end(), addps.begin(), addps.end());
            p.run(code, r, true, ts);
        }
    CHECK(p.engine.blocks_translated > 0);
}
