// x87 instructions inline (cpu/fpu/): loads and stores of every format, the arithmetic of
// FADD/FSUB(R)/FMUL/FDIV(R) in all forms, FSQRT, FRNDINT, FCHS, FABS, FXCH, the constants
// (FLDZ, FLD1, FLDPI, FLDL2E, FLDL2T, FLDLG2, FLDLN2), the compares
// FCOM/FUCOM(P)(P), FCOMI/FUCOMI(P), FNSTSW, FNSTCW, FLDCW and FWAIT. The registers stay in
// cpu::Cpu::fpu; an instruction loads its operands onto the host's x87 stack, runs the host's
// own instruction and stores the result, as the interpreter's host-x87 wrapper does
// (cpu/fpu/host_x87.cpp), in the same order and under the guest's precision and rounding
// control, so results, C0-C3 and the exception flags are the interpreter's to the bit.
//
// Inline code takes an instruction only where the interpreter's semantics reduce to that: CR0.EM
// and CR0.TS clear, no pending exception (FSW.ES clear), every exception masked in the guest's
// control word (unmasked ones need the interpreter's precise #MF and its biased
// overflow/underflow results), and no stack fault (every register read non-empty, ST(7) empty
// for a push). Anything else jumps to the slow path, which runs the whole instruction through
// jit_exec (Translator::guarded) before anything changed. It then keeps the interpreter's
// bookkeeping: TOP, the tags (recomputed from the value written, as Stack::write does), C1 and
// the sticky flags in the status word, and FIP/FCS/FOP/FDP/FDS for the computing instructions.
//
// The host's x87 when generated code runs: its stack empty (the C++ ABI); every exception
// masked in its control word, whose precision and rounding control are the ABI's (HOST_CW) or
// those the last inline instruction ran under (an instruction loads the guest's only when the
// host's differ: a guest at 53-bit precision, as Python on i386 runs, pays one FLDCW where it
// changes its control word, not two per instruction); its exception flags only ones inline
// instructions raised since generated code was entered, which the guest's status word holds
// already (they are sticky there, and only the interpreter clears them, from C++), so
// OR-ing all of them into it after an operation adds that operation's own (no FNCLEX per
// instruction, which cost as much as the arithmetic). C++ gets the ABI's control word and
// clear flags back where generated code calls or returns to it (x87_for_cpp); jitpc's own
// x87 code sets and clears what it uses (cpu/fpu/host_x87.cpp, transcendental.cpp).
#include <cstddef>

#include "cpu/fpu/fpu_common.h"
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

namespace sw = cpu::ops::fpu::sw;
using cpu::FpuState;

// The x86-64 ABI's control word: 64-bit precision, round to nearest, every exception masked.
constexpr uint16_t HOST_CW = 0x037F;
static_assert(sizeof(cpu::Float80) == 16, "ST(i) addressing scales by 16");

// Which checks an instruction needs before it runs (cpu/fpu/fpu_common.h, Kind): a computing
// one the guest's masks too, FLDCW only the pending exception, the FN* forms neither.
enum class Wait : uint8_t { Compute, Control, NoWait };

// The code of one instruction. After prologue(): ecx = 2 * TOP, edx = the tag word rotated
// right by 2 * TOP (ST(i)'s tag in bits 2i+1:2i), rdi = the host address of the memory operand
// and esi its offset; eax and, once the pointers are recorded, esi are free.
class X87 {
public:
    X87(Translator& t, const asmjit::Label& slow) : t(t), a(t.a), slow(slow) {}

    x::Mem field(size_t off, unsigned size) const { return x::ptr(CPU_REG, t.fpu_offset() + int32_t(off), size); }
    x::Mem fsw() const { return field(offsetof(FpuState, fsw), 2); }
    x::Mem fcw() const { return field(offsetof(FpuState, fcw), 2); }
    x::Mem ftw() const { return field(offsetof(FpuState, ftw), 2); }

