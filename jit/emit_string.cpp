// String instructions (cpu/ops/string.cpp): LODS, STOS, MOVS, SCAS and CMPS without a REP
// prefix, with 32-bit addresses in 32-bit code and 64-bit ones in 64-bit code: the accesses
// inline, then the pointers moved by the operand size, downwards when DF is set (DF is never
// lazy: it lives in CpuState::flags.bits), then SCAS and CMPS compare as CMP does. The accesses
// come first, so a fault leaves the pointers as they were.
// REP MOVS and STOS with DF clear move the iterations whose elements lie in the pages of the
// first ones at once with the host's REP MOVS/STOS (a TLB hit for each page: RAM, no code;
// the host's string instructions keep the one-by-one order where source and destination
// overlap) when they fit before the count limit, as the interpreter's REP loop, which stops
// only at that limit or on an exit request (none can arise in generated code), would run them
// too. The instruction counts one tick per iteration (cpu/ops/string.cpp) and ends its block.
// REPE/REPNE CMPS and SCAS likewise, with the host's (rep_compare), which may stop early.
// The iterations past those pages, and everything else (DF set, a count of zero, an element
// straddling two pages, a miss, MMIO, a page holding code for a write, segments that need
// checks) run the interpreter's handler, which may leave the instruction unfinished to run
// again.
#include <functional>

#include "jit/emit_sse.h"
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;
using namespace state;

namespace {

enum class Str { Lods, Stos, Movs, Scas, Cmps };

const x::Gp CPU = CPU_REG, EAX = RegAlloc::fixed(cpu::EAX), ESI = RegAlloc::fixed(cpu::ESI),
            EDI = RegAlloc::fixed(cpu::EDI);

// Adds the operand size to each pointer in `regs` (of the address size), or subtracts it when
// DF is set.
void step(Translator& t, unsigned size, std::initializer_list<x::Gp> regs) {
    auto& a = t.a;
    a.mov(x::ecx, x::dword_ptr(CPU, FLAGS_BITS));
    a.shr(x::ecx, 10);
    a.and_(x::ecx, 1);
    a.neg(x::rcx);
    a.and_(x::rcx, -2 * int32_t(size));
    a.add(x::rcx, size);  // DF ? -size : size
    for (const x::Gp& r : regs) a.lea(r, x::ptr(r.r64(), x::rcx));
}

// What the REP forms share: for the elements of the pointers' first pages, a count that fits
// before the limit, and host pointers in rdi (ES:EDI) and rsi (the source), k iterations in
// rcx; and the out-of-line path that runs the instruction through the interpreter's handler.
struct RepRun {
    Translator& t;
    x::Gp addr, count, esi, edi;
    unsigned scale;
    asmjit::Label slow;

    explicit RepRun(Translator& tr)
        : t(tr), addr(tr.address_reg()), count(RegAlloc::fixed(cpu::ECX).cloneAs(addr)), esi(ESI.cloneAs(addr)),
          edi(EDI.cloneAs(addr)), scale(tr.insn().osize == 8 ? 3 : tr.insn().osize / 2), slow(tr.a.newLabel()) {}

