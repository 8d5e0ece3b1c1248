// Blocks that end by jumping back to their own first instruction: the jump stays in generated
// code (no exit, no prologue) while the count limit allows another iteration, and in 64-bit
// code the R8-R15 the body names stay bound from one iteration to the next.
#include <algorithm>

#include "cpu/ops/cond_family.h"
#include "jit/engine.h"
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;
using namespace state;

namespace {

bool direct_jump(const cpu::Insn& i) {
    if (!(i.flags & cpu::IF_IMM)) return false;
    if (i.mnemonic == ZYDIS_MNEMONIC_JMP) return true;
    for (ZydisMnemonic m : cpu::ops::JCC)
        if (i.mnemonic == m) return true;
    return false;
}

}  // namespace

// After the prologue: `head_`, where an iteration that changed the binding begins again; the
// binding of every R8-R15 the loop's body names (when there are victims for all: the body
// then binds nothing more); `body_`, where an iteration that kept it begins.
void Translator::enter_loop() {
    const cpu::Insn& last = b_.insns.back();
    uint32_t length = 0;
    for (const cpu::Insn& i : b_.insns) length += i.len;
    insn_ = &last;
    loop_ = long64() && e_.exact && b_.page2 == 1 && direct_jump(last) && last.osize == 8 &&
            int64_t(length) + imm() == 0;
    head_ = a.newLabel();
    body_ = a.newLabel();
    a.bind(head_);
    if (loop_) {
        uint16_t named = 0, touched = 0, written = 0;
        for (size_t k = 0; k + 1 < b_.insns.size(); ++k) {
            insn_ = &b_.insns[k];
            read_operands();
            uint16_t n, t;
            gprs_touched(n, t);
            named |= n, touched |= t;
            written |= written_gprs();
        }
        const size_t before = a.offset();
        if (named >> 8 && !ra_.prepare(a, named, touched)) {
            a.setOffset(before);  // plain moves: nothing to relocate
            ra_.restore({});
        }
        // What a later iteration has written is not home when it begins again here.
        ra_.wrote(written);
        head_regs_ = ra_.binding();
    }
    insn_ = nullptr;
    a.bind(body_);
}

// The jump back to the block's start, when it can stay in generated code: only the count
// limit is checked; when it is reached, the dispatcher takes over at the block's start. Flags
// the body may observe before it writes them (live_in) are stored where its entry finds them;
// others are left in the host (those live at the exit wait in edx through the count check:
// LAHF/SETO, cheaper than PUSHF). A binding like the one made at `head_` is kept.
bool Translator::loop_back(int64_t target) {
    if (target != 0 || semantics_called_ || !e_.exact || b_.page2 != 1) return false;
    if (live_.live_in) materialize_flags(false);
    const FlagState flags = fl_;
    const bool save = fl_.in_host && fl_.dirty;
    if (save) {
        a.lahf();
        a.seto(x::al);
        a.mov(x::edx, x::eax);
    }
    const RegAlloc::Binding regs = ra_.binding();
    const bool same = regs.count == head_regs_.count &&
                      std::equal(regs.bound, regs.bound + regs.count, head_regs_.bound) &&
                      std::equal(regs.victim, regs.victim + regs.count, head_regs_.victim);
    const uint32_t delta = uint32_t(-int64_t(synced_off_));
    if (delta) a.add(rip_mem(), int32_t(delta));
    const unsigned count = k_ + 1;
    count_by(a, int32_t(count - synced_count_));
    a.cmp(COUNT_REG, -int32_t(count));
    asmjit::Label leave = a.newLabel();
    a.jg(leave);
    if (same) {
        a.jmp(body_);
    } else {
        RegAlloc::leave(a, regs);
        a.jmp(head_);
    }
    cold_.push_back([this, leave, flags, save, regs] {
        a.bind(leave);
        fl_ = flags;
        if (save) {
            a.mov(x::eax, x::edx);
            host_flags_from_lahf();
        }
        materialize_flags(false);
        RegAlloc::leave(a, regs);
        exit_plain();
    });
    ra_.restore({});
    ended_ = true;
    return true;
}

}  // namespace jitpc::jit