    // ST(i) relative to the TOP in ecx, its index (2 * physical register) put in `idx`.
    x::Mem st(unsigned i, const x::Gp& idx, unsigned size = 10, unsigned at = 0) {
        a.lea(idx.r32(), x::ptr(x::rcx, int32_t(2 * i)));
        a.and_(idx.r32(), 14);
        return slot(idx, size, at);
    }
    // The register whose index st() put in `idx`.
    x::Mem slot(const x::Gp& idx, unsigned size, unsigned at = 0) const {
        return x::ptr(CPU_REG, idx.r64(), 3, t.fpu_offset() + int32_t(offsetof(FpuState, st) + at), size);
    }

    // Jumps to the slow path unless the instruction runs inline; `mem` bytes of memory operand
    // (0: none) mapped for reading or writing; `need` (bit i: ST(i) must be non-empty) and
    // `push` (ST(7) must be empty) read the tags.
    void prologue(Wait w, unsigned mem, bool write, unsigned need, bool push) {
        a.test(x::byte_ptr(CPU_REG, offsetof(cpu::CpuState, cr0)), cpu::cr0::EM | cpu::cr0::TS);
        a.jnz(slow);
        if (w != Wait::NoWait) {
            a.test(x::byte_ptr(CPU_REG, t.fpu_offset() + int32_t(offsetof(FpuState, fsw))), sw::ES);
            a.jnz(slow);
        }
        if (w == Wait::Compute) {
            a.movzx(x::eax, fcw());
            a.not_(x::eax);
            a.test(x::al, sw::EXC);
            a.jnz(slow);
        }
        if (mem) {
            // An address generated code does not form is jit_exec's.
            if (!t.effective_address()) a.jmp(slow);
            a.lea(x::rdi, t.host_memory(mem, write, slow));
        }
        if (need || push) {
            a.movzx(x::ecx, fsw());
            a.shr(x::ecx, 10);
            a.and_(x::ecx, 14);
            a.movzx(x::edx, ftw());
            a.ror(x::dx, x::cl);
            a.mov(x::eax, x::edx);
            a.not_(x::eax);  // empty registers are 00 now
            for (unsigned i = 0; i < 8; ++i) {
                if (!(need >> i & 1)) continue;
                a.test(x::eax, 3u << (2 * i));
                a.jz(slow);
            }
            if (push) {
                a.test(x::eax, 3u << 14);
                a.jnz(slow);
            }
        }
        if (w == Wait::Compute) pointers();
    }

    // What the interpreter's guarded() records after a computing instruction: FIP, FCS, FOP and,
    // with a memory operand, FDP and FDS.
    void pointers() {
        const cpu::Insn& i = t.insn();
        const auto sel = [](unsigned seg) {
            return x::word_ptr(CPU_REG, int32_t(offsetof(cpu::CpuState, seg) + seg * sizeof(cpu::SegCache) +
                                                offsetof(cpu::SegCache, sel)));
        };
        if (i.flags & cpu::IF_MEM) {
            a.mov(field(offsetof(FpuState, fdp), 8), x::rsi);
            a.movzx(x::eax, sel(i.seg));
            a.mov(field(offsetof(FpuState, fds), 2), x::ax);
        }
        t.next_eip_to_eax();
        a.sub(t.ip_reg(), i.len);  // in 32-bit code eax, zero-extended into FIP's 64 bits
        a.mov(field(offsetof(FpuState, fip), 8), x::rax);
        a.movzx(x::eax, sel(cpu::CS));
        a.mov(field(offsetof(FpuState, fcs), 2), x::ax);
        a.mov(field(offsetof(FpuState, fop), 2), i.imm2);
    }

