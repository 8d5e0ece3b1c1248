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
constexpr size_t P_MODE = 4, P_SSE = 8, P_CODE_LEN = 12, P_GPR_IN = 16, P_EFL_IN = 48, P_MXCSR_IN = 52,
                 P_OUTCOME = 56, P_FLAG_MASK = 60, P_GPR_EXP = 64, P_EFL_EXP = 96, P_MXCSR_EXP = 100,
                 P_XMM_IN = 128, P_XMM_EXP = 256, P_CODE = 384, P_DATA_IN = 2048;
constexpr size_t PAYLOAD_SIZE = P_DATA_IN + 4 * difftest::PAGE;

void put(std::vector<uint8_t>& b, size_t at, const void* v, size_t n) { std::memcpy(b.data() + at, v, n); }
void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) { put(b, at, &v, 4); }
void put_gprs(std::vector<uint8_t>& b, size_t at, const difftest::State& s) {
    for (unsigned k = 0; k < 8; ++k) put32(b, at + 4 * k, uint32_t(s.gpr[k]));
}

std::string state_text(const difftest::Result& r, bool sse) {
    std::string s = std::string("  outcome ") + difftest::outcome_name(r.outcome) + "\n";
    char buf[96];
    if (r.outcome == difftest::Outcome::Completed) {
        for (unsigned k = 0; k < 8; ++k) {
            std::snprintf(buf, sizeof buf, "  %s=%08x\n", difftest::kRegs[k], unsigned(r.out.gpr[k]));
            s += buf;
        }
        std::snprintf(buf, sizeof buf, "  eflags=%08x\n", r.out.eflags);
        s += buf;
    }
    if (sse) {
        for (unsigned k = 0; k < 8; ++k) {
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
    put_gprs(p, P_GPR_IN, m.in);
    put32(p, P_EFL_IN, m.in.eflags);
    put32(p, P_MXCSR_IN, m.in.mxcsr);
    put32(p, P_OUTCOME, uint32_t(expected.outcome));
    put32(p, P_FLAG_MASK, flag_mask);
    put_gprs(p, P_GPR_EXP, expected.out);
    put32(p, P_EFL_EXP, expected.out.eflags);
    put32(p, P_MXCSR_EXP, expected.out.mxcsr);
    put(p, P_XMM_IN, m.in.xmm.data(), 128);
    put(p, P_XMM_EXP, expected.out.xmm.data(), 128);
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
                                        "16-bit LDT code and data segments based at 0x800000"};
    text += std::string("\nmode: ") + modes[unsigned(mode)] + "; CPL 3; code at linear 0x800100, data page 0x804000, stack page 0x805000\ninput:\n";
    for (unsigned k = 0; k < 8; ++k) std::snprintf(buf, sizeof buf, "  %s=%08x\n", difftest::kRegs[k], unsigned(m.in.gpr[k])), text += buf;
    std::snprintf(buf, sizeof buf, "  eflags=%08x (compared: %04x)\n", m.in.eflags, flag_mask);
    text += buf;
    text += "expected (the reference):\n" + state_text(expected, sse) + "actual (jitpc):\n" + state_text(actual, sse);
    text += "differences:\n" + m.diff;
    std::ofstream txt(base + ".txt");
    if (!(txt << text) || !txt.flush()) throw std::runtime_error("cannot write '" + base + ".txt'");
    return base + ".flat";
}

}  // namespace jitpc::conform
