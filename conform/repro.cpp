#include "conform/repro.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <stdexcept>

namespace jitpc::conform {

extern const std::span<const uint8_t> repro_stub;  // conform/repro/stub.asm, assembled

namespace {

// The payload's layout (conform/repro/stub.asm, P_*).
constexpr size_t P_MODE = 4, P_SSE = 8, P_CODE_LEN = 12, P_EFL_IN = 16, P_MXCSR_IN = 20, P_OUTCOME = 24,
                 P_FLAG_MASK = 28, P_EFL_EXP = 32, P_MXCSR_EXP = 36, P_GPR_IN = 64, P_GPR_EXP = 192, P_XMM_IN = 320,
                 P_XMM_EXP = 576, P_CODE = 832, P_DATA_IN = 2048;
constexpr size_t PAYLOAD_SIZE = P_DATA_IN + 4 * difftest::PAGE;

void put(std::vector<uint8_t>& b, size_t at, const void* v, size_t n) { std::memcpy(b.data() + at, v, n); }
void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) { put(b, at, &v, 4); }

// The general and XMM registers a mode has: 8 (general ones of 32 bits) or 16 (of 64).
unsigned register_count(difftest::Mode mode) { return mode == difftest::Mode::Long64 ? 16 : 8; }

// A quadword per register; 32-bit code's upper halves stay 0 (the stub compares the low dwords).
void put_gprs(std::vector<uint8_t>& b, size_t at, const difftest::State& s, difftest::Mode mode) {
    for (unsigned k = 0; k < register_count(mode); ++k) {
        const uint64_t v = mode == difftest::Mode::Long64 ? s.gpr[k] : uint32_t(s.gpr[k]);
        put(b, at + 8 * k, &v, 8);
    }
}

std::string gprs_text(const difftest::State& st, difftest::Mode mode) {
    std::string s;
    char buf[96];
    for (unsigned k = 0; k < register_count(mode); ++k) {
        if (mode == difftest::Mode::Long64)
            std::snprintf(buf, sizeof buf, "  %s=%016llx\n", difftest::reg_name(k, mode), (unsigned long long)st.gpr[k]);
        else
            std::snprintf(buf, sizeof buf, "  %s=%08x\n", difftest::reg_name(k, mode), unsigned(st.gpr[k]));
        s += buf;
    }
    return s;
}

std::string state_text(const difftest::Result& r, bool sse, difftest::Mode mode) {
    std::string s = std::string("  outcome ") + difftest::outcome_name(r.outcome) + "\n";
    char buf[96];
    if (r.outcome == difftest::Outcome::Completed) {
        s += gprs_text(r.out, mode);
        std::snprintf(buf, sizeof buf, "  eflags=%08x\n", r.out.eflags);
        s += buf;
    }
    if (sse) {
        for (unsigned k = 0; k < register_count(mode); ++k) {
            std::snprintf(buf, sizeof buf, "  xmm%u=%016llx%016llx\n", k, (unsigned long long)r.out.xmm[2 * k + 1],
                          (unsigned long long)r.out.xmm[2 * k]);
            s += buf;
        }
        std::snprintf(buf, sizeof buf, "  mxcsr=%08x\n", r.out.mxcsr);
        s += buf;
    }
    return s;
}

}  // namespace

std::string write_repro(const std::string& dir, uint64_t index, const difftest::Reduced& m, difftest::Mode mode,
                        const difftest::Result& expected, const difftest::Result& actual, uint32_t flag_mask,
                        bool sse, const cpu::CpuModel& model) {
    const std::vector<uint8_t> code = difftest::code_bytes(m.insns);
    if (code.size() > P_DATA_IN - P_CODE) throw std::runtime_error("a reproducer's code is too long");
    std::vector<uint8_t> image(repro_stub.begin(), repro_stub.end());
    std::vector<uint8_t> p(PAYLOAD_SIZE, 0);
    std::memcpy(p.data(), "JCRP", 4);
    put32(p, P_MODE, uint32_t(mode));
    put32(p, P_SSE, sse);
    put32(p, P_CODE_LEN, uint32_t(code.size()));
    put_gprs(p, P_GPR_IN, m.in, mode);
    put32(p, P_EFL_IN, m.in.eflags);
    put32(p, P_MXCSR_IN, m.in.mxcsr);
    put32(p, P_OUTCOME, uint32_t(expected.outcome));
    put32(p, P_FLAG_MASK, flag_mask);
    put_gprs(p, P_GPR_EXP, expected.out, mode);
    put32(p, P_EFL_EXP, expected.out.eflags);
    put32(p, P_MXCSR_EXP, expected.out.mxcsr);
    put(p, P_XMM_IN, m.in.xmm.data(), 16 * register_count(mode));
    put(p, P_XMM_EXP, expected.out.xmm.data(), 16 * register_count(mode));
    put(p, P_CODE, code.data(), code.size());
    put(p, P_DATA_IN, m.in.data.data(), difftest::PAGE);
    put(p, P_DATA_IN + difftest::PAGE, m.in.stack.data(), difftest::PAGE);
    put(p, P_DATA_IN + 2 * difftest::PAGE, expected.out.data.data(), difftest::PAGE);
    put(p, P_DATA_IN + 3 * difftest::PAGE, expected.out.stack.data(), difftest::PAGE);
    std::memcpy(image.data() + image.size() - PAYLOAD_SIZE, p.data(), PAYLOAD_SIZE);

    std::filesystem::create_directories(dir);
    const std::string base = dir + "/case" + std::to_string(index);
    std::ofstream flat(base + ".flat", std::ios::binary);
    if (!flat.write(reinterpret_cast<const char*>(image.data()), std::streamsize(image.size())) || !flat.flush())
        throw std::runtime_error("cannot write '" + base + ".flat'");

    std::string text = "jitpc conform diff reproducer, case " + std::to_string(index) + "\n";
    text += "run: jitpc -nographic -cpu " + std::string(model.name) + " -kernel case" + std::to_string(index) +
            ".flat   (status 1: the case ends as the reference's did; 3: it does not, FAIL: lines name the differences)\n";
    text += "instructions:";
    for (const auto& i : m.insns) text += " " + i.text + ";";
    text += "\nbytes:";
    char buf[96];
    for (uint8_t b : code) std::snprintf(buf, sizeof buf, " %02x", b), text += buf;
    static const char* const modes[] = {"32-bit code, flat segments", "32-bit code, DS/ES/SS an LDT 32-bit data segment based at 0x800000",
                                        "16-bit LDT code and data segments based at 0x800000",
                                        "64-bit code (CS 0x33, SS 0x2B), IA-32e paging identity-mapping the low 16 MiB"};
    text += std::string("\nmode: ") + modes[unsigned(mode)] + "; CPL 3; code at linear 0x800100, data page 0x804000, stack page 0x805000\ninput:\n";
    text += gprs_text(m.in, mode);
    std::snprintf(buf, sizeof buf, "  eflags=%08x (compared: %04x)\n", m.in.eflags, flag_mask);
    text += buf;
    text += "expected (the reference):\n" + state_text(expected, sse, mode) + "actual (jitpc):\n" + state_text(actual, sse, mode);
    text += "differences:\n" + m.diff;
    std::ofstream txt(base + ".txt");
    if (!(txt << text) || !txt.flush()) throw std::runtime_error("cannot write '" + base + ".txt'");
    return base + ".flat";
}

}  // namespace jitpc::conform