    // Whether the segments need no checks (the rest is then emitted).
    static bool takes(const Translator& t) {
        return t.flat_access(t.insn().osize, cpu::ES) && t.flat_access(t.insn().osize, t.insn().seg);
    }
    // Sets up rcx, rdi and, with `source`, rsi (`write`: ES:EDI is written), and with
    // `accumulator` the guest's RAX in rax; everything else jumps to `slow`, the flags in
    // CpuState.
    void enter(bool source, bool write, bool accumulator) {
        auto& a = t.a;
        t.clobber_flags();
        t.exec_and_leave(slow);
        a.mov(x::ecx.cloneAs(addr), count);  // rcx: the count, zero-extended
        a.test(x::byte_ptr(CPU_REG, FLAGS_BITS + 1), cpu::EFLAGS_DF >> 8);
        a.jnz(slow);
        // rcx = k, the iterations whose elements lie in the pages of the first ones (none when
        // an element straddles two pages, or for a count of 0: the interpreter's).
        auto clamp = [&](const x::Gp& ptr) {
            a.mov(x::edx, ptr.r32());
            a.and_(x::edx, int32_t(memory::PAGE_SIZE - 1));
            a.sub(x::edx, int32_t(memory::PAGE_SIZE));
            a.neg(x::edx);  // bytes to the page's end
            a.shr(x::edx, scale);
            a.cmp(x::rcx, x::rdx);
            a.cmova(x::rcx, x::rdx);
        };
        clamp(edi);
        if (source) clamp(esi);
        a.test(x::rcx, x::rcx);
        a.jz(slow);
        // They fit before the count limit, icount + k <= icount_limit, and when iterations
        // remain the next would run too (< then): the interpreter, which runs the rest, checks
        // the limit before each iteration but its first.
        a.cmp(x::ecx.cloneAs(addr), count);  // CF: iterations remain
        a.lea(x::rdx, x::ptr(COUNT_REG, x::rcx, 0, t.count_lag()));
        a.adc(x::rdx, 0);
        a.test(x::rdx, x::rdx);
        a.jg(slow);
        auto host = [&](const x::Gp& ptr, bool w, const x::Gp& out) {
            a.mov(addr, ptr);
            a.lea(out, t.host_memory(1, w, slow));
        };
        host(edi, write, x::rax);
        if (source) host(esi, false, x::rsi);
        a.mov(x::rdi, x::rax);
        // The k iterations done: the pointers past them, the count and ticks (one each) too.
        a.lea(edi, x::ptr(edi.r64(), x::rcx, scale));
        if (source) a.lea(esi, x::ptr(esi.r64(), x::rcx, scale));
        a.sub(count, x::rcx.cloneAs(count));
        a.lea(COUNT_REG, x::ptr(COUNT_REG, x::rcx, 0, -1));
        if (accumulator) a.mov(x::rax, EAX.r64());
    }
    // The host's string operands.
    x::Mem dst() const { return x::ptr(x::rdi, 0, t.insn().osize); }
    x::Mem src() const { return x::ptr(x::rsi, 0, t.insn().osize); }
    x::Gp value() const { return Translator::value_reg(t.insn().osize); }
    // When iterations remain (the count is not zero): `before` (the flags' store), then the
    // rest through the interpreter's handler, the iterations done counted. Clobbers rcx, not the
    // host's flags until `before`; binds `done` where the instruction is over.
    void leave_rest(const asmjit::Label& done, const std::function<void()>& before = {}) {
        auto& a = t.a;
        a.mov(x::ecx.cloneAs(addr), count);  // zero-extended either way: JRCXZ
        a.jecxz(x::rcx, done);
        if (before) before();
        count_by(a, 1);
        a.jmp(slow);
        a.bind(done);
    }
};

// REP MOVS (S = Movs) or REP STOS (S = Stos) of 32-bit addresses in 32-bit code, 64-bit ones
// in 64-bit code: see the file's comment.
template <Str S> bool rep_string(Translator& t) {
    if (!RepRun::takes(t)) return false;
    RepRun r(t);
    r.enter(S == Str::Movs, true, S == Str::Stos);
    auto& a = t.a;
    if (S == Str::Movs)
        a.rep().movs(r.dst(), r.src());
    else
        a.rep().stos(r.dst(), r.value());
    r.leave_rest(a.newLabel());
    t.exit_to(t.next_offset());
    return true;
}

// REPE/REPNE CMPS (S = Cmps) and SCAS (S = Scas): the host's on the k iterations, which may stop
// early on the condition; those not done are given back to the count, the pointers and the
// ticks (flag-free: NOT and LEA), the flags are the last compare's. The instruction ends there
// when the condition stopped it or the count ran out; otherwise the flags are stored and the
// rest runs in the interpreter's handler.
template <Str S> bool rep_compare(Translator& t) {
    if (!RepRun::takes(t)) return false;
    const bool while_equal = t.insn().prefix & cpu::PFX_REP;
    RepRun r(t);
    r.enter(S == Str::Cmps, false, S == Str::Scas);
    auto& a = t.a;
    const int32_t size = int32_t(t.insn().osize);
    if (while_equal)
        a.repe();
    else
        a.repne();
    if (S == Str::Cmps)
        a.cmps(r.src(), r.dst());
    else
        a.scas(r.value(), r.dst());
    // rcx iterations were not done.
    a.lea(r.count, x::ptr(r.count.r64(), x::rcx));
    a.not_(x::rcx);  // -rcx - 1
    a.lea(COUNT_REG, x::ptr(COUNT_REG, x::rcx, 0, 1));
    a.lea(r.edi, x::ptr(r.edi.r64(), x::rcx, r.scale, size));
    if (S == Str::Cmps) a.lea(r.esi, x::ptr(r.esi.r64(), x::rcx, r.scale, size));
    asmjit::Label over = a.newLabel();
    a.j(while_equal ? x::CondCode::kNZ : x::CondCode::kZ, over);
    r.leave_rest(over, [&] {
        // Stored whatever comes after: the handler's first iteration may fault with them.
        t.capture_flags(true);
        a.xor_(x::edx, x::edx);
        t.flags_captured(cpu::EFLAGS_ARITH, x::edx);
    });
    t.flags_produced(FlagKind::Exact);
    t.flags_paths_joined();
    t.exit_to(t.next_offset());
    return true;
}

template <Str S> bool string_op(Translator& t) {
    const cpu::Insn& i = t.insn();
    // MOVSD and CMPSD are also SSE2's: those have explicit operands.
    if (i.flags & (cpu::IF_R0 | cpu::IF_MEM)) {
        if (S == Str::Movs && i.mnemonic == ZYDIS_MNEMONIC_MOVSD) return sse::movsd(t);
        if (S == Str::Cmps && i.mnemonic == ZYDIS_MNEMONIC_CMPSD) return sse::cmpsd(t);
        return false;
    }
    if (i.asize != (t.long64() ? 8 : 4)) return false;
    if (i.prefix & (cpu::PFX_REP | cpu::PFX_REPNE)) {
        if constexpr (S == Str::Movs || S == Str::Stos) return rep_string<S>(t);
        if constexpr (S == Str::Cmps || S == Str::Scas) return rep_compare<S>(t);
        return false;
    }
    const unsigned size = i.osize;
    const x::Gp value = Translator::value_reg(size), addr = t.address_reg();
    const x::Gp esi = ESI.cloneAs(addr), edi = EDI.cloneAs(addr);
    auto& a = t.a;
    t.clobber_flags();
    switch (S) {
    case Str::Lods:
        a.mov(addr, esi);
        t.load(size, i.seg);
        a.mov(EAX.cloneAs(value), value);
        step(t, size, {esi});
        break;
    case Str::Stos:
        a.mov(x::rax, EAX.r64());
        a.mov(addr, edi);
        t.store(size, cpu::ES);
        step(t, size, {edi});
        break;
    case Str::Movs:
        a.mov(addr, esi);
        t.load(size, i.seg);
        a.mov(addr, edi);
        t.store(size, cpu::ES);
        step(t, size, {esi, edi});
        break;
    case Str::Scas:  // AL/AX/EAX/RAX - ES:[EDI]
        a.mov(addr, edi);
        t.load(size, cpu::ES);
        step(t, size, {edi});
        a.cmp(EAX.cloneAs(value), value);
        t.flags_produced(FlagKind::Exact);
        break;
    case Str::Cmps: {  // [ESI] - ES:[EDI]
        a.mov(addr, esi);
        t.load(size, i.seg);
        t.park_eax();
        a.mov(addr, edi);
        t.load(size, cpu::ES);
        step(t, size, {esi, edi});
        a.mov(x::rdx, x::rax);
        t.unpark_eax();
        a.cmp(value, x::rdx.cloneAs(value));
        t.flags_produced(FlagKind::Exact);
        break;
    }
    }
    return true;
}

}  // namespace

void register_string_emitters(GroupEmitters e) {
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_LODSB, ZYDIS_MNEMONIC_LODSW, ZYDIS_MNEMONIC_LODSD, ZYDIS_MNEMONIC_LODSQ})
        e[m] = string_op<Str::Lods>;
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_STOSB, ZYDIS_MNEMONIC_STOSW, ZYDIS_MNEMONIC_STOSD, ZYDIS_MNEMONIC_STOSQ})
        e[m] = string_op<Str::Stos>;
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_MOVSB, ZYDIS_MNEMONIC_MOVSW, ZYDIS_MNEMONIC_MOVSD, ZYDIS_MNEMONIC_MOVSQ})
        e[m] = string_op<Str::Movs>;
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_SCASB, ZYDIS_MNEMONIC_SCASW, ZYDIS_MNEMONIC_SCASD, ZYDIS_MNEMONIC_SCASQ})
        e[m] = string_op<Str::Scas>;
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_CMPSB, ZYDIS_MNEMONIC_CMPSW, ZYDIS_MNEMONIC_CMPSD, ZYDIS_MNEMONIC_CMPSQ})
        e[m] = string_op<Str::Cmps>;
}

}  // namespace jitpc::jit
