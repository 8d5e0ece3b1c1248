// Data movement (cpu/ops/datamov.cpp): MOV, MOVZX/MOVSX, LEA, XCHG, CMPXCHG(8B/16B), XADD, BSWAP, the
// sign extensions of the accumulator, on the host registers holding the guest's (memory
// destinations in place); SETcc and CMOVcc, the same host instruction on the guest's flags
// (Translator::flags_to_host guarantees every bit a condition reads is defined).
#include "cpu/insn_aux.h"
#include "cpu/ops/cond_family.h"
#include "cpu/state.h"
#include "jit/high_byte.h"
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

// MOV r16/r32, Sreg: the selector, zero-extended into a 32-bit register (cpu/ops/segments.cpp).
// Its other widths are the interpreter's.
bool from_segment_register(Translator& t) {
    const unsigned size = t.insn().osize;
    if ((size != 2 && size != 4) || t.insn().r1 > cpu::GS) return false;
    const auto dst = t.general_reg(t.insn().r0, size);
    if (!dst) return false;
    const x::Mem sel = x::word_ptr(CPU_REG, int32_t(offsetof(cpu::CpuState, seg) + t.insn().r1 * sizeof(cpu::SegCache) +
                                                    offsetof(cpu::SegCache, sel)));
    if (size == 4)
        t.a.movzx(*dst, sel);
    else
        t.a.mov(*dst, sel);
    return true;
}

bool mov(Translator& t) {
    const auto& d = t.op(0);
    const auto& s = t.op(1);
    using K = Translator::Kind;
    if (t.insn().aux == cpu::AUX_FROM_SREG) return from_segment_register(t);
    if (HighBytes::named(t)) {  // AH..BH: jit/high_byte.h
        if (d.kind == K::Mem) {
            if (!t.effective_address()) return false;
            t.a.movzx(x::eax, HighBytes(t)[1]);
            t.store(1, t.insn().seg);
            return true;
        }
        if (s.kind == K::Mem) {
            if (!t.effective_address()) return false;
            t.load(1, t.insn().seg);
        }
        const HighBytes r(t);
        asmjit::Operand src = x::al;
        if (s.kind == K::Imm) src = asmjit::imm(t.imm());
        if (s.kind == K::Reg) src = r[1];
        t.a.emit(x::Inst::kIdMov, r[0], src);
        r.write_back(1);
        return true;
    }
    if (d.kind == K::Reg) {
        auto dst = t.reg(d);
        if (!dst) return false;
        if (s.kind == K::Reg) {
            auto src = t.reg(s);
            if (!src) return false;
            t.a.mov(*dst, *src);
        } else if (s.kind == K::Imm) {
            t.a.mov(*dst, asmjit::imm(t.imm()));
        } else if (s.kind == K::Mem) {
            if (!t.effective_address()) return false;
            if (!t.load_into(d)) {
                t.load(dst->size(), t.insn().seg);
                t.a.mov(*dst, x::eax.cloneAs(*dst));
            }
        } else {
            return false;
        }
        return true;
    }
    if (d.kind != K::Mem) return false;
    const unsigned size = t.insn().osize;
    if (s.kind == K::Reg) {
        if (!t.reg(s) || !t.effective_address()) return false;
        return t.store_from(s);
    } else if (s.kind == K::Imm) {
        if (!t.effective_address()) return false;
        if (size == 8)
            t.a.mov(x::rax, asmjit::imm(t.imm()));  // sign-extended
        else
            t.a.mov(x::eax, t.insn().imm);
    } else {
        return false;
    }
    t.store(size, t.insn().seg);
    return true;
}

