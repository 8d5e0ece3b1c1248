#include "jit/translator.h"

#include <cstddef>
#include <stdexcept>

#include "cpu/decode.h"
#include "jit/code_dump.h"
#include "jit/engine.h"
#include "jit/helpers.h"
#include "jit/liveness.h"
#include "jit/tlb_probe.h"

namespace jitpc::jit {

namespace x = asmjit::x86;
using cpu::CpuState;

using namespace state;

void register_emitters() {
    static const bool once = [] {
#define JITPC_REGISTER_EMIT_GROUP(name) register_##name##_emitters(GroupEmitters(#name));
        JITPC_EMIT_GROUPS(JITPC_REGISTER_EMIT_GROUP)
#undef JITPC_REGISTER_EMIT_GROUP
        return true;
    }();
    (void)once;
}

Translator::Translator(Engine& e, cpu::Block& b, Variant variant)
    : e_(e), b_(b), variant_(variant), table_(cpu::InsnTable::get()) {
    register_emitters();
    if (CodeDump::wanted(e.cpu.rip)) dump_ = std::make_unique<CodeDump>();
    code_.init(asmjit::Environment::host());
    code_.attach(&a);
}

Translator::~Translator() = default;

x::Mem Translator::rip_mem() const {
    return long64() ? x::qword_ptr(CPU_REG, RIP) : x::dword_ptr(CPU_REG, RIP);
}

x::Gp Translator::ip_reg() const { return long64() ? x::Gp(x::rax) : x::Gp(x::eax); }

int64_t Translator::imm() const {
    // MOV r64, imm64 keeps the high half in `disp` (cpu/insn.h; MOV's binder marks it).
    if (insn_->mnemonic == ZYDIS_MNEMONIC_MOV && insn_->aux == 8) return int64_t(uint64_t(insn_->disp) << 32 | insn_->imm);
    switch (insn_->osize) {
    case 1: return int8_t(insn_->imm);
    case 2: return int16_t(insn_->imm);
    default: return int32_t(insn_->imm);
    }
}

// The operands in Zydis's order: a memory destination first, then the registers (a memory
// source after the first), the immediate last.
void Translator::read_operands() {
    const uint8_t f = insn_->flags;
    nops_ = 0;
    if (f & cpu::IF_MEM_FIRST) ops_[nops_++] = {Kind::Mem};
    if (f & cpu::IF_R0) ops_[nops_++] = {Kind::Reg, insn_->r0};
    if ((f & cpu::IF_MEM) && !(f & cpu::IF_MEM_FIRST)) ops_[nops_++] = {Kind::Mem};
    if ((f & cpu::IF_R1) && nops_ < 3) ops_[nops_++] = {Kind::Reg, insn_->r1};
    if ((f & cpu::IF_IMM) && nops_ < 3) ops_[nops_++] = {Kind::Imm};
    for (unsigned n = nops_; n < 3; ++n) ops_[n] = {};
}

bool Translator::effective_address() {
    // A 32-bit LEA wraps the sum to 32 bits, as the guest's address arithmetic does.
    return effective_address(insn_->asize == 8 ? x::Gp(x::rsi) : x::Gp(x::esi));
}

bool Translator::effective_address(const x::Gp& out) {
    const cpu::Insn& i = *insn_;
    if (!(i.flags & cpu::IF_MEM) || (i.asize != 4 && i.asize != 8)) return false;
    if (i.prefix & cpu::PFX_RIP_REL) {
        // From the next instruction's RIP; CpuState::rip holds the synced position's.
        const int64_t disp = int64_t(int32_t(i.disp)) + int64_t(next_offset()) - int64_t(synced_off_);
        if (disp != int32_t(disp)) return false;
        a.mov(x::rsi, rip_mem());
        a.lea(out, x::ptr(x::rsi, int32_t(disp)));
        return true;
    }
    const int32_t disp = int32_t(i.disp);
    const bool has_base = i.base != cpu::NO_REG, has_index = i.index != cpu::NO_REG;
    if (!has_base && !has_index) {
        // A 64-bit moffs keeps its high half in `imm` (cpu/insn.h; MOV's binder marks it).
        const bool moffs64 = i.mnemonic == ZYDIS_MNEMONIC_MOV && i.aux == 8;
        const int64_t v = moffs64 ? int64_t(uint64_t(i.imm) << 32 | i.disp) : i.asize == 8 ? int64_t(disp) : int64_t(uint32_t(disp));
        a.mov(out, asmjit::imm(out.size() == 8 ? v : int64_t(uint32_t(v))));
        return true;
    }
    // Registers that stay in CpuState (R8-R15 in an instruction that could not bind them) come
    // through rsi: one of them at most.
    std::optional<x::Gp> base = has_base ? ra_.host(i.base, 8) : std::nullopt;
    std::optional<x::Gp> index = has_index ? ra_.host(i.index, 8) : std::nullopt;
    if (has_base && !base) {
        if (has_index && !index) return false;
        a.mov(x::rsi, RegAlloc::home(i.base));
        base = x::rsi;
    } else if (has_index && !index) {
        a.mov(x::rsi, RegAlloc::home(i.index));
        index = x::rsi;
    }
    x::Mem ea;
    if (base && index)
        ea = x::ptr(*base, *index, i.scale, disp);
    else if (base)
        ea = x::ptr(*base, disp);
    else  // [index*scale + disp32], no base
        ea = x::ptr_abs(uint64_t(int64_t(disp)), *index, i.scale);
    a.lea(out, ea);
    return true;
}

// How many memory operands instruction k_ accesses, hidden ones (the stack) included.
unsigned Translator::memory_operands(const cpu::Insn& i) const {
    const cpu::InsnInfo& info = table_[i.mnemonic];
    return unsigned((i.flags & cpu::IF_MEM) && !info.agen) + info.implicit_memory;
}

// The guest registers an instruction writes (the instruction table's facts), by index.
uint16_t Translator::written_gprs(const cpu::Insn& i) const {
    const cpu::InsnInfo& info = table_[i.mnemonic];
    if (!(i.flags & cpu::IF_GPR_ONLY)) return 0xFFFF;
    uint16_t m = info.implicit_gprs;
    const unsigned explicit_writes = info.writes_regs >> (i.flags & cpu::IF_MEM_FIRST ? 2 : 0);
    // A byte register is a cpu::Reg8: AH..BH are parts of registers 0-3.
    auto gpr_of = [&](uint8_t r) { return i.osize == 1 && r >= cpu::AH ? r - cpu::AH : r; };
    if ((explicit_writes & 1) && (i.flags & cpu::IF_R0)) m |= uint16_t(1u << gpr_of(i.r0));
    if ((explicit_writes & 2) && (i.flags & cpu::IF_R1)) m |= uint16_t(1u << gpr_of(i.r1));
    return m;
}

// Why instruction k_ falls back (the fallback profile's reasons), its emitter `em` having
// declined it or being none; `bound_regs`: any R8-R15 it names were bound.
Fallback Translator::why_fallback(cpu::Emitter em, bool bound_regs) const {
    if (!bound(*insn_)) return Fallback::Unbound;
    if (!em) return Fallback::NoEmitter;
    const bool gprs = insn_->flags & cpu::IF_GPR_ONLY;
    bool high_reg = long64() && !bound_regs && (insn_->flags & cpu::IF_MEM) &&
                    ((insn_->base >= 8 && insn_->base < cpu::NO_REG) || (insn_->index >= 8 && insn_->index < cpu::NO_REG));
    for (unsigned n = 0; n < nops_; ++n) {
        if (ops_[n].kind != Kind::Reg || !gprs) continue;
        if (ops_[n].reg >= cpu::AH) return Fallback::HighByte;  // a cpu::Reg8 above every GPR
        high_reg |= long64() && !bound_regs && ops_[n].reg >= 8;
    }
    return high_reg ? Fallback::HighReg : Fallback::Declined;
}

void Translator::fallback(Fallback why) {
    materialize_flags();
    sync_position();
    const bool ends = insn_->flags & cpu::IF_END_BLOCK;
    // A REP string instruction or PAUSE ends its block only because it may run again (the
    // count of iterations or ticks left is not known here): it changes no mode, so the block
    // at the EIP it left is found like a return's.
    const bool runs_again = ends && (table_[insn_->mnemonic].of_group("string") || insn_->mnemonic == ZYDIS_MNEMONIC_PAUSE);
    call_exec(insn_, why, ends && !runs_again);
    synced_off_ = off_ + insn_->len;
    synced_count_ = k_ + 1;
    ended_ = ends;
    if (ends && !runs_again) {
        // The handler set EIP (a control transfer, or a state change the dispatcher may have
        // to see: jit_exec_last decides).
        resume_or_exit();
        return;
    }
    a.test(x::eax, x::eax);
    a.jnz(bail_);
    if (runs_again) {
        a.mov(ip_reg(), rip_mem());
        lookup_and_jump();
    }
}

// ---- the block -------------------------------------------------------------------------------

void Translator::emit_instruction(unsigned k) {
    if (dump_) dump_->mark(a.offset(), int(k), false);
    const size_t cold_before = cold_.size();
    k_ = k;
    insn_ = &b_.insns[k];
    may_request_exit_ = false;
    accesses_ = 0;
    read_operands();
    const bool ok = bound(*insn_);
    const uint16_t written = ok ? written_gprs(*insn_) : 0xFFFF;
    const cpu::Emitter em = ok ? table_[insn_->mnemonic].emit : nullptr;
    const RegAlloc::Binding binding_before = ra_.binding();
    const size_t before_binding = a.offset();
    const bool regs_bound = em && prepare_registers();
    const size_t after_binding = a.offset();
    if (!em || !em(*this)) {
        if (a.offset() == after_binding) {
            // The emitter emitted nothing: the binding's moves (no labels, nothing to
            // relocate) are taken back.
            a.setOffset(before_binding);
            ra_.restore(binding_before);
        }
        ra_.close(a);
        fallback(why_fallback(em, regs_bound));
    } else {
        ra_.wrote(written);
        if (ended_ && ra_.binding().count) throw std::logic_error("JIT: a block ended with registers bound");
    }
    if (recompute_k_ != k && (written & recompute_regs_)) recompute_ = {};
    if (may_request_exit_ && !ended_) stop_point();
    off_ += insn_->len;
    if (dump_)  // its out-of-line code is marked as its own where it is emitted
        for (size_t n = cold_before; n < cold_.size(); ++n)
            cold_[n] = [this, k, emit = std::move(cold_[n])] {
                dump_->mark(a.offset(), int(k), true);
                emit();
            };
}

uint8_t* Translator::translate() {
    bail_ = a.newLabel();
    if (dump_) dump_->mark(a.offset(), CodeDump::PROLOGUE, false);
    // Entry: the block runs only when all of it fits before the count limit (a chained jump
    // lands here with CpuState at this block's start).
    const unsigned count = unsigned(b_.insns.size());
    if (e_.exact) {
        a.cmp(COUNT_REG, -int32_t(count));
        a.jg(bail_);
    }
    if (b_.page2 != 1) {
        // The last instruction straddles into the next page: its bytes hold while the code TLB
        // entry of that page maps the physical page they came from (else the dispatcher decodes
        // the block again: Interpreter::block_at_eip).
        TlbProbe probe(a, e_.tlb_offset[user()], x::edx, x::eax, variant_.mode != CodeMode::Legacy32);
        a.mov(ip_reg(), rip_mem());
        a.and_(ip_reg(), int32_t(memory::PAGE_MASK));
        a.add(ip_reg(), int32_t(memory::PAGE_SIZE));
        probe.hit(ip_reg(), 1, cpu::ACC_EXEC, bail_);
        a.cmp(probe.frame(), b_.page2 >> 12);
        a.jne(bail_);
    }
    // A requested exit is not checked here: every helper that can raise one either stops the
    // block or lowers icount_limit (helpers.cpp), which the check above sees.
    plan_frames();
    probe_frames();
    stops_.resize(count);
    for (StopPoint& sp : stops_) sp = {a.newLabel(), a.newLabel(), false};
    body_ = a.newLabel();
    a.bind(body_);
    live_ = find_dead_flags(b_, table_);
    for (unsigned k = 0; k < count && !ended_; ++k) emit_instruction(k);
    if (!ended_) {  // page end or size cap: fall through to the next block
        if (dump_) dump_->mark(a.offset(), CodeDump::BLOCK_END, false);
        ra_.close(a);
        exit_to(off_);
    }
    while (!cold_.empty()) {
        const std::function<void()> emit = std::move(cold_.front());
        cold_.pop_front();
        emit();
    }
    if (dump_) dump_->mark(a.offset(), CodeDump::BAIL, true);
    a.bind(bail_);
    exit_plain();

    code_.flatten();
    code_.resolveUnresolvedLinks();
    const size_t size = code_.codeSize();
    uint8_t* rx = e_.buf_.alloc(size);
    if (!rx) return nullptr;
    if (code_.relocateToBase(reinterpret_cast<uint64_t>(rx)) != asmjit::kErrorOk)
        throw std::logic_error("JIT: relocation failed");
    code_.copyFlattenedData(e_.buf_.writable(rx), size);
    e_.bytes_emitted += size;
    e_.insns_translated += count;
    for (const Site& s : sites_) {
        s.site->jump = rx + s.offset;
        s.site->unlinked = rx + s.offset + 5;
    }
    if (dump_) dump_->print(e_.cpu, b_, e_.cpu.rip, variant_, rx, size);
    return rx;
}

}  // namespace jitpc::jit
