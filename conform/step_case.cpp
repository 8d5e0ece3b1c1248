#include "conform/step_case.h"

#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "difftest/check.h"

namespace jitpc::conform {
namespace {

using difftest::Mode;
using json::Value;
using T = json::Value::Type;

// jitpc's selectors in the oracle's environment (difftest/emu.cpp): flat GDT ones (a 64-bit code
// segment for 64-bit cases), or the LDT ones of the 16-bit and based modes.
constexpr uint16_t FLAT_CS = 0x1B, FLAT_DS = 0x23, CS64 = 0x33, DS64 = 0x2B;
uint16_t cs_of(Mode m) { return m == Mode::Code16 ? difftest::LDT_CODE16 : m == Mode::Long64 ? CS64 : FLAT_CS; }
uint16_t ds_of(Mode m) {
    return m == Mode::Flat32 ? FLAT_DS : m == Mode::Long64 ? DS64 : m == Mode::Based32 ? difftest::LDT_DATA32 : difftest::LDT_DATA16;
}
// The instruction pointer's name: RIP for 64-bit cases.
const char* ip_name(Mode m) { return m == Mode::Long64 ? "rip" : "eip"; }
uint32_t eip_of(Mode m) { return difftest::CODE_START - (m == Mode::Code16 ? difftest::CODE : 0); }
// Room for the code: the oracle's code area after CODE_START, less its trailer.
constexpr size_t MAX_BYTES = difftest::CODE_SIZE - 0x200;

std::string hex128(const uint64_t* q) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", (unsigned long long)q[1], (unsigned long long)q[0]);
    return buf;
}

// "xmm3", "xmm12", "r5": register names with an index.
std::string indexed(const char* base, unsigned n) { return std::string(base) + std::to_string(n); }

[[noreturn]] void bad(const std::string& what) { throw std::runtime_error(what); }

const Value& need(const Value& o, const char* key, T type) {
    const Value* v = o.find(key);
    if (!v || !v->is(type)) bad(std::string("'") + key + "' missing or of the wrong type");
    return *v;
}

uint64_t u64(const Value& v, const char* what, uint64_t max) {
    const auto n = v.as_u64();
    if (!n || *n > max) bad(std::string("'") + what + "' is not a number from 0 to " + std::to_string(max));
    return *n;
}

uint64_t hex_u64(std::string_view s, const char* what) {
    uint64_t n = 0;
    if (s.empty() || s.size() > 16) bad(std::string("'") + what + "' is not a hex string");
    for (char c : s) {
        unsigned d;
        if (c >= '0' && c <= '9') d = unsigned(c - '0');
        else if (c >= 'a' && c <= 'f') d = unsigned(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') d = unsigned(c - 'A' + 10);
        else bad(std::string("'") + what + "' is not a hex string");
        n = n << 4 | d;
    }
    return n;
}

void read_hex128(const Value& o, const char* key, uint64_t* q) {
    const std::string& s = need(o, key, T::String).text;
    if (s.size() != 32) bad(std::string("'") + key + "' is not 32 hex digits");
    q[1] = hex_u64(std::string_view(s).substr(0, 16), key);
    q[0] = hex_u64(std::string_view(s).substr(16), key);
}

// The registers a state names: the GPRs of the mode and EFLAGS (initial: all; final: those changed).
void read_gprs(const Value& regs, difftest::State& s, bool all, Mode m) {
    for (unsigned r = 0; r < difftest::num_regs(m); ++r) {
        const char* name = difftest::reg_name(r, m);
        if (const Value* v = regs.find(name)) s.gpr[r] = u64(*v, name, m == Mode::Long64 ? UINT64_MAX : UINT32_MAX);
        else if (all) bad(std::string("initial '") + name + "' missing");
    }
    if (const Value* v = regs.find("eflags")) s.eflags = uint32_t(u64(*v, "eflags", UINT32_MAX));
    else if (all) bad("initial 'eflags' missing");
}

// RAM pairs [address, byte] into the data and stack pages (code-area bytes are the case's own).
void read_ram(const Value& ram, difftest::State& s) {
    for (const Value& pair : ram.items) {
        if (!pair.is(T::Array) || pair.items.size() != 2) bad("a 'ram' entry is not [address, byte]");
        const uint64_t at = u64(pair.items[0], "ram address", UINT32_MAX);
        const uint8_t b = uint8_t(u64(pair.items[1], "ram byte", 0xFF));
        if (at >= difftest::DATA && at < difftest::DATA + difftest::PAGE) s.data[at - difftest::DATA] = b;
        else if (at >= difftest::STACK && at < difftest::STACK + difftest::PAGE) s.stack[at - difftest::STACK] = b;
        else if (at < difftest::CODE_START || at >= difftest::CODE_START + MAX_BYTES)
            bad("ram address " + std::to_string(at) + " outside the oracle's code, data and stack pages");
    }
}

}  // namespace

Value to_json(const StepCase& c, uint64_t idx) {
    const difftest::State& in = c.in;
    Value regs = Value::object();
    const unsigned nregs = difftest::num_regs(c.mode);
    for (unsigned r = 0; r < nregs; ++r) regs.set(difftest::reg_name(r, c.mode), Value::of(in.gpr[r]));
    regs.set(ip_name(c.mode), Value::of(uint64_t(eip_of(c.mode)))).set("eflags", Value::of(uint64_t(in.eflags)));
    regs.set("cs", Value::of(uint64_t(cs_of(c.mode))));
    for (const char* sr : {"ds", "es", "ss"}) regs.set(sr, Value::of(uint64_t(ds_of(c.mode))));
    for (const char* sr : {"fs", "gs"}) regs.set(sr, Value::of(uint64_t(c.mode == Mode::Long64 ? DS64 : FLAT_DS)));
    Value initial = Value::object().set("regs", regs);
    if (c.sse) {
        initial.members.back().second.set("mxcsr", Value::of(uint64_t(in.mxcsr)));
        Value xmm = Value::object();
        for (unsigned r = 0; r < nregs; ++r) xmm.set(indexed("xmm", r), Value::of(hex128(&in.xmm[2 * r])));
        initial.set("xmm", xmm);
    }
    Value ram = Value::array();
    const auto pair = [](uint64_t at, uint8_t b) { return Value::array({Value::of(at), Value::of(uint64_t(b))}); };
    for (size_t k = 0; k < c.bytes.size(); ++k) ram.items.push_back(pair(difftest::CODE_START + k, c.bytes[k]));
    const auto listed = [&](unsigned k) { return c.ram.empty() || c.ram[k]; };
    for (unsigned k = 0; k < difftest::PAGE; ++k)
        if (listed(k)) ram.items.push_back(pair(difftest::DATA + k, in.data[k]));
    for (unsigned k = 0; k < difftest::PAGE; ++k)
        if (listed(difftest::PAGE + k)) ram.items.push_back(pair(difftest::STACK + k, in.stack[k]));
    initial.set("ram", ram);

    const difftest::Result& e = c.expected;
    const bool done = e.outcome == difftest::Outcome::Completed;
    Value fregs = Value::object();
    if (done) {
        for (unsigned r = 0; r < nregs; ++r)
            if (e.out.gpr[r] != in.gpr[r]) fregs.set(difftest::reg_name(r, c.mode), Value::of(e.out.gpr[r]));
        fregs.set(ip_name(c.mode), Value::of(uint64_t(end_eip(c))));
        if (e.out.eflags != in.eflags) fregs.set("eflags", Value::of(uint64_t(e.out.eflags)));
    }
    if (c.sse && e.out.mxcsr != in.mxcsr) fregs.set("mxcsr", Value::of(uint64_t(e.out.mxcsr)));
    if (c.x87)
        fregs.set("fcw", Value::of(uint64_t(e.out.fcw))).set("ftop", Value::of(uint64_t(e.out.top)))
            .set("ftags", Value::of(uint64_t(e.out.tags)));
    Value final_state = Value::object().set("regs", fregs);
    if (c.sse) {
        Value xmm = Value::object();
        for (unsigned r = 0; r < nregs; ++r)
            if (e.out.xmm[2 * r] != in.xmm[2 * r] || e.out.xmm[2 * r + 1] != in.xmm[2 * r + 1])
                xmm.set(indexed("xmm", r), Value::of(hex128(&e.out.xmm[2 * r])));
        final_state.set("xmm", xmm);
    }
    if (c.x87) {
        Value st = Value::object();
        for (unsigned p = 0; p < 8; ++p) {
            const uint64_t q[2] = {e.out.mant[p], e.out.exp[p]};
            st.set(indexed("r", p), Value::of(hex128(q)));
        }
        final_state.set("x87", st);
    }
    Value fram = Value::array();
    for (unsigned k = 0; k < difftest::PAGE; ++k)
        if (e.out.data[k] != in.data[k]) fram.items.push_back(pair(difftest::DATA + k, e.out.data[k]));
    for (unsigned k = 0; k < difftest::PAGE; ++k)
        if (e.out.stack[k] != in.stack[k]) fram.items.push_back(pair(difftest::STACK + k, e.out.stack[k]));
    final_state.set("ram", fram);
    if (!done) final_state.set("exception", Value::of(difftest::outcome_name(e.outcome)));

    Value bytes = Value::array();
    for (uint8_t b : c.bytes) bytes.items.push_back(Value::of(uint64_t(b)));
    return Value::object()
        .set("name", Value::of(c.name))
        .set("bytes", bytes)
        .set("initial", initial)
        .set("final", final_state)
        .set("flags_mask", Value::of(uint64_t(c.flags_mask)))
        .set("idx", Value::of(idx));
}

uint32_t end_eip(const StepCase& c) { return eip_of(c.mode) + uint32_t(c.bytes.size()); }

StepCase step_case_from_json(const Value& v) {
    if (!v.is(T::Object)) bad("the case is not an object");
    StepCase c;
    c.name = need(v, "name", T::String).text;
    for (const Value& b : need(v, "bytes", T::Array).items) c.bytes.push_back(uint8_t(u64(b, "bytes", 0xFF)));
    if (c.bytes.empty() || c.bytes.size() > MAX_BYTES) bad("'bytes' is empty or too long");
    const Value& initial = need(v, "initial", T::Object);
    const Value& regs = need(initial, "regs", T::Object);
    const uint64_t cs = u64(need(regs, "cs", T::Number), "cs", 0xFFFF), ds = u64(need(regs, "ds", T::Number), "ds", 0xFFFF);
    bool known = false;
    for (Mode m : {Mode::Flat32, Mode::Based32, Mode::Code16, Mode::Long64})
        if (cs == cs_of(m) && ds == ds_of(m)) c.mode = m, known = true;
    if (!known) bad("cs and ds are not the selectors of one of the oracle's modes");
    const char* ip = ip_name(c.mode);
    if (u64(need(regs, ip, T::Number), ip, UINT32_MAX) != eip_of(c.mode))
        bad(std::string("'") + ip + "' is not the oracle's code address");
    read_gprs(regs, c.in, true, c.mode);
    if (const Value* m = regs.find("mxcsr")) c.in.mxcsr = uint32_t(u64(*m, "mxcsr", UINT32_MAX)), c.sse = true;
    if (const Value* x = initial.find("xmm")) {
        if (!x->is(T::Object)) bad("'xmm' is not an object");
        for (unsigned r = 0; r < difftest::num_regs(c.mode); ++r) read_hex128(*x, (indexed("xmm", r)).c_str(), &c.in.xmm[2 * r]);
        c.sse = true;
    }
    read_ram(need(initial, "ram", T::Array), c.in);
    const Value& fin = need(v, "final", T::Object);
    c.expected.out = c.in;
    if (const Value* ex = fin.find("exception")) {
        if (!ex->is(T::String)) bad("'exception' is not a string");
        bool found = false;
        for (unsigned o = 1; o <= unsigned(difftest::Outcome::Other); ++o)
            if (ex->text == difftest::outcome_name(difftest::Outcome(o))) c.expected.outcome = difftest::Outcome(o), found = true;
        if (!found) bad("unknown exception class '" + ex->text + "'");
    }
    const Value& fregs = need(fin, "regs", T::Object);
    read_gprs(fregs, c.expected.out, false, c.mode);
    if (const Value* e = fregs.find(ip)) c.final_eip = uint32_t(u64(*e, ip, UINT32_MAX));
    if (const Value* m = fregs.find("mxcsr")) c.expected.out.mxcsr = uint32_t(u64(*m, "mxcsr", UINT32_MAX));
    if (const Value* x = fin.find("xmm")) {
        if (!x->is(T::Object)) bad("final 'xmm' is not an object");
        for (const auto& [key, val] : x->members) {
            const unsigned n = difftest::num_regs(c.mode);
            unsigned r = n;
            for (unsigned k = 0; k < n; ++k)
                if (key == indexed("xmm", k)) r = k;
            if (r == n) bad("final 'xmm' names '" + key + "'");
            read_hex128(*x, key.c_str(), &c.expected.out.xmm[2 * r]);
        }
    }
    if (const Value* st = fin.find("x87")) {
        if (!st->is(T::Object)) bad("final 'x87' is not an object");
        c.x87 = true;
        c.expected.out.fcw = uint16_t(u64(need(fregs, "fcw", T::Number), "fcw", 0xFFFF));
        c.expected.out.top = uint16_t(u64(need(fregs, "ftop", T::Number), "ftop", 7));
        c.expected.out.tags = uint16_t(u64(need(fregs, "ftags", T::Number), "ftags", 0xFF));
        for (unsigned p = 0; p < 8; ++p) {
            uint64_t q[2];
            read_hex128(*st, (indexed("r", p)).c_str(), q);
            c.expected.out.mant[p] = q[0];
            c.expected.out.exp[p] = uint16_t(q[1]);
        }
    }
    read_ram(need(fin, "ram", T::Array), c.expected.out);
    c.flags_mask = uint32_t(u64(need(v, "flags_mask", T::Number), "flags_mask", UINT32_MAX));
    return c;
}

}  // namespace jitpc::conform