    // `op` on the host's x87 under the guest's precision and rounding control (its masks are
    // all set: prologue), which stays loaded after it. Clobbers eax before `op`, not after.
    template <class Op> void under_guest_cw(Op op) {
        asmjit::Label run = a.newLabel();
        const x::Mem slot = x::word_ptr(x::rsp, -2);
        a.movzx(x::eax, fcw());
        a.and_(x::eax, 0x0F00);
        a.or_(x::eax, 0x7F);
        a.fnstcw(slot);
        a.cmp(slot, x::ax);
        a.je(run);
        a.mov(slot, x::ax);
        a.fldcw(slot);
        a.bind(run);
        op();
    }

    // The status word after the instruction: TOP moved by `pops` (-1 for a push); the host's
    // status in `hsw` (none: no host operation) gives the exception flags, which become sticky,
    // and the condition codes of `cc`; the other condition codes in `clear` become 0. Clobbers
    // esi (and `hsw`).
    void status(int pops, const x::Gp* hsw, uint16_t cc, uint16_t clear) {
        const x::Gp bits = hsw ? hsw->r32() : x::esi;
        if (hsw) a.and_(bits, sw::EXC | cc);
        if (pops) {
            a.lea(x::esi, x::ptr(x::rcx, 2 * pops));
            a.and_(x::esi, 14);
            a.shl(x::esi, 10);
            if (hsw) a.or_(bits, x::esi);
        }
        a.and_(fsw(), uint16_t(~((pops ? 0x3800 : 0) | cc | clear)));
        if (hsw || pops) a.or_(fsw(), bits.r16());
    }

    // edx's tag of ST(i) = the tag of the value now in it (cpu/fpu/fpu_common.h, tag_of).
    // Clobbers eax, esi and edi.
    void retag(unsigned i) {
        asmjit::Label odd = a.newLabel(), done = a.newLabel();
        const x::Mem sexp = st(i, x::esi, 2, offsetof(cpu::Float80, sexp));
        const x::Mem mant = slot(x::esi, 8);
        a.movzx(x::edi, sexp);
        a.and_(x::edi, 0x7FFF);
        a.lea(x::eax, x::ptr(x::rdi, -1));
        a.cmp(x::eax, 0x7FFE);
        a.jae(odd);
        a.mov(x::rax, mant);  // a normal exponent: valid with the integer bit, else special
        a.shr(x::rax, 63);
        a.xor_(x::eax, 1);
        a.add(x::eax, x::eax);
        a.jmp(done);
        a.bind(odd);  // zero exponent: zero or denormal; all ones: infinity or NaN
        a.mov(x::eax, cpu::ops::fpu::TAG_SPECIAL);
        a.test(x::edi, x::edi);
        a.jnz(done);
        a.cmp(mant, 0);
        a.jne(done);
        a.mov(x::eax, cpu::ops::fpu::TAG_ZERO);
        a.bind(done);
        set_tag(i, x::eax);
    }
    void set_tag(unsigned i, const x::Gp& tag) {
        a.and_(x::edx, ~(3u << (2 * i)));
        if (i) a.shl(tag, 2 * i);
        a.or_(x::edx, tag);
    }
    void set_tag(unsigned i, unsigned tag) {
        a.and_(x::edx, ~(3u << (2 * i)));
        if (tag) a.or_(x::edx, tag << (2 * i));
    }
    // The tags back, ST(0)'s emptied by `pops` pops (of the registers still counted from the old
    // TOP).
    void store_tags(unsigned pops = 0) {
        if (pops) a.or_(x::edx, (1u << (2 * pops)) - 1);
        a.rol(x::dx, x::cl);
        a.mov(ftw(), x::dx);
    }

    Translator& t;
    x::Assembler& a;
    const asmjit::Label& slow;
};

// An x87 instruction through X87: false (nothing emitted) for 16-bit addressing.
template <class Body> bool emit(Translator& t, Body body, bool flags_out = false) {
    const cpu::Insn& i = t.insn();
    if ((i.flags & cpu::IF_MEM) && i.asize != 4 && i.asize != 8) return false;
    t.guarded([&](const asmjit::Label& slow) {
        X87 f(t, slow);
        body(f);
    }, flags_out);
    return true;
}

