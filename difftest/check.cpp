#include "difftest/check.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "difftest/emu.h"

namespace jitpc::difftest {

const char* const kRegs[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

const char* reg_name(unsigned r, Mode m) {
    static const char* const r64[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                        "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
    return m == Mode::Long64 ? r64[r] : kRegs[r];
}

const char* outcome_name(Outcome o) {
    static const char* names[] = {"completed", "SIGSEGV-class", "SIGFPE-class", "SIGILL-class",
                                  "SIGBUS-class", "SIGTRAP-class", "other"};
    return names[unsigned(o)];
}

uint32_t undefined_after(const std::vector<Insn>& insns) {
    uint32_t u = 0;
    for (const auto& i : insns) u = (u & ~i.writes_flags) | i.undefined_flags;
    return u;
}

bool uses_mmx(const std::vector<Insn>& insns) {
    return std::any_of(insns.begin(), insns.end(), [](const Insn& i) { return i.mmx; }) &&
           std::none_of(insns.begin(), insns.end(), [](const Insn& i) { return i.x87; });
}

std::string compare(const Result& host, const Result& emu, uint32_t flag_mask, bool x87, Mode mode) {
    const unsigned regs = num_regs(mode);
    std::ostringstream d;
    if (host.outcome != emu.outcome)
        d << "outcome: host " << outcome_name(host.outcome) << ", jitpc " << outcome_name(emu.outcome) << "\n";
    if (host.outcome == Outcome::Completed && emu.outcome == Outcome::Completed) {
        for (unsigned r = 0; r < regs; ++r)
            if (host.out.gpr[r] != emu.out.gpr[r]) {
                char buf[96];
                const int w = mode == Mode::Long64 ? 16 : 8;
                std::snprintf(buf, sizeof buf, "%s: host %0*llx, jitpc %0*llx\n", reg_name(r, mode), w,
                              (unsigned long long)host.out.gpr[r], w, (unsigned long long)emu.out.gpr[r]);
                d << buf;
            }
        if ((host.out.eflags ^ emu.out.eflags) & flag_mask) {
            char buf[96];
            std::snprintf(buf, sizeof buf, "eflags (mask %04x): host %08x, jitpc %08x\n", flag_mask,
                          host.out.eflags, emu.out.eflags);
            d << buf;
        }
    }
    // XMM0-7 (XMM0-15) and MXCSR at the end of the case or at its fault.
    if (host.outcome == emu.outcome && host.outcome != Outcome::Other) {
        for (unsigned r = 0; r < regs; ++r)
            if (host.out.xmm[2 * r] != emu.out.xmm[2 * r] || host.out.xmm[2 * r + 1] != emu.out.xmm[2 * r + 1]) {
                char buf[128];
                std::snprintf(buf, sizeof buf, "xmm%u: host %016llx%016llx, jitpc %016llx%016llx\n", r,
                              (unsigned long long)host.out.xmm[2 * r + 1], (unsigned long long)host.out.xmm[2 * r],
                              (unsigned long long)emu.out.xmm[2 * r + 1], (unsigned long long)emu.out.xmm[2 * r]);
                d << buf;
            }
        if (host.out.mxcsr != emu.out.mxcsr) {
            char buf[96];
            std::snprintf(buf, sizeof buf, "mxcsr: host %08x, jitpc %08x\n", host.out.mxcsr, emu.out.mxcsr);
            d << buf;
        }
        const auto diff16 = [&](const char* what, unsigned a, unsigned b) {
            if (a == b) return;
            char buf[96];
            std::snprintf(buf, sizeof buf, "%s: host %04x, jitpc %04x\n", what, a, b);
            d << buf;
        };
        if (x87) {
            diff16("fcw", host.out.fcw, emu.out.fcw);
            diff16("fsw top", host.out.top, emu.out.top);
            diff16("abridged tags", host.out.tags, emu.out.tags);
            for (unsigned p = 0; p < 8; ++p)
                if (host.out.mant[p] != emu.out.mant[p] || host.out.exp[p] != emu.out.exp[p]) {
                    char buf[96];
                    std::snprintf(buf, sizeof buf, "R%u: host %04x %016llx, jitpc %04x %016llx\n", p,
                                  host.out.exp[p], (unsigned long long)host.out.mant[p], emu.out.exp[p],
                                  (unsigned long long)emu.out.mant[p]);
                    d << buf;
                }
        }
    }
    for (unsigned k = 0; k < PAGE; ++k) {
        const auto diff = [&](const char* what, uint32_t base, uint8_t a, uint8_t b) {
            char buf[96];
            std::snprintf(buf, sizeof buf, "%s byte %08x: host %02x, jitpc %02x\n", what, base + k, a, b);
            d << buf;
        };
        if (host.out.data[k] != emu.out.data[k]) diff("data", DATA, host.out.data[k], emu.out.data[k]);
        if (host.out.stack[k] != emu.out.stack[k]) diff("stack", STACK, host.out.stack[k], emu.out.stack[k]);
    }
    return d.str();
}

Runner::Runner(Reference ref) : ref_(ref) {
    if (ref == Reference::Host) native.emplace();
}

std::string Runner::check(const std::vector<Insn>& insns, const State& in, Mode mode) {
    const auto code = code_bytes(insns);
    const bool corrupt = corrupt_next;
    corrupt_next = false;
    if (ref_ == Reference::Interp) return compare_engines(code, in, mode, corrupt);
    Result h = native->run(code_bytes(insns, true), in, mode);
    const Result e = run_emulated(code, in, mode);
    ++outcomes[h.outcome];
    if (corrupt) h.out.data[0] ^= 1;  // memory: compared whatever the outcome
    // Under the JIT the interpreter is a second, exact oracle: everything, faults included.
    return compare(h, e, FLAGS_COMPARED & ~undefined_after(insns), uses_mmx(insns), mode) +
           (use_jit ? compare_engines(code, in, mode) : std::string());
}

Result Runner::reference(const std::vector<Insn>& insns, const State& in, Mode mode, bool corrupt) {
    Result res;
    if (ref_ == Reference::Host) {
        res = native->run(code_bytes(insns, true), in, mode);
        if (corrupt) res.out.data[0] ^= 1;
    } else {
        const bool jit = use_jit;
        use_jit = false;
        res = run_emulated(code_bytes(insns), in, mode);
        use_jit = jit;
        if (corrupt) res.out.gpr[0] ^= 1;
    }
    return res;
}

Reduced minimize(Runner& r, const Case& c, const std::string& diff) {
    Reduced m{c.insns, c.in, diff};
    State st = c.in;
    bool single = false;
    for (size_t k = 0; k < c.insns.size() && !single; ++k) {
        const std::vector<Insn> one{c.insns[k]};
        if (std::string d = r.check(one, st, c.mode); !d.empty()) {
            m = {one, st, d};
            single = true;
            break;
        }
        const Result e = run_emulated(code_bytes(one), st, c.mode);
        if (e.outcome != Outcome::Completed) break;
        st = e.out;
    }
    if (!single) {
        const auto valid = [](const std::vector<Insn>& v) {
            uint32_t u = 0;
            for (const auto& i : v) {
                if (i.reads_flags & u) return false;
                u = (u & ~i.writes_flags) | i.undefined_flags;
            }
            return true;
        };
        for (size_t k = 0; k < m.insns.size() && m.insns.size() > 1;) {
            std::vector<Insn> shorter = m.insns;
            shorter.erase(shorter.begin() + long(k));
            std::string d;
            if (valid(shorter) && !(d = r.check(shorter, c.in, c.mode)).empty()) {
                m.insns = std::move(shorter);
                m.diff = d;
            } else {
                ++k;
            }
        }
    }
    // RSP, RBX and RSI (and R12-R14) hold the stack and the memory operands' bases and indexes:
    // kept.
    const auto simpler = [&](auto change) {
        State in = m.in;
        change(in);
        if (in == m.in) return;
        if (std::string d = r.check(m.insns, in, c.mode); !d.empty()) m.in = in, m.diff = d;
    };
    for (unsigned reg : {0u, 1u, 2u, 5u, 7u, 8u, 9u, 10u, 11u, 15u})
        if (reg < num_regs(c.mode)) simpler([&](State& in) { in.gpr[reg] = 0; });
    simpler([](State& in) { in.eflags = 0x202; });
    return m;
}

}  // namespace jitpc::difftest
