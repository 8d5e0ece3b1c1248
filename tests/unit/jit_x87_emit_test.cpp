// The JIT's inline x87 emitters against the interpreter (jit/emit_fpu.cpp): each form of every
// mnemonic with an emitter runs on two CPUs from the same random x87 state (registers holding
// zeros, denormals, pseudo-denormals, unnormals, infinities, NaNs quiet and signalling, values
// that overflow, underflow or round under the precision control; random tags with empty
// registers, TOP, control word with every rounding and precision control and now and then
// unmasked exceptions, sticky flags and condition codes, a pending exception) and memory
// operand, one CPU with the JIT attached, between an inline ADD whose flags a SETcc after it
// reads; the whole x87 state (registers, control, status and tag words, FIP, FCS, FOP, FDP,
// FDS), the general registers, EFLAGS, the memory operand, EIP and the instruction count must
// agree, and so must the fault taken (#NM with CR0.EM or CR0.TS, #MF with CR0.NE).
#include <doctest/doctest.h>

#include <array>
#include <cstring>
#include <sstream>
#include <vector>

#include "cpu/fpu/fpu_common.h"
#include "jit/engine.h"
#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

namespace {

using Bytes = std::vector<uint8_t>;
constexpr uint32_t DATA = 0x5000;

const Float80 EXTENDED[] = {
    {0, 0}, {0, 0x8000},                                                   // zeros
    {0x8000000000000000, 0x3FFF}, {0xC90FDAA22168C235, 0x4000},          // 1, pi
    {0xC90FDAA22168C235, 0xC000}, {0xAAAAAAAAAAAAAAAB, 0x3FFD},           // -pi, 1/3 rounded
    {0x8000000000000001, 0x3FFF}, {0xFFFFFFFFFFFFFFFF, 0x403E},           // rounds at any precision
    {0xFFFFFFFFFFFFFFFF, 0x7FFE}, {0x8000000000000000, 0x0001},           // largest, smallest normal
    {0x0000000000000001, 0x0000}, {0x4000000000000000, 0x8000},           // denormals
    {0x8000000000000000, 0x0000},                                          // pseudo-denormal
    {0x4000000000000000, 0x3FFF},                                          // unnormal
    {0x8000000000000000, 0x7FFF}, {0x8000000000000000, 0xFFFF},           // infinities
    {0xC000000000000000, 0x7FFF}, {0xC000000000000000, 0xFFFF},           // QNaN, indefinite
    {0xA000000000000000, 0x7FFF}, {0xC123456789ABCDEF, 0xFFFF},           // SNaN, QNaN payload
    {0x4000000000000000, 0x7FFF},                                          // pseudo-NaN
    {0x8000000000000000, 0x43FE}, {0x8000000000000000, 0x3C01},           // overflow, underflow of doubles
    {0xFFFFFF8000000000, 0x407E}, {0x8000000000000000, 0x3F81},           // near single's limits
    {0x8000000000000000, 0x401E}, {0xFFFFFFFF00000000, 0x401E},           // 2^31, near int32 limits
    {0x8000000000000000, 0xC01E}, {0x8000000000000000, 0x403E},           // -2^31, 2^63
    {0xC000000000000000, 0x3FFE}, {0xA000000000000000, 0x4000}};          // 0.75, 2.5 (rounding)
const uint64_t DOUBLES[] = {0, 0x8000000000000000, 1, 0x800FFFFFFFFFFFFF, 0x7FF0000000000000,
                            0x7FF8000000000000, 0x7FF0000000000001, 0x3FF0000000000000, 0x7FEFFFFFFFFFFFFF,
                            0x0010000000000000, 0xC00921FB54442D18, 0x3FF8000000000001, 0x4330000000000001,
                            0x3FE0000000000000, 0xC1E0000000000000, 0x41DFFFFFFFC00000};
const uint32_t SINGLES[] = {0x00000000, 0x80000000, 0x00000001, 0x807FFFFF, 0x7F800000, 0xFF800000,
                            0x7FC00000, 0x7F800001, 0x3F800000, 0x7F7FFFFF, 0x00800000, 0xC0490FDB,
                            0x4B000001, 0x3F000000, 0xCF000000};
const int64_t INTEGERS[] = {0, 1, -1, 7, -32768, 32767, INT32_MIN, INT32_MAX, INT64_MIN, INT64_MAX, 1000000007};

struct Rng {
    uint64_t s = 0x9E3779B97F4A7C15;
    uint64_t next() {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        return s;
    }
    unsigned below(unsigned n) { return unsigned(next() % n); }
};

Float80 random_value(Rng& r) {
    if (r.below(5) == 0) return {r.next(), uint16_t(r.next())};
    return EXTENDED[r.below(std::size(EXTENDED))];
}

// 16 bytes of memory operand: an extended value, doubles, singles or integers.
std::array<uint8_t, 16> random_memory(Rng& r) {
    std::array<uint8_t, 16> m{};
    switch (r.below(5)) {
    case 0: {
        const Float80 v = random_value(r);
        std::memcpy(m.data(), &v.mant, 8);
        std::memcpy(m.data() + 8, &v.sexp, 2);
        break;
    }
    case 1:
        for (unsigned k = 0; k < 16; k += 8) std::memcpy(m.data() + k, &DOUBLES[r.below(std::size(DOUBLES))], 8);
        break;
    case 2:
        for (unsigned k = 0; k < 16; k += 4) std::memcpy(m.data() + k, &SINGLES[r.below(std::size(SINGLES))], 4);
        break;
    case 3:
        for (unsigned k = 0; k < 16; k += 8) std::memcpy(m.data() + k, &INTEGERS[r.below(std::size(INTEGERS))], 8);
        break;
    default:
        for (uint8_t& b : m) b = uint8_t(r.next());
        break;
    }
    return m;
}

// A consistent random x87 state: tags from the contents, ES and B from the flags and masks.
FpuState random_fpu(Rng& r) {
    FpuState f;
    for (Float80& v : f.st) v = random_value(r);
    f.fcw = uint16_t(0x037F & ~0x0F00) | uint16_t(r.below(4) << 8 | r.below(4) << 10);
    if (r.below(8) == 0) f.fcw &= uint16_t(~(r.next() & 0x3F));  // the JIT's fallback
    if (r.below(8) == 0) f.fcw |= 0x1000;
    f.fsw = uint16_t((r.next() & (ops::fpu::sw::CC | (r.below(3) ? 0 : ops::fpu::sw::EXC))) | r.below(8) << 11);
    if (f.fsw & ~f.fcw & ops::fpu::sw::EXC) f.fsw |= ops::fpu::sw::ES | ops::fpu::sw::B;
    f.ftw = 0;
    for (unsigned p = 0; p < 8; ++p)
        f.ftw |= uint16_t((r.below(4) == 0 ? ops::fpu::TAG_EMPTY : ops::fpu::tag_of(f.st[p])) << (2 * p));
    f.fop = uint16_t(r.next() & 0x7FF);
    f.fip = r.next() & 0xFFFFFFFF, f.fdp = r.next() & 0xFFFFFFFF;
    f.fcs = uint16_t(r.next()), f.fds = uint16_t(r.next());
    return f;
}

struct Pair {
    test::SystemFixture ref{models::pentium2}, jit{models::pentium2};
    jit::Engine engine{jit.cpu};