// The memory operand's size, from the escape opcode and ModRM.reg in FOP (cpu/fpu/fpu_common.h,
// note_fop): D8/D9/DA m32, DB m32 or (reg 5, 7) m80, DC/DD m64, DE m16, DF m16 or (reg 5, 7) m64.
unsigned mem_bytes(const cpu::Insn& i) {
    const unsigned esc = i.imm2 >> 8, reg = (i.imm2 >> 3) & 7;
    static constexpr uint8_t bytes[8] = {4, 4, 4, 4, 8, 8, 2, 2};
    if (esc == 3 && reg >= 5) return 10;
    if (esc == 7 && reg >= 5) return 8;
    return bytes[esc];
}

bool is_mem(const Translator& t) { return t.insn().flags & cpu::IF_MEM; }

// Loads the memory operand onto the host's stack, converted as FLD/FILD do.
void host_load(X87& f, bool integer, unsigned bytes) {
    const x::Mem m = x::ptr(x::rdi, 0, bytes);
    if (integer) f.a.fild(m);
    else f.a.fld(m);
}

// ---- loads and stores ----------------------------------------------------------------------
// FLD/FILD: the value pushed (FLD m80 and FLD ST(i) copy it; the others convert on the host).
template <bool Integer> bool fld(Translator& t) {
    const unsigned bytes = is_mem(t) ? mem_bytes(t.insn()) : 0;
    const unsigned from = t.insn().r0;
    if (!bytes && (Integer || from == 7)) return false;  // FLD ST(7) always overflows the stack
    return emit(t, [&](X87& f) {
        auto& a = f.a;
        f.prologue(Wait::Compute, bytes, false, bytes ? 0 : 1u << from, true);
        if (bytes == 10) {
            const x::Mem mant = f.st(7, x::esi, 8);
            a.mov(x::rax, x::ptr(x::rdi, 0, 8));
            a.mov(mant, x::rax);
            a.movzx(x::eax, x::ptr(x::rdi, 8, 2));
            a.mov(f.slot(x::esi, 2, offsetof(cpu::Float80, sexp)), x::ax);
            f.status(-1, nullptr, 0, sw::C1);
        } else if (!bytes) {
            a.movdqu(x::xmm0, f.st(from, x::esi, 16));
            a.movdqu(f.st(7, x::esi, 16), x::xmm0);
            f.status(-1, nullptr, 0, sw::C1);
        } else {
            host_load(f, Integer, bytes);
            a.fnstsw(x::ax);
            a.fstp(f.st(7, x::esi));
            f.status(-1, &x::eax, sw::C1, 0);
        }
        f.retag(7);
        f.store_tags();
    });
}

// FLDZ, FLD1, FLDPI and the other constants: the host's own, rounded by the guest's rounding
// control as the interpreter's x87::constant() has it (raising nothing).
template <x::Inst::Id Id> bool fldconst(Translator& t) {
    return emit(t, [&](X87& f) {
        auto& a = f.a;
        f.prologue(Wait::Compute, 0, false, 0, true);
        f.under_guest_cw([&] {
            a.emit(Id);
            a.fstp(f.st(7, x::esi));
        });
        f.status(-1, nullptr, 0, sw::C1);
        f.retag(7);
        f.store_tags();
    });
}

