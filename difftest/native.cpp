#include "difftest/native.h"

#include <asm/ldt.h>
#include <asm/prctl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace jitpc::difftest {
namespace {

// Linux's user segments: 32-bit code, data, 64-bit code.
constexpr uint16_t USER32_CS = 0x23;
constexpr uint16_t USER_DS = 0x2B;
constexpr uint16_t USER64_CS = 0x33;

// RESULT layout: gpr[8] (16/32-bit cases), eflags, done marker, signal number, the child's
// saved 64-bit RSP, FS and GS bases and selectors; then the 64-bit cases' GPRs in and out.
constexpr uint32_t RES_EFLAGS = RESULT + 32;
constexpr uint32_t RES_DONE = RESULT + 36;
constexpr uint32_t RES_SIGNAL = RESULT + 40;
constexpr uint32_t RES_RSP = RESULT + 48;
constexpr uint32_t RES_FS_BASE = RESULT + 56;
constexpr uint32_t RES_GS_BASE = RESULT + 64;
constexpr uint32_t RES_FS_SEL = RESULT + 72;
constexpr uint32_t RES_GS_SEL = RESULT + 74;
constexpr uint32_t GPR64_IN = RESULT + 0x80;
constexpr uint32_t GPR64_OUT = RESULT + 0x380;
// XMM0-15 and MXCSR: the case's input, and what the trailer or the signal handler found.
constexpr uint32_t XMM_IN = RESULT + 0x100;
constexpr uint32_t XMM_OUT = RESULT + 0x200;
constexpr uint32_t MXCSR_IN = RESULT + 0x300;
constexpr uint32_t MXCSR_OUT = RESULT + 0x304;
constexpr uint32_t MXCSR_HOST = RESULT + 0x308;  // the default the 64-bit code runs with
constexpr uint32_t FX_OUT = RESULT + 0x400;      // an FXSAVE image: the x87/MMX state
constexpr uint32_t RES_STACK = RESULT + PAGE;  // trailer's own stack (grows down into RESULT page)
constexpr uint32_t FARPTR = CODE + CODE_SIZE - 8;  // m16:32 used by the 64-bit entry jump
constexpr uint32_t RETURN64 = CODE + CODE_SIZE - 0x80;  // 64-bit exit stub
constexpr uint32_t PROLOGUE = CODE + 0x60;  // after entry64
constexpr uint32_t PROLOGUE64 = CODE + 0x3C00;  // 64-bit cases' prologue: the code ends before it
constexpr uint32_t DONE_MAGIC = 0xD0E5D0E5;

struct Emitter {
    std::vector<uint8_t> b;
    Emitter& u8(std::initializer_list<uint8_t> v) {
        for (uint8_t x : v) b.push_back(x);
        return *this;
    }
    Emitter& u32(uint32_t v) {
        for (int i = 0; i < 4; ++i) b.push_back(uint8_t(v >> (8 * i)));
        return *this;
    }
    // 64-bit code: `op` with ModRM reg = `reg` (REX.R, and REX.W when `w`) on the absolute
    // address `at` (SIB without base or index: not RIP-relative).
    Emitter& abs64(bool w, std::initializer_list<uint8_t> op, unsigned reg, uint32_t at) {
        if (w || reg >= 8) b.push_back(uint8_t(0x40 | (w ? 8 : 0) | (reg >= 8 ? 4 : 0)));
        u8(op).u8({uint8_t(0x04 | (reg & 7) << 3), 0x25});
        return u32(at);
    }
};

// 64-bit entry, called as a function: save the callee-saved registers, RSP and the FS/GS
// selectors (LFS and LGS in a case replace the thread pointer the C code uses; the child stored
// the bases), serialize (the parent rewrote the code), then jmp far [FARPTR] to
// USER32_CS:prologue.
std::vector<uint8_t> entry64() {
    Emitter e;
    e.u8({0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57});  // push rbx rbp r12-r15
    e.u8({0x48, 0x89, 0x24, 0x25}).u32(RES_RSP);                          // mov [RES_RSP], rsp
    e.u8({0x8C, 0x24, 0x25}).u32(RES_FS_SEL);                             // mov [abs], fs
    e.u8({0x8C, 0x2C, 0x25}).u32(RES_GS_SEL);                             // mov [abs], gs
    e.u8({0x31, 0xC0, 0x0F, 0xA2});                                       // xor eax,eax; cpuid
    e.u8({0xFF, 0x2C, 0x25}).u32(FARPTR);
    return e.b;
}

// 64-bit exit, reached by the trailer's far jump or by the signal handler: back to the caller
// with the flat data selectors, FS and GS the C code expects (a case may leave LDT ones loaded).
// The bases go back through arch_prctl, which every x86-64 Linux has (WRFSBASE needs the CPU's
// FSGSBASE and a kernel that enables it for user mode).
std::vector<uint8_t> return64() {
    Emitter e;
    e.u8({0xB8}).u32(USER_DS);
    e.u8({0x8E, 0xD8, 0x8E, 0xC0, 0x8E, 0xD0});  // mov ds/es/ss, eax
    e.u8({0x8E, 0x24, 0x25}).u32(RES_FS_SEL);    // mov fs, [abs]
    e.u8({0x8E, 0x2C, 0x25}).u32(RES_GS_SEL);    // mov gs, [abs]
    for (auto [code, base] : {std::pair{ARCH_SET_FS, RES_FS_BASE}, std::pair{ARCH_SET_GS, RES_GS_BASE}}) {
        e.u8({0xBF}).u32(uint32_t(code));                    // mov edi, code
        e.abs64(true, {0x8B}, 6, base);                      // mov rsi, [abs]
        e.u8({0xB8}).u32(uint32_t(SYS_arch_prctl));          // mov eax, SYS_arch_prctl
        e.u8({0x0F, 0x05});                                  // syscall
    }
    e.u8({0x48, 0x8B, 0x24, 0x25}).u32(RES_RSP);                          // mov rsp, [RES_RSP]
    e.u8({0x41, 0x5F, 0x41, 0x5E, 0x41, 0x5D, 0x41, 0x5C, 0x5D, 0x5B});  // pop r15-r12 rbp rbx
    e.u8({0xC3});
    return e.b;
}

uint16_t data_selector(Mode m) {
    return m == Mode::Flat32 ? USER_DS : m == Mode::Based32 ? LDT_DATA32 : LDT_DATA16;
}

// 32-bit prologue: the x87 registers zeroed and empty (as the emulated FPU starts: FXSAVE
// stores even empty registers), the mode's data segments, XMM0-7 and MXCSR, EFLAGS, the GPRs
// (ESP last), then a far jump to the case in the mode's code segment.
std::vector<uint8_t> prologue(const State& in, Mode m) {
    Emitter e;
    const uint8_t ds = uint8_t(data_selector(m));
    e.u8({0xDB, 0xE3});                                     // fninit
    for (int k = 0; k < 8; ++k) e.u8({0xD9, 0xEE});         // fldz
    e.u8({0xDB, 0xE3});                                     // fninit
    e.u8({0xBC}).u32(RES_STACK);  // mov esp, scratch: the 64-bit RSP truncated is unmapped
    for (uint8_t pop : {0x1F, 0x07, 0x17}) e.u8({0x6A, ds, pop});  // pop ds/es/ss
    e.u8({0xBC}).u32(RES_STACK - seg_base(m));  // the same scratch stack through SS
    for (uint8_t k = 0; k < 8; ++k)  // movups xmmk, [abs] (DS is the mode's now)
        e.u8({0x0F, 0x10, uint8_t(0x05 | k << 3)}).u32(XMM_IN - seg_base(m) + 16 * k);
    e.u8({0x0F, 0xAE, 0x15}).u32(MXCSR_IN - seg_base(m));  // ldmxcsr
    e.u8({0x68}).u32(in.eflags).u8({0x9D});  // push imm32; popfd
    for (unsigned r = 0; r < 8; ++r)
        if (r != 4) e.u8({uint8_t(0xB8 + r)}).u32(in.gpr[r]);
    e.u8({0xBC}).u32(in.gpr[4]);
    if (m == Mode::Code16) e.u8({0xEA}).u32(CODE_START - CODE).u8({uint8_t(LDT_CODE16), 0});
    else e.u8({0xEA}).u32(CODE_START).u8({uint8_t(USER32_CS), 0});
    return e.b;
}

// 64-bit prologue, reached by the far jump: the x87 registers as for 32-bit cases, XMM0-15
// and MXCSR, RFLAGS, the GPRs (RSP last) from the region, then a jump to the case.
std::vector<uint8_t> prologue64(const State& in) {
    Emitter e;
    e.u8({0xDB, 0xE3});
    for (int k = 0; k < 8; ++k) e.u8({0xD9, 0xEE});
    e.u8({0xDB, 0xE3});
    e.u8({0xBC}).u32(RES_STACK);
    for (unsigned k = 0; k < 16; ++k) e.abs64(false, {0x0F, 0x10}, k, XMM_IN + 16 * k);  // movups
    e.abs64(false, {0x0F, 0xAE}, 2, MXCSR_IN);                                           // ldmxcsr
    e.u8({0x68}).u32(in.eflags).u8({0x9D});  // push imm32; popfq
    for (unsigned r = 0; r < 16; ++r)
        if (r != 4) e.abs64(true, {0x8B}, r, GPR64_IN + 8 * r);  // mov r64, [abs]
    e.abs64(true, {0x8B}, 4, GPR64_IN + 32);
    e.u8({0xE9}).u32(CODE_START - (PROLOGUE64 + uint32_t(e.b.size()) + 5));
    return e.b;
}

// 64-bit trailer: the GPRs, XMM0-15, MXCSR and the x87 state to the region, the host's MXCSR
// and RFLAGS back, the done marker, and an absolute jump to the exit stub.
std::vector<uint8_t> trailer64() {
    Emitter e;
    for (unsigned r = 0; r < 16; ++r) e.abs64(true, {0x89}, r, GPR64_OUT + 8 * r);
    for (unsigned k = 0; k < 16; ++k) e.abs64(false, {0x0F, 0x11}, k, XMM_OUT + 16 * k);
    e.abs64(false, {0x0F, 0xAE}, 3, MXCSR_OUT);   // stmxcsr
    e.abs64(false, {0x0F, 0xAE}, 0, FX_OUT);      // fxsave (the 32-bit layout)
    e.abs64(false, {0x0F, 0xAE}, 2, MXCSR_HOST);  // ldmxcsr
    e.u8({0xBC}).u32(RES_STACK);
    e.u8({0x9C, 0x58});  // pushfq; pop rax
    e.abs64(false, {0x89}, 0, RES_EFLAGS);
    e.u8({0x68}).u32(0x202).u8({0x9D});
    e.abs64(false, {0xC7}, 0, RES_DONE).u32(DONE_MAGIC);
    e.u8({0xB8}).u32(RETURN64).u8({0xFF, 0xE0});  // mov eax, RETURN64; jmp rax
    return e.b;
}

// 32-bit trailer: dump GPRs and EFLAGS to RESULT (through SS: LDS/LES may have left DS and ES
// null or read-only, while SS always has the mode's base), set the done marker, restore the flags
// the 64-bit ABI expects (DF = 0) and jump far back to 64-bit code. 16-bit cases reach it
// through an o32 far jump to USER32_CS first.
std::vector<uint8_t> trailer(Mode m) {
    Emitter e;
    const uint32_t b = seg_base(m);
    if (m == Mode::Code16) e.u8({0x66, 0xEA}).u32(0).u8({uint8_t(USER32_CS), 0});  // patched below
    const size_t jump_end = e.b.size();
    for (unsigned r = 0; r < 8; ++r) e.u8({0x36, 0x89, uint8_t(0x05 | (r << 3))}).u32(RESULT - b + 4 * r);
    for (uint8_t k = 0; k < 8; ++k)  // movups [ss:abs], xmmk
        e.u8({0x36, 0x0F, 0x11, uint8_t(0x05 | k << 3)}).u32(XMM_OUT - b + 16 * k);
    e.u8({0x36, 0x0F, 0xAE, 0x1D}).u32(MXCSR_OUT - b);   // stmxcsr
    e.u8({0x36, 0x0F, 0xAE, 0x05}).u32(FX_OUT - b);      // fxsave
    e.u8({0x36, 0x0F, 0xAE, 0x15}).u32(MXCSR_HOST - b);  // ldmxcsr
    e.u8({0xBC}).u32(RES_STACK - b);                  // mov esp, scratch
    e.u8({0x9C, 0x58});                               // pushfd; pop eax
    e.u8({0x36, 0xA3}).u32(RES_EFLAGS - b);           // mov [ss:abs], eax
    e.u8({0x68}).u32(0x202).u8({0x9D});               // push 0x202; popfd
    e.u8({0x36, 0xC7, 0x05}).u32(RES_DONE - b).u32(DONE_MAGIC);
    e.u8({0xEA}).u32(RETURN64).u8({uint8_t(USER64_CS), 0});  // jmp far 0x33:RETURN64
    if (m == Mode::Code16) e.b[2] = uint8_t(jump_end);  // offset from the trailer's start
    return e.b;
}

[[noreturn]] void host_error(const char* what) {
    throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

void install_ldt() {
    const auto set = [](unsigned entry, bool code, bool big) {
        user_desc d{};
        d.entry_number = entry;
        d.base_addr = CODE;
        d.limit = SEG_LIMIT;
        d.seg_32bit = big;
        d.contents = code ? MODIFY_LDT_CONTENTS_CODE : MODIFY_LDT_CONTENTS_DATA;
        d.useable = 0;  // AVL clear, as in the emulated LDT (LAR returns it)
        if (syscall(SYS_modify_ldt, 1, &d, sizeof d) != 0) {
            host_error("modify_ldt");
        }
    };
    set(LDT_CODE16 >> 3, true, false);
    set(LDT_DATA16 >> 3, false, false);
    set(LDT_DATA32 >> 3, false, true);
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

// In the child: a fault in the test code records its signal and resumes at the 64-bit exit stub
// (rt_sigreturn is one of the syscalls confine() allows), so the child survives it.
// XMM0-15 and MXCSR are those of the faulting instruction; MXCSR is reset for the C code.
void on_fault(int sig, siginfo_t*, void* ucv) {
    auto* uc = static_cast<ucontext_t*>(ucv);
    *reinterpret_cast<volatile uint32_t*>(uintptr_t(RES_SIGNAL)) = uint32_t(sig);
    if (auto* fp = uc->uc_mcontext.fpregs) {
        std::memcpy(reinterpret_cast<void*>(uintptr_t(XMM_OUT)), fp->_xmm, 256);
        std::memcpy(reinterpret_cast<void*>(uintptr_t(FX_OUT)), fp, 160);
        *reinterpret_cast<volatile uint32_t*>(uintptr_t(MXCSR_OUT)) = fp->mxcsr;
        fp->mxcsr = 0x1F80;
    }
    auto& g = uc->uc_mcontext.gregs;
    g[REG_RIP] = RETURN64;
    g[REG_CSGSFS] = (g[REG_CSGSFS] & ~0xFFFF00000000FFFFll) | USER64_CS | (int64_t(USER_DS) << 48);  // CS, SS
    g[REG_EFL] = 0x202;
}

// The child may only read its command, write its reply, restore FS/GS bases and leave: the
// cases run random code in it.
void confine() {
    std::vector<sock_filter> f = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr))};
    for (uint32_t nr : {SYS_read, SYS_write, SYS_exit, SYS_rt_sigreturn}) {
        f.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1));
        f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    }
    // arch_prctl only to set FS or GS: not ARCH_SET_CPUID, which would change later cases.
    const sock_filter set_base[] = {
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_arch_prctl, 0, 4),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH_SET_FS, 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH_SET_GS, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
    f.insert(f.end(), std::begin(set_base), std::end(set_base));
    f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
    const sock_fprog prog{uint16_t(f.size()), f.data()};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
        syscall(SYS_exit, 3);
}

