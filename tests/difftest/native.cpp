#include "tests/difftest/native.h"

#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace jitpc::difftest {
namespace {

// Linux's flat user segments: 32-bit code, data.
constexpr uint16_t USER32_CS = 0x23;
constexpr uint16_t USER_DS = 0x2B;

// RESULT layout: gpr[8], eflags, done marker.
constexpr uint32_t RES_EFLAGS = RESULT + 32;
constexpr uint32_t RES_DONE = RESULT + 36;
constexpr uint32_t RES_STACK = RESULT + PAGE;  // trailer's own stack (grows down into RESULT page)
constexpr uint32_t FARPTR = CODE + CODE_SIZE - 8;  // m16:32 used by the 64-bit entry jump
constexpr uint32_t DONE_MAGIC = 0xD0E5D0E5;

struct Emitter {
    std::vector<uint8_t> b;
    void u8(uint8_t v) { b.push_back(v); }
    void u32(uint32_t v) {
        for (int i = 0; i < 4; ++i) b.push_back(uint8_t(v >> (8 * i)));
    }
};

// 64-bit entry: jmp far [FARPTR] (to USER32_CS:prologue).
std::vector<uint8_t> entry64() {
    Emitter e;
    e.u8(0xFF); e.u8(0x2C); e.u8(0x25); e.u32(FARPTR);
    return e.b;
}

// 32-bit prologue: flat data segments, EFLAGS, then the GPRs (ESP last).
std::vector<uint8_t> prologue(const State& in) {
    Emitter e;
    e.u8(0xBC); e.u32(RES_STACK);  // mov esp, scratch: the 64-bit RSP truncated is unmapped
    for (uint8_t pop : {0x1F, 0x07, 0x17}) {  // pop ds / es / ss
        e.u8(0x6A); e.u8(USER_DS); e.u8(pop);
    }
    e.u8(0x68); e.u32(in.eflags); e.u8(0x9D);    // push imm32; popfd
    for (unsigned r = 0; r < 8; ++r) {
        if (r == 4) continue;
        e.u8(uint8_t(0xB8 + r)); e.u32(in.gpr[r]);
    }
    e.u8(0xBC); e.u32(in.gpr[4]);
    return e.b;
}

// 32-bit trailer: dump GPRs and EFLAGS to RESULT, set the done marker, then HLT (SIGSEGV at
// CPL 3), which ends the child; seccomp strict mode allows no cleaner exit from compat mode.
std::vector<uint8_t> trailer() {
    Emitter e;
    for (unsigned r = 0; r < 8; ++r) {
        e.u8(0x89); e.u8(uint8_t(0x05 | (r << 3))); e.u32(RESULT + 4 * r);  // mov [abs], r32
    }
    e.u8(0xBC); e.u32(RES_STACK);                       // mov esp, scratch
    e.u8(0x9C); e.u8(0x58);                             // pushfd; pop eax
    e.u8(0xA3); e.u32(RES_EFLAGS);                      // mov [abs], eax
    e.u8(0xC7); e.u8(0x05); e.u32(RES_DONE); e.u32(DONE_MAGIC);
    e.u8(0xF4);
    return e.b;
}

Outcome from_signal(int sig) {
    switch (sig) {
    case SIGSEGV: return Outcome::SegvClass;
    case SIGFPE: return Outcome::FpeClass;
    case SIGILL: return Outcome::IllClass;
    case SIGBUS: return Outcome::BusClass;
    case SIGTRAP: return Outcome::TrapClass;
    default: return Outcome::Other;
    }
}

}  // namespace

NativeRunner::NativeRunner() {
    void* p = mmap(reinterpret_cast<void*>(uintptr_t(CODE)), REGION_SIZE,
                   PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                   -1, 0);
    if (p != reinterpret_cast<void*>(uintptr_t(CODE))) {
        std::perror("difftest: cannot map the fixed test region");
        std::exit(2);
    }
    region_ = static_cast<uint8_t*>(p);
}

Result NativeRunner::run(const std::vector<uint8_t>& code, const State& in) {
    std::memset(region_, 0xCC, CODE_SIZE);
    const auto e64 = entry64();
    const auto pro = prologue(in);
    const auto tr = trailer();
    // Layout: [entry64][prologue][code at CODE + 0x100][trailer]; the emulator runs the same
    // code at the same address and starts at CODE + 0x100.
    std::memcpy(region_, e64.data(), e64.size());
    std::memcpy(region_ + 0x20, pro.data(), pro.size());
    // The prologue must fall through to the code: pad with NOPs.
    std::memset(region_ + 0x20 + pro.size(), 0x90, 0x100 - 0x20 - pro.size());
    std::memcpy(region_ + 0x100, code.data(), code.size());
    std::memcpy(region_ + 0x100 + code.size(), tr.data(), tr.size());
    const uint32_t far_off = CODE + 0x20;
    std::memcpy(region_ + (FARPTR - CODE), &far_off, 4);
    std::memcpy(region_ + (FARPTR - CODE) + 4, &USER32_CS, 2);
    std::memcpy(region_ + (DATA - CODE), in.data.data(), PAGE);
    std::memcpy(region_ + (STACK - CODE), in.stack.data(), PAGE);
    std::memset(region_ + (RESULT - CODE), 0, PAGE);

    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT);
        reinterpret_cast<void (*)()>(uintptr_t(CODE))();
        _exit(0);  // unreachable: the trailer or a fault ends the child
    }
    int status = 0;
    waitpid(pid, &status, 0);

    Result r;
    uint32_t done;
    std::memcpy(&done, region_ + (RES_DONE - CODE), 4);
    if (done == DONE_MAGIC) {
        r.outcome = Outcome::Completed;
        std::memcpy(r.out.gpr.data(), region_ + (RESULT - CODE), 32);
        std::memcpy(&r.out.eflags, region_ + (RES_EFLAGS - CODE), 4);
    } else {
        r.outcome = WIFSIGNALED(status) ? from_signal(WTERMSIG(status)) : Outcome::Other;
        r.out.gpr = in.gpr;
        r.out.eflags = in.eflags;
    }
    std::memcpy(r.out.data.data(), region_ + (DATA - CODE), PAGE);
    std::memcpy(r.out.stack.data(), region_ + (STACK - CODE), PAGE);
    return r;
}

}  // namespace jitpc::difftest
