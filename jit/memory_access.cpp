// Guest memory accesses in generated code: segment checks and the TLB probe (jit/tlb_probe.h) on
// the main path, the helpers and faults on out-of-line paths, read-modify-write in place.
#include "jit/translator.h"

#include "jit/engine.h"
#include "jit/helpers.h"
#include "jit/tlb_probe.h"

namespace jitpc::jit {

namespace x = asmjit::x86;
using namespace state;

// Cpu::linear()'s segment checks and the TLB hit test of Mmu::read/write for `size` bytes at
// offset esi (rsi in 64-bit code) of `seg`, jumping to `slow` for anything but a hit (a miss, a
// page crossing, MMIO, a write to a page holding code, a fault); the operand it returns
// addresses the host memory. Clobbers ecx, edx, edi and the host's flags.
x::Mem Translator::fast_path(unsigned size, unsigned seg, bool write, const asmjit::Label& slow) {
    if (flat_access(size, seg)) return tlb_lookup(size, write, slow, address_reg());
    if (long64()) {
        // Cpu::check_linear64: no limits or rights, and only FS and GS have a base. The TLB
        // probe's whole-tag compare is the canonical check (jit/tlb_probe.h).
        x::Gp lin = x::rsi;
        if (seg == cpu::FS || seg == cpu::GS) {
            a.mov(x::rcx, x::qword_ptr(CPU_REG, int32_t(offsetof(CpuState, seg) + seg * sizeof(cpu::SegCache) +
                                                        offsetof(cpu::SegCache, base))));
            a.add(x::rcx, x::rsi);
            lin = x::rcx;
        }
        if (size > 1 && variant_.align_check) {
            a.test(lin.r32(), size - 1);  // #AC: the helper raises it
            a.jnz(slow);
        }
        return tlb_lookup(size, write, slow, lin);
    }
    const int32_t s = int32_t(offsetof(CpuState, seg) + seg * sizeof(cpu::SegCache));
    a.cmp(x::esi, x::dword_ptr(CPU_REG, s + int32_t(offsetof(cpu::SegCache, lo))));
    a.jb(slow);
    if (size > 1) {
        a.lea(x::ecx, x::ptr(x::rsi, int32_t(size - 1)));
        a.cmp(x::ecx, x::esi);  // the last byte wrapped past 4 GiB
        a.jb(slow);
        a.cmp(x::ecx, x::dword_ptr(CPU_REG, s + int32_t(offsetof(cpu::SegCache, hi))));
    } else {
        a.cmp(x::esi, x::dword_ptr(CPU_REG, s + int32_t(offsetof(cpu::SegCache, hi))));
    }
    a.ja(slow);
    a.test(x::byte_ptr(CPU_REG, s + int32_t(offsetof(cpu::SegCache, rights))),
           write ? cpu::SegCache::W : cpu::SegCache::R);
    a.jz(slow);
    a.mov(x::ecx, x::dword_ptr(CPU_REG, s + int32_t(offsetof(cpu::SegCache, base))));
    a.add(x::ecx, x::esi);  // linear address
    if (size > 1 && variant_.align_check) {
        a.test(x::ecx, size - 1);  // #AC: the helper raises it
        a.jnz(slow);
    }
    return tlb_lookup(size, write, slow, x::ecx);
}

// The TLB hit test for the linear address in `lin` (ecx or esi): the host address is
// rdi + lin on a hit. Clobbers edx, edi and the host's flags.
x::Mem Translator::tlb_lookup(unsigned size, bool write, const asmjit::Label& slow, const x::Gp& lin) {
    TlbProbe probe(a, e_.tlb_offset[user()], x::edx, x::edi, variant_.mode != CodeMode::Legacy32);
    probe.hit(lin, size, write ? cpu::ACC_WRITE : cpu::ACC_READ, slow);
    return probe.host(lin, size);
}

// Whether an access keeps the host's flags: when they are there and not yet stored, the host
// has BMI2, and the segment needs no checks.
bool Translator::keeps_flags(unsigned size, unsigned seg) const {
    return e_.bmi2 && fl_.in_host && fl_.dirty && flat_access(size, seg);
}

bool Translator::flat_access(unsigned size, unsigned seg) const {
    const bool flat = long64() ? seg != cpu::FS && seg != cpu::GS
                               : variant_.flat_data && (seg == cpu::DS || seg == cpu::ES || seg == cpu::SS);
    return flat && !(size > 1 && variant_.align_check);  // no #AC check either
}

// tlb_lookup() for the linear address in esi (rsi) without writing the host's flags. Clobbers
// ecx, edx and edi.
x::Mem Translator::tlb_lookup_keeping_flags(unsigned size, bool write, const asmjit::Label& slow) {
    TlbProbe probe(a, e_.tlb_offset[user()], x::edx, x::edi, variant_.mode != CodeMode::Legacy32);
    probe.hit_keeping_flags(address_reg(), size, write ? cpu::ACC_WRITE : cpu::ACC_READ, slow);
    return probe.host(address_reg(), size);
}

x::Gp Translator::value_reg(unsigned size) {
    switch (size) {
    case 1: return x::al;
    case 2: return x::ax;
    case 4: return x::eax;
    default: return x::rax;
    }
}

x::Gp Translator::address_reg() const { return long64() ? x::Gp(x::rsi) : x::Gp(x::esi); }

bool Translator::load_into(const Operand& o) {
    const std::optional<x::Gp> r = reg(o);
    // The flags produced again after the access read the registers as the op left them.
    if (!r || (o.reg < 16 && (recompute_regs_ >> o.reg & 1) && recompute_.form != Recompute::None)) return false;
    memory(r->size(), insn_->seg, false, &*r);
    return true;
}

bool Translator::store_from(const Operand& o) {
    const std::optional<x::Gp> r = reg(o);
    if (!r) return false;
    memory(r->size(), insn_->seg, true, &*r);
    return true;
}

// A load into eax (rax) or a store from eax (rax) of guest memory at offset esi (rsi) of
// `seg`, or into or from the guest register `reg`: the hit inline (fast_path), the rest
// through a helper on an out-of-line path.
void Translator::memory(unsigned size, unsigned seg, bool store, const x::Gp* reg) {
    if (const int frame = frame_of(size, seg, store); frame >= 0) {
        move(frame_memory(frame, size), size, store, reg);
        return;
    }
    // Flags the host holds and CpuState does not are produced again after the access when
    // their op can be redone from registers; otherwise they stay in the host through an access
    // that can test its TLB entry without touching them. Only the out-of-line path stores them.
    const bool recompute = fl_.in_host && fl_.dirty && recompute_.form != Recompute::None;
    // Flags that only a fault could see from here on are stored rather than kept: LAHF/SETO
    // and a store cost less than the probe that keeps them (and its taken JECXZ), and the
    // accesses after this one then need neither. A store from eax needs eax kept meanwhile.
    const bool eax_free = !store || reg;
    const bool needed = table_[insn_->mnemonic].flags_read || (live_.read_after[k_] & ~live_.kills[k_] & cpu::EFLAGS_ARITH);
    const bool keep = !recompute && keeps_flags(size, seg) && (needed || !eax_free);
    if (!keep && !recompute) {
        materialize_flags(!eax_free);
        clobber_flags();
    }
    const FlagState flags = fl_;
    const Recompute rc = recompute_;
    // Either may reach a device that asks for the dispatcher (an APIC register raising an
    // interrupt): the block stops right after this instruction then, as the interpreter's does.
    may_request_exit_ = true;
    asmjit::Label slow = a.newLabel(), done = a.newLabel();
    move(keep ? tlb_lookup_keeping_flags(size, store, slow) : fast_path(size, seg, store, slow), size, store, reg);
    a.bind(done);
    const bool last_access = ++accesses_ >= memory_operands(*insn_);
    if (recompute) {
        // Not when nothing needs them any more: this instruction does not read them or access
        // memory again, and none after it sees them before they are written.
        const bool reads = table_[insn_->mnemonic].flags_read;
        if (!reads && last_access && !(live_.live_after[k_] & ~live_.kills[k_] & cpu::EFLAGS_ARITH))
            drop_flags();
        else
            emit_recompute(rc);
    }

    // The out-of-line path runs with CpuState at this instruction (then put back, so the main
    // path's bookkeeping stays true) and the flags stored there first; kept flags go back to
    // the host as they were.
    const int32_t eip_delta = int32_t(off_ - synced_off_), count_delta = int32_t(k_ - synced_count_);
    cold_.push_back([this, slow, done, size, seg, store, eip_delta, count_delta, flags, keep, recompute, rc, k = k_,
                     regs = ra_.binding(), guest = reg ? std::optional<x::Gp>(*reg) : std::nullopt] {
        a.bind(slow);
        fl_ = flags;
        if (recompute) emit_recompute(rc);
        materialize_flags();  // before anything here changes the host's
        if (eip_delta) a.add(rip_mem(), eip_delta);
        count_by(a, count_delta);
        const x::Gp value = size == 8 ? x::Gp(x::rax) : x::Gp(x::eax);
        if (store && guest && size < 4)
            a.movzx(x::ecx, *guest);
        else if (store)
            a.mov(x::rcx.cloneAs(value), guest ? *guest : value);
        a.mov(x::rdx.cloneAs(address_reg()), address_reg());
        a.mov(x::esi, seg);
        const unsigned log2 = size == 8 ? 3 : size / 2;
        static const void* const loads[] = {
            reinterpret_cast<const void*>(&jit_load8), reinterpret_cast<const void*>(&jit_load16),
            reinterpret_cast<const void*>(&jit_load32), reinterpret_cast<const void*>(&jit_load64)};
        static const void* const stores[] = {
            reinterpret_cast<const void*>(&jit_store8), reinterpret_cast<const void*>(&jit_store16),
            reinterpret_cast<const void*>(&jit_store32), reinterpret_cast<const void*>(&jit_store64)};
        call_helper(store ? stores[log2] : loads[log2], false);  // stores the flags
        if (store) {
            // 1: the store faulted (nothing changed). 2: it changed decoded code and requested
            // an exit: the instruction completes and the block stops after it (stop_point).
            a.cmp(x::eax, 1);
            bail_if(x::CondCode::kE, regs);
        } else if (size == 8) {
            a.test(x::edx, x::edx);  // jit_load64's fault, in rdx
            bail_if(x::CondCode::kNZ, regs);
        } else {
            a.bt(x::rax, 32);
            bail_if(x::CondCode::kC, regs);
        }
        arm_stop_point(k);
        if (eip_delta) a.sub(rip_mem(), eip_delta);
        count_by(a, -count_delta);
        if (keep) {
            a.mov(x::rdx.cloneAs(value), value);
            host_flags_from_stored_lahf();  // the host's flags, as they were
            a.mov(value, x::rdx.cloneAs(value));
        }
        if (guest && !store) a.mov(*guest, value.cloneAs(*guest));  // a byte or word keeps the rest
        a.jmp(done);
    });
    // The out-of-line path stored the flags it found in the host: CpuState's form is its or
    // the one before, depending on the run.
    if (flags.in_host && flags.dirty) flags_paths_joined();
}

// The access itself, at `host`: a load into eax (rax) or `reg`, or a store from either.
void Translator::move(const x::Mem& host, unsigned size, bool store, const x::Gp* reg) {
    if (store)
        a.mov(host, reg ? *reg : value_reg(size));
    else if (reg)
        a.mov(*reg, host);
    else if (size < 4)
        a.movzx(x::eax, host);
    else
        a.mov(value_reg(size), host);
}

// A read-modify-write of guest memory done in place on host memory: `op` gets the operand and
// emits one host instruction. With `carry_in` the guest's CF must be in the host first: it is
// loaded from CpuState when that holds plain bits, otherwise the slow path runs. The slow path
// (a miss, MMIO, code, a fault, a pending lazy flag op) runs the whole instruction through
// jit_exec and rejoins with the same state the fast path leaves.
bool Translator::read_modify_write(unsigned size, bool carry_in, bool writes_flags,
                                   const std::function<void(const x::Mem&)>& op) {
    if (!effective_address()) return false;
    if (const int frame = frame_of(size, insn_->seg, true); frame >= 0) {
        if (carry_in) flags_to_host(true);  // before the addend is loaded: this may use edi
        op(frame_memory(frame, size));
        return true;
    }
    // Flags the host keeps through the access are there for a carry in, if they hold it.
    const bool carry_in_host = fl_.kind == FlagKind::Exact || fl_.kind == FlagKind::Logic;
    // Flags the op replaces are needed only if the access faults: produced again for it then.
    const bool recompute = fl_.in_host && fl_.dirty && recompute_.form != Recompute::None &&
                           writes_flags && !carry_in;
    const bool keep = !recompute && keeps_flags(size, insn_->seg) && (!carry_in || carry_in_host);
    if (!keep && !recompute) clobber_flags();
    const FlagState flags = fl_;
    const Recompute rc = recompute_;
    asmjit::Label slow = a.newLabel(), done = a.newLabel();
    const x::Mem host = keep ? tlb_lookup_keeping_flags(size, true, slow) : fast_path(size, insn_->seg, true, slow);
    if (carry_in && !keep) {
        // edi is needed for the flags: keep the host address in rdx.
        a.lea(x::rdx, host);
        stored_flags_to_host(true);
        op(x::ptr(x::rdx, 0, size));
    } else {
        op(host);
    }
    a.bind(done);
    exec_out_of_line(slow, done, flags, recompute ? &rc : nullptr, writes_flags || flags.in_host);
    return true;
}

void Translator::guarded(const std::function<void(const asmjit::Label& slow)>& body, bool flags_out) {
    clobber_flags();
    asmjit::Label slow = a.newLabel(), done = a.newLabel();
    body(slow);
    a.bind(done);
    exec_out_of_line(slow, done, FlagState{}, nullptr, flags_out);
}

int32_t Translator::sse_offset() const { return e_.sse_offset; }
int32_t Translator::fpu_offset() const { return e_.fpu_offset; }

// The current instruction through jit_exec on an out-of-line path from `slow` (a fault, or a
// case the inline code does not take), rejoining the main path at `done` in its state: CpuState
// at the block's synced position and, with `host_after`, the flags in the host. `entry` says
// where the flags are at `slow`, produced again first by `rc` when given.
void Translator::exec_out_of_line(const asmjit::Label& slow, const asmjit::Label& done,
                                  const FlagState& entry, const Recompute* rc, bool host_after) {
    const int32_t eip_delta = int32_t(off_ - synced_off_), count_delta = int32_t(k_ - synced_count_);
    const uint8_t len = insn_->len;
    const cpu::Insn* insn = insn_;
    const std::optional<Recompute> redo = rc ? std::optional<Recompute>(*rc) : std::nullopt;
    // The slow path ran the interpreter's semantics, which may have written the flags or left
    // them in another form (Flags::get): at `done` CpuState's form is not known.
    flags_paths_joined();
    cold_.push_back([this, slow, done, eip_delta, count_delta, len, insn, entry, redo, host_after,
                     regs = ra_.binding()] {
        a.bind(slow);
        fl_ = entry;
        if (redo) emit_recompute(*redo);
        materialize_flags();
        if (eip_delta) a.add(rip_mem(), eip_delta);
        count_by(a, count_delta);
        RegAlloc::leave(a, regs);
        call_exec(insn, Fallback::SlowPath);
        a.test(x::eax, x::eax);
        a.jnz(bail_);
        RegAlloc::enter(a, regs);
        // Back to the main path's view.
        a.sub(rip_mem(), eip_delta + len);
        count_by(a, -(count_delta + 1));
        if (host_after) {
            flags_to_host();
            fl_.in_host = fl_.dirty = false;
        }
        a.jmp(done);
    });
}

}  // namespace jitpc::jit