[[noreturn]] void child_loop(int cmd, int reply) {
    static uint8_t altstack[64 * 1024];
    stack_t ss{};
    ss.ss_sp = altstack;
    ss.ss_size = sizeof altstack;
    sigaltstack(&ss, nullptr);
    struct sigaction sa {};
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    for (int sig : {SIGSEGV, SIGFPE, SIGILL, SIGBUS, SIGTRAP}) sigaction(sig, &sa, nullptr);
    uint64_t fs_base = 0, gs_base = 0;
    syscall(SYS_arch_prctl, ARCH_GET_FS, &fs_base);
    syscall(SYS_arch_prctl, ARCH_GET_GS, &gs_base);
    confine();
    const auto entry = reinterpret_cast<void (*)()>(uintptr_t(CODE));
    for (;;) {
        char b;
        if (read(cmd, &b, 1) != 1) syscall(SYS_exit, 0);
        // After the parent cleared the result area: return64 puts these back.
        *reinterpret_cast<volatile uint64_t*>(uintptr_t(RES_FS_BASE)) = fs_base;
        *reinterpret_cast<volatile uint64_t*>(uintptr_t(RES_GS_BASE)) = gs_base;
        entry();
        if (write(reply, &b, 1) != 1) syscall(SYS_exit, 0);
    }
}

}  // namespace