// FST/FSTP/FIST/FISTP: ST(0) to memory (converted under the guest's control word) or ST(i).
template <bool Integer, bool Pop> bool fst(Translator& t) {
    const unsigned bytes = is_mem(t) ? mem_bytes(t.insn()) : 0;
    const unsigned to = t.insn().r0;
    if (!bytes && Integer) return false;
    return emit(t, [&](X87& f) {
        auto& a = f.a;
        f.prologue(Wait::Compute, bytes, true, 1, false);
        if (bytes == 10) {
            a.mov(x::rax, f.st(0, x::esi, 8));
            a.mov(x::ptr(x::rdi, 0, 8), x::rax);
            a.movzx(x::eax, f.slot(x::esi, 2, offsetof(cpu::Float80, sexp)));
            a.mov(x::ptr(x::rdi, 8, 2), x::ax);
            f.status(Pop, nullptr, 0, sw::C1);
        } else if (!bytes) {
            a.movdqu(x::xmm0, f.st(0, x::esi, 16));
            a.movdqu(f.st(to, x::esi, 16), x::xmm0);
            a.mov(x::eax, x::edx);  // the tag goes with the value
            a.and_(x::eax, 3);
            f.set_tag(to, x::eax);
            f.status(Pop, nullptr, 0, sw::C1);
        } else {
            const x::Mem st0 = f.st(0, x::esi);
            f.under_guest_cw([&] {
                a.fld(st0);
                const x::Mem m = x::ptr(x::rdi, 0, bytes);
                if (Integer) a.fistp(m);
                else a.fstp(m);
                a.fnstsw(x::ax);
            });
            f.status(Pop, &x::eax, sw::C1, 0);
        }
        f.store_tags(Pop);
    });
}

// ---- arithmetic ----------------------------------------------------------------------------
enum class Arith : uint8_t { Add, Sub, Subr, Mul, Div, Divr };

// ST(r0) = ST(r0) op ST(r1), or ST(0) = ST(0) op memory (the interpreter's farith): the host
// computes a op b on its ST(0) and ST(1) with a and b as the interpreter passes them.
template <Arith Op, bool Pop, bool Integer> bool farith(Translator& t) {
    const cpu::Insn& i = t.insn();
    const unsigned bytes = is_mem(t) ? mem_bytes(i) : 0;
    if (!bytes && Integer) return false;
    const unsigned d = bytes ? 0 : i.r0, s = i.r1;
    constexpr bool reversed = Op == Arith::Subr || Op == Arith::Divr;
    return emit(t, [&](X87& f) {
        auto& a = f.a;
        f.prologue(Wait::Compute, bytes, false, bytes ? 1 : (1u << d) | (1u << s), false);
        f.under_guest_cw([&] {
            // b first, then a: the host's ST(0) is a, its ST(1) b.
            const auto push_b = [&] {
                if (bytes) host_load(f, Integer, bytes);
                else a.fld(f.st(s, x::esi));
            };
            const auto push_a = [&] { a.fld(f.st(d, x::esi)); };
            if (reversed) push_a(), push_b();
            else push_b(), push_a();
            switch (Op) {
            case Arith::Add: a.fadd(x::st0, x::st1); break;
            case Arith::Mul: a.fmul(x::st0, x::st1); break;
            case Arith::Sub: case Arith::Subr: a.fsub(x::st0, x::st1); break;
            case Arith::Div: case Arith::Divr: a.fdiv(x::st0, x::st1); break;
            }
            a.fnstsw(x::ax);
            a.fstp(f.st(d, x::esi));
            a.fstp(x::st0);
        });
        f.status(Pop, &x::eax, sw::C1, 0);
        f.retag(d);
        f.store_tags(Pop);
    });
}

// FSQRT and FRNDINT: ST(0) through the host's instruction.
template <x::Inst::Id Id> bool funary(Translator& t) {
    return emit(t, [&](X87& f) {
        auto& a = f.a;
        f.prologue(Wait::Compute, 0, false, 1, false);
        f.under_guest_cw([&] {
            a.fld(f.st(0, x::esi));
            a.emit(Id);
            a.fnstsw(x::ax);
            a.fstp(f.st(0, x::esi));
        });
        f.status(0, &x::eax, sw::C1, 0);
        f.retag(0);
        f.store_tags();
    });
}