// The source's size is the binder's aux (cpu/ops/datamov.cpp, Extend).
template <bool Signed> bool extend(Translator& t) {
    const auto& s = t.op(1);
    const unsigned size = t.insn().aux;
    auto dst = t.reg(t.op(0));
    if (!dst) return false;
    if (s.kind == Translator::Kind::Reg && size == 1 && s.reg >= cpu::AH) {
        // AH..BH cannot be named next to the REX registers: extended in eax (from AH) first.
        if (!(t.insn().flags & cpu::IF_GPR_ONLY)) return false;
        t.a.mov(x::eax, RegAlloc::fixed(s.reg - cpu::AH));
        if (Signed)
            t.a.movsx(x::eax, x::ah);
        else
            t.a.movzx(x::eax, x::ah);
        t.a.mov(*dst, x::eax.cloneAs(*dst));
        return true;
    }
    x::Gp src;
    if (s.kind == Translator::Kind::Reg) {
        auto r = t.reg(s, size);
        if (!r) return false;
        src = *r;
    } else if (s.kind == Translator::Kind::Mem) {
        if (!t.effective_address()) return false;
        t.load(size, t.insn().seg);
        if (size == 1)
            src = x::al;
        else
            src = x::ax;
    } else {
        return false;
    }
    if (Signed)
        t.a.movsx(*dst, src);
    else if (s.kind == Translator::Kind::Mem && dst->size() == 2)
        t.a.mov(*dst, x::ax);  // load() zero-extended it
    else if (s.kind == Translator::Kind::Mem)
        t.a.mov(dst->r32(), x::eax);  // likewise; a 32-bit move clears bits 63:32
    else
        t.a.movzx(*dst, src);
    return true;
}

// Computed in the destination; a 64-bit LEA of a 32-bit address zero-extends it, as
// effective_address() leaves it in rsi.
bool lea(Translator& t) {
    auto dst = t.reg(t.op(0));
    if (!dst || dst->size() < 4) return false;
    if (dst->size() == 4 || t.insn().asize == 8) return t.effective_address(*dst);
    if (!t.effective_address()) return false;
    t.a.mov(*dst, x::rsi);
    return true;
}

// MOVSXD r64, r/m32 (its other sizes call the interpreter).
bool movsxd(Translator& t) {
    auto dst = t.reg(t.op(0));
    const auto& s = t.op(1);
    if (!dst || dst->size() != 8) return false;
    if (s.kind == Translator::Kind::Reg) {
        auto src = t.reg(s, 4);
        if (!src) return false;
        t.a.movsxd(*dst, *src);
        return true;
    }
    if (s.kind != Translator::Kind::Mem || !t.effective_address()) return false;
    t.load(4, t.insn().seg);
    t.a.movsxd(*dst, x::eax);
    return true;
}

bool bswap(Translator& t) {
    auto r = t.reg(t.op(0));
    if (!r || r->size() < 4) return false;
    t.a.bswap(*r);
    return true;
}

// NOP and the hint NOPs: nothing to emit (PAUSE, which takes ticks, runs its handler).
bool nop(Translator&) { return true; }

// XCHG with memory is done in place, as two moves: the guest's LOCK is implied and has nothing
// to order against on one processor, so the host's locked XCHG would only cost.
bool xchg(Translator& t) {
    const auto& d = t.op(0);
    const auto& s = t.op(1);
    using K = Translator::Kind;
    if (HighBytes::named(t)) {
        if (d.kind == K::Mem || s.kind == K::Mem) {
            const unsigned n = d.kind == K::Mem ? 1 : 0;
            return t.read_modify_write(1, false, false, [&](const x::Mem& m) {
                const HighBytes r(t);
                t.a.mov(x::al, m);
                t.a.mov(m, r[n]);
                t.a.mov(r[n], x::al);
                r.write_back(1u << n);
            });
        }
        const HighBytes r(t);
        t.a.xchg(r[0], r[1]);
        r.write_back(3);
        return true;
    }
    if (d.kind == K::Mem || s.kind == K::Mem) {
        auto r = t.reg(d.kind == K::Mem ? s : d);
        if (!r) return false;
        return t.read_modify_write(r->size(), false, false, [&](const x::Mem& m) {
            t.a.mov(x::eax.cloneAs(*r), m);
            t.a.mov(m, *r);
            t.a.mov(*r, x::eax.cloneAs(*r));
        });
    }
    auto r1 = t.reg(d), r2 = t.reg(s);
    if (!r1 || !r2) return false;
    t.a.xchg(*r1, *r2);
    return true;
}

const x::Gp EAX = RegAlloc::fixed(cpu::EAX), EDX = RegAlloc::fixed(cpu::EDX);

