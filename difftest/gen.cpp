#include "difftest/gen.h"

#include "cpu/sse_approx.h"
#include "difftest/sse_ops.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <vector>

namespace jitpc::difftest {
namespace {

// Register conventions that keep memory operands inside the data buffer: EBX is the base
// (DATA + 0x100..0x800, as an offset from the data segment's base), ESI a small index (0..0xFF),
// ESP the stack; 16-bit addressing uses BX, SI and a BP set just before. Generated instructions
// never leave them otherwise (string forms restore ESI), so 8-bit destinations exclude BL/BH.
// 64-bit code has two more bases, R12 and R13 (the encodings with SIB and with mod 01 for
// [r13]), and a second index, R14; its byte registers are SPL..DIL with a REX prefix.
constexpr uint8_t ECX = 1, BASE = 3, EBP = 5, INDEX = 6, EDI = 7;
const std::vector<uint8_t> kWritable32 = {0, 1, 2, 5, 7};
const std::vector<uint8_t> kWritable8 = {0, 1, 2, 4, 5, 6};
const std::vector<uint8_t> kWritable64 = {0, 1, 2, 5, 7, 8, 9, 10, 11, 15};
const std::vector<uint8_t> kBases64 = {BASE, 12, 13}, kIndexes64 = {INDEX, 14};

constexpr uint32_t CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, DF = 0x400, OF = 0x800;
constexpr uint32_t ALL_ARITH = CF | PF | AF | ZF | SF | OF;

// Flags each condition code (Jcc/SETcc/CMOVcc encoding order) reads.
constexpr uint32_t kCondReads[8] = {OF, CF, ZF, CF | ZF, SF, PF, SF | OF, SF | OF | ZF};

const std::vector<std::string> kAlu = {"ADD", "OR", "ADC", "SBB", "AND", "SUB", "XOR", "CMP"};
const std::vector<std::string> kShift = {"ROL", "ROR", "RCL", "RCR", "SHL", "SHR", "SAL", "SAR"};
const std::vector<std::string> kMulDiv = {"", "", "", "", "MUL", "IMUL", "DIV", "IDIV"};

const std::map<std::string, std::vector<std::string>> kGroups = {
    {"arith", {"ADD", "ADC", "SUB", "SBB", "CMP", "AND", "OR", "XOR", "TEST", "INC", "DEC",
               "NEG", "NOT"}},
    {"mov", {"MOV"}},
    {"shift", {"ROL", "ROR", "RCL", "RCR", "SHL", "SHR", "SAL", "SAR", "SHLD", "SHRD"}},
    {"muldiv", {"MUL", "IMUL", "DIV", "IDIV"}},
    {"bits", {"BT", "BTS", "BTR", "BTC", "BSF", "BSR"}},
    {"bcd", {"DAA", "DAS", "AAA", "AAS", "AAM", "AAD"}},
    {"datamov", {"MOVZX", "MOVSX", "XCHG", "LEA", "CBW", "CWD", "XLAT", "CMOVCC", "SETCC",
                 "CMPXCHG", "XADD", "CMPXCHG8B", "BSWAP", "MOVSXD"}},
    {"flagops", {"CLC", "STC", "CMC", "CLD", "STD", "LAHF", "SAHF", "SALC", "PAUSE"}},
    {"stack", {"PUSH", "POP", "PUSHA", "POPA", "PUSHF", "POPF", "ENTER", "LEAVE"}},
    {"string", {"MOVS", "CMPS", "STOS", "LODS", "SCAS"}},
    {"x87", {"FARITH", "FUNARY", "FPAIR", "FENV"}},
    {"flow", {"JCC", "JMP", "LOOP", "LOOPE", "LOOPNE", "JECXZ", "CALL", "RET", "FAR"}},
    {"system", {"ARPL", "BOUND", "INTO", "INT1", "INT", "IRET", "LAR", "LSL", "VERR", "VERW",
                "PRIV"}},
    {"segload", {"LDS", "LES", "LFS", "LGS", "LSS"}},
    {"sse", sse_mnemonics()},
};

// Ops that accept LOCK with a memory destination (any other use of LOCK is #UD).
const std::set<std::string> kLockable = {"ADD", "OR", "ADC", "SBB", "AND", "SUB", "XOR", "INC",
                                         "DEC", "NEG", "NOT", "BTS", "BTR", "BTC", "XCHG",
                                         "CMPXCHG", "XADD", "CMPXCHG8B"};

template <typename T> bool in(const std::vector<T>& v, const T& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

// Whether an op can run in a mode. IRET pushes the code selector, which is the same on both
// sides only for the LDT code segment of 16-bit cases. LDS/LES/LSS replace a data segment
// register, which stays the same on both sides only where the case's data selector is an LDT
// one (Flat32's are the hosts' GDT selectors); LFS/LGS load registers no other op uses.
bool is_sse(const std::string& op) { return in(kGroups.at("sse"), op); }

// Ops of 64-bit code only (FAR: far transfers to the case's own code segment, whose selector is
// the same on both sides there).
bool only64(const std::string& op) { return op == "MOVSXD" || op == "FAR"; }

// SSE forms run in 32- and 64-bit code only (their 16-bit forms differ only in addressing).
// In 64-bit code ARPL's opcode is MOVSXD's, and LDS/LES/BOUND's are the VEX and EVEX prefixes
// of a host with AVX (#UD on jitpc's models, an instruction on the host): not generated; the
// other instructions invalid there are (#UD on both sides).
bool usable(const std::string& op, Mode m) {
    if (m == Mode::Long64) return op != "LDS" && op != "LES" && op != "ARPL" && op != "BOUND";
    if (only64(op)) return false;
    if (op == "IRET") return m == Mode::Code16;
    if (is_sse(op)) return m != Mode::Code16;
    if (op == "LDS" || op == "LES" || op == "LSS") return m != Mode::Flat32;
    return true;
}

// Encodes one random form of one op. Several ops need a known operand (a shift count, a bit
// offset, string pointers): the form then starts with MOVs that set it, and `insn` holds the
// whole group, compared as one unit.
class Encoder {
public:
    Encoder(std::mt19937_64& rng, const std::string& op, Mode mode, const cpu::CpuModel& model = cpu::models::max)
        : rng_(rng), op_(op), mode_(mode), model_(model), base_(seg_base(mode)), c16_(mode == Mode::Code16),
          l64_(mode == Mode::Long64) {}
    Insn make();

    uint32_t below(uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng_); }
    uint32_t rand32() {
        static const uint32_t special[] = {0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF,
                                           0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFF80};
        if (below(4) == 0) return special[below(sizeof special / sizeof *special)];
        return uint32_t(rng_());
    }
    uint64_t rand64() {
        static const uint64_t special[] = {0x7FFFFFFFFFFFFFFFull, 0x8000000000000000ull, ~0ull,
                                           0xFFFFFFFF80000000ull, 0x100000000ull, 0x80000000ull};
        switch (below(4)) {
        case 0: return special[below(sizeof special / sizeof *special)];
        case 1: return rand32();  // upper half clear
        default: return rng_();
        }
    }

private:
    uint8_t pick(const std::vector<uint8_t>& v) { return v[below(uint32_t(v.size()))]; }
    // 64-bit code without a REX prefix: a byte form whose registers are AL..BH.
    bool legacy_bytes() const { return size_ == 1 && !byte_rex_; }
    bool regs16() const { return l64_ && !legacy_bytes(); }
    uint8_t dst_reg() {
        if (regs16()) return pick(kWritable64);
        return pick(size_ == 1 ? kWritable8 : kWritable32);
    }
    uint8_t any_reg() { return uint8_t(below(regs16() ? 16 : 8)); }
    // Register numbers in ModRM.reg, in ModRM.rm, SIB.base or the opcode, and in SIB.index:
    // the REX bit for R8-R15, and the low three bits.
    uint8_t rex_r(uint8_t r) { if (r >= 8) rex_ |= 4; return r & 7; }
    uint8_t rex_b(uint8_t r) { if (r >= 8) rex_ |= 1; return r & 7; }
    uint8_t rex_x(uint8_t r) { if (r >= 8) rex_ |= 2; return r & 7; }
    void u8(uint8_t v) { b_.push_back(v); }
    void imm(unsigned n, uint32_t v) {
        for (unsigned i = 0; i < n; ++i) b_.push_back(uint8_t(v >> (8 * i)));
    }
    void imm(unsigned n) { imm(n, rand32()); }
    unsigned isz() const { return std::min(size_, 4u); }  // 64-bit forms take 32-bit immediates
    unsigned dsz() const { return c16_ ? 2 : 4; }  // the code segment's operand size
    // The operand-size prefix a `sz`-byte form needs in this code segment (REX.W for 8), then
    // `rest`.
    std::vector<uint8_t> opsz(unsigned sz, std::initializer_list<uint8_t> rest) const {
        std::vector<uint8_t> v;
        if (sz == 8) v.push_back(0x48);
        else if (sz != 1 && sz != dsz()) v.push_back(0x66);
        v.insert(v.end(), rest);
        return v;
    }
    // ModRM of [ebx+d8] ([bx+d8] in 16-bit code) for fixed setup/readback sequences.
    uint8_t bxd(uint8_t reg) const { return uint8_t((c16_ ? 0x47 : 0x43) | (reg << 3)); }
    // A setup instruction before the op: mov r32, v.
    void setup_mov32(uint8_t r, uint32_t v) {
        if (c16_) pre_.push_back(0x66);
        if (r >= 8) pre_.push_back(0x41);
        pre_.push_back(uint8_t(0xB8 + (r & 7)));
        imm32_to(pre_, v);
    }
    void setup_mov64(uint8_t r, uint64_t v) {  // 64-bit code only
        pre_.push_back(r >= 8 ? 0x49 : 0x48);
        pre_.push_back(uint8_t(0xB8 + (r & 7)));
        imm32_to(pre_, uint32_t(v));
        imm32_to(pre_, uint32_t(v >> 32));
    }
    static void imm32_to(std::vector<uint8_t>& out, uint32_t v) {
        for (unsigned i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
    }
    void modrm(uint8_t reg, bool rm_dst);
    void modrm64(uint8_t reg, bool rm_dst);
    // In 64-bit code a 32-bit size comes with the 64-bit one.
    void sizes(std::initializer_list<unsigned> allowed) {
        std::vector<unsigned> v(allowed);
        if (l64_ && in(v, 4u)) v.push_back(8);
        size_ = v[below(uint32_t(v.size()))];
    }

    void alu(), test(), incdec(), negnot(), mov(), shift(), shld(), muldiv(), bits(), bcd(),
        datamov(), flagops(), stack(), string(), flow(), x87(), system(), segload(), sse();
    void sse_mem(uint8_t reg);

    std::mt19937_64& rng_;
    std::string op_;
    Mode mode_;
    const cpu::CpuModel& model_;
    uint32_t base_;             // data segment base: register values and addresses are offsets
    bool c16_;                  // 16-bit code segment
    bool l64_;                  // 64-bit code
    uint8_t rex_ = 0;           // REX bits of the op (W R X B), emitted at b_[rex_at_]
    size_t rex_at_ = 0;         // where the opcode starts in b_ (after mandatory prefixes)
    bool byte_rex_ = false;     // 64-bit code: a byte form gets a REX prefix (SPL..DIL, R8B..)
    bool stack64_ = false;      // 64-bit code: the operand size defaults to 64 bits (PUSH, POP)
    int rip_at_ = -1;           // offset of a RIP-relative disp32 in b_
    uint32_t rip_target_ = 0;   // its target (linear)
    bool addr67_ = false;       // the op gets a 67 prefix when it addresses memory
    bool a16_ = false;          // the op's address size is 16
    bool uses_addr_ = false;    // the op's encoding depends on the address size
    unsigned size_ = 4;
    bool mem_ = false;
    std::vector<uint8_t> pre_;  // setup instructions (no prefixes of the op apply)
    std::vector<uint8_t> b_;    // the op itself, without its prefixes
    std::vector<uint8_t> post_; // restore instructions
    std::string form_;
    bool seg_ok_ = true;        // a segment override is meaningful
    bool cs_override_ = false;  // the op's memory operand goes through CS
    std::string form_suffix_;
    uint32_t writes_ = ALL_ARITH, undef_ = 0, reads_ = 0;
    uint32_t sse_disp_ = 0;     // displacement of an SSE form's memory operand
    bool mmx_ = false;          // an MMX form
    int8_t approx_dst_ = -1, approx_src_ = -1;  // an RCP/RSQRT form's registers
};

// ModRM (+SIB, disp) with `reg` in bits 5:3; `rm_dst`: a register r/m is written.
void Encoder::modrm(uint8_t reg, bool rm_dst) {
    if (l64_) {
        modrm64(rex_r(reg), rm_dst);
        return;
    }
    if (!mem_) {
        u8(uint8_t(0xC0 | (reg << 3) | (rm_dst ? dst_reg() : any_reg())));
        return;
    }
    uses_addr_ = true;
    if (a16_) {  // [bx+si] [bx] [bx+si+d8] [bx+d16] [bp+si+d8] (BP set first) [d16]
        switch (below(6)) {
        case 0: u8(uint8_t(reg << 3)); break;
        case 1: u8(uint8_t(reg << 3 | 7)); break;
        case 2: u8(uint8_t(0x40 | reg << 3)); u8(uint8_t(rng_())); break;
        case 3: u8(uint8_t(0x80 | reg << 3 | 7)); imm(2, uint32_t(int32_t(below(0x100)) - 0x80)); break;
        case 4:
            setup_mov32(EBP, DATA - base_ + 0x100 + below(0x700));
            u8(uint8_t(0x40 | reg << 3 | 2)); u8(uint8_t(rng_()));
            break;
        default: u8(uint8_t(reg << 3 | 6)); imm(2, DATA - base_ + 0x100 + below(0xE00));
        }
        return;
    }
    switch (below(5)) {
    case 0: u8(uint8_t((reg << 3) | BASE)); break;
    case 1: u8(uint8_t(0x40 | (reg << 3) | BASE)); u8(uint8_t(rng_())); break;
    case 2: u8(uint8_t(0x80 | (reg << 3) | BASE)); imm(4, uint32_t(int32_t(below(0x100)) - 0x80)); break;
    case 3:
        u8(uint8_t(0x44 | (reg << 3)));
        u8(uint8_t((below(3) << 6) | (INDEX << 3) | BASE));
        u8(uint8_t(rng_()));
        break;
    default: u8(uint8_t(0x05 | (reg << 3))); imm(4, DATA - base_ + 0x100 + below(0xE00));
    }
}

// 64-bit code: a register (R8-R15 too), or [base], [base+d8], [base+d32], [base+index*s+d8]
// with the 64-bit bases and indexes (AL..BH forms keep to RBX and RSI: no REX), [rip+d32] into
// the buffer, an absolute [d32] (SIB without base and index), or now and then far away.
void Encoder::modrm64(uint8_t reg, bool rm_dst) {
    if (!mem_) {
        u8(uint8_t(0xC0 | reg << 3 | rex_b(rm_dst ? dst_reg() : any_reg())));
        return;
    }
    uses_addr_ = true;
    const bool narrow = legacy_bytes();
    const unsigned form = !addr67_ && below(16) == 0 ? 6 : below(6);  // 32-bit addresses stay low
    const uint8_t base = form == 6 ? pick(narrow ? kWritable32 : kWritable64) : narrow ? BASE : pick(kBases64);
    const uint8_t index = narrow ? INDEX : pick(kIndexes64);
    const uint8_t b = rex_b(base);
    const auto sib_if_r12 = [&] { if (b == 4) u8(0x24); };
    switch (form) {
    case 0:
        if (b == 5) {  // [r13] has no mod 00 form (that is [rip+d32])
            u8(uint8_t(0x45 | reg << 3)); u8(0);
        } else {
            u8(uint8_t(reg << 3 | b)); sib_if_r12();
        }
        break;
    case 1: u8(uint8_t(0x40 | reg << 3 | b)); sib_if_r12(); u8(uint8_t(rng_())); break;
    case 2: u8(uint8_t(0x80 | reg << 3 | b)); sib_if_r12(); imm(4, uint32_t(int32_t(below(0x100)) - 0x80)); break;
    case 3:
        u8(uint8_t(0x44 | reg << 3));
        u8(uint8_t(below(3) << 6 | rex_x(index) << 3 | b));
        u8(uint8_t(rng_()));
        break;
    case 4:
        u8(uint8_t(0x05 | reg << 3));
        rip_at_ = int(b_.size());
        rip_target_ = DATA + 0x100 + below(0xE00);
        imm(4, 0);
        break;
    case 5: u8(uint8_t(0x04 | reg << 3)); u8(0x25); imm(4, DATA + 0x100 + below(0xE00)); break;
    default: {
        // A writable register (RBP among them: a stack reference) set just before to an
        // upper-half address (#PF) or around the ends of the non-canonical hole (#GP, or #SS
        // through RBP: SIGSEGV and SIGBUS on the host).
        static const uint64_t far[] = {0xFFFF800000000000ull, 0xFFFF7FFFFFFFFF80ull, 0x00007FFFFFFFFF80ull,
                                       0x0000800000000000ull};
        const uint64_t at = far[below(4)];
        setup_mov64(base, at + below(0x100));
        u8(uint8_t(0x80 | reg << 3 | b)); imm(4, uint32_t(int32_t(below(0x100)) - 0x80));
        form_suffix_ = " far";
    }
    }
}

void Encoder::alu() {
    const uint8_t k = uint8_t(std::find(kAlu.begin(), kAlu.end(), op_) - kAlu.begin());
    const uint8_t w = size_ != 1;
    const bool writes_dst = op_ != "CMP";
    if (op_ == "ADC" || op_ == "SBB") reads_ = CF;
    if (op_ == "AND" || op_ == "OR" || op_ == "XOR") undef_ = AF;
    switch (below(mem_ ? 3 : 5)) {
    case 0: u8(uint8_t(8 * k + w)); modrm(any_reg(), writes_dst); form_ = "rm,r"; break;
    case 1: u8(uint8_t(0x80 | w)); modrm(k, writes_dst); imm(isz()); form_ = "rm,imm"; break;
    case 2:
        if (w && below(2)) {
            u8(0x83); modrm(k, writes_dst); imm(1); form_ = "rm,imm8";
            break;
        }
        [[fallthrough]];
    case 4: u8(uint8_t(8 * k + 2 + w)); modrm(writes_dst ? dst_reg() : any_reg(), false); form_ = "r,rm"; break;
    default: u8(uint8_t(8 * k + 4 + w)); imm(isz()); form_ = "acc,imm";
    }
}

void Encoder::test() {
    const uint8_t w = size_ != 1;
    undef_ = AF;
    switch (below(mem_ ? 2 : 3)) {
    case 0: u8(uint8_t(0x84 | w)); modrm(any_reg(), false); form_ = "rm,r"; break;
    case 1: u8(uint8_t(0xF6 | w)); modrm(0, false); imm(isz()); form_ = "rm,imm"; break;
    default: u8(uint8_t(0xA8 | w)); imm(isz()); form_ = "acc,imm";
    }
}

void Encoder::incdec() {
    writes_ = ALL_ARITH & ~CF;
    const uint8_t ext = op_ == "DEC";
    if (!l64_ && !mem_ && size_ != 1 && below(2)) {  // 40-4F are REX prefixes in 64-bit code
        u8(uint8_t(0x40 + 8 * ext + dst_reg())); form_ = "r (short)";
    } else {
        u8(uint8_t(0xFE | (size_ != 1))); modrm(ext, true); form_ = "rm";
    }
}

void Encoder::negnot() {
    if (op_ == "NOT") writes_ = 0;
    u8(uint8_t(0xF6 | (size_ != 1))); modrm(op_ == "NEG" ? 3 : 2, true); form_ = "rm";
}

// 64-bit code adds the moffs forms (A0-A3): a 64-bit address (32-bit with 67) into the buffer,
// now and then an upper-half or non-canonical one (#PF or #GP: SIGSEGV on both sides).
void Encoder::mov() {
    writes_ = 0;
    const uint8_t w = size_ != 1;
    if (l64_ && mem_ && below(4) == 0) {
        uses_addr_ = true;
        const bool store = below(2);
        u8(uint8_t((store ? 0xA2 : 0xA0) | w));
        const uint64_t at = DATA + 0x100 + below(0xE00);
        static const uint64_t far[] = {0xFFFF800000000000ull, 0x0000800000000000ull, 0xFFFF7FFFFFFFFFF8ull};
        uint64_t addr = at;
        if (!addr67_ && below(8) == 0) {
            addr = far[below(3)];
            addr += below(0x10);
        }
        imm(4, uint32_t(addr));
        if (!addr67_) imm(4, uint32_t(addr >> 32));
        form_ = store ? "moffs,acc" : "acc,moffs";
        return;
    }
    switch (below(3)) {
    case 0: u8(uint8_t(0x88 | w)); modrm(any_reg(), true); form_ = "rm,r"; break;
    case 1: u8(uint8_t(0x8A | w)); modrm(dst_reg(), false); form_ = "r,rm"; break;
    default:
        if (mem_) {
            u8(uint8_t(0xC6 | w)); modrm(0, true); imm(isz()); form_ = "rm,imm";
        } else if (size_ == 8) {  // the one imm64 form
            u8(uint8_t(0xB8 + rex_b(dst_reg()))); imm(4); imm(4); form_ = "r,imm64";
        } else {
            const uint8_t r = dst_reg();
            u8(uint8_t((w ? 0xB8 : 0xB0) + (l64_ ? rex_b(r) : r))); imm(isz()); form_ = "r,imm";
        }
    }
}

// Counts 0..40 (and sometimes any byte) so masking, count >= width and RCL/RCR's mod 9/17
// all occur; the count is known, so the undefined flags are exact.
void Encoder::shift() {
    const uint8_t ext = uint8_t(std::find(kShift.begin(), kShift.end(), op_) - kShift.begin());
    const uint8_t w = size_ != 1;
    const unsigned count = below(8) ? below(l64_ ? 73 : 41) : below(256);
    switch (below(3)) {
    case 0: u8(uint8_t(0xC0 | w)); modrm(ext, true); u8(uint8_t(count)); form_ = "rm,imm8"; break;
    case 1:
        pre_ = {0xB1, uint8_t(count)};  // mov cl, count
        u8(uint8_t(0xD2 | w)); modrm(ext, true); form_ = "rm,CL";
        break;
    default: u8(uint8_t(0xD0 | w)); modrm(ext, true); form_ = "rm,1";
    }
    const unsigned n = form_ == "rm,1" ? 1 : count & (size_ == 8 ? 63 : 31), width = 8 * size_;
    const bool rotate = ext < 4, through_cf = ext == 2 || ext == 3;
    if (through_cf) reads_ = CF;
    if (n == 0) { writes_ = 0; return; }
    writes_ = rotate ? CF | OF : ALL_ARITH;
    undef_ = (rotate ? 0 : AF) | (n != 1 ? OF : 0);
    if (!rotate && op_ != "SAR" && n >= width) undef_ |= CF;  // SHL, SHR, SAL (/6)
}

// 16-bit counts stay <= 16: beyond the operand size the result itself is undefined.
void Encoder::shld() {
    const uint8_t base = op_ == "SHLD" ? 0xA4 : 0xAC;
    const unsigned count = size_ == 2 ? below(17) + 32 * below(2) : below(size_ == 8 ? 73 : 41);
    if (below(2)) {
        u8(0x0F); u8(base); modrm(any_reg(), true); u8(uint8_t(count)); form_ = "rm,r,imm8";
    } else {
        pre_ = {0xB1, uint8_t(count)};
        u8(0x0F); u8(base + 1); modrm(any_reg(), true); form_ = "rm,r,CL";
    }
    const unsigned n = count & (size_ == 8 ? 63 : 31);
    if (n == 0) { writes_ = 0; return; }
    undef_ = AF | (n != 1 ? OF : 0);
}

// DIV/IDIV: half of the forms first clear (sign-extend) the high half of the dividend so the
// quotient usually fits; the rest mostly raise #DE.
void Encoder::muldiv() {
    const bool div = op_ == "DIV" || op_ == "IDIV";
    undef_ = div ? ALL_ARITH : SF | ZF | AF | PF;
    if (op_ == "IMUL" && size_ != 1 && below(2)) {
        if (below(2)) {
            u8(0x0F); u8(0xAF); modrm(dst_reg(), false); form_ = "r,rm";
        } else if (below(2)) {
            u8(0x6B); modrm(dst_reg(), false); imm(1); form_ = "r,rm,imm8";
        } else {
            u8(0x69); modrm(dst_reg(), false); imm(isz()); form_ = "r,rm,imm";
        }
        return;
    }
    const uint8_t ext = uint8_t(std::find(kMulDiv.begin(), kMulDiv.end(), op_) - kMulDiv.begin());
    if (div && below(2)) {
        if (op_ == "IDIV") {
            if (size_ == 1) pre_ = opsz(2, {0x98});  // cbw
            else if (size_ == 2) pre_ = opsz(2, {0x99});  // cwd
            else pre_ = opsz(size_, {0x99});  // cdq, cqo
        } else {
            if (size_ == 1) pre_ = {0xB4, 0x00};  // mov ah, 0
            else if (size_ == 2) pre_ = opsz(2, {0xBA, 0x00, 0x00});
            else pre_ = opsz(4, {0xBA, 0, 0, 0, 0});
        }
        form_ = "rm (small dividend)";
    } else {
        form_ = "rm";
    }
    u8(uint8_t(0xF6 | (size_ != 1))); modrm(ext, false);
}

void Encoder::bits() {
    if (op_ == "BSF" || op_ == "BSR") {
        undef_ = CF | OF | SF | AF | PF;
        u8(0x0F); u8(op_ == "BSF" ? 0xBC : 0xBD); modrm(dst_reg(), false); form_ = "r,rm";
        return;
    }
    writes_ = CF | OF | SF | AF | PF;
    undef_ = OF | SF | AF | PF;
    const uint8_t k = op_ == "BT" ? 0 : op_ == "BTS" ? 1 : op_ == "BTR" ? 2 : 3;
    const bool writes = k != 0;
    if (below(2)) {
        u8(0x0F); u8(0xBA); modrm(uint8_t(4 + k), writes); u8(uint8_t(rng_())); form_ = "rm,imm8";
        return;
    }
    // rm,r: with memory the offset register reaches +-128 bytes around the operand, which
    // keeps the access inside the data page for every addressing form.
    uint8_t r = any_reg();
    if (mem_) {
        r = pick(l64_ ? kWritable64 : kWritable32);
        setup_mov32(r, uint32_t(int32_t(below(2048)) - 1024));
    }
    u8(0x0F); u8(uint8_t(0xA3 + 8 * k)); modrm(r, writes); form_ = "rm,r";
}

void Encoder::bcd() {
    seg_ok_ = false;
    mem_ = false;
    const std::map<std::string, std::pair<uint8_t, uint32_t>> enc = {
        {"DAA", {0x27, OF}}, {"DAS", {0x2F, OF}}, {"AAA", {0x37, OF | SF | ZF | PF}},
        {"AAS", {0x3F, OF | SF | ZF | PF}}, {"AAM", {0xD4, OF | AF | CF}}, {"AAD", {0xD5, OF | AF | CF}}};
    const auto& [opc, undef] = enc.at(op_);
    undef_ = undef;
    u8(opc);
    if (opc == 0xD4 || opc == 0xD5) {
        const unsigned pickb = below(8);
        u8(uint8_t(pickb < 5 ? 10 : pickb < 7 ? rng_() : 0));  // AAM 0 raises #DE
    } else {
        reads_ = opc == 0x27 || opc == 0x2F ? CF | AF : AF;
    }
    form_ = "";
}

void Encoder::datamov() {
    writes_ = 0;
    const uint8_t w = size_ != 1;
    if (op_ == "MOVZX" || op_ == "MOVSX") {
        const bool word_src = below(2);
        u8(0x0F); u8(uint8_t((op_ == "MOVZX" ? 0xB6 : 0xBE) + word_src));
        const unsigned dsz = size_;
        size_ = 4;
        modrm(dst_reg(), false);
        size_ = dsz;
        form_ = word_src ? "r,rm16" : "r,rm8";
    } else if (op_ == "XCHG") {
        if (!mem_ && w && below(3) == 0) {  // 90 alone is NOP (XCHG EAX, EAX would clear bits 63:32)
            const uint8_t r = dst_reg();
            u8(uint8_t(0x90 + (l64_ ? rex_b(r) : r))); form_ = "acc,r";
        } else {
            u8(uint8_t(0x86 | w)); modrm(dst_reg(), true); form_ = "rm,r";
        }
    } else if (op_ == "LEA") {
        u8(0x8D); modrm(dst_reg(), false); form_ = "r,m";
    } else if (op_ == "CBW" || op_ == "CWD") {
        u8(op_ == "CBW" ? 0x98 : 0x99);
    } else if (op_ == "XLAT") {
        uses_addr_ = true;
        u8(0xD7);
    } else if (op_ == "CMOVCC" || op_ == "SETCC") {
        const uint8_t cc = uint8_t(below(16));
        reads_ = kCondReads[cc >> 1];
        u8(0x0F);
        if (op_ == "CMOVCC") { u8(uint8_t(0x40 + cc)); modrm(dst_reg(), false); }
        else { u8(uint8_t(0x90 + cc)); modrm(0, true); }
        form_ = "cc=" + std::to_string(cc);
    } else if (op_ == "CMPXCHG" || op_ == "XADD") {
        writes_ = ALL_ARITH;
        u8(0x0F); u8(uint8_t((op_ == "CMPXCHG" ? 0xB0 : 0xC0) | w));
        modrm(op_ == "XADD" ? dst_reg() : any_reg(), true);
        form_ = "rm,r";
    } else if (op_ == "CMPXCHG8B") {  // CMPXCHG16B with REX.W: mostly 16-byte aligned
        writes_ = ZF;
        u8(0x0F); u8(0xC7);
        if (size_ == 8) sse_mem(1);
        else modrm(1, false);
        form_ = size_ == 8 ? "m128" : "m64";
    } else if (op_ == "MOVSXD") {
        u8(0x63); modrm(dst_reg(), false); form_ = "r,rm32";
    } else {  // BSWAP
        const uint8_t r = dst_reg();
        u8(0x0F); u8(uint8_t(0xC8 + (l64_ ? rex_b(r) : r)));
    }
}

void Encoder::flagops() {
    seg_ok_ = false;
    mem_ = false;
    const std::map<std::string, std::array<uint32_t, 3>> enc = {  // opcode, writes, reads
        {"CLC", {0xF8, CF, 0}}, {"STC", {0xF9, CF, 0}}, {"CMC", {0xF5, CF, CF}},
        {"CLD", {0xFC, DF, 0}}, {"STD", {0xFD, DF, 0}}, {"LAHF", {0x9F, 0, SF | ZF | AF | PF | CF}},
        {"SAHF", {0x9E, SF | ZF | AF | PF | CF, 0}}, {"SALC", {0xD6, 0, CF}},
        {"PAUSE", {0xF390, 0, 0}}};
    const auto& e = enc.at(op_);
    if (e[0] > 0xFF) u8(uint8_t(e[0] >> 8));  // a mandatory prefix
    u8(uint8_t(e[0]));
    writes_ = e[1];
    reads_ = e[2];
}

// POP, POPA and POPF pop values pushed just before (POPA needs a valid base and index, POPF
// must not set TF or AC); ENTER and LEAVE get an EBP inside the stack page.
void Encoder::stack() {
    writes_ = 0;
    if (l64_ && size_ == 4) size_ = 8;  // no 32-bit stack operations in 64-bit code
    stack64_ = l64_;
    const auto push_imm = [&](uint32_t v) {
        const auto op = opsz(size_, {0x68});
        pre_.insert(pre_.end(), op.begin(), op.end());
        for (unsigned i = 0; i < isz(); ++i) pre_.push_back(uint8_t(v >> (8 * i)));
    };
    if (op_ == "PUSH") {
        switch (below(mem_ ? 1 : 3)) {
        case 0: if (mem_) { u8(0xFF); modrm(6, false); form_ = "m"; break; }
                u8(uint8_t(0x50 + rex_b(any_reg()))); form_ = "r"; break;
        case 1: u8(0x6A); imm(1); form_ = "imm8"; break;
        default: u8(0x68); imm(isz()); form_ = "imm";
        }
    } else if (op_ == "POP") {
        if (mem_) { u8(0x8F); modrm(0, true); form_ = "m"; }
        else { u8(uint8_t(0x58 + rex_b(dst_reg()))); form_ = "r"; }
    } else if (op_ == "PUSHA") {
        mem_ = false;
        u8(0x60);
    } else if (op_ == "POPA") {
        mem_ = false;
        // Pushed in register order, so POPA (EDI first) gets them back in place.
        for (unsigned r = 0; r < 8; ++r)
            push_imm(r == BASE ? DATA - base_ + 0x100 + below(0x700) : r == INDEX ? below(0x100) : rand32());
        u8(0x61);
        form_ = "after 8 pushes";
    } else if (op_ == "PUSHF") {
        mem_ = false;
        reads_ = ALL_ARITH;
        u8(0x9C);
    } else if (op_ == "POPF") {
        mem_ = false;
        writes_ = ALL_ARITH | DF;
        push_imm(0x202 | (rand32() & (ALL_ARITH | DF)));
        u8(0x9D);
        form_ = "after push";
    } else {  // ENTER, LEAVE
        mem_ = false;
        setup_mov32(EBP, STACK - base_ + 0x600 + 4 * below(0x100));
        if (op_ == "ENTER") {
            // Based32 code now and then asks for a frame larger than ESP's offset: the final ESP
            // wraps past the segment's limit, #SS before anything is written. An o32 ENTER in
            // 16-bit code gets bits in ESP's upper half first (lea esp, [esp+imm32]: no flag
            // changes), which its frame pointer keeps.
            const bool past = mode_ == Mode::Based32 && below(8) == 0;
            if (c16_ && size_ == 4) {
                pre_.insert(pre_.end(), {0x66, 0x67, 0x8D, 0xA4, 0x24});
                imm32_to(pre_, (1 + below(0xFFFF)) << 16);
            }
            u8(0xC8); imm(2, past ? STACK_TOP - base_ + below(0x200) : below(0x40));
            u8(uint8_t(below(8) ? below(5) : rng_()));
            form_ = past ? "imm16,imm8 (past the limit)" : "imm16,imm8";
        } else {
            u8(0xC9);
        }
    }
}

// Short counts (0..8), both directions (DF comes from the random state), ES = DS flat.
void Encoder::string() {
    mem_ = true;
    uses_addr_ = true;
    const std::map<std::string, uint8_t> enc = {
        {"MOVS", 0xA4}, {"CMPS", 0xA6}, {"STOS", 0xAA}, {"LODS", 0xAC}, {"SCAS", 0xAE}};
    const uint8_t opc = enc.at(op_);
    const bool compares = op_ == "CMPS" || op_ == "SCAS";
    const unsigned count = below(9);
    setup_mov32(INDEX, DATA - base_ + 0x400 + below(0x800));
    setup_mov32(EDI, DATA - base_ + 0x400 + below(0x800));
    setup_mov32(ECX, count);
    reads_ = DF;
    writes_ = compares ? ALL_ARITH : 0;
    seg_ok_ = op_ != "STOS" && op_ != "SCAS";  // ES:EDI cannot be overridden
    switch (below(3)) {
    case 0: form_ = "single"; break;
    case 1: u8(0xF3); form_ = compares ? "REPE" : "REP"; if (count == 0) writes_ = 0; break;
    default: u8(0xF2); form_ = compares ? "REPNE" : "REP(F2)"; if (count == 0) writes_ = 0;
    }
    rex_at_ = b_.size();
    u8(uint8_t(opc | (size_ != 1)));
    if (c16_) post_.push_back(0x66);
    post_.push_back(uint8_t(0xB8 + INDEX));
    imm32_to(post_, below(0x100));
}

// Relative transfers only (the code address differs from nothing but is not known to the
// encoder): short forward jumps over one INC, LOOPs back over one INC with ECX 1..4, and a
// CALL to a RET that comes back to a JMP over it.
void Encoder::flow() {
    writes_ = 0;
    mem_ = false;
    seg_ok_ = false;
    if (op_ == "FAR") {  // 64-bit code: RETFQ to a frame pushed just before, or JMP FAR m16:32
        if (below(2)) {
            // mov eax, cs; push rax; call X; jmp over X; X: retfq
            b_ = {0x8C, 0xC8, 0x50, 0xE8, 2, 0, 0, 0, 0xEB, 0x02, 0x48, 0xCB};
            form_ = "retfq";
        } else {
            // lea rax, [rip+12] (the next instruction after the jump); the pointer to [rbx+d]
            // (the code selector's value is Linux's on both sides); jmp far [rbx+d]
            const uint8_t d = uint8_t(below(0x78));
            b_ = {0x48, 0x8D, 0x05, 12, 0, 0, 0, 0x89, 0x43, d, 0x66, 0xC7, 0x43, uint8_t(d + 4), 0x33, 0,
                  0xFF, 0x6B, d};
            form_ = "jmp m16:32";
        }
        return;
    }
    const uint8_t r = pick({0, 2, 5, 7});  // never ECX, the loop counter
    // INC r32 (in 64-bit code FF /0: 40-47 are REX prefixes there)
    const std::vector<uint8_t> inc = l64_ ? std::vector<uint8_t>{0xFF, uint8_t(0xC0 | r)}
                                          : std::vector<uint8_t>{uint8_t(0x40 + r)};
    if (op_ == "JCC" || op_ == "JMP") {
        const bool near = below(2);
        const uint8_t over = uint8_t(inc.size());
        if (op_ == "JCC") {
            const uint8_t cc = uint8_t(below(16));
            reads_ = kCondReads[cc >> 1];
            if (near) { u8(0x0F); u8(uint8_t(0x80 + cc)); imm(dsz(), over); }
            else { u8(uint8_t(0x70 + cc)); u8(over); }
            form_ = "cc=" + std::to_string(cc) + (near ? " rel32" : " rel8");
        } else {
            if (near) { u8(0xE9); imm(dsz(), over); }
            else { u8(0xEB); u8(over); }
            form_ = near ? "rel32" : "rel8";
        }
        post_ = inc;  // whether it runs is not known here: it defines no flag
    } else if (op_ == "JECXZ") {
        if (l64_ && below(2)) setup_mov64(ECX, uint64_t(1 + below(4)) << 32);  // ECX 0, RCX not
        else setup_mov32(ECX, below(2) ? below(2) : 0x10000 * (1 + below(4)));  // CX 0 with ECX != 0
        uses_addr_ = true;  // JCXZ, JECXZ or JRCXZ
        u8(0xE3); u8(uint8_t(inc.size()));
        post_ = inc;
    } else if (op_ == "CALL" || op_ == "RET") {
        const bool pop_imm = op_ == "RET" && below(2);
        const uint16_t extra = uint16_t(4 * below(8));
        u8(0xE8); imm(dsz(), 2);        // call X
        u8(0xEB); u8(pop_imm ? 3 : 1);  // jmp over X
        if (pop_imm) { u8(0xC2); imm(2, extra); form_ = "imm16"; }
        else u8(0xC3);                  // X: ret
    } else {  // LOOP, LOOPE, LOOPNE: body INC, then the loop back over it
        setup_mov32(ECX, 1 + below(4));
        uses_addr_ = true;  // CX, ECX or RCX counts
        b_.insert(b_.end(), inc.begin(), inc.end());
        u8(op_ == "LOOP" ? 0xE2 : op_ == "LOOPE" ? 0xE1 : 0xE0);
        u8(uint8_t(-int(inc.size()) - 2));
        writes_ = ALL_ARITH & ~CF;
    }
}

// Instructions of protection and interrupts that behave the same at CPL 3 on both sides:
// selector checks on the LDT selectors (the two LDTs are identical; GDT selectors are not),
// ARPL, BOUND, INTO/INT n/INT1 faults, IRET within the 16-bit code segment (its selector is
// the same on both sides), and privileged or I/O instructions, which must raise #GP.
void Encoder::system() {
    seg_ok_ = false;
    if (op_ == "ARPL") {  // r/m16, r16 whatever the operand size
        writes_ = ZF;
        // Now and then [ebx+d8] through CS, a read-only segment based as DS is (not in Based32
        // code), with an RPL to raise set up through DS first: #GP, as the write is due. (With
        // none to raise the SDM writes nothing, which jitpc follows, while the AMD host faults.)
        cs_override_ = mem_ && mode_ != Mode::Based32 && below(3) == 0;
        if (cs_override_) {
            const uint8_t r = pick(kWritable32), d = uint8_t(below(0x78));
            setup_mov32(r, rand32() | 3);
            const uint32_t sel = rand32() & ~3u;
            const uint8_t rpl = uint8_t(below(3));
            const auto store = opsz(2, {0xC7, bxd(0), d, uint8_t(sel | rpl), uint8_t(sel >> 8)});
            pre_.insert(pre_.end(), store.begin(), store.end());
            u8(0x63); u8(bxd(r)); u8(d); form_ = "m16,r16 cs";
        } else {
            u8(0x63); modrm(any_reg(), true); form_ = "rm16,r16";
        }
    } else if (op_ == "BOUND") {  // #BR (SIGSEGV) when out of the random bounds
        mem_ = true;
        writes_ = 0;
        u8(0x62); modrm(any_reg(), false); form_ = "r,m";
    } else if (op_ == "INTO") {
        writes_ = 0;
        reads_ = OF;
        mem_ = false;
        u8(0xCE);
    } else if (op_ == "INT1" || op_ == "INT") {  // #DB; or #GP through a DPL 0 gate, #BP for 3
        writes_ = 0;
        mem_ = false;
        if (op_ == "INT1") {
            u8(0xF1);
        } else {
            static const uint8_t vec[] = {0, 1, 3, 4, 5, 6, 13, 14, 0x21, 0x81, 0xFF};
            const uint8_t v = vec[below(sizeof vec)];
            u8(0xCD); u8(v);
            form_ = std::to_string(v);
        }
    } else if (op_ == "IRET" && l64_) {
        writes_ = 0;
        reads_ = ALL_ARITH;  // the pushed image stays in the stack page
        mem_ = false;
        size_ = dsz();
        if (below(2)) {
            // IRETQ through a frame of the case's own selectors (Linux's on both sides): mov eax,
            // ss; push rax; lea rax, [rsp+8]; push rax; pushfq; mov eax, cs; push rax; call X;
            // jmp over X; X: iretq
            b_ = {0x8C, 0xD0, 0x50, 0x48, 0x8D, 0x44, 0x24, 0x08, 0x50, 0x9C, 0x8C, 0xC8, 0x50,
                  0xE8, 2, 0, 0, 0, 0xEB, 0x02, 0x48, 0xCF};
            form_ = "iretq";
        } else {
            // IRETD: the same frame in dword slots, stored by halves (a push is a quadword):
            // mov rdx, rsp; sub rsp, 20; mov [rsp+12], edx; mov edx, ss; mov [rsp+16], edx;
            // pushfq; pop rdx; mov [rsp+8], edx; mov edx, cs; mov [rsp+4], edx;
            // lea rdx, [rip+4]; mov [rsp], edx; iretd (to the instruction after it)
            b_ = {0x48, 0x89, 0xE2, 0x48, 0x83, 0xEC, 0x14, 0x89, 0x54, 0x24, 0x0C, 0x8C, 0xD2,
                  0x89, 0x54, 0x24, 0x10, 0x9C, 0x5A, 0x89, 0x54, 0x24, 0x08, 0x8C, 0xCA, 0x89,
                  0x54, 0x24, 0x04, 0x48, 0x8D, 0x15, 4, 0, 0, 0, 0x89, 0x14, 0x24, 0xCF};
            form_ = "iretd";
        }
    } else if (op_ == "IRET") {  // pushf; push LDT_CODE16; call X; jmp over X; X: iret
        writes_ = 0;
        reads_ = ALL_ARITH;  // the pushed image stays in the stack page
        mem_ = false;
        const bool o32 = size_ == 4;
        for (auto v : {opsz(size_, {0x9C}), opsz(size_, {0x6A, uint8_t(LDT_CODE16)}),
                       opsz(size_, {0xE8})})
            b_.insert(b_.end(), v.begin(), v.end());
        imm(size_, 2);
        u8(0xEB); u8(o32 ? 2 : 1);
        if (o32) u8(0x66);
        u8(0xCF);
    } else if (op_ == "PRIV") {
        writes_ = 0;
        mem_ = false;
        static const std::vector<std::vector<uint8_t>> ops = {
            {0xFA}, {0xFB}, {0xF4}, {0x0F, 0x06}, {0x0F, 0x08}, {0x0F, 0x09}, {0x0F, 0x30},
            {0x0F, 0x32}, {0x0F, 0x01, 0x57, 0x10}, {0x0F, 0x01, 0x5F, 0x10},
            {0x0F, 0x00, 0xD0}, {0x0F, 0x00, 0xD8}, {0x0F, 0x01, 0xF0}, {0x0F, 0x01, 0x7F, 0x10},
            {0xE4, 0x60}, {0xE5, 0x60}, {0xE6, 0x80}, {0xE7, 0x80}, {0xEC}, {0xED}, {0xEE},
            {0xEF}, {0x6C}, {0x6D}, {0x6E}, {0x6F}, {0x0F, 0x33}};  // cli sti hlt clts invd
                // wbinvd wrmsr rdmsr lgdt lidt lldt ltr lmsw invlpg ([bx+0x10] / [edi+0x10]) in
                // out ins outs rdpmc (CR4.PCE clear: Linux sets it only for a task that mapped a
                // perf event)
        // 64-bit code adds SWAPGS and SYSRET (#GP at CPL 3 there) and o16 forms (INSW...).
        static const std::vector<std::vector<uint8_t>> ops64 = [] {
            auto v = ops;
            v.insert(v.end(), {{0x0F, 0x01, 0xF8}, {0x0F, 0x07}});
            return v;
        }();
        if (l64_) {
            b_ = ops64[below(uint32_t(ops64.size()))];
            if (below(2)) size_ = 2;
        } else {
            b_ = ops[below(uint32_t(ops.size()))];
        }
        char buf[24];
        std::snprintf(buf, sizeof buf, "%02X %02X", b_[0], b_.size() > 1 ? b_[1] : 0);
        form_ = buf;
    } else {  // LAR LSL VERR VERW on an LDT selector (0x1F is past the LDT's limit)
        writes_ = ZF;
        mem_ = false;
        static const uint8_t sels[] = {0, 0x04, LDT_CODE16, LDT_DATA16, LDT_DATA32, 0x1F, 0x0E};
        const uint8_t r = pick(kWritable32);
        setup_mov32(r, sels[below(sizeof sels)] | (below(4) == 0 ? rand32() << 16 : 0));
        if (op_ == "LAR" || op_ == "LSL") {
            u8(0x0F); u8(op_ == "LAR" ? 0x02 : 0x03); u8(uint8_t(0xC0 | rex_r(dst_reg()) << 3 | r));
        } else {
            u8(0x0F); u8(0x00); u8(uint8_t(0xC0 | (op_ == "VERR" ? 4 : 5) << 3 | r));
        }
    }
}

// LDS/LES/LFS/LGS/LSS r, [ebx+d8] ([bx+d8]) after MOVs that store the pointer there. Mostly the
// selector is the case's own data selector, so DS/ES/SS keep their meaning; the others load the
// other LDT data or the code segment (later accesses then fault alike on both sides), or must
// fault: null (LSS), RPL 0 (LSS), past the LDT's limit. LSS loads ESP half of the time, with an
// offset inside the stack page.
// In 64-bit code REX.W (m16:64) is not generated: AMD ignores it where Intel honours it.
void Encoder::segload() {
    writes_ = 0;
    mem_ = true;
    if (size_ == 8) size_ = 4;
    const uint8_t own = mode_ == Mode::Code16 ? LDT_DATA16 : LDT_DATA32;
    static const uint8_t others[] = {LDT_DATA16, LDT_DATA32, LDT_CODE16, 0, LDT_DATA32 & ~3, 0x1F};
    const uint8_t sel = below(2) ? own : others[below(sizeof others)];
    const bool lss = op_ == "LSS";
    const uint8_t r = lss && below(2) ? 4 : dst_reg();
    const uint32_t off = r == 4 ? STACK_TOP - base_ - 4 * below(0x100) : rand32();
    const uint8_t d = uint8_t(below(0x78));
    auto store = opsz(4, {0xC7, bxd(0), d});  // mov dword [ebx+d], off
    imm32_to(store, off);
    pre_.insert(pre_.end(), store.begin(), store.end());
    store = opsz(2, {0xC7, bxd(0), uint8_t(d + size_), sel, 0});  // mov word [ebx+d+size], sel
    pre_.insert(pre_.end(), store.begin(), store.end());
    if (op_ == "LDS" || op_ == "LES") u8(op_ == "LDS" ? 0xC5 : 0xC4);
    else { u8(0x0F); u8(lss ? 0xB2 : op_ == "LFS" ? 0xB4 : 0xB5); }
    u8(bxd(rex_r(r))); u8(d);
    char buf[16];
    std::snprintf(buf, sizeof buf, "r,m sel=%02X", sel);
    form_ = buf;
}

// FNINIT, load a double from the buffer, one operation, store the double back: results are
// compared through memory only (x87 registers and the status word are not dumped).
void Encoder::x87() {
    writes_ = 0;
    mem_ = true;
    seg_ok_ = false;
    const auto disp = [&] { return uint8_t(8 * below(16)); };
    pre_ = {0xDB, 0xE3, 0xDD, bxd(0), disp()};  // fninit; fld qword [ebx+d]
    post_ = {0xDD, bxd(3), disp()};              // fstp qword [ebx+d]
    if (below(2)) {
        // A control word with random rounding and precision control, all exceptions masked:
        // push imm32; fldcw [esp]; lea esp, [esp+4] (no flag changes).
        const uint32_t cw = 0x7F | below(4) << 8 | below(4) << 10;
        std::vector<uint8_t> s = opsz(4, {0x68, uint8_t(cw), uint8_t(cw >> 8), 0, 0});
        if (c16_) s.push_back(0x67);
        s.insert(s.end(), {0xD9, 0x2C, 0x24});
        const auto lea = l64_ ? std::vector<uint8_t>{0x48, 0x8D, 0x64, 0x24, 0x08} : opsz(4, {0x8D, 0x64, 0x24, 0x04});
        if (c16_) s.push_back(0x67);
        s.insert(s.end(), lea.begin(), lea.end());
        pre_.insert(pre_.begin() + 2, s.begin(), s.end());
        form_suffix_ = " cw";
    }
    if (op_ == "FARITH") {
        const uint8_t k = uint8_t(below(8));  // fadd fmul fcom fcomp fsub fsubr fdiv fdivr
        const bool int32 = below(2);  // FIADD.. m32int, or FADD.. m64
        u8(int32 ? 0xDA : 0xDC); u8(bxd(k)); u8(disp());
        form_ = (int32 ? "m32int /" : "m64 /") + std::to_string(k);
        if (k == 3) pre_.insert(pre_.end(), {0xD9, 0xE8});  // fcomp pops: push 1.0 first
    } else if (op_ == "FPAIR") {
        // A second value in ST0 (a double, or an int32 through FILD), then one two-operand
        // operation; the status word or EFLAGS carry compare results.
        if (below(2)) pre_.insert(pre_.end(), {0xDD, bxd(0), disp()});
        else pre_.insert(pre_.end(), {0xDB, bxd(0), disp()});
        static const std::vector<std::vector<uint8_t>> ops = {
            {0xDE, 0xC1}, {0xDE, 0xC9}, {0xDE, 0xE1}, {0xDE, 0xE9}, {0xDE, 0xF1}, {0xDE, 0xF9},
            {0xD9, 0xC9}, {0xDB, 0xF1}, {0xDF, 0xF1}, {0xDB, 0xE9}, {0xDF, 0xE9},
            {0xDA, 0xE9, 0xDF, 0xE0}, {0xD9, 0xE4, 0xDF, 0xE0}, {0xD9, 0xE5, 0xDF, 0xE0},
            {0xDA, 0xC1}, {0xDA, 0xC9}, {0xDA, 0xD1}, {0xDA, 0xD9}, {0xDB, 0xC1}, {0xDB, 0xC9},
            {0xDB, 0xD1}, {0xDB, 0xD9}, {0xDD, 0xE1, 0xDF, 0xE0}, {0xDD, 0xE9, 0xDF, 0xE0},
            {0xDE, 0xD9, 0xDF, 0xE0}, {0xDD, 0xC1}, {0xDB, 0xE2}, {0x9B},  // fucom(p) fcompp ffree fnclex fwait
            {0xD9, 0xFD}, {0xD9, 0xF4}, {0xD9, 0xF8}, {0xD9, 0xF5}, {0xDF, 0xC1}, {0xD9, 0xD9},
            {0xDB, 0xE0}, {0xDB, 0xE1}, {0xDB, 0xE4}};  // fscale fxtract fprem fprem1 ffreep fstp(nce) 8087/287 nops
        const auto& o = ops[below(uint32_t(ops.size()))];
        b_ = o;
        char buf[24];
        std::snprintf(buf, sizeof buf, "%02X %02X%s", o[0], o.size() > 1 ? o[1] : 0, o.size() > 2 ? " +fnstsw" : "");
        form_ = buf;
        static const uint32_t fcmov_reads[4] = {CF, ZF, CF | ZF, PF};  // b, e, be, u (and n*)
        if ((o[0] == 0xDA || o[0] == 0xDB) && o.size() > 1 && o[1] < 0xE0) reads_ = fcmov_reads[(o[1] - 0xC0) >> 3];
        if (o.size() == 2 && (o[0] == 0xDB || o[0] == 0xDF) && o[1] >= 0xE8) writes_ = ALL_ARITH;  // (u)comi(p)
        // fistp m32, fist m32, fst m64 (keeps ST0), fnstcw m16, fbstp m80 then fbld of it,
        // fisttp m16/m32/m64 (SSE3: on models without it the default), or the default fstp m64
        const uint32_t store = below(9);
        switch (store >= 5 && store <= 7 && !model_.has(cpu::Feature::SSE3) ? 8 : store) {
        case 5: post_ = {0xDF, bxd(1), disp()}; break;  // fisttp m16
        case 6: post_ = {0xDB, bxd(1), disp()}; break;  // fisttp m32
        case 7: post_ = {0xDD, bxd(1), disp()}; break;  // fisttp m64
        case 4: {
            const uint8_t d = disp();
            post_ = {0xDF, bxd(6), d, 0xDF, bxd(4), d, 0xDD, bxd(3), disp()};
            break;
        }
        case 0: post_ = {0xDB, bxd(3), disp()}; break;
        case 1: post_ = {0xDB, bxd(2), disp()}; break;
        case 2: post_ = {0xDD, bxd(2), disp()}; break;
        case 3: post_ = {0xD9, bxd(7), disp()}; break;
        default: break;
        }
    } else if (op_ == "FENV") {
        // FNSTENV or FNSAVE, then FLDENV or FRSTOR of that image. Zeroed in between: the
        // instruction pointer, code selector, opcode and data pointer fields (the selectors
        // differ between host and jitpc) and the empty registers ST1-ST7 of an FNSAVE image
        // (FNINIT leaves stale contents there: the host's come from earlier cases). The rest is
        // compared through memory.
        const uint8_t d = uint8_t(8 * below(8));
        const bool save = below(2);
        u8(save ? 0xDD : 0xD9); u8(bxd(6)); u8(d);
        const unsigned env = c16_ ? 14 : 28;
        const auto zero = [&](unsigned from, unsigned to) {
            for (unsigned k = from; k < to; k += 4) {  // mov dword [ebx/bx + d + k], 0
                auto z = opsz(4, {0xC7, uint8_t(c16_ ? 0x87 : 0x83)});
                imm32_to(z, d + k);
                z.resize(z.size() - (c16_ ? 2 : 0));
                z.insert(z.end(), {0, 0, 0, 0});
                post_.insert(post_.end() - 3, z.begin(), z.end());
            }
        };
        zero(c16_ ? 6 : 12, env);
        if (save) zero(env + 10, env + 80);
        const std::vector<uint8_t> load = {uint8_t(save ? 0xDD : 0xD9), bxd(4), d};
        post_.insert(post_.end() - 3, load.begin(), load.end());
        form_ = save ? "fnsave/frstor" : "fnstenv/fldenv";
    } else {
        // fchs fabs fsqrt frndint fld1 fldz fldpi fldl2t fldl2e fldlg2 fldln2
        // fnop fincstp fdecstp
        static const uint8_t ops[] = {0xE0, 0xE1, 0xFA, 0xFC, 0xE8, 0xEE, 0xEB, 0xE9, 0xEA, 0xEC,
                                      0xED, 0xD0, 0xF7, 0xF6};
        const uint8_t k = ops[below(sizeof ops)];
        u8(0xD9); u8(k);
        char buf[8];
        std::snprintf(buf, sizeof buf, "D9 %02X", k);
        form_ = buf;
    }
}

// ---- SSE/SSE2 ------------------------------------------------------------------------------
// The memory operand of an SSE form: [ebx] or [ebx+disp32] with EBX set just before to a
// 16-byte boundary of the buffer (a 512-byte FXSAVE image fits after it); one case in eight
// is misaligned, so the aligned forms raise #GP(0) there. In 64-bit code also [rip+disp32] to
// the same place (EBX set all the same: FXSAVE's edits go through it).
void Encoder::sse_mem(uint8_t reg) {
    uint32_t at = DATA - base_ + 0x100 + 16 * below(0x60);
    if (below(8) == 0) at += 1 + below(15);
    setup_mov32(BASE, at);
    reg = rex_r(reg);
    if (l64_ && below(4) == 0) {
        u8(uint8_t(0x05 | reg << 3));
        rip_at_ = int(b_.size());
        rip_target_ = at;
        imm(4, 0);
        sse_disp_ = 0;
        form_suffix_ = " rip";
    } else if (below(3) == 0) {
        u8(uint8_t(reg << 3 | BASE));
        sse_disp_ = 0;
    } else {
        u8(uint8_t(0x80 | reg << 3 | BASE));
        sse_disp_ = 16 * below(8);
        imm(4, sse_disp_);
    }
}

void Encoder::sse() {
    std::vector<const SseForm*> forms;
    for (const auto& f : sse_forms())
        if (op_ == f.name) forms.push_back(&f);
    const SseForm& f = *forms[below(uint32_t(forms.size()))];
    size_ = 4;
    writes_ = f.writes_flags ? ALL_ARITH : 0;
    mem_ = f.where == MEM_ONLY || (f.where != REG_ONLY && below(2));
    // XMM8-15 in 64-bit code (not for MM operands, nor DPPS/DPPD's fixed sequence after it)
    const bool wide = l64_ && !f.mmx && op_ != "DPPS" && op_ != "DPPD";
    const uint8_t x0 = uint8_t(below(wide ? 16 : 8)), x1 = uint8_t(below(wide ? 16 : 8));
    const auto rm = [&](uint8_t reg, uint8_t reg_rm) {
        if (mem_) sse_mem(reg);
        else u8(uint8_t(0xC0 | rex_r(reg) << 3 | rex_b(reg_rm)));
    };
    // mov dword [ebx+disp+at], v (disp32 form; `to` receives it)
    const auto store32 = [&](std::vector<uint8_t>& to, uint32_t at, uint32_t v) {
        to.insert(to.end(), {0xC7, 0x83});
        imm32_to(to, sse_disp_ + at);
        imm32_to(to, v);
    };
    if (f.size_prefix) u8(0x66);
    if (f.prefix) u8(f.prefix);
    rex_at_ = b_.size();
    u8(0x0F);
    if (f.opcode > 0xFF) u8(uint8_t(f.opcode >> 8));
    u8(uint8_t(f.opcode));
    char buf[48];
    std::snprintf(buf, sizeof buf, "%s%s%02X", f.size_prefix ? "66 " : "",
                  f.prefix ? (f.prefix == 0x66 ? "66 " : f.prefix == 0xF2 ? "F2 " : "F3 ") : "", f.opcode);
    form_ = buf;
    switch (f.shape) {
    case SseShape::XX: case SseShape::XS: rm(x0, x1); break;
    case SseShape::XXI: rm(x0, x1); imm(1, std::string(f.name).rfind("CMP", 0) == 0 && below(8) ? below(8) : uint32_t(rng_())); break;
    case SseShape::XI:
        u8(uint8_t(0xC0 | f.digit << 3 | rex_b(x0)));
        imm(1, below(4) == 0 ? uint32_t(rng_()) : below(70));
        break;
    case SseShape::XR: rm(x0, any_reg()); break;
    case SseShape::XRI: rm(x0, any_reg()); imm(1); break;
    case SseShape::RX: rm(dst_reg(), x1); break;
    case SseShape::RXI: rm(dst_reg(), x1); imm(1); break;
    case SseShape::RMX: rm(x0, dst_reg()); break;
    case SseShape::RMXI: rm(x0, dst_reg()); imm(1); break;
    case SseShape::RG: rm(dst_reg(), any_reg()); break;
    case SseShape::MR: sse_mem(any_reg()); break;
    case SseShape::M: sse_mem(f.digit); break;
    case SseShape::NONE: u8(f.digit); break;
    case SseShape::BARE: break;
    }
    if (f.mmx) {
        form_ += " mm";
        mmx_ = true;
    }
    // REX.W where a general register or memory operand may take 64 bits (MOVQ, CVTSI2SD r64,
    // PEXTRQ, CRC32 r64, FXSAVE64...; ignored by the rest of these shapes).
    static const SseShape kWide[] = {SseShape::XR, SseShape::XRI, SseShape::RX, SseShape::RXI, SseShape::RMX,
                                     SseShape::RMXI, SseShape::RG, SseShape::MR, SseShape::M};
    if (l64_ && std::find(std::begin(kWide), std::end(kWide), f.shape) != std::end(kWide) && below(2)) {
        rex_ |= 8;
        form_ += " W";
    }
    if (op_.rfind("RCP", 0) == 0 || op_.rfind("RSQRT", 0) == 0) {
        approx_dst_ = int8_t(x0);
        approx_src_ = int8_t(x1);
    }
    if (op_ == "MASKMOVDQU" || op_ == "MASKMOVQ") setup_mov32(EDI, DATA - base_ + 0x100 + below(0x700));
    // DPPS/DPPD: which NaN a lane receives when several products are NaNs is the vendor's
    // (jitpc follows the SDM's order of additions, as Intel does; AMD hosts give each lane its
    // own order), so NaN lanes of the result become one NaN on both sides:
    // movaps t, d; cmpunordps/pd t, d; orps/pd d, t.
    if (op_ == "DPPS" || op_ == "DPPD") {
        // With DE unmasked, whether a denormal sum of products raises #XM is the vendor's too
        // (jitpc takes each product as an operand of the next step, as the SDM writes them):
        // DE is masked first. pushfd; lea esp, [esp-4]; stmxcsr [esp]; or dword [esp], 0x100;
        // ldmxcsr [esp]; lea esp, [esp+4]; popfd (which stores the flags: none may be undefined)
        reads_ = ALL_ARITH;
        pre_.insert(pre_.end(), {0x9C, 0x8D, 0x64, 0x24, 0xFC, 0x0F, 0xAE, 0x1C, 0x24, 0x81, 0x0C, 0x24,
                                 0x00, 0x01, 0x00, 0x00, 0x0F, 0xAE, 0x14, 0x24, 0x8D, 0x64, 0x24, 0x04, 0x9D});
        const uint8_t t = uint8_t((x0 + 1) & 7), pd = op_ == "DPPD" ? 0x66 : 0x90;  // 90: NOP
        post_.insert(post_.end(), {0x0F, 0x28, uint8_t(0xC0 | t << 3 | x0), pd, 0x0F, 0xC2,
                                   uint8_t(0xC0 | t << 3 | x0), 0x03, pd, 0x0F, 0x56, uint8_t(0xC0 | x0 << 3 | t)});
    }
    // PCMPESTRI/M: string lengths in EAX and EDX, mostly within the 8 or 16 elements, either sign.
    if (op_ == "PCMPESTRI" || op_ == "PCMPESTRM")
        for (const uint8_t r : {uint8_t(0), uint8_t(2)})
            setup_mov32(r, below(8) ? uint32_t(int32_t(below(41)) - 20) : rand32());
    // An MXCSR value for LDMXCSR and FXRSTOR: random modes, now and then a reserved bit (#GP).
    const auto csr = [&] {
        const uint32_t v = uint32_t(rng_()) & 0xFFFF;
        return below(8) == 0 ? v | 1u << (16 + below(16)) : v;
    };
    if (op_ == "LDMXCSR") {
        store32(pre_, 0, csr());
    } else if (op_ == "FXSAVE" || op_ == "FXRSTOR" || op_ == "XSAVE" || op_ == "XRSTOR") {
        // An x87 register in use, so the abridged tag word has a bit set; then (FXSAVE, XSAVE)
        // clear what the host stores differently: FOP, FIP, FCS, FDP, FDS (AMD stores them only
        // with an exception pending) and MXCSR_MASK. XSAVE/XRSTOR request the x87 and SSE
        // components in any combination (the host's XCR0 also has AVX, jitpc's has not).
        const bool fx = op_[0] == 'F', save = op_.find("SAVE") != std::string::npos;
        seg_ok_ = false;  // the image is edited through DS: no segment override on the op
        if (!fx) {
            setup_mov32(0, below(4));  // EAX
            setup_mov32(2, 0);         // EDX
        }
        pre_.insert(pre_.end(), {0xDB, 0xE3, 0xDD, 0x83});  // fninit; fld qword [ebx+disp32]
        imm32_to(pre_, sse_disp_ + (fx ? 0x200 : 0x240));
        std::vector<uint8_t>& fix = save ? post_ : pre_;
        if (!save) {  // save the image first (all components), then edit it
            if (fx) {
                pre_.insert(pre_.end(), {0x0F, 0xAE, 0x83});
            } else {
                pre_.insert(pre_.end(), {0xB8, 3, 0, 0, 0, 0x0F, 0xAE, 0xA3});  // mov eax, 3; xsave
            }
            imm32_to(pre_, sse_disp_);
            if (!fx) {
                // XSTATE_BV within XCR0; XCOMP_BV and the next quadword zero, now and then not (#GP).
                store32(pre_, 512, below(4));
                for (uint32_t at = 516; at < 536; at += 4) store32(pre_, at, below(16) ? 0 : rand32());
                pre_.insert(pre_.end(), {0xB8, uint8_t(below(4)), 0, 0, 0});  // mov eax, RFBM
            }
        }
        fix.insert(fix.end(), {0x66, 0xC7, 0x83});  // mov word [ebx+disp+6], 0
        imm32_to(fix, sse_disp_ + 6);
        fix.insert(fix.end(), {0, 0});
        for (uint32_t at : {8u, 12u, 16u, 20u, 28u}) store32(fix, at, 0);
        if (!save) {
            store32(pre_, 24, csr());
            for (unsigned k = 0; k < 3; ++k) store32(pre_, 160 + 4 * below(32), rand32());
        }
    }
}

Insn Encoder::make() {
    sizes({1, 2, 4});
    mem_ = below(2);
    addr67_ = mode_ != Mode::Flat32 && below(4) == 0;
    a16_ = !l64_ && c16_ != addr67_;
    if (l64_) byte_rex_ = below(2);
    if (is_sse(op_)) sse();
    else if (in(kAlu, op_)) alu();
    else if (op_ == "TEST") test();
    else if (op_ == "INC" || op_ == "DEC") incdec();
    else if (op_ == "NEG" || op_ == "NOT") negnot();
    else if (op_ == "MOV") mov();
    else if (op_ == "SHLD" || op_ == "SHRD") { sizes({2, 4}); shld(); }
    else if (in(kShift, op_)) shift();
    else if (in(kMulDiv, op_)) muldiv();
    else if (op_.rfind("B", 0) == 0 && op_ != "BSWAP" && op_ != "BOUND") { sizes({2, 4}); bits(); }
    else if (op_ == "DAA" || op_ == "DAS" || op_ == "AAA" || op_ == "AAS" || op_ == "AAM" || op_ == "AAD") {
        size_ = 1; bcd();
    } else if (op_ == "CMPXCHG8B") { size_ = dsz(); if (l64_) sizes({4}); mem_ = true; datamov(); }
    else if (op_ == "LEA") { sizes({2, 4}); mem_ = true; datamov(); }
    else if (op_ == "BSWAP") { sizes({4}); mem_ = false; datamov(); }
    else if (op_ == "SETCC") { size_ = 1; datamov(); }
    else if (op_ == "XLAT") { size_ = 1; mem_ = true; datamov(); }
    else if (op_ == "MOVZX" || op_ == "MOVSX" || op_ == "MOVSXD" || op_ == "CMOVCC" || op_ == "CBW" || op_ == "CWD") {
        sizes({2, 4});
        if (op_ == "CBW" || op_ == "CWD") mem_ = false;
        datamov();
    } else if (op_ == "CMPXCHG" || op_ == "XADD" || op_ == "XCHG") datamov();
    else if (op_ == "CLC" || op_ == "STC" || op_ == "CMC" || op_ == "CLD" || op_ == "STD" ||
             op_ == "LAHF" || op_ == "SAHF" || op_ == "SALC" || op_ == "PAUSE") { size_ = dsz(); flagops(); }
    else if (op_ == "JCC" || op_ == "JMP" || op_ == "LOOP" || op_ == "LOOPE" || op_ == "LOOPNE" ||
             op_ == "JECXZ" || op_ == "CALL" || op_ == "RET" || op_ == "FAR") { size_ = dsz(); flow(); }
    else if (op_ == "FARITH" || op_ == "FUNARY" || op_ == "FPAIR" || op_ == "FENV") { size_ = dsz(); x87(); }
    else if (op_ == "ARPL" || op_ == "INTO" || op_ == "INT1" || op_ == "INT" || op_ == "PRIV" ||
             op_ == "VERR" || op_ == "VERW") { size_ = dsz(); system(); }
    else if (op_ == "IRET" || op_ == "BOUND" || op_ == "LAR" || op_ == "LSL") { sizes({2, 4}); system(); }
    else if (op_ == "MOVS" || op_ == "CMPS" || op_ == "STOS" || op_ == "LODS" || op_ == "SCAS") string();
    else if (op_ == "LDS" || op_ == "LES" || op_ == "LFS" || op_ == "LGS" || op_ == "LSS") {
        sizes({2, 4});
        segload();
    }
    else { sizes({2, 4}); stack(); }

    // Prefixes of the op: operand size, segment override, LOCK (valid only on a memory
    // destination of a lockable op; elsewhere it must raise #UD on both sides).
    std::vector<uint8_t> pfx;
    std::string pre_key;
    if (size_ == 8 && !stack64_) rex_ |= 8;  // 64-bit stack operations need no REX.W
    if (size_ != 1 && size_ != dsz() && size_ != 8) { pfx.push_back(0x66); pre_key += "66 "; }
    if (addr67_ && uses_addr_) { pfx.push_back(0x67); pre_key += "67 "; }
    if (cs_override_) {
        pfx.push_back(0x2E);
        pre_key += "cs ";
    } else if (mem_ && seg_ok_ && below(4) == 0) {
        pfx.push_back(std::vector<uint8_t>{0x26, 0x36, 0x3E}[below(3)]);
        pre_key += "seg ";
    }
    if (kLockable.count(op_) && below(6) == 0) {
        pfx.push_back(0xF0);
        pre_key += "lock ";
    }
    std::shuffle(pfx.begin(), pfx.end(), rng_);
    // REX comes last, right before the opcode.
    if (l64_ && (rex_ || (size_ == 1 && byte_rex_))) {
        b_.insert(b_.begin() + long(rex_at_), uint8_t(0x40 | rex_));
        if (rip_at_ >= int(rex_at_)) ++rip_at_;
        pre_key += rex_ & 8 ? "rexw " : "rex ";
    }

    form_ += form_suffix_;
    Insn insn;
    insn.bytes = pre_;
    insn.bytes.insert(insn.bytes.end(), pfx.begin(), pfx.end());
    insn.bytes.insert(insn.bytes.end(), b_.begin(), b_.end());
    insn.bytes.insert(insn.bytes.end(), post_.begin(), post_.end());
    if (rip_at_ >= 0) {
        insn.rip_disp_at = int16_t(pre_.size() + pfx.size() + unsigned(rip_at_));
        insn.rip_end = uint16_t(pre_.size() + pfx.size() + b_.size());
        insn.rip_target = rip_target_;
    }
    insn.writes_flags = writes_ | undef_;
    insn.undefined_flags = undef_;
    insn.reads_flags = reads_;
    insn.mmx = mmx_;
    insn.approx_dst = approx_dst_;
    insn.approx_src = approx_src_;
    insn.x87 = op_ == "FARITH" || op_ == "FUNARY" || op_ == "FPAIR" || op_ == "FENV";
    const std::string where = mem_ ? " mem" : " reg";
    insn.text = op_ + (form_.empty() ? "" : " " + form_) + " o" + std::to_string(size_ * 8) + where;
    insn.coverage_key = op_ + (form_.empty() ? "" : " " + form_) + " " + std::to_string(size_ * 8) +
                        where + " " + (pre_key.empty() ? "- " : pre_key) + (l64_ ? "cs64" : c16_ ? "cs16" : "cs32") +
                        (!uses_addr_ ? "" : a16_ ? " a16" : l64_ && !addr67_ ? " a64" : " a32");
    return insn;
}

// 128 bits for an XMM register or a memory operand: random bits, or lanes of one kind (single,
// double, integer) drawn from the values that exercise rounding and the special cases.
void sse_value(Encoder& e, uint64_t* q) {
    static const uint32_t f32[] = {
        0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7FC12345,
        0x7F800001, 0xFFA00000, 0x00000001, 0x807FFFFF, 0x00400000, 0x00800000, 0x80800000,
        0x7F7FFFFF, 0xFF7FFFFF, 0x3F800000, 0xBF800000, 0x4F000000, 0xCF000000, 0x4EFFFFFF,
        0x3F000000, 0x3FC00000, 0x40200000, 0x33800000, 0x0C000000, 0x7E800000, 0x4B7FFFFF};
    static const uint64_t f64[] = {
        0, 0x8000000000000000ull, 0x7FF0000000000000ull, 0xFFF0000000000000ull,
        0x7FF8000000000000ull, 0xFFF8000000000000ull, 0x7FF0000000000001ull, 0x7FF4000000000000ull,
        0x0000000000000001ull, 0x800FFFFFFFFFFFFFull, 0x0010000000000000ull, 0x7FEFFFFFFFFFFFFFull,
        0x3FF0000000000000ull, 0xBFF0000000000000ull, 0x41DFFFFFFFC00000ull, 0xC1E0000000000000ull,
        0x41E0000000000000ull, 0x41DFFFFFFFE00000ull, 0x3FE0000000000000ull, 0x36A0000000000000ull,
        0x380FFFFFF0000000ull, 0x47EFFFFFE0000000ull, 0x3690000000000001ull, 0x4330000000000001ull};
    uint32_t d[4];
    std::memcpy(d, q, 16);
    switch (e.below(4)) {
    case 0:
        for (auto& w : d) w = e.below(3) ? f32[e.below(sizeof f32 / 4)] ^ (e.below(4) ? 0 : e.below(0x100)) : e.rand32();
        break;
    case 1:
        for (unsigned k = 0; k < 2; ++k) {
            const uint64_t v = e.below(3) ? f64[e.below(sizeof f64 / 8)] ^ (e.below(4) ? 0 : e.below(0x100))
                                          : uint64_t(e.rand32()) << 32 | e.rand32();
            std::memcpy(d + 2 * k, &v, 8);
        }
        break;
    case 2: for (auto& w : d) w = e.rand32(); break;
    default: for (auto& w : d) w = e.rand32() & 0x80FF80FF; break;  // near the saturation bounds
    }
    std::memcpy(q, d, 16);
}

// Random rounding, DAZ and FTZ; usually every exception masked, else a random set of masks;
// sometimes sticky flags already set.
uint32_t random_mxcsr(Encoder& e) {
    uint32_t v = e.below(4) << 13 | (e.below(4) == 0 ? 0x40 : 0) | (e.below(4) == 0 ? 0x8000 : 0);
    v |= e.below(3) ? 0x1F80 : (e.below(0x40) << 7);
    if (e.below(2)) v |= e.below(0x40);
    return v;
}

}  // namespace

std::set<std::string> expand_ops(const std::string& list) {
    std::set<std::string> all;
    for (const auto& [g, ops] : kGroups) all.insert(ops.begin(), ops.end());
    std::set<std::string> out;
    size_t pos = 0;
    while (pos <= list.size()) {
        const size_t comma = std::min(list.find(',', pos), list.size());
        std::string name = list.substr(pos, comma - pos);
        pos = comma + 1;
        if (name.empty()) continue;
        if (name == "all") {
            out.insert(all.begin(), all.end());
        } else if (auto g = kGroups.find(name); g != kGroups.end()) {
            out.insert(g->second.begin(), g->second.end());
        } else {
            for (auto& ch : name) ch = char(std::toupper(ch));
            if (!all.count(name)) throw std::runtime_error("unknown op or group '" + name + "'");
            out.insert(name);
        }
    }
    return out;
}

std::vector<std::string> group_names() {
    std::vector<std::string> out;
    for (const auto& [name, ops] : kGroups) out.push_back(name);
    return out;
}

bool usable_in(const std::set<std::string>& ops, Mode m) {
    return std::any_of(ops.begin(), ops.end(), [&](const std::string& op) { return usable(op, m); });
}

State Generator::random_state(Mode mode) {
    Encoder e(rng_, "", mode);
    State s;
    const unsigned regs = num_regs(mode);
    for (unsigned r = 0; r < regs; ++r) s.gpr[r] = mode == Mode::Long64 ? e.rand64() : e.rand32();
    for (unsigned r = 0; r < regs; ++r)
        if (in(kBases64, uint8_t(r))) s.gpr[r] = DATA - seg_base(mode) + 0x100 + e.below(0x700);
        else if (in(kIndexes64, uint8_t(r))) s.gpr[r] = e.below(0x100);
    s.gpr[4] = STACK_TOP - seg_base(mode);
    s.eflags = 0x202 | (e.rand32() & (ALL_ARITH | DF));
    for (auto* page : {&s.data, &s.stack})
        for (unsigned k = 0; k < PAGE; k += 8) {
            const uint64_t v = rng_();
            std::memcpy(page->data() + k, &v, 8);
        }
    if (std::any_of(ops_.begin(), ops_.end(), is_sse)) {
        for (unsigned k = 0; k < 2 * regs; k += 2) sse_value(e, &s.xmm[k]);
        for (unsigned k = 0x100; k < 0xA00; k += 16)
            if (e.below(2)) sse_value(e, reinterpret_cast<uint64_t*>(s.data.data() + k));
        s.mxcsr = random_mxcsr(e);
    }
    return s;
}

namespace {

// The host's stand-in for an RCP/RSQRT register form opening case `c`: movups xmmD, [APPROX],
// where the generator puts the destination's value after the instruction as jitpc's model
// (cpu/sse_approx.h) computes it.
void approx_host(Insn& insn, Case& c) {
    constexpr uint32_t APPROX = PAGE - 16;
    const bool root = insn.text.rfind("RSQRT", 0) == 0, packed = insn.text.find("PS ") != std::string::npos;
    uint32_t src[4], out[4];
    std::memcpy(src, &c.in.xmm[2 * insn.approx_src], 16);
    std::memcpy(out, &c.in.xmm[2 * insn.approx_dst], 16);
    for (unsigned k = 0; k < (packed ? 4u : 1u); ++k) out[k] = root ? cpu::sse_approx::rsqrt(src[k]) : cpu::sse_approx::rcp(src[k]);
    std::memcpy(c.in.data.data() + APPROX, out, 16);
    const uint32_t at = DATA - seg_base(c.mode) + APPROX;
    const uint8_t d = uint8_t(insn.approx_dst);
    if (c.mode == Mode::Long64) {  // [abs32] through a SIB: mod 00 rm 101 is [rip+d32] there
        insn.host_bytes.clear();
        if (d >= 8) insn.host_bytes.push_back(0x44);
        insn.host_bytes.insert(insn.host_bytes.end(), {0x0F, 0x10, uint8_t(0x04 | (d & 7) << 3), 0x25});
    } else {
        insn.host_bytes = {0x0F, 0x10, uint8_t(0x05 | d << 3)};
    }
    for (unsigned k = 0; k < 4; ++k) insn.host_bytes.push_back(uint8_t(at >> 8 * k));
    // NOPs after jitpc's form make both the same length: later code and return addresses match.
    insn.bytes.resize(insn.host_bytes.size(), 0x90);
}

}  // namespace

// An instruction whose result depends on a flag an earlier one left undefined is drawn again;
// if that keeps happening, a CMP defines all arithmetic flags first.
Case Generator::next(unsigned max_insns) {
    Case c;
    std::vector<std::string> ops;
    for (const auto& op : ops_)
        if (modes_ & MODES_64 || !only64(op)) ops.push_back(op);
    if (!(modes_ & MODES_LEGACY)) {
        c.mode = Mode::Long64;  // 64-bit cases are a run of their own
    } else {
        do c.mode = Mode(std::uniform_int_distribution<unsigned>(0, 2)(rng_));
        while (!(modes_ >> unsigned(c.mode) & 1) || !usable_in(ops_, c.mode));
    }
    c.in = random_state(c.mode);
    const unsigned n = 1 + std::uniform_int_distribution<unsigned>(0, max_insns - 1)(rng_);
    uint32_t undefined = 0;
    // After LDS/LES, DS or ES may be a code segment: whether MASKMOVQ/MASKMOVDQU with an empty
    // mask faults there is the vendor's (the SDM leaves it open; jitpc does not), so they are not
    // drawn then.
    bool seg_loaded = false;
    for (unsigned i = 0; i < n; ++i) {
        Insn insn;
        for (unsigned tries = 0;; ++tries) {
            std::string op;
            do op = ops[std::uniform_int_distribution<size_t>(0, ops.size() - 1)(rng_)];
            while (!usable(op, c.mode) || (seg_loaded && op.rfind("MASKMOV", 0) == 0));
            seg_loaded |= op == "LDS" || op == "LES";
            Encoder e(rng_, op, c.mode, model_);
            insn = e.make();
            // RCP/RSQRT open a case, where their source is known: the host loads the model's
            // result from the end of the data page instead (neither side writes there). Drawn
            // later, one ends the case.
            if (insn.approx_dst >= 0) {
                if (i != 0) return c;
                approx_host(insn, c);
            }
            if (!(insn.reads_flags & undefined)) break;
            if (tries == 8) {
                Insn cmp;
                cmp.bytes = {0x39, 0xC8};  // cmp eax, ecx
                cmp.text = cmp.coverage_key = "CMP (flag reset)";
                cmp.writes_flags = ALL_ARITH;
                c.insns.push_back(cmp);
                undefined = 0;
                break;
            }
        }
        undefined = (undefined & ~insn.writes_flags) | insn.undefined_flags;
        c.insns.push_back(insn);
    }
    return c;
}

std::vector<uint8_t> code_bytes(const std::vector<Insn>& insns, bool host) {
    std::vector<uint8_t> out;
    for (const auto& i : insns) {
        const auto& b = host && !i.host_bytes.empty() ? i.host_bytes : i.bytes;
        const size_t at = out.size();
        out.insert(out.end(), b.begin(), b.end());
        if (i.rip_disp_at >= 0) {
            const uint32_t disp = i.rip_target - (CODE_START + uint32_t(at) + i.rip_end);
            std::memcpy(out.data() + at + unsigned(i.rip_disp_at), &disp, 4);
        }
    }
    return out;
}

}  // namespace jitpc::difftest
