#include "tests/difftest/gen.h"

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <vector>

namespace jitpc::difftest {
namespace {

// Register conventions that keep memory operands inside the data buffer: EBX is the base
// (DATA + 0x100..0x800), ESI a small index (0..0xFF), ESP the stack. The generator never
// writes them, so 8-bit destinations exclude BL/BH too.
constexpr uint8_t BASE = 3, INDEX = 6;
const std::vector<uint8_t> kWritable32 = {0, 1, 2, 5, 7};
const std::vector<uint8_t> kWritable8 = {0, 1, 2, 4, 5, 6};

constexpr uint32_t ALL_ARITH = 0x08D5;

// Binary ALU ops in opcode-extension order.
const std::vector<std::string> kAlu = {"ADD", "OR", "ADC", "SBB", "AND", "SUB", "XOR", "CMP"};

const std::map<std::string, std::vector<std::string>> kGroups = {
    {"arith", {"ADD", "ADC", "SUB", "SBB", "CMP", "AND", "OR", "XOR", "TEST", "INC", "DEC",
               "NEG", "NOT"}},
    {"mov", {"MOV"}},
};

bool is_logic(const std::string& op) {
    return op == "AND" || op == "OR" || op == "XOR" || op == "TEST";
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
        if (auto g = kGroups.find(name); g != kGroups.end()) {
            out.insert(g->second.begin(), g->second.end());
        } else {
            for (auto& ch : name) ch = char(std::toupper(ch));
            if (!all.count(name)) {
                std::fprintf(stderr, "difftest: unknown op or group '%s'\n", name.c_str());
                std::exit(2);
            }
            out.insert(name);
        }
    }
    return out;
}

uint32_t Generator::rand32() {
    static const uint32_t special[] = {0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF,
                                       0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFF80};
    if (below(4) == 0) return special[below(sizeof special / sizeof *special)];
    return uint32_t(rng_());
}

State Generator::random_state() {
    State s;
    for (auto& r : s.gpr) r = rand32();
    s.gpr[BASE] = DATA + 0x100 + below(0x700);
    s.gpr[INDEX] = below(0x100);
    s.gpr[4] = STACK_TOP;
    s.eflags = 0x202 | (rand32() & (ALL_ARITH | 0x400));
    for (auto* page : {&s.data, &s.stack})
        for (unsigned k = 0; k < PAGE; k += 8) {
            const uint64_t v = rng_();
            std::memcpy(page->data() + k, &v, 8);
        }
    return s;
}

// Encodes one random form of `op`: operand size, register or memory operand, prefixes.
Insn Generator::make(const std::string& op) {
    const unsigned size = std::vector<unsigned>{1, 2, 4}[below(3)];
    const bool wide = size != 1;
    const bool mem = below(2);
    std::vector<uint8_t> pre;
    std::string pre_key;
    if (size == 2) { pre.push_back(0x66); pre_key += "66 "; }
    if (mem && below(4) == 0) {
        pre.push_back(std::vector<uint8_t>{0x26, 0x36, 0x3E}[below(3)]);
        pre_key += "seg ";
    }
    const auto pick = [&](const std::vector<uint8_t>& v) { return v[below(uint32_t(v.size()))]; };
    const auto any_reg = [&] { return uint8_t(below(8)); };
    const auto dst_reg = [&] { return pick(wide ? kWritable32 : kWritable8); };
    const auto imm = [&](unsigned n, std::vector<uint8_t>& out) {
        const uint32_t v = rand32();
        for (unsigned i = 0; i < n; ++i) out.push_back(uint8_t(v >> (8 * i)));
    };
    // ModRM (+SIB, disp) with `reg` in bits 5:3; `rm_dst`: a register r/m is written.
    const auto modrm = [&](uint8_t reg, bool rm_dst, std::vector<uint8_t>& out) {
        if (!mem) {
            out.push_back(uint8_t(0xC0 | (reg << 3) | (rm_dst ? dst_reg() : any_reg())));
            return;
        }
        switch (below(5)) {
        case 0: out.push_back(uint8_t((reg << 3) | BASE)); break;
        case 1: out.push_back(uint8_t(0x40 | (reg << 3) | BASE)); out.push_back(uint8_t(rng_())); break;
        case 2: {
            out.push_back(uint8_t(0x80 | (reg << 3) | BASE));
            const uint32_t d = uint32_t(int32_t(below(0x100)) - 0x80);
            for (unsigned i = 0; i < 4; ++i) out.push_back(uint8_t(d >> (8 * i)));
            break;
        }
        case 3:
            out.push_back(uint8_t(0x44 | (reg << 3)));
            out.push_back(uint8_t((below(3) << 6) | (INDEX << 3) | BASE));
            out.push_back(uint8_t(rng_()));
            break;
        default: {
            out.push_back(uint8_t(0x05 | (reg << 3)));
            const uint32_t a = DATA + below(PAGE - 4);
            for (unsigned i = 0; i < 4; ++i) out.push_back(uint8_t(a >> (8 * i)));
        }
        }
    };

    Insn in;
    std::vector<uint8_t>& b = in.bytes;
    std::string form;
    const uint8_t w = wide ? 1 : 0;
    const unsigned isz = size == 1 ? 1 : size;
    uint32_t writes = ALL_ARITH;
    if (auto alu = std::find(kAlu.begin(), kAlu.end(), op); alu != kAlu.end()) {
        const uint8_t k = uint8_t(alu - kAlu.begin());
        const bool writes_dst = op != "CMP";
        switch (below(mem ? 3 : 5)) {
        case 0: b.push_back(uint8_t(8 * k + w)); modrm(any_reg(), writes_dst, b); form = "rm,r"; break;
        case 1: b.push_back(uint8_t(0x80 | w)); modrm(k, writes_dst, b); imm(isz, b); form = "rm,imm"; break;
        case 2:
            if (wide && below(2)) {
                b.push_back(0x83); modrm(k, writes_dst, b); imm(1, b); form = "rm,imm8";
            } else {
                b.push_back(uint8_t(8 * k + 2 + w));
                modrm(writes_dst ? dst_reg() : any_reg(), false, b);
                form = "r,rm";
            }
            break;
        case 3: b.push_back(uint8_t(8 * k + 4 + w)); imm(isz, b); form = "acc,imm"; break;
        default:
            b.push_back(uint8_t(8 * k + 2 + w));
            modrm(writes_dst ? dst_reg() : any_reg(), false, b);
            form = "r,rm";
        }
    } else if (op == "TEST") {
        switch (below(mem ? 2 : 3)) {
        case 0: b.push_back(uint8_t(0x84 | w)); modrm(any_reg(), false, b); form = "rm,r"; break;
        case 1: b.push_back(uint8_t(0xF6 | w)); modrm(0, false, b); imm(isz, b); form = "rm,imm"; break;
        default: b.push_back(uint8_t(0xA8 | w)); imm(isz, b); form = "acc,imm";
        }
    } else if (op == "INC" || op == "DEC") {
        writes = ALL_ARITH & ~1u;
        const uint8_t ext = op == "DEC";
        if (!mem && wide && below(2)) {
            b.push_back(uint8_t(0x40 + 8 * ext + dst_reg())); form = "r (short)";
        } else {
            b.push_back(uint8_t(0xFE | w)); modrm(ext, true, b); form = "rm";
        }
    } else if (op == "NEG" || op == "NOT") {
        if (op == "NOT") writes = 0;
        b.push_back(uint8_t(0xF6 | w)); modrm(op == "NEG" ? 3 : 2, true, b); form = "rm";
    } else {  // MOV
        writes = 0;
        switch (below(3)) {
        case 0: b.push_back(uint8_t(0x88 | w)); modrm(any_reg(), true, b); form = "rm,r"; break;
        case 1: b.push_back(uint8_t(0x8A | w)); modrm(dst_reg(), false, b); form = "r,rm"; break;
        default:
            if (mem) {
                b.push_back(uint8_t(0xC6 | w)); modrm(0, true, b); imm(isz, b); form = "rm,imm";
            } else {
                b.push_back(uint8_t((wide ? 0xB8 : 0xB0) + dst_reg())); imm(isz, b); form = "r,imm";
            }
        }
    }
    b.insert(b.begin(), pre.begin(), pre.end());
    in.writes_flags = writes;
    in.undefined_flags = is_logic(op) ? 0x10u : 0u;  // AF after AND/OR/XOR/TEST
    in.text = op + " " + form + " o" + std::to_string(size * 8) + (mem ? " mem" : " reg");
    in.coverage_key = op + " " + std::to_string(size * 8) + (mem ? " mem " : " reg ") +
                      (pre_key.empty() ? "-" : pre_key);
    return in;
}

Case Generator::next(unsigned max_insns) {
    Case c;
    c.in = random_state();
    const std::vector<std::string> ops(ops_.begin(), ops_.end());
    const unsigned n = 1 + below(max_insns);
    for (unsigned i = 0; i < n; ++i) c.insns.push_back(make(ops[below(uint32_t(ops.size()))]));
    return c;
}

std::vector<uint8_t> code_bytes(const std::vector<Insn>& insns) {
    std::vector<uint8_t> out;
    for (const auto& i : insns) out.insert(out.end(), i.bytes.begin(), i.bytes.end());
    return out;
}

}  // namespace jitpc::difftest