    Pair() {
        jit.interp.native = &engine;
        for (auto* f : {&ref, &jit}) {
            f->record_faults();
            for (unsigned v : {7u, 16u}) f->recording_handler(v);
        }
    }

    // Runs `insn` after `add esi, edi` and before `setb cl; sete dl; hlt`.
    void run(const Bytes& insn, Rng& r) {
        Bytes code = {0x01, 0xFE};
        code.insert(code.end(), insn.begin(), insn.end());
        code.insert(code.end(), {0x0F, 0x92, 0xC1, 0x0F, 0x94, 0xC2, 0xF4});
        const FpuState fpu = random_fpu(r);
        const std::array<uint8_t, 16> data = random_memory(r);
        const uint32_t esi = uint32_t(r.next()), edi = uint32_t(r.next());
        const unsigned cr0_case = r.below(16);  // now and then EM, TS, MP or NE
        const uint64_t cr0_bits = cr0_case == 0 ? cr0::TS : cr0_case == 1 ? cr0::EM : cr0_case == 2 ? cr0::TS | cr0::MP
                                  : cr0_case < 8 ? cr0::NE : 0;
        for (test::SystemFixture* f : {&ref, &jit}) {
            f->cpu.cr0 = (f->cpu.cr0 & ~uint64_t(cr0::EM | cr0::TS | cr0::MP | cr0::NE)) | cr0_bits;
            f->cpu.fpu = fpu;
            f->mem.write_bytes(DATA, data.data(), data.size());
            REQUIRE(f->run_snippet(code, esi, edi));
        }
        std::ostringstream hex;
        for (uint8_t b : insn) hex << std::hex << unsigned(b) << ' ';
        INFO("insn: " << hex.str() << " fcw " << std::hex << fpu.fcw << " fsw " << fpu.fsw << " ftw " << fpu.ftw
                      << " cr0 " << cr0_bits);
        const FpuState &a = ref.cpu.fpu, &b = jit.cpu.fpu;
        for (unsigned p = 0; p < 8; ++p) {
            INFO("R" << p);
            CHECK(a.st[p].mant == b.st[p].mant);
            CHECK(a.st[p].sexp == b.st[p].sexp);
        }
        CHECK(a.fcw == b.fcw);
        CHECK(a.fsw == b.fsw);
        CHECK(a.ftw == b.ftw);
        CHECK(a.fop == b.fop);
        CHECK(a.fip == b.fip);
        CHECK(a.fdp == b.fdp);
        CHECK(a.fcs == b.fcs);
        CHECK(a.fds == b.fds);
        for (unsigned k = 0; k < 8; ++k) CHECK_MESSAGE(ref.reg(k) == jit.reg(k), "register " << k);
        CHECK(ref.flags() == jit.flags());
        for (unsigned k = 0; k < 16; k += 4) CHECK(ref.rd32(DATA + k) == jit.rd32(DATA + k));
        CHECK(ref.cpu.rip == jit.cpu.rip);
        CHECK(ref.cpu.icount == jit.cpu.icount);
        // Back in C++: the ABI's control word and no exception flag, whatever the inline code
        // left in the host's x87 (jit/emit_fpu.cpp).
        uint16_t host_cw, host_sw;
        asm volatile("fnstcw %0\n\tfnstsw %1" : "=m"(host_cw), "=m"(host_sw));
        CHECK(host_cw == 0x037F);
        CHECK((host_sw & ops::fpu::sw::EXC) == 0);
    }
};

// The forms: an escape byte and a ModRM byte; `rm` forms take ST(0)..ST(7) in ModRM.rm, memory
// forms (mod 00, rm 101: [DATA]) take ModRM.reg = `digit`.
Bytes reg_form(uint8_t esc, uint8_t modrm) { return {esc, modrm}; }
Bytes mem_form(uint8_t esc, unsigned digit) {
    return {esc, uint8_t(digit << 3 | 5), uint8_t(DATA), uint8_t(DATA >> 8), 0, 0};
}

std::vector<Bytes> all_forms() {
    std::vector<Bytes> out;
    // Memory forms: D8 (m32 arithmetic), DA (m32int), DC (m64), DE (m16int) /0-/7; loads and
    // stores of D9 /0 /2 /3, DB /0 /2 /3 /5 /7, DD /0 /2 /3, DF /0 /2 /3 /5 /7; FNSTSW, FNSTCW,
    // FLDCW.
    for (uint8_t esc : {0xD8, 0xDA, 0xDC, 0xDE})
        for (unsigned d = 0; d < 8; ++d) out.push_back(mem_form(esc, d));
    for (unsigned d : {0, 2, 3, 5, 7}) out.push_back(mem_form(0xD9, d));
    for (unsigned d : {0, 2, 3, 5, 7}) out.push_back(mem_form(0xDB, d));
    for (unsigned d : {0, 2, 3, 7}) out.push_back(mem_form(0xDD, d));
    for (unsigned d : {0, 2, 3, 5, 7}) out.push_back(mem_form(0xDF, d));
    // Register forms, each ST(i): FLD, FXCH, FST, FSTP, FUCOM, FUCOMP, FUCOMI, FCOMI, FUCOMIP,
    // FCOMIP, and the arithmetic of D8, DC and DE.
    for (unsigned i = 0; i < 8; ++i) {
        for (uint8_t m : {0xC0, 0xC8}) out.push_back(reg_form(0xD9, uint8_t(m + i)));
        for (uint8_t m : {0xD0, 0xD8, 0xE0, 0xE8}) out.push_back(reg_form(0xDD, uint8_t(m + i)));
        for (uint8_t m : {0xE8, 0xF0}) out.push_back(reg_form(0xDB, uint8_t(m + i)));
        for (uint8_t m : {0xE8, 0xF0}) out.push_back(reg_form(0xDF, uint8_t(m + i)));
        for (uint8_t m = 0xC0; m >= 0xC0; m = uint8_t(m + 8)) {
            out.push_back(reg_form(0xD8, uint8_t(m + i)));
            if (m != 0xD0 && m != 0xD8) {  // DC/DE D0-DF: undocumented aliases
                out.push_back(reg_form(0xDC, uint8_t(m + i)));
                out.push_back(reg_form(0xDE, uint8_t(m + i)));
            }
        }
    }
    // FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ, FCHS, FABS, FSQRT, FRNDINT, FCOMPP,
    // FUCOMPP, FNSTSW AX, FWAIT.
    for (const Bytes& b : std::vector<Bytes>{{0xD9, 0xE8}, {0xD9, 0xE9}, {0xD9, 0xEA}, {0xD9, 0xEB}, {0xD9, 0xEC},
                                             {0xD9, 0xED}, {0xD9, 0xEE}, {0xD9, 0xE0}, {0xD9, 0xE1}, {0xD9, 0xFA},
                                             {0xD9, 0xFC}, {0xDE, 0xD9}, {0xDA, 0xE9}, {0xDF, 0xE0}, {0x9B}})
        out.push_back(b);
    return out;
}

}  // namespace