NativeRunner::NativeRunner() {
    void* p = mmap(reinterpret_cast<void*>(uintptr_t(CODE)), REGION_SIZE,
                   PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                   -1, 0);
    if (p != reinterpret_cast<void*>(uintptr_t(CODE))) {
        host_error("cannot map the fixed test region");
    }
    region_ = static_cast<uint8_t*>(p);
    install_ldt();
    std::signal(SIGPIPE, SIG_IGN);  // a child that died is seen as EOF, not as a signal
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    // Some sandboxed kernels accept modify_ldt yet never load the descriptors, or refuse the
    // 32-bit user code segment: every case would then "differ".
    State probe;
    probe.gpr[4] = STACK_TOP;
    for (Mode m : {Mode::Flat32, Mode::Code16}) {
        const Outcome o = run({}, probe, m).outcome;
        if (o != Outcome::Completed) {
            reap();
            throw HostUnsupported(std::string("this host cannot run the reference: an empty ") +
                                  (m == Mode::Flat32 ? "32-bit case in the user code segment"
                                                     : "16-bit case in an LDT code segment") +
                                  " ended " + outcome_name(o));
        }
    }
}

NativeRunner::~NativeRunner() { reap(); }

void NativeRunner::spawn() {
    int to_child[2], from_child[2];
    if (pipe(to_child) || pipe(from_child)) {
        host_error("pipe");
    }
    std::fflush(nullptr);
    child_ = fork();
    if (child_ == 0) {
        close(to_child[1]);
        close(from_child[0]);
        child_loop(to_child[0], from_child[1]);
    }
    close(to_child[0]);
    close(from_child[1]);
    cmd_ = to_child[1];
    reply_ = from_child[0];
}