// FCHS and FABS change only the sign (the tag stays).
template <bool Abs> bool fsign(Translator& t) {
    return emit(t, [&](X87& f) {
        auto& a = f.a;
        f.prologue(Wait::Compute, 0, false, 1, false);
        const x::Mem sign = f.st(0, x::esi, 1, offsetof(cpu::Float80, sexp) + 1);
        if (Abs) a.and_(sign, 0x7F);
        else a.xor_(sign, 0x80);
        f.status(0, nullptr, 0, sw::C1);
    });
}

bool fxch(Translator& t) {
    const unsigned r = t.insn().r0;
    return emit(t, [&](X87& f) {
        auto& a = f.a;
        f.prologue(Wait::Compute, 0, false, 1u | 1u << r, false);
        a.movdqu(x::xmm0, f.st(0, x::esi, 16));
        a.movdqu(x::xmm1, f.st(r, x::edi, 16));
        a.movdqu(f.slot(x::esi, 16), x::xmm1);
        a.movdqu(f.slot(x::edi, 16), x::xmm0);
        // The tags swap with the values.
        a.mov(x::eax, x::edx);
        a.and_(x::eax, 3);
        a.mov(x::esi, x::edx);
        a.shr(x::esi, 2 * r);
        a.and_(x::esi, 3);
        f.set_tag(r, x::eax);
        f.set_tag(0, x::esi);
        f.status(0, nullptr, 0, sw::C1);
        f.store_tags();
    });
}

// ---- compares ------------------------------------------------------------------------------
// FCOM/FUCOM forms: C0, C2, C3 (and C1 = 0) from the host's compare of ST(0) with ST(r1) or
// memory; `Pops` 0, 1 or 2.
template <bool Unordered, unsigned Pops, bool Integer> bool fcom(Translator& t) {
    const cpu::Insn& i = t.insn();
    const unsigned bytes = is_mem(t) ? mem_bytes(i) : 0;
    if (!bytes && Integer) return false;
    const unsigned s = i.r1;
    return emit(t, [&](X87& f) {
        auto& a = f.a;
        f.prologue(Wait::Compute, bytes, false, bytes ? 1 : 1u | 1u << s, false);
        if (bytes) host_load(f, Integer, bytes);
        else a.fld(f.st(s, x::esi));
        a.fld(f.st(0, x::esi));
        if (Unordered) a.fucom(x::st1);
        else a.fcom(x::st1);
        a.fnstsw(x::ax);
        a.fstp(x::st0);
        a.fstp(x::st0);
        f.status(int(Pops), &x::eax, sw::CC, 0);
        f.store_tags(Pops);
    });
}

// FCOMI/FUCOMI(P): the host's EFLAGS are the guest's (ZF, PF, CF; OF, SF, AF cleared), kept
// in ah (LAHF) over the bookkeeping; C1 = 0.
template <bool Unordered, bool Pop> bool fcomi(Translator& t) {
    const unsigned s = t.insn().r1;
    return emit(t, [&](X87& f) {
        auto& a = f.a;
        f.prologue(Wait::Compute, 0, false, 1u | 1u << s, false);
        a.fld(f.st(s, x::esi));
        a.fld(f.st(0, x::esi));
        if (Unordered) a.fucomi(x::st1);
        else a.fcomi(x::st1);
        a.fnstsw(x::ax);
        a.mov(x::edi, x::eax);
        a.lahf();
        a.fstp(x::st0);
        a.fstp(x::st0);
        // status() and store_tags() keep ah.
        f.status(Pop, &x::edi, 0, sw::C1);
        f.store_tags(Pop);
        a.xor_(x::esi, x::esi);  // OF = 0; SAHF sets the others
        a.sahf();
        t.flags_produced(FlagKind::Exact);
    }, true);
}

// ---- control -------------------------------------------------------------------------------
bool fnstsw(Translator& t) {
    return emit(t, [&](X87& f) {
        auto& a = f.a;
        f.prologue(Wait::NoWait, is_mem(t) ? 2 : 0, true, 0, false);
        a.movzx(x::eax, f.fsw());
        if (is_mem(t)) a.mov(x::ptr(x::rdi, 0, 2), x::ax);
        else a.mov(RegAlloc::fixed(cpu::EAX).r16(), x::ax);
    });
}

