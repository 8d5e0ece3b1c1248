#include "conform/real_mode_case.h"

#include <cstdio>
#include <memory>
#include <stdexcept>

#include "cpu/cpu.h"
#include "cpu/insn_table.h"
#include "cpu/interp.h"
#include "memory/physmem.h"

namespace jitpc::conform {
namespace {

using json::Value;
using T = json::Value::Type;

enum Reg : unsigned { AX, BX, CX, DX, CS, SS, DS, ES, SP, BP, SI, DI, IP, FLAGS };
constexpr cpu::Gpr kGprOf[] = {cpu::EAX, cpu::EBX, cpu::ECX, cpu::EDX};
constexpr cpu::SegReg kSegOf[] = {cpu::CS, cpu::SS, cpu::DS, cpu::ES};
constexpr cpu::Gpr kPtrOf[] = {cpu::ESP, cpu::EBP, cpu::ESI, cpu::EDI};

// The 80286's 24 address lines (16 MiB of RAM in its corpus); the 8088's 20 wrap at 1 MiB, as
// a masked A20 does.
constexpr uint32_t RAM_BYTES = 16u << 20;
// The flags both generations define: OF DF IF TF SF ZF AF PF CF. Bits 12-15 read as 1 on the
// 8086 and as IOPL/NT, which real mode cannot set, on the 80286; jitpc's models (the 386's
// rules) let real mode write IOPL and NT.
constexpr uint16_t DEFINED_FLAGS = 0x0FD5;

class NullBus : public cpu::Bus {
public:
    uint32_t io_read(uint16_t, unsigned) override { return 0xFFFFFFFF; }  // as both corpora's IN
    void io_write(uint16_t, unsigned, uint32_t) override {}
    void cpu_reset_request(const char*) override {}
};

[[noreturn]] void bad(const std::string& what) { throw std::runtime_error(what); }

const Value& need(const Value& o, const char* key, T type) {
    const Value* v = o.find(key);
    if (!v || !v->is(type)) bad(std::string("'") + key + "' missing or of the wrong type");
    return *v;
}

uint64_t number(const Value& v, const std::string& what, uint64_t max) {
    const auto n = v.as_u64();
    if (!n || *n > max) bad("'" + what + "' is not a number from 0 to " + std::to_string(max));
    return *n;
}

void read_regs(const Value& regs, std::array<uint16_t, RealCase::NREGS>& r, bool all) {
    for (unsigned k = 0; k < RealCase::NREGS; ++k) {
        if (const Value* v = regs.find(RealCase::kRegs[k])) r[k] = uint16_t(number(*v, RealCase::kRegs[k], 0xFFFF));
        else if (all) bad(std::string("initial '") + RealCase::kRegs[k] + "' missing");
    }
}

template <class F> void read_ram(const Value& ram, F&& put) {
    for (const Value& pair : ram.items) {
        if (!pair.is(T::Array) || pair.items.size() != 2) bad("a 'ram' entry is not [address, byte]");
        put(uint32_t(number(pair.items[0], "ram address", RAM_BYTES - 1)), uint8_t(number(pair.items[1], "ram byte", 0xFF)));
    }
}

// The instruction's prefixes (those of the generation) and what follows them.
struct Opcode {
    size_t at = 0;  // index of the opcode byte in `bytes`
    bool rep = false, lock = false, f1 = false;
    uint8_t op = 0, reg = 0;  // the opcode and its ModRM reg field (when it has one)
};
Opcode opcode_of(const std::vector<uint8_t>& b, Generation g) {
    Opcode o;
    for (; o.at < b.size(); ++o.at) {
        const uint8_t p = b[o.at];
        if (p == 0x26 || p == 0x2E || p == 0x36 || p == 0x3E) continue;
        if (p == 0xF2 || p == 0xF3) o.rep = true;
        else if (p == 0xF0) o.lock = true;
        else if (p == 0xF1 && g == Generation::I8086) o.f1 = true;  // LOCK's alias there
        else break;
    }
    if (o.at < b.size()) o.op = b[o.at];
    if (o.at + 1 < b.size()) o.reg = uint8_t(b[o.at + 1] >> 3 & 7);
    return o;
}

bool is_string(uint8_t op) { return (op >= 0xA4 && op <= 0xA7) || (op >= 0xAA && op <= 0xAF) || (op >= 0x6C && op <= 0x6F); }

// One difference between the corpus's final state and jitpc's.
struct Diff {
    enum Kind : uint8_t { Reg, Ram } kind;
    uint32_t where;  // the register (Reg) or the linear address (Ram)
    uint32_t expected, actual;
};

std::string text(const Diff& d) {
    char buf[96];
    if (d.kind == Diff::Reg)
        std::snprintf(buf, sizeof buf, "%s: expected %04x, jitpc %04x\n", RealCase::kRegs[d.where], d.expected, d.actual);
    else
        std::snprintf(buf, sizeof buf, "ram %06x: expected %02x, jitpc %02x\n", d.where, d.expected, d.actual);
    return buf;
}

// What the 8086 does with opcodes that are other instructions (or #UD) on jitpc's models.
const char* other_machine_8086(const Opcode& o) {
    const uint8_t op = o.op;
    if (o.f1) return "F1 is a LOCK prefix on the 8086, INT1 on jitpc's models";
    if (op == 0x0F) return "0F is POP CS on the 8086, the two-byte opcode map on jitpc's models";
    if (op >= 0x60 && op <= 0x6F) return "60-6F repeat the conditional jumps 70-7F on the 8086";
    if (op == 0xC0 || op == 0xC1) return "C0/C1 repeat RET imm16/RET on the 8086 (shifts on jitpc's models)";
    if (op == 0xC8 || op == 0xC9) return "C8/C9 repeat RETF imm16/RETF on the 8086 (ENTER/LEAVE on jitpc's models)";
    if (op >= 0xD8 && op <= 0xDF) return "ESC without a coprocessor on the 8086: the x87 on jitpc's models";
    if (op == 0x8F && o.reg != 0) return "8F with reg 1-7: undefined on the 8086, #UD on jitpc's models";
    if ((op == 0xC6 || op == 0xC7) && o.reg != 0) return "C6/C7 ignore reg on the 8086, #UD on jitpc's models";
    if ((op == 0x8C || op == 0x8E) && (o.reg >= 4 || (op == 0x8E && o.reg == 1)))
        return "8C/8E use two bits of reg on the 8086 (MOV CS included); FS, GS or #UD on jitpc's models";
    if (op == 0xFE && o.reg >= 2) return "FE with reg 2-7: undefined on the 8086, #UD on jitpc's models";
    if (op == 0xFF && o.reg == 7) return "FF /7: undefined on the 8086, #UD on jitpc's models";
    if (op >= 0xD0 && op <= 0xD3 && o.reg == 6) return "D0-D3 /6 is SETMO/SETMOC on the 8086, SAL on jitpc's models";
    return nullptr;
}

// Why a case of generation g ends differently on jitpc by design, when every difference is so;
// empty when not. `vector`: the event jitpc delivered (nullopt: none).
std::string by_design(const RealCase& c, Generation g, const CorpusMetadata* meta, const std::vector<Diff>& diffs,
                      std::optional<unsigned> vector, uint16_t sp_after, uint16_t ss_after) {
    const Opcode o = opcode_of(c.bytes, g);
    // Whether the 8086 took a divide error: its corpus ends at vector 0's handler, whose
    // address is the first four bytes of RAM (when the case lists them).
    uint32_t ivt0 = 0;
    unsigned listed = 0;
    for (const auto& [a, b] : c.ram)
        if (a < 4) ivt0 |= uint32_t(b) << (8 * a), ++listed;
    const bool ref_divide_error = listed == 4 && c.out[CS] == (ivt0 >> 16) && c.out[IP] == (ivt0 & 0xFFFF);
    const bool divide = ((o.op == 0xF6 || o.op == 0xF7) && o.reg >= 6) || o.op == 0xD4;
    if (g == Generation::I8086) {
        if (meta) {
            char key[8];
            std::snprintf(key, sizeof key, "%02X", o.op);
            std::snprintf(key + 2, sizeof key - 2, ".%u", o.reg);
            for (const std::string& k : {std::string(key), std::string(key, 2)})
                if (auto u = meta->undefined.find(k); u != meta->undefined.end() && u->second)
                    return "opcode " + k + " is undefined on the " + meta->cpu + " (the corpus's metadata)";
        }
        if (const char* why = other_machine_8086(o)) return why;
        if (divide && (vector == 0u || ref_divide_error || (o.rep && o.reg == 7)))
            return "divide errors push the next instruction's address on the 8086, IDIV's -128/-32768 quotient is "
                   "#DE there, and a REP prefix negates its quotient";
        if ((o.op == 0xD2 || o.op == 0xD3) && (c.in[CX] & 0xFF) >= 32)
            return "the 8086 shifts by all of CL, jitpc's models by CL mod 32";
        if (o.op == 0x37 || o.op == 0x3F) return "AAA/AAS adjust AL alone on the 8086, AX on the 80286 and later";
        if (vector == 12u || vector == 13u)
            return "a word at offset FFFF wraps within its segment on the 8086; #GP/#SS on the 80286 and later";
    } else {
        if (o.op == 0x0F && c.bytes.size() > o.at + 2 && c.bytes[o.at + 1] == 0x01 && (c.bytes[o.at + 2] >> 3 & 7) == 4)
            return "SMSW: the 80286's machine status word has bits 4-15 set; jitpc's models give CR0's";
        if (c.exception == 6u && c.bytes.size() > 10) return "the 80286 limits instructions to 10 bytes (#UD), later CPUs to 15";
        if (o.lock && vector == 6u) return "LOCK before an instruction that cannot take it: #UD on the 386 and later only";
    }
    // Differences the generation has in a few bytes only: PUSH SP (the 8086 pushes the new
    // value) and FLAGS images with bits 12-15 (pushed by PUSHF, INT and events).
    const uint32_t top = (uint32_t(ss_after) << 4) + sp_after;
    const bool pushes_flags = o.op == 0x9C || (o.op >= 0xCC && o.op <= 0xCE) || vector || c.exception;
    for (const Diff& d : diffs) {
        const bool push_sp = g == Generation::I8086 && o.op == 0x54 && d.kind == Diff::Ram && d.where - top < 2;
        const bool flags_image = pushes_flags && d.kind == Diff::Ram && !((d.expected ^ d.actual) & 0x0F) &&
                                 (d.where - top) % 2 == 1 && d.where - top < 6;
        if (!push_sp && !flags_image) return {};
    }
    return o.op == 0x54 && g == Generation::I8086 ? "PUSH SP pushes the decremented SP on the 8086"
                                                  : "FLAGS bits 12-15 as pushed: 1 on the 8086, IOPL and NT (clear in "
                                                    "real mode) on the 80286";
}

}  // namespace

const char* const RealCase::kRegs[RealCase::NREGS] = {"ax", "bx", "cx", "dx", "cs", "ss", "ds",
                                                        "es", "sp", "bp", "si", "di", "ip", "flags"};

std::optional<Generation> generation_named(const std::string& cpu) {
    if (cpu == "8088" || cpu == "8086" || cpu == "80C88") return Generation::I8086;
    if (cpu == "80286" || cpu == "286") return Generation::I80286;
    return std::nullopt;
}

CorpusMetadata metadata_from_json(const Value& v) {
    if (!v.is(T::Object)) bad("metadata: not a JSON object");
    CorpusMetadata m;
    m.cpu = need(v, "cpu", T::String).text;
    const Value& ops = need(v, "opcodes", T::Object);
    const auto entry = [&m](const std::string& key, const Value& e) {
        if (!e.is(T::Object)) bad("metadata: opcode '" + key + "' is not an object");
        if (const Value* s = e.find("status"); s && s->is(T::String)) m.undefined[key] = s->text == "undefined";
        if (const Value* f = e.find("flags-mask")) m.flags_mask[key] = uint16_t(number(*f, "flags-mask", 0xFFFF));
    };
    for (const auto& [key, e] : ops.members) {
        entry(key, e);
        if (const Value* regs = e.find("reg"); regs && regs->is(T::Object))
            for (const auto& [r, re] : regs->members) entry(key + "." + r, re);
    }
    return m;
}

bool is_real_mode_case(const Value& v) {
    const Value* initial = v.find("initial");
    const Value* regs = initial ? initial->find("regs") : nullptr;
    return regs && regs->find("ax") && !regs->find("eax");
}

RealCase real_case_from_json(const Value& v) {
    if (!v.is(T::Object)) bad("the case is not an object");
    RealCase c;
    c.name = need(v, "name", T::String).text;
    for (const Value& b : need(v, "bytes", T::Array).items) c.bytes.push_back(uint8_t(number(b, "bytes", 0xFF)));
    if (c.bytes.empty() || c.bytes.size() > 64) bad("'bytes' is empty or longer than 64");
    const Value& initial = need(v, "initial", T::Object);
    read_regs(need(initial, "regs", T::Object), c.in, true);
    read_ram(need(initial, "ram", T::Array), [&c](uint32_t a, uint8_t b) { c.ram.emplace_back(a, b); });
    const Value& fin = need(v, "final", T::Object);
    c.out = c.in;
    read_regs(need(fin, "regs", T::Object), c.out, false);
    read_ram(need(fin, "ram", T::Array), [&c](uint32_t a, uint8_t b) { c.final_ram[a] = b; });
    const Value* ex = v.find("exception");
    if (!ex) ex = fin.find("exception");
    if (ex) {
        if (!ex->is(T::Object)) bad("'exception' is not an object");
        c.exception = unsigned(number(need(*ex, "number", T::Number), "exception number", 255));
        if (const Value* f = ex->find("flag_address")) c.flag_address = uint32_t(number(*f, "flag_address", RAM_BYTES - 2));
    }
    return c;
}

RealResult run_real_case(const RealCase& c, Generation g, const CorpusMetadata* meta, const cpu::CpuModel& model) {
    // RAM is reused across cases: the pages a case dirtied are zeroed after it, so every byte a
    // corpus does not list starts at 0.
    static memory::PhysMemory mem{RAM_BYTES};
    NullBus bus;
    auto cpu_ptr = std::make_unique<cpu::Cpu>(mem, bus, model);
    cpu::Cpu& cpu = *cpu_ptr;
    mem.take_dirty();
    cpu.set_a20(g == Generation::I80286);
    const uint32_t wrap = g == Generation::I80286 ? RAM_BYTES - 1 : 0xFFFFF;
    for (const auto& [a, b] : c.ram) mem.write_bytes(a & wrap, &b, 1);
    for (unsigned k = 0; k < 4; ++k) {
        cpu.gpr[kGprOf[k]] = c.in[AX + k];
        cpu.load_seg_real(kSegOf[k], c.in[CS + k]);
        cpu.gpr[kPtrOf[k]] = c.in[SP + k];
    }
    cpu.rip = c.in[IP];
    // The 80286 corpus's initial FLAGS may name IOPL and NT, which its real mode cannot set.
    cpu.flags.set(c.in[FLAGS] & 0x0FFF, cpu::EFLAGS_WRITABLE);

    // One instruction: a REP string instruction steps until it leaves its address; an event it
    // raises stops the run where the handler would begin.
    cpu::Interpreter interp{cpu};
    std::optional<unsigned> vector;
    cpu.on_deliver = [&](const cpu::Cpu&, const cpu::Cpu::Event& e) {
        vector = e.vector;
        interp.stop_request = true;
    };
    uint16_t mnemonic = 0;
    bool first = true;
    interp.trace = [&](cpu::Cpu&, const cpu::Insn& i) {
        if (first) mnemonic = i.mnemonic, first = false;
    };
    const Opcode o = opcode_of(c.bytes, g);
    for (unsigned n = 0; n < 1'000'000; ++n) {
        const cpu::StopReason why = interp.step();
        if (vector || cpu.halted || why != cpu::StopReason::Budget || cpu.shutdown) break;
        if (cpu.rip != c.in[IP] || cpu.seg[cpu::CS].sel != c.in[CS] || !(o.rep && is_string(o.op))) break;
    }

    std::array<uint16_t, RealCase::NREGS> got{};
    for (unsigned k = 0; k < 4; ++k) {
        got[AX + k] = uint16_t(cpu.gpr[kGprOf[k]]);
        got[CS + k] = cpu.seg[kSegOf[k]].sel;
        got[SP + k] = uint16_t(cpu.gpr[kPtrOf[k]]);
    }
    // The 80286's corpus ends after the HALT that follows the instruction (or is fetched at the
    // handler an event reached) unless the instruction was that HALT itself.
    got[IP] = uint16_t(cpu.rip + (g == Generation::I80286 && !cpu.halted));
    got[FLAGS] = uint16_t(cpu.flags.get());

    // Flags the instruction leaves undefined (jitpc's table; the corpus's metadata too) are not
    // compared, in FLAGS nor in an image an event pushed.
    uint16_t defined = DEFINED_FLAGS & uint16_t(~cpu::InsnTable::get()[mnemonic].flags_undefined);
    if (meta) {
        char key[8];
        std::snprintf(key, sizeof key, "%02X", o.op);
        if (auto m = meta->flags_mask.find(key); m != meta->flags_mask.end()) defined &= m->second;
        std::snprintf(key + 2, sizeof key - 2, ".%u", o.reg);
        if (auto m = meta->flags_mask.find(key); m != meta->flags_mask.end()) defined &= m->second;
    }
    std::vector<Diff> diffs;
    for (unsigned k = 0; k < RealCase::NREGS; ++k) {
        const uint16_t mask = k == FLAGS ? defined : 0xFFFF;
        if ((c.out[k] ^ got[k]) & mask) diffs.push_back({Diff::Reg, k, c.out[k], got[k]});
    }
    // Every byte the case lists, and every other byte of the pages jitpc wrote (0 unless listed).
    std::map<uint32_t, uint8_t> want;
    for (const auto& [a, b] : c.ram) want[a & wrap] = b;
    for (const auto& [a, b] : c.final_ram) want[a & wrap] = b;
    const auto check = [&](uint32_t a, uint8_t expected) {
        uint8_t actual = 0;
        mem.read_bytes(a, &actual, 1);
        uint8_t mask = 0xFF;
        if (c.flag_address && (a == *c.flag_address || a == *c.flag_address + 1))
            mask = uint8_t(a == *c.flag_address ? defined : defined >> 8);
        if ((expected ^ actual) & mask) diffs.push_back({Diff::Ram, a, expected, actual});
    };
    for (const auto& [a, b] : want) check(a, b);
    for (uint64_t page : mem.take_dirty()) {
        const uint32_t base = uint32_t(page * memory::PAGE_SIZE);
        for (uint32_t a = base; a < base + memory::PAGE_SIZE; ++a)
            if (!want.count(a)) check(a, 0);
        static const std::vector<uint8_t> zeros(memory::PAGE_SIZE);
        mem.write_bytes(base, zeros.data(), zeros.size());
    }
    mem.take_dirty();  // the zeroing's own marks

    RealResult r;
    for (const Diff& d : diffs) r.detail += text(d);
    if (!diffs.empty()) r.by_design = by_design(c, g, meta, diffs, vector, got[SP], got[SS]);
    return r;
}

}  // namespace jitpc::conform