// CMPXCHG r/m, r: the host's, with the accumulator copied into rax and back only when the
// compare failed (when it succeeded the destination, which may be the accumulator itself, has
// the source). Flags as CMP acc, dest; a memory destination is written either way, as the
// guest's is, and in place.
bool cmpxchg(Translator& t) {
    const auto src = t.reg(t.op(1));
    if (!src) return false;
    auto exchange = [&](const asmjit::Operand& dst) {
        t.a.mov(x::rax, EAX.r64());
        t.a.emit(x::Inst::kIdCmpxchg, dst, *src, x::rax.cloneAs(*src));
        t.a.cmovnz(EAX.r64(), x::rax);
    };
    if (t.op(0).kind == Translator::Kind::Mem) {
        if (!t.read_modify_write(src->size(), false, true, exchange)) return false;
    } else {
        const auto dst = t.reg(t.op(0));
        if (!dst) return false;
        exchange(*dst);
    }
    t.flags_produced(FlagKind::Exact);
    return true;
}

// CMPXCHG8B/CMPXCHG16B m: the host's own on host memory (the operand written either way, as
// the guest's is), with the guest's EDX:EAX and ECX:EBX (RDX:RAX, RCX:RBX) in the host's and
// CpuState's pointer on the stack meanwhile, over the guest's flags (only ZF changes). A
// misaligned CMPXCHG16B operand (#GP(0)), a memory slow path or fault: the interpreter's.
bool cmpxchg_pair(Translator& t) {
    const bool wide = t.insn().mnemonic == ZYDIS_MNEMONIC_CMPXCHG16B;
    if (!(t.insn().flags & cpu::IF_MEM) || !t.effective_address()) return false;
    auto& a = t.a;
    const x::Gp half = wide ? x::Gp(x::rax) : x::Gp(x::eax);
    t.guarded([&](const asmjit::Label& slow) {
        a.lea(x::rsi, t.host_memory(wide ? 16 : 8, true, slow));
        if (wide) {
            a.test(x::sil, 15);
            a.jnz(slow);
        }
        t.flags_to_host();  // keeps rsi
        const FlagKind kind = t.flags_kind();
        a.mov(half, EAX.cloneAs(half));
        a.mov(x::rdx.cloneAs(half), EDX.cloneAs(half));
        a.mov(x::rcx.cloneAs(half), RegAlloc::fixed(cpu::ECX).cloneAs(half));
        a.push(CPU_REG);
        a.mov(x::rbx.cloneAs(half), RegAlloc::fixed(cpu::EBX).cloneAs(half));
        if (wide)
            a.cmpxchg16b(x::ptr(x::rsi));
        else
            a.cmpxchg8b(x::ptr(x::rsi));
        a.pop(CPU_REG);
        asmjit::Label equal = a.newLabel();
        a.jz(equal);
        a.mov(EAX.cloneAs(half), half);
        a.mov(EDX.cloneAs(half), x::rdx.cloneAs(half));
        a.bind(equal);
        t.flags_produced(kind);
    }, true);
    return true;
}

// XADD r/m, r: the host's (flags as ADD), in place for memory.
bool xadd(Translator& t) {
    const auto src = t.reg(t.op(1));
    if (!src) return false;
    if (t.op(0).kind == Translator::Kind::Mem) {
        if (!t.read_modify_write(src->size(), false, true, [&](const x::Mem& m) { t.a.xadd(m, *src); })) return false;
    } else {
        const auto dst = t.reg(t.op(0));
        if (!dst) return false;
        t.a.xadd(*dst, *src);
    }
    t.flags_produced(FlagKind::Exact);
    return true;
}

// CBW/CWDE/CDQE: AX, EAX or RAX = the sign extension of AL, AX or EAX.
bool widen_accumulator(Translator& t) {
    switch (t.insn().osize) {
    case 2: t.a.movsx(EAX.r16(), EAX.r8()); break;
    case 4: t.a.movsx(EAX, EAX.r16()); break;
    default: t.a.movsxd(EAX.r64(), EAX); break;
    }
    return true;
}