TEST_CASE("JIT x87 instructions match the interpreter from random states and special values") {
    Pair p;
    Rng r;
    const std::vector<Bytes> forms = all_forms();
    for (unsigned n = 0; n < 24; ++n)
        for (const Bytes& f : forms) p.run(f, r);
    CHECK(p.engine.blocks_translated > 0);
}

// Several x87 instructions in one block, so each starts from the state the inline code before
// it left (TOP, tags, the status word's flags, the host's control word), not from a fresh one;
// among them instructions the interpreter runs, FNCLEX (which clears the flags), FNINIT, FXAM
// and FSCALE.
TEST_CASE("JIT x87 sequences match the interpreter") {
    Pair p;
    Rng r;
    std::vector<Bytes> forms = all_forms();
    for (const Bytes& b : std::vector<Bytes>{{0xDB, 0xE2}, {0xDB, 0xE3}, {0xD9, 0xE5}, {0xD9, 0xFD}})
        forms.insert(forms.end(), 8, b);
    for (unsigned n = 0; n < 3000; ++n) {
        Bytes code;
        for (unsigned k = 0, len = 2 + r.below(6); k < len; ++k) {
            const Bytes& f = forms[r.below(unsigned(forms.size()))];
            code.insert(code.end(), f.begin(), f.end());
        }
        p.run(code, r);
    }
}