bool fnstcw(Translator& t) {
    return emit(t, [&](X87& f) {
        f.prologue(Wait::NoWait, 2, true, 0, false);
        f.a.movzx(x::eax, f.fcw());
        f.a.mov(x::ptr(x::rdi, 0, 2), x::ax);
    });
}

// FLDCW: bit 6 reads as set; unmasking a recorded exception makes it pending (the interpreter's
// fldcw; ES is clear here, so only setting it can change anything).
bool fldcw(Translator& t) {
    return emit(t, [&](X87& f) {
        auto& a = f.a;
        f.prologue(Wait::Control, 2, false, 0, false);
        asmjit::Label done = a.newLabel();
        a.movzx(x::eax, x::ptr(x::rdi, 0, 2));
        a.or_(x::eax, 0x40);
        a.mov(f.fcw(), x::ax);
        a.not_(x::eax);
        a.and_(x::ax, f.fsw());
        a.test(x::al, sw::EXC);
        a.jz(done);
        a.or_(f.fsw(), sw::ES | sw::B);
        a.bind(done);
    });
}

// FWAIT: #NM with CR0.TS and CR0.MP both set, then the pending-exception check, else nothing.
bool fwait(Translator& t) {
    return emit(t, [&](X87& f) {
        auto& a = f.a;
        a.mov(x::al, x::byte_ptr(CPU_REG, offsetof(cpu::CpuState, cr0)));
        a.and_(x::al, cpu::cr0::TS | cpu::cr0::MP);
        a.cmp(x::al, cpu::cr0::TS | cpu::cr0::MP);
        a.je(f.slow);
        a.test(x::byte_ptr(CPU_REG, t.fpu_offset() + int32_t(offsetof(FpuState, fsw))), sw::ES);
        a.jnz(f.slow);
    });
}

}  // namespace

void x87_for_cpp(x::Assembler& a) {
    asmjit::Label clean = a.newLabel(), done = a.newLabel();
    const x::Mem slot = x::word_ptr(x::rsp);
    a.fnstsw(slot);
    a.test(x::byte_ptr(x::rsp), sw::EXC);
    a.jz(clean);
    a.fnclex();
    a.bind(clean);
    a.fnstcw(slot);
    a.cmp(slot, HOST_CW);
    a.je(done);
    a.mov(slot, HOST_CW);
    a.fldcw(slot);
    a.bind(done);
}

