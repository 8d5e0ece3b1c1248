// Near JMP, Jcc, CALL, RET, LOOP/LOOPE/LOOPNE and JCXZ/JECXZ. Far forms belong to the system
// group. Every transfer checks the target against CS's limit (jump_near) before the stack or
// the count register is committed, so a #GP leaves the instruction restartable.
#include "cpu/ops/cond_family.h"
#include "cpu/ops/operands.h"

namespace jitpc::cpu::ops {
namespace {

void jmp_rel(Cpu& c, const Insn& i) { c.jump_near(rel_target(c, i), i.osize); }
template <typename T, Loc L> struct JmpIndirect {
    static void run(Cpu& c, const Insn& i) {
        T target;
        if (fetch<T, L>(c, i, target)) c.jump_near(target, sizeof(T));
    }
};
void jcc(Cpu& c, const Insn& i) {
    if (c.flags.cond(i.aux)) c.jump_near(rel_target(c, i), i.osize);
}

// The return address is taken before jump_near replaces next_rip; try_push() commits ESP last
// (a fault leaves next_rip, which only a retired instruction commits).
template <typename T> void call_to(Cpu& c, uint64_t target) {
    const T ret = T(c.next_rip);
    c.jump_near(target, sizeof(T));
    c.try_push<T>(ret);
}
template <typename T> struct CallRel {
    static void run(Cpu& c, const Insn& i) { call_to<T>(c, rel_target(c, i)); }
};
template <typename T, Loc L> struct CallIndirect {
    static void run(Cpu& c, const Insn& i) {
        T target;
        if (fetch<T, L>(c, i, target)) call_to<T>(c, target);
    }
};

// RET and RET imm16 (imm is 0 for the plain form).
template <typename T> struct Ret {
    static void run(Cpu& c, const Insn& i) {
        T target;
        if (!c.try_peek_stack<T>(0, target)) return;
        c.jump_near(target, sizeof(T));
        c.set_sp(c.gpr[ESP] + sizeof(T) + (i.imm & 0xFFFF), c.sp_mask());
    }
};

// LOOP family: the address size picks CX, ECX or RCX. aux says which test applies.
enum LoopKind : uint8_t { LOOP, LOOPE, LOOPNE, JCXZ };
template <typename C> struct Loop {
    static void run(Cpu& c, const Insn& i) {
        const C old = c.reg<C>(ECX);
        const C n = i.aux == JCXZ ? old : C(old - 1);
        bool taken = i.aux == JCXZ ? n == 0 : n != 0;
        if (i.aux == LOOPE) taken = taken && c.flags.zf();
        if (i.aux == LOOPNE) taken = taken && !c.flags.zf();
        if (taken) c.jump_near(rel_target(c, i), i.osize);
        if (i.aux != JCXZ) c.set_reg<C>(ECX, n);  // JECXZ leaves RCX's upper half alone
    }
};

bool is_far(const DecodeCtx& ctx) { return ctx.zi.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR; }

template <template <typename> class H> Handler by_osize(unsigned osize) {
    return osize == 2 ? &H<uint16_t>::run : osize == 8 ? &H<uint64_t>::run : &H<uint32_t>::run;
}

Handler bind_jmp(const DecodeCtx& ctx, Insn&) {
    if (ctx.is_imm(0)) return jmp_rel;
    if (is_far(ctx)) return nullptr;
    return pick_rm<JmpIndirect>(ctx);
}

Handler bind_jcc(const DecodeCtx& ctx, Insn& i) {
    i.aux = cond_of(JCC, ctx.zi.mnemonic);
    return jcc;
}

Handler bind_call(const DecodeCtx& ctx, Insn& i) {
    if (ctx.is_imm(0)) return by_osize<CallRel>(i.osize);
    if (is_far(ctx)) return nullptr;
    return pick_rm<CallIndirect>(ctx);
}

Handler bind_ret(const DecodeCtx&, Insn& i) { return by_osize<Ret>(i.osize); }

template <LoopKind K> Handler bind_loop(const DecodeCtx&, Insn& i) {
    i.aux = K;
    return by_osize<Loop>(i.asize);
}

}  // namespace
}  // namespace jitpc::cpu::ops

namespace jitpc::cpu {

void register_control(Binder* t) {
    using namespace ops;
    t[ZYDIS_MNEMONIC_JMP] = bind_jmp;
    register_family(t, JCC, bind_jcc);
    t[ZYDIS_MNEMONIC_CALL] = bind_call;
    t[ZYDIS_MNEMONIC_RET] = bind_ret;
    t[ZYDIS_MNEMONIC_LOOP] = bind_loop<LOOP>;
    t[ZYDIS_MNEMONIC_LOOPE] = bind_loop<LOOPE>;
    t[ZYDIS_MNEMONIC_LOOPNE] = bind_loop<LOOPNE>;
    t[ZYDIS_MNEMONIC_JCXZ] = bind_loop<JCXZ>;
    t[ZYDIS_MNEMONIC_JECXZ] = bind_loop<JCXZ>;
    t[ZYDIS_MNEMONIC_JRCXZ] = bind_loop<JCXZ>;
}

}  // namespace jitpc::cpu