void NativeRunner::reap() {
    if (child_ < 0) return;
    close(cmd_);
    close(reply_);
    waitpid(child_, nullptr, 0);
    child_ = -1;
}

Result NativeRunner::run(const std::vector<uint8_t>& code, const State& in, Mode mode) {
    // The whole code page is rewritten each time: a stray store of an earlier case must not
    // survive in the 64-bit stubs.
    std::memset(region_, 0xCC, CODE_SIZE);
    static const auto e64 = entry64(), r64 = return64();
    static const std::vector<uint8_t> trailers[] = {trailer(Mode::Flat32), trailer(Mode::Based32),
                                                    trailer(Mode::Code16), trailer64()};
    auto tr = trailers[unsigned(mode)];
    const bool l64 = mode == Mode::Long64;
    if (CODE_START + code.size() + tr.size() > PROLOGUE64)
        throw std::runtime_error("a case's code is longer than the room for it");
    if (mode == Mode::Code16) {  // the o32 far jump's target: the trailer's 32-bit part
        const uint32_t at = CODE_START + uint32_t(code.size()) + tr[2];
        std::memcpy(tr.data() + 2, &at, 4);
    }
    std::memcpy(region_, e64.data(), e64.size());
    std::memcpy(region_ + (RETURN64 - CODE), r64.data(), r64.size());
    const uint32_t far_off = l64 ? PROLOGUE64 : PROLOGUE;
    std::memcpy(region_ + (FARPTR - CODE), &far_off, 4);
    std::memcpy(region_ + (FARPTR - CODE) + 4, l64 ? &USER64_CS : &USER32_CS, 2);
    static_assert(CODE_START - PROLOGUE >= 160, "the prologue's room (155 bytes)");
    if (l64) {
        const auto pro = prologue64(in);
        std::memcpy(region_ + (PROLOGUE64 - CODE), pro.data(), pro.size());
        std::memcpy(region_ + (GPR64_IN - CODE), in.gpr.data(), 128);
    }
    const auto pro = l64 ? std::vector<uint8_t>{} : prologue(in, mode);
    // Layout: [entry64][prologue][NOPs][code at CODE_START][trailer] ... [return64][farptr];
    // the emulator runs the same code at the same address and starts at CODE_START.
    uint8_t* const start = region_ + (CODE_START - CODE);
    // std::copy, not memcpy: the prologue (64-bit code) and the host probe's code are empty, and
    // memcpy from an empty vector's null data() is undefined.
    std::copy(pro.begin(), pro.end(), region_ + (PROLOGUE - CODE));
    std::memset(region_ + (PROLOGUE - CODE) + pro.size(), 0x90, CODE_START - PROLOGUE - pro.size());
    std::copy(code.begin(), code.end(), start);
    std::memcpy(start + code.size(), tr.data(), tr.size());
    std::memcpy(region_ + (DATA - CODE), in.data.data(), PAGE);
    std::memcpy(region_ + (STACK - CODE), in.stack.data(), PAGE);
    std::memset(region_ + (RESULT - CODE), 0, 64);
    std::memcpy(region_ + (XMM_IN - CODE), in.xmm.data(), 256);
    std::memcpy(region_ + (MXCSR_IN - CODE), &in.mxcsr, 4);
    std::memcpy(region_ + (XMM_OUT - CODE), in.xmm.data(), 256);
    std::memcpy(region_ + (MXCSR_OUT - CODE), &in.mxcsr, 4);
    const uint32_t host_csr = 0x1F80;
    std::memcpy(region_ + (MXCSR_HOST - CODE), &host_csr, 4);
    std::memset(region_ + (FX_OUT - CODE), 0, 160);

    if (child_ < 0) spawn();
    char b = 'r';
    Result r;
    int status = 0;
    pollfd wait{reply_, POLLIN, 0};
    const bool sent = write(cmd_, &b, 1) == 1;
    if (sent && poll(&wait, 1, 5000) == 0) kill(child_, SIGKILL);  // a runaway case
    if (sent && read(reply_, &b, 1) == 1) {
        uint32_t sig;
        std::memcpy(&sig, region_ + (RES_SIGNAL - CODE), 4);
        r.outcome = sig ? from_signal(int(sig)) : Outcome::Completed;
    } else {  // the child died: killed by seccomp or an unhandled signal
        close(cmd_);
        close(reply_);
        waitpid(child_, &status, 0);
        child_ = -1;
        r.outcome = WIFSIGNALED(status) ? from_signal(WTERMSIG(status)) : Outcome::Other;
    }
    uint32_t done;
    std::memcpy(&done, region_ + (RES_DONE - CODE), 4);
    if (r.outcome == Outcome::Completed && done != DONE_MAGIC) r.outcome = Outcome::Other;
    if (r.outcome == Outcome::Completed && l64) {
        std::memcpy(r.out.gpr.data(), region_ + (GPR64_OUT - CODE), 128);
        std::memcpy(&r.out.eflags, region_ + (RES_EFLAGS - CODE), 4);
    } else if (r.outcome == Outcome::Completed) {
        for (unsigned k = 0; k < 8; ++k) {
            uint32_t v;
            std::memcpy(&v, region_ + (RESULT - CODE) + 4 * k, 4);
            r.out.gpr[k] = v;
        }
        std::memcpy(&r.out.eflags, region_ + (RES_EFLAGS - CODE), 4);
    } else {
        r.out.gpr = in.gpr;
        r.out.eflags = in.eflags;
    }
    std::memcpy(r.out.xmm.data(), region_ + (XMM_OUT - CODE), 256);
    if (!l64) std::copy(in.xmm.begin() + 16, in.xmm.end(), r.out.xmm.begin() + 16);  // the C code's
    const uint8_t* fx = region_ + (FX_OUT - CODE);
    uint16_t fsw;
    std::memcpy(&r.out.fcw, fx, 2);
    std::memcpy(&fsw, fx + 2, 2);
    r.out.top = (fsw >> 11) & 7;
    r.out.tags = fx[4];
    for (unsigned st = 0; st < 8; ++st) {  // ST(st) is physical register (TOP + st) & 7
        const unsigned p = (r.out.top + st) & 7;
        std::memcpy(&r.out.mant[p], fx + 32 + 16 * st, 8);
        std::memcpy(&r.out.exp[p], fx + 40 + 16 * st, 2);
    }
    std::memcpy(&r.out.mxcsr, region_ + (MXCSR_OUT - CODE), 4);
    std::memcpy(r.out.data.data(), region_ + (DATA - CODE), PAGE);
    std::memcpy(r.out.stack.data(), region_ + (STACK - CODE), PAGE);
    return r;
}

}  // namespace jitpc::difftest
