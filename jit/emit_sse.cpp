// What the SSE emitters share (jit/emit_sse.h).
#include "jit/emit_sse.h"

#include <array>
#include <cstddef>
#include <cstring>

#include "cpu/sse_state.h"

namespace jitpc::jit::sse {

namespace x = asmjit::x86;
using cpu::CpuState;

x::Mem xmm(const Translator& t, unsigned r, unsigned size, unsigned at) {
    const int32_t off = t.sse_offset() + int32_t(offsetof(cpu::SseState, xmm) + 16 * r + at);
    return x::ptr(CPU_REG, off, size);
}

x::Mem mxcsr(const Translator& t) {
    return x::dword_ptr(CPU_REG, t.sse_offset() + int32_t(offsetof(cpu::SseState, mxcsr)));
}

bool xmm_form(const Translator& t) { return t.insn().aux & cpu::AUX_XMM; }

bool addressable(const Translator& t) {
    return !(t.insn().flags & cpu::IF_MEM) || t.insn().asize == 4 || t.insn().asize == 8;
}

// Once per block: CR0.EM, CR0.TS and CR4.OSFXSR change only through instructions that end
// their block (MOV to CR0/CR4, CLTS and LMSW end it: cpu/ops/system.cpp; task switches and
// exceptions are control transfers) or between blocks (event delivery, the monitor, gdb), and a
// block runs straight from its first instruction: the first check is on the path to every
// later instruction. When it fails, its instruction's slow path (jit_exec) raises #UD or #NM
// and the block is left (the emitters that call this take only XMM forms, which need all three
// bits). jit_sse_emit_test checks that each writer of those bits ends its block.
void check_enabled(Translator& t, const asmjit::Label& slow) {
    if (t.sse_enabled_checked) return;
    t.sse_enabled_checked = true;
    t.a.test(x::byte_ptr(CPU_REG, offsetof(CpuState, cr0)), cpu::cr0::EM | cpu::cr0::TS);
    t.a.jnz(slow);
    t.a.test(x::dword_ptr(CPU_REG, offsetof(CpuState, cr4)), cpu::cr4::OSFXSR);
    t.a.jz(slow);
}

x::Mem memory(Translator& t, unsigned bytes, bool write, bool aligned, const asmjit::Label& slow) {
    // An address generated code does not form (a RIP-relative one too far from the synced
    // position, two registers that stay in CpuState) is jit_exec's.
    if (!t.effective_address()) t.a.jmp(slow);
    const x::Mem host = t.host_memory(bytes, write, slow);
    if (aligned) {
        t.a.lea(x::rax, host);
        t.a.test(x::al, 15);
        t.a.jnz(slow);
    }
    return host;
}

asmjit::Operand source(Translator& t, unsigned bytes, bool aligned, const asmjit::Label& slow) {
    if (t.insn().flags & cpu::IF_MEM) return memory(t, bytes, false, aligned, slow);
    t.a.movdqu(x::xmm1, xmm(t, t.insn().r1));
    return x::xmm1;
}

void check_masked(Translator& t, const asmjit::Label& slow) {
    t.a.mov(x::eax, mxcsr(t));
    t.a.and_(x::eax, cpu::mxcsr::MASKS);
    t.a.cmp(x::eax, cpu::mxcsr::MASKS);
    t.a.jne(slow);
}

void under_guest_mxcsr(Translator& t, const std::function<void()>& op) {
    auto& a = t.a;
    const x::Mem host = x::dword_ptr(x::rsp, -4), after = x::dword_ptr(x::rsp, -8);
    asmjit::Label differ = a.newLabel(), swap = a.newLabel(), run = a.newLabel(), done = a.newLabel();
    a.stmxcsr(host);
    a.mov(x::eax, host);
    a.cmp(x::eax, mxcsr(t));
    a.jne(differ);
    a.bind(run);
    // The host's MXCSR is the guest's: after `op` it is the guest's new one. Neither STMXCSR
    // nor MOV writes EFLAGS, which stay `op`'s.
    op();
    a.stmxcsr(after);
    a.mov(x::eax, after);
    a.mov(mxcsr(t), x::eax);
    a.jmp(done);
    a.bind(differ);
    a.xor_(x::eax, mxcsr(t));
    a.test(x::eax, ~cpu::mxcsr::FLAGS & 0xFFFF);
    a.jnz(swap);
    a.ldmxcsr(mxcsr(t));  // only sticky flags differ: the host takes the guest's, for good
    a.jmp(run);
    a.bind(swap);
    a.ldmxcsr(mxcsr(t));
    op();
    a.stmxcsr(mxcsr(t));
    a.ldmxcsr(host);
    a.bind(done);
}

bool binary(Translator& t, x::Inst::Id id, unsigned bytes, bool aligned, bool fp, uint8_t imm_mask) {
    if (!addressable(t)) return false;
    const cpu::Insn& i = t.insn();
    const bool has_src = i.flags & (cpu::IF_MEM | cpu::IF_R1);  // else "xmm, imm8" (shifts)
    t.guarded([&](const asmjit::Label& slow) {
        check_enabled(t, slow);
        if (fp) check_masked(t, slow);
        asmjit::Operand ops[3];
        ops[0] = x::xmm0;
        unsigned n = 1;
        if (has_src) ops[n++] = source(t, bytes, aligned, slow);
        if (i.flags & cpu::IF_IMM) ops[n++] = asmjit::imm(i.imm & imm_mask);
        t.a.movdqu(x::xmm0, xmm(t, i.r0));
        const auto op = [&] { t.a.emitOpArray(id, ops, n); };
        if (fp)
            under_guest_mxcsr(t, op);
        else
            op();
        t.a.movdqu(xmm(t, i.r0), x::xmm0);
    });
    return true;
}

namespace {

struct HostOp {
    x::Inst::Id id = x::Inst::kIdNone;
    uint8_t bytes = 16;
    bool fp = false, mmx = false;
};
std::array<HostOp, ZYDIS_MNEMONIC_MAX_VALUE + 1> host_ops;

bool emit_host_op(Translator& t) {
    const HostOp& h = host_ops[t.insn().mnemonic];
    if (h.mmx && !xmm_form(t)) return false;
    return binary(t, h.id, h.bytes, h.bytes == 16, h.fp);
}

}  // namespace

void host_op(GroupEmitters& e, ZydisMnemonic m, const char* name, unsigned bytes, bool fp) {
    const auto id = x::Inst::Id(asmjit::InstAPI::stringToInstId(asmjit::Arch::kX64, name, std::strlen(name)));
    host_ops[m] = {id, uint8_t(bytes), fp, name[0] == 'p'};
    e[m] = emit_host_op;
}

}  // namespace jitpc::jit::sse
