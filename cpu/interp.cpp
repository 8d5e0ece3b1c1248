#include "cpu/interp.h"

#include <algorithm>
#include <iterator>
#include <memory>

namespace jitpc::cpu {

namespace {
constexpr unsigned MAX_BLOCK_INSNS = 64;
}

Interpreter::Interpreter(Cpu& cpu) : cpu_(cpu), dec_(cpu.model) {}

Block* Interpreter::decode_block(uint64_t lin, memory::PhysAddr phys) {
    auto b = std::make_unique<Block>();
    const CpuMode mode = cpu_.mode();
    b->key = BlockCache::key(phys, mode);
    b->phys = phys;
    b->page2 = 1;
    b->bytes = 0;
    uint32_t off = phys & 0xFFF;
    const memory::PhysAddr page = phys & memory::PHYS_PAGE_MASK;
    while (b->insns.size() < MAX_BLOCK_INSNS) {
        uint8_t buf[16];
        const uint32_t in_page = std::min<uint32_t>(15, memory::PAGE_SIZE - off);
        cpu_.mem.read_bytes(page | off, buf, in_page);
        Insn insn;
        size_t avail = in_page;
        memory::PhysAddr page2 = 1;
        if (dec_.decode(buf, avail, mode, insn) == Decoder::Status::NeedMoreBytes) {
            // The instruction continues on the next linear page: fetch it only now that the
            // bytes are needed, so a fault there names the second page in CR2.
            if (!cpu_.mmu.try_translate(cpu_.mmu.next_page(lin), ACC_EXEC, cpu_.user(), page2)) {
                if (b->insns.empty()) {
                    cpu_.raise_pending(cpu_.mmu.fault);
                    return nullptr;
                }
                break;  // the fault belongs to that instruction, raised when it starts a block
            }
            page2 &= memory::PHYS_PAGE_MASK;
            cpu_.mem.read_bytes(page2, buf + in_page, 15 - in_page);
            avail = 15;
            dec_.decode(buf, avail, mode, insn);
        }
        b->insns.push_back(insn);
        b->bytes += insn.len;
        off += insn.len;
        if (page2 != 1 && off > memory::PAGE_SIZE) {
            b->page2 = page2;
            break;
        }
        if ((insn.flags & IF_END_BLOCK) || off >= memory::PAGE_SIZE) break;
    }
    return cpu_.code.insert(std::move(b));
}

Block* Interpreter::block_at_eip() {
    const uint64_t lin = cpu_.code_linear();
    memory::PhysAddr phys;
    if (!cpu_.mmu.try_translate(lin, ACC_EXEC, cpu_.user(), phys)) [[unlikely]] {
        cpu_.raise_pending(cpu_.mmu.fault);
        return nullptr;
    }
    Block* b = cpu_.code.find(BlockCache::key(phys, cpu_.mode()));
    // A block whose last instruction straddles into a second page was decoded with that page
    // mapped where it was then: decoded again (and so fetched with its faults) unless the TLB
    // still maps it there.
    if (b && (b->page2 == 1 || cpu_.mmu.exec_maps(cpu_.mmu.next_page(lin), cpu_.user(), b->page2))) return b;
    return decode_block(lin, phys);
}

// What a link to `b` at `lin` stands for, block_at_eip's answer, holds while the TLB maps `lin`
// (and the second page of a block that straddles one) where `b` was decoded from: the same
// TLB hits block_at_eip would find, so following the link fetches what looking the block up
// would (a code page whose entry another page took over is walked again, as there). CR3 loads
// keep the global pages (the kernel's) and INVLPG every page but its own: links into them stay.
bool Interpreter::fetch_maps(const Block& b, uint64_t lin) const {
    const bool user = cpu_.user();
    return cpu_.mmu.exec_maps(lin, user, b.phys & memory::PHYS_PAGE_MASK) &&
           (b.page2 == 1 || cpu_.mmu.exec_maps(cpu_.mmu.next_page(lin), user, b.page2));
}

// The one place both engines deliver a fault, thrown or reported by value, at the boundary of
// the instruction that raised it.
void Interpreter::deliver_pending() {
    cpu_.fault_pending = 0;
    deliver_fault(cpu_.pending_fault);
}

void Interpreter::deliver_fault(const GuestFault& f) {
    // A fault replaces the traps the instruction would have raised on completion, and the
    // host debugger's watch hits: the access did not happen.
    cpu_.db_pending = 0;
    if (cpu_.host_debug.hit == HostDebug::Hit::Watch) cpu_.host_debug.hit = HostDebug::Hit::None;
    cpu_.irq_shadow = 0;
    cpu_.deliver_fault(f);
}

bool Interpreter::take_interrupt() {
    if (!cpu_.events) return false;  // the common case, one test
    if (cpu_.irq_shadow || !event_due()) return false;
    if ((cpu_.events & EVENT_NMI) && !cpu_.nmi_blocked) {
        cpu_.events &= ~EVENT_NMI;
        cpu_.nmi_blocked = 1;
        cpu_.halted = 0;
        cpu_.deliver(VEC_NMI, EventKind::Hardware, cpu_.rip, false, 0);
        return true;
    }
    cpu_.halted = 0;
    const uint8_t vec = cpu_.bus.intr_ack();
    cpu_.deliver(vec, EventKind::Hardware, cpu_.rip, false, 0);
    return true;
}

// What the run loop below does at a boundary besides running the next block, checked in its
// order; the careful conditions that depend on no block (the others hold for every block a
// native runner reaches by itself: its entries are only those the dispatcher ran natively).
bool Interpreter::quiet_boundary() {
    Cpu& c = cpu_;
    if (c.icount >= c.icount_limit || stop_request || c.shutdown || c.halted || c.fault_pending || c.db_pending)
        return false;
    // A shadow holds off only what is due at the next boundary. With nothing pending now and
    // the count limit (where the platform raises events) not reached, nothing can become due
    // before the next instruction retires, and that ends the shadow (as does a fault in it): the
    // next boundary is the first one events are looked at either way. Single steps and data
    // breakpoints, which MOV SS's shadow also holds, would make the dispatcher careful (below,
    // and the guest's breakpoints armed).
    if (c.irq_shadow && c.events) return false;
    if (event_due()) return false;
    if ((c.flags.bits & (EFLAGS_TF | EFLAGS_RF)) || (c.insn_bp_armed & ARMED_GUEST) || (c.watch_armed & ARMED_GUEST))
        return false;
    c.irq_shadow = 0;
    c.exit_request = 0;
    return true;
}

template <bool Careful>
void Interpreter::run_block(Block* b) {
    Cpu& c = cpu_;
    const uint64_t mask = ip_mask(c.mode());
    // Shadowed instructions (after MOV SS/STI) and traced runs retire one at a time so the
    // platform can look in between.
    const size_t n = (Careful && (c.irq_shadow || trace)) ? 1 : b->insns.size();
    for (size_t k = 0; k < n; ++k) {
        const Insn& i = b->insns[k];
        // Debug state sampled as the instruction starts: TF then decides the single-step trap
        // (so POPF/IRET setting TF trap only after the next instruction), and RF suppresses
        // instruction breakpoints for this instruction only.
        [[maybe_unused]] bool stepping = false;
        [[maybe_unused]] uint8_t shadow_before = 0;
        if constexpr (Careful) {
            if (c.insn_bp_armed && c.check_insn_breakpoint()) return;  // the host debugger's stop
            c.flags.bits &= ~EFLAGS_RF;
            stepping = c.flags.bits & EFLAGS_TF;
            shadow_before = c.irq_shadow;
            if (c.beyond_cs(c.rip + i.len - 1)) raise_gp(0);
            if (trace) trace(c, i);
        }
        c.next_rip = (c.rip + i.len) & mask;
        i.fn(c, i);
        // A fault reported by value (Cpu::raise_pending) leaves it unretired, EIP naming it.
        if (c.exit_request && c.fault_pending) [[unlikely]] return;
        c.rip = c.next_rip;
        ++c.icount;
        if constexpr (Careful) {
            // MOV SS/POP SS hold debug traps until the next instruction has retired; data
            // breakpoint hits stay pending in db_pending meanwhile.
            const bool held = !(shadow_before & SHADOW_DEBUG) && (c.irq_shadow & SHADOW_DEBUG);
            if ((stepping || c.db_pending) && !held) {
                c.debug_trap(stepping ? dr6::BS : 0);
                break;
            }
        }
        if (c.exit_request || c.icount >= c.icount_limit) break;
    }
}

StopReason Interpreter::run(uint64_t until) {
    Cpu& c = cpu_;
    c.code.running_hit = &c.exit_request;
    Block* prev = nullptr;  // block that just completed, to follow its links
    // A device armed during the run (a port write) may lower icount_limit to its event. It is
    // never more than 2^62 ticks (146 years of guest time) ahead, so the distance to it is a
    // signed 64-bit number, which is how generated code keeps it (jit/translator.h).
    c.icount_limit = std::min(until, c.icount + (uint64_t(1) << 62));
    while (c.icount < c.icount_limit) {
        if (c.code.collect()) prev = nullptr;
        if (stop_request) {
            stop_request = false;
            return StopReason::Request;
        }
        if (c.shutdown) return StopReason::Shutdown;
        try {
            // Traps left for an instruction boundary: a task switch into a TSS with the T bit
            // (from either path, or through a task gate) and breakpoints held by MOV SS.
            if (c.db_pending && !(c.irq_shadow & SHADOW_DEBUG)) {
                c.debug_trap(0);
                prev = nullptr;
                continue;
            }
            if (take_interrupt()) {
                prev = nullptr;
                continue;
            }
            if (c.halted) return StopReason::Halted;
            const bool shadow = c.irq_shadow;
            const uint64_t lin = c.code_linear();
            const uint8_t context = uint8_t(uint8_t(c.mode()) | (c.user() << 3));
            Block* b = prev ? prev->follow(lin, context, c.code_epoch) : nullptr;
            if (b && !fetch_maps(*b, lin)) b = nullptr;
            if (prev) {
                ++(b ? stats.link_hits : stats.link_misses);
                if (!b && std::any_of(std::begin(prev->links), std::end(prev->links), [&](const Block::Link& l) {
                        return l.to && l.lin == lin && l.context == context;
                    }))
                    ++stats.stale_links;
            }
            if (!b) {
                b = block_at_eip();
                if (!b) [[unlikely]] {  // its fetch faulted
                    prev = nullptr;
                    deliver_pending();
                    continue;
                }
                if (prev) prev->link(b, lin, context, c.code_epoch);
            }
            if (history) history->record(c.seg[CS].sel, c.rip, c.mode());
            c.code.running = b;
            c.exit_request = 0;
            // RF (set by every fault's delivery, so the IRET back resumes with it) only
            // suppresses the guest's instruction breakpoints, and the careful path clears it as
            // the next instruction starts: without them, clearing it here is the same, and the
            // block a fault handler returns to needs no care.
            if (!(c.insn_bp_armed & ARMED_GUEST)) c.flags.bits &= ~EFLAGS_RF;
            const bool careful = shadow || trace ||
                                 c.beyond_cs(c.rip + b->bytes - 1) ||
                                 (c.flags.bits & (EFLAGS_TF | EFLAGS_RF)) ||
                                 (c.insn_bp_armed & ARMED_GUEST) || (c.watch_armed & ARMED_GUEST) ||
                                 (c.insn_bp_armed && c.host_debug.breaks_near(lin, b->bytes));
            if (careful) {
                run_block<true>(b);
                prev = b;
            } else if (native && hot(*b) && native->run_block(*b, *this)) {
                prev = nullptr;  // it may have run further blocks
            } else {
                run_block<false>(b);
                prev = b;
            }
            // (A host breakpoint's stop before the shadowed instruction keeps the shadow.)
            if (shadow && c.host_debug.hit != HostDebug::Hit::Break) c.irq_shadow = 0;
            if (c.fault_pending) [[unlikely]] {
                prev = nullptr;
                deliver_pending();
            }
        } catch (const GuestFault& f) {
            ++c.faults_unwound;
            prev = nullptr;
            deliver_fault(f);
        }
        c.code.running = nullptr;
    }
    return StopReason::Budget;
}

}  // namespace jitpc::cpu