void register_fpu_emitters(GroupEmitters e) {
    e[ZYDIS_MNEMONIC_FLD] = fld<false>;
    e[ZYDIS_MNEMONIC_FILD] = fld<true>;
    e[ZYDIS_MNEMONIC_FLDZ] = fldconst<x::Inst::kIdFldz>;
    e[ZYDIS_MNEMONIC_FLD1] = fldconst<x::Inst::kIdFld1>;
    e[ZYDIS_MNEMONIC_FLDPI] = fldconst<x::Inst::kIdFldpi>;
    e[ZYDIS_MNEMONIC_FLDL2E] = fldconst<x::Inst::kIdFldl2e>;
    e[ZYDIS_MNEMONIC_FLDL2T] = fldconst<x::Inst::kIdFldl2t>;
    e[ZYDIS_MNEMONIC_FLDLG2] = fldconst<x::Inst::kIdFldlg2>;
    e[ZYDIS_MNEMONIC_FLDLN2] = fldconst<x::Inst::kIdFldln2>;
    e[ZYDIS_MNEMONIC_FST] = fst<false, false>;
    e[ZYDIS_MNEMONIC_FSTP] = fst<false, true>;
    e[ZYDIS_MNEMONIC_FIST] = fst<true, false>;
    e[ZYDIS_MNEMONIC_FISTP] = fst<true, true>;
    e[ZYDIS_MNEMONIC_FADD] = farith<Arith::Add, false, false>;
    e[ZYDIS_MNEMONIC_FADDP] = farith<Arith::Add, true, false>;
    e[ZYDIS_MNEMONIC_FIADD] = farith<Arith::Add, false, true>;
    e[ZYDIS_MNEMONIC_FSUB] = farith<Arith::Sub, false, false>;
    e[ZYDIS_MNEMONIC_FSUBP] = farith<Arith::Sub, true, false>;
    e[ZYDIS_MNEMONIC_FISUB] = farith<Arith::Sub, false, true>;
    e[ZYDIS_MNEMONIC_FSUBR] = farith<Arith::Subr, false, false>;
    e[ZYDIS_MNEMONIC_FSUBRP] = farith<Arith::Subr, true, false>;
    e[ZYDIS_MNEMONIC_FISUBR] = farith<Arith::Subr, false, true>;
    e[ZYDIS_MNEMONIC_FMUL] = farith<Arith::Mul, false, false>;
    e[ZYDIS_MNEMONIC_FMULP] = farith<Arith::Mul, true, false>;
    e[ZYDIS_MNEMONIC_FIMUL] = farith<Arith::Mul, false, true>;
    e[ZYDIS_MNEMONIC_FDIV] = farith<Arith::Div, false, false>;
    e[ZYDIS_MNEMONIC_FDIVP] = farith<Arith::Div, true, false>;
    e[ZYDIS_MNEMONIC_FIDIV] = farith<Arith::Div, false, true>;
    e[ZYDIS_MNEMONIC_FDIVR] = farith<Arith::Divr, false, false>;
    e[ZYDIS_MNEMONIC_FDIVRP] = farith<Arith::Divr, true, false>;
    e[ZYDIS_MNEMONIC_FIDIVR] = farith<Arith::Divr, false, true>;
    e[ZYDIS_MNEMONIC_FSQRT] = funary<x::Inst::kIdFsqrt>;
    e[ZYDIS_MNEMONIC_FRNDINT] = funary<x::Inst::kIdFrndint>;
    e[ZYDIS_MNEMONIC_FCHS] = fsign<false>;
    e[ZYDIS_MNEMONIC_FABS] = fsign<true>;
    e[ZYDIS_MNEMONIC_FXCH] = fxch;
    e[ZYDIS_MNEMONIC_FCOM] = fcom<false, 0, false>;
    e[ZYDIS_MNEMONIC_FCOMP] = fcom<false, 1, false>;
    e[ZYDIS_MNEMONIC_FCOMPP] = fcom<false, 2, false>;
    e[ZYDIS_MNEMONIC_FICOM] = fcom<false, 0, true>;
    e[ZYDIS_MNEMONIC_FICOMP] = fcom<false, 1, true>;
    e[ZYDIS_MNEMONIC_FUCOM] = fcom<true, 0, false>;
    e[ZYDIS_MNEMONIC_FUCOMP] = fcom<true, 1, false>;
    e[ZYDIS_MNEMONIC_FUCOMPP] = fcom<true, 2, false>;
    e[ZYDIS_MNEMONIC_FCOMI] = fcomi<false, false>;
    e[ZYDIS_MNEMONIC_FCOMIP] = fcomi<false, true>;
    e[ZYDIS_MNEMONIC_FUCOMI] = fcomi<true, false>;
    e[ZYDIS_MNEMONIC_FUCOMIP] = fcomi<true, true>;
    e[ZYDIS_MNEMONIC_FNSTSW] = fnstsw;
    e[ZYDIS_MNEMONIC_FNSTCW] = fnstcw;
    e[ZYDIS_MNEMONIC_FLDCW] = fldcw;
    e[ZYDIS_MNEMONIC_FWAIT] = fwait;
}

}  // namespace jitpc::jit