// CWD/CDQ/CQO: DX, EDX or RDX = copies of the accumulator's sign, through the host's own
// CWD/CDQ/CQO (a shift would change the flags).
bool sign_to_edx(Translator& t) {
    switch (t.insn().osize) {
    case 2: t.a.mov(x::eax, EAX), t.a.cwd(), t.a.mov(EDX.r16(), x::dx); break;
    case 4: t.a.mov(x::eax, EAX), t.a.cdq(), t.a.mov(EDX, x::edx); break;
    default: t.a.mov(x::rax, EAX.r64()), t.a.cqo(), t.a.mov(EDX.r64(), x::rdx); break;
    }
    return true;
}

// To a register or to memory (a byte store from al; the address waits in rsi, which reading
// the flags keeps).
bool setcc(Translator& t) {
    const x::CondCode cc = x::CondCode(cpu::ops::cond_of(cpu::ops::SETCC, ZydisMnemonic(t.insn().mnemonic)));
    if (t.op(0).kind == Translator::Kind::Mem) {
        if (!t.effective_address()) return false;
        t.flags_to_host();
        t.a.set(cc, x::al);
        t.store(1, t.insn().seg);
        return true;
    }
    if (HighBytes::named(t)) {
        t.flags_to_host();  // before the copies: it may clobber rcx
        const HighBytes r(t);
        t.a.set(cc, r[0]);
        r.write_back(1);
        return true;
    }
    auto dst = t.reg(t.op(0), 1);
    if (!dst) return false;
    t.flags_to_host();
    t.a.set(cc, *dst);
    return true;
}

// A memory source is read whether or not the condition holds (docs/undefined.md), so it is
// loaded first.
bool cmovcc(Translator& t) {
    auto dst = t.reg(t.op(0));
    if (!dst) return false;
    const auto& s = t.op(1);
    const x::CondCode cc = x::CondCode(cpu::ops::cond_of(cpu::ops::CMOVCC, ZydisMnemonic(t.insn().mnemonic)));
    if (s.kind == Translator::Kind::Reg) {
        auto src = t.reg(s);
        if (!src) return false;
        t.flags_to_host();
        t.a.cmov(cc, *dst, *src);
        return true;
    }
    if (s.kind != Translator::Kind::Mem || !t.effective_address()) return false;
    t.load(dst->size(), t.insn().seg);
    t.flags_to_host_keeping_rax();
    t.a.cmov(cc, *dst, x::eax.cloneAs(*dst));
    return true;
}

}  // namespace

void register_datamov_emitters(GroupEmitters e) {
    e[ZYDIS_MNEMONIC_NOP] = nop;
    e[ZYDIS_MNEMONIC_MOV] = mov;
    e[ZYDIS_MNEMONIC_MOVZX] = extend<false>;
    e[ZYDIS_MNEMONIC_MOVSX] = extend<true>;
    e[ZYDIS_MNEMONIC_MOVSXD] = movsxd;
    e[ZYDIS_MNEMONIC_LEA] = lea;
    e[ZYDIS_MNEMONIC_BSWAP] = bswap;
    e[ZYDIS_MNEMONIC_XCHG] = xchg;
    e[ZYDIS_MNEMONIC_CMPXCHG] = cmpxchg;
    e[ZYDIS_MNEMONIC_XADD] = xadd;
    e[ZYDIS_MNEMONIC_CMPXCHG8B] = cmpxchg_pair;
    e[ZYDIS_MNEMONIC_CMPXCHG16B] = cmpxchg_pair;
    e[ZYDIS_MNEMONIC_CBW] = widen_accumulator;
    e[ZYDIS_MNEMONIC_CWDE] = widen_accumulator;
    e[ZYDIS_MNEMONIC_CDQE] = widen_accumulator;
    e[ZYDIS_MNEMONIC_CWD] = sign_to_edx;
    e[ZYDIS_MNEMONIC_CDQ] = sign_to_edx;
    e[ZYDIS_MNEMONIC_CQO] = sign_to_edx;
    for (ZydisMnemonic m : cpu::ops::SETCC) e[m] = setcc;
    for (ZydisMnemonic m : cpu::ops::CMOVCC) e[m] = cmovcc;
}

}  // namespace jitpc::jit
