// Stack frames: compiled code keeps its locals at fixed displacements from ESP or EBP, and a
// block often touches a dozen of them (a SHA-256 round, a multi-precision multiply loop). Each
// access would pay its own TLB probe and, since it may fault, the store of the live flags
// before it. When the block never writes the base register, every such access lies in one
// range known at translation time: one probe at the block's start proves the whole range is
// in one page that reads (and writes, when the block writes there) go straight to, and the
// accesses then neither probe nor fault.
//
// A block whose probe fails (the page is not in the TLB yet, the range crosses a page, the page
// is watched or holds code) is declined once: the dispatcher runs it in the interpreter, which
// fills the TLB as its accesses require. A block declined Engine::FRAME_DECLINES times in a
// row is translated again without frames.
#include "jit/translator.h"

#include <algorithm>
#include <cstdint>

#include "jit/engine.h"
#include "jit/tlb_probe.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

// Whether the memory operand of an instruction whose first operand is memory is written: all
// but these read it only.
bool writes_memory_first(ZydisMnemonic m) {
    return m != ZYDIS_MNEMONIC_CMP && m != ZYDIS_MNEMONIC_TEST && m != ZYDIS_MNEMONIC_BT;
}

// A frame whose accesses span more than this is not worth the probe: it would cross pages often.
constexpr int64_t MAX_SPAN = 1024;

}  // namespace

void Translator::plan_frames() {
    frames_[0] = frames_[1] = {};
    // Flat data segments (no limit or rights to check per access; 64-bit code's but FS and
    // GS), no alignment checks.
    if (!variant_.flat_data || variant_.align_check || b_.frame_declines >= Engine::FRAME_DECLINES) return;
    const unsigned asize = long64() ? 8 : 4;
    const unsigned n = unsigned(b_.insns.size());
    bool base_written[2] = {false, false};
    unsigned accesses[2] = {0, 0};
    for (unsigned k = 0; k < n; ++k) {
        const cpu::Insn& i = b_.insns[k];
        // The last instruction may write its base when it is a call or a return: nothing of
        // the block runs after it, and it cannot jump back to the block's start (a loop would
        // see the old range with a new base).
        const bool last_leaves = k + 1 == n && (i.mnemonic == ZYDIS_MNEMONIC_CALL || i.mnemonic == ZYDIS_MNEMONIC_RET);
        const uint16_t written = written_gprs(i);
        if (!last_leaves) {
            base_written[0] |= (written >> cpu::ESP) & 1;
            base_written[1] |= (written >> cpu::EBP) & 1;
        }
        // An access whose address is the operand's (the one memory operand, none hidden).
        if (!(i.flags & cpu::IF_MEM) || memory_operands(i) != 1 || i.asize != asize || i.index != cpu::NO_REG ||
            (i.prefix & cpu::PFX_RIP_REL) || (i.base != cpu::ESP && i.base != cpu::EBP) || !flat_access(1, i.seg))
            continue;
        Frame& f = frames_[i.base == cpu::EBP];
        // The operand size bounds the access (MOVZX's source is smaller; an access beyond the
        // range is made as any other: frame_memory checks).
        const int64_t lo = int32_t(i.disp), hi = lo + std::max<int64_t>(i.osize, 1);
        f.lo = accesses[i.base == cpu::EBP] ? std::min(f.lo, lo) : lo;
        f.hi = accesses[i.base == cpu::EBP] ? std::max(f.hi, hi) : hi;
        f.write |= (i.flags & cpu::IF_MEM_FIRST) && writes_memory_first(ZydisMnemonic(i.mnemonic));
        ++accesses[i.base == cpu::EBP];
    }
    // One probe for two accesses or more, whose last byte's displacement is a disp32 too.
    for (unsigned b = 0; b < 2; ++b)
        frames_[b].active = !base_written[b] && accesses[b] >= 2 && frames_[b].hi - frames_[b].lo <= MAX_SPAN &&
                            frames_[b].hi - 1 <= INT32_MAX;
}

// At the block's start, before any instruction (the flags are in CpuState, the host's free):
// each frame's range in one page with a TLB hit for reads and, if it is written, writes; its
// addend then waits on the host stack. Otherwise the block is declined.
void Translator::probe_frames() {
    if (!frames_[0].active && !frames_[1].active) return;
    asmjit::Label decline = a.newLabel();
    for (unsigned b = 0; b < 2; ++b) {
        const Frame& f = frames_[b];
        if (!f.active) continue;
        const x::Gp base = *ra_.host(b ? cpu::EBP : cpu::ESP, 8);
        // The first and last byte as the guest's address arithmetic makes them (32-bit code's
        // wraps around 4 GiB: such a range has its ends in different pages).
        const x::Gp first = address_reg(), last = long64() ? x::Gp(x::rcx) : x::Gp(x::ecx);
        a.lea(first, x::ptr(base, int32_t(f.lo)));
        a.lea(last, x::ptr(base, int32_t(f.hi - 1)));
        a.xor_(last, first);
        a.cmp(last, int32_t(memory::PAGE_SIZE - 1));
        a.ja(decline);
        TlbProbe probe(a, e_.tlb_offset[user()], x::edx, x::edi, variant_.mode != CodeMode::Legacy32);
        probe.hit(first, 1, cpu::ACC_READ, decline);
        if (f.write) probe.hit(first, 1, cpu::ACC_WRITE, decline);  // the same entry, another tag
        probe.host(first, 1);  // the addend, into rdi
        a.mov(x::qword_ptr(x::rsp, FRAME_ADDENDS + int32_t(8 * b)), x::rdi);
    }
    // The declines that count are those in a row: a TLB emptied by a context switch costs one.
    a.mov(x::rax, reinterpret_cast<uint64_t>(&b_.frame_declines));
    a.mov(x::byte_ptr(x::rax), 0);
    cold_.push_back([this, decline] {
        a.bind(decline);
        // Nothing has run: CpuState is at the block's start, as on bail_.
        a.mov(x::rax, reinterpret_cast<uint64_t>(&e_.frame_declined_));
        a.mov(x::rcx, reinterpret_cast<uint64_t>(&b_));
        a.mov(x::qword_ptr(x::rax), x::rcx);
        exit_plain();
    });
}

// Which frame covers the current instruction's operand for this access, [disp, disp + size),
// or -1. Not after a helper ran guest semantics on the main path: that may have changed the
// paging the probe saw.
int Translator::frame_of(unsigned size, unsigned seg, bool write) const {
    const cpu::Insn& i = *insn_;
    if (i.base != cpu::ESP && i.base != cpu::EBP) return -1;
    const int b = i.base == cpu::EBP;
    const Frame& f = frames_[b];
    const int64_t lo = int32_t(i.disp), hi = lo + size;
    if (!f.active || semantics_called_ || accesses_ != 0 || memory_operands(i) != 1 || i.index != cpu::NO_REG ||
        i.asize != (long64() ? 8 : 4) || (i.prefix & cpu::PFX_RIP_REL) || seg != i.seg || !flat_access(size, seg) || lo < f.lo ||
        hi > f.hi || (write && !f.write))
        return -1;
    return b;
}

// The host memory of the operand (its offset in esi) in frame `b`: no probe, no fault, nothing
// out of line, the host's flags untouched.
x::Mem Translator::frame_memory(int b, unsigned size) {
    ++accesses_;
    a.mov(x::rdi, x::qword_ptr(x::rsp, FRAME_ADDENDS + int32_t(8 * b)));
    return x::ptr(x::rdi, x::rsi, 0, 0, size);
}

}  // namespace jitpc::jit
