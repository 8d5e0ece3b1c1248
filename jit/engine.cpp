#include "jit/engine.h"

#include <asmjit/x86.h>

#include <cinttypes>
#include <cstddef>
#include <cstring>
#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "jit/helpers.h"
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

// Assembles `build`'s code into the buffer and returns where it starts; `stubs` gets its name
// and extent for -perfmap.
template <typename F> uint8_t* assemble(CodeBuffer& buf, std::vector<Stub>& stubs, std::string name, F build) {
    asmjit::CodeHolder code;
    code.init(asmjit::Environment::host());
    x::Assembler a(&code);
    build(a);
    code.flatten();
    code.resolveUnresolvedLinks();
    uint8_t* rx = buf.alloc(code.codeSize());
    if (!rx || code.relocateToBase(reinterpret_cast<uint64_t>(rx)) != asmjit::kErrorOk)
        throw std::logic_error("JIT: cannot place the entry stubs");
    code.copyFlattenedData(buf.writable(rx), code.codeSize());
    stubs.push_back({rx, code.codeSize(), std::move(name)});
    return rx;
}

// "legacy32-user-stack32-flat": what a lookup thunk's perf map name says of its variant.
std::string variant_name(Variant v) {
    static const char* const modes[] = {"legacy32", "compat32", "long64"};
    std::string s = modes[unsigned(v.mode)];
    if (v.user) s += "-user";
    if (v.stack32) s += "-stack32";
    if (v.align_check) s += "-ac";
    if (v.flat_data) s += "-flat";
    return s;
}

const x::Gp SAVED[] = {x::rbx, x::rbp, x::r12, x::r13, x::r14, x::r15};

}  // namespace

Engine::Engine(cpu::Cpu& c, size_t cache_bytes)
    : cpu(c), bmi2(asmjit::CpuInfo::host().hasFeature(asmjit::CpuFeatures::X86::kBMI2)), buf_(cache_bytes) {
    // Generated code moves flags with LAHF/SAHF, which a few early x86-64 CPUs lack.
    if (!asmjit::CpuInfo::host().hasFeature(asmjit::CpuFeatures::X86::kLAHFSAHF))
        throw std::runtime_error("the JIT needs LAHF/SAHF in 64-bit mode on the host: use -engine interp");
    // exit: guest registers back to CpuState, host callee-saved registers restored; rax (the
    // ChainSite to link, or null) is the return value.
    exit_stub_ = assemble(buf_, stubs_, "jitpc-exit", [](x::Assembler& a) {
        RegAlloc::write_back(a);
        store_count(a, x::rcx);
        x87_for_cpp(a);
        a.add(x::rsp, HOST_FRAME_BYTES);
        for (int i = 5; i >= 0; --i) a.pop(SAVED[i]);
        a.ret();
    });
    // The bodies of helper calls (Translator::call_helper), shared so that a call site is one
    // `call rel32`: jit_exec gets the eight guest registers in CpuState and reloads them after
    // (it runs guest semantics); the others keep the caller-saved ones on the stack. Both store
    // the count before and reload it with the limit after, which a helper may lower. Entered
    // with the stack 16-byte aligned before the call, so one more slot aligns it again.
    static const char* const helper_names[] = {"jit_exec", "jit_exec_last", "jit_load8", "jit_load16", "jit_load32",
                                               "jit_load64", "jit_store8", "jit_store16", "jit_store32", "jit_store64"};
    const void* const helpers[] = {reinterpret_cast<const void*>(&jit_exec),
                                   reinterpret_cast<const void*>(&jit_exec_last),
                                   reinterpret_cast<const void*>(&jit_load8),
                                   reinterpret_cast<const void*>(&jit_load16),
                                   reinterpret_cast<const void*>(&jit_load32),
                                   reinterpret_cast<const void*>(&jit_load64),
                                   reinterpret_cast<const void*>(&jit_store8),
                                   reinterpret_cast<const void*>(&jit_store16),
                                   reinterpret_cast<const void*>(&jit_store32),
                                   reinterpret_cast<const void*>(&jit_store64)};
    static_assert(std::size(helpers) == sizeof thunks_ / sizeof thunks_[0] && std::size(helper_names) == std::size(helpers));
    for (size_t n = 0; n < std::size(helpers); ++n) {
        const bool saves_guest_regs = n <= 1;
        thunks_[n] = {helpers[n], assemble(buf_, stubs_, std::string("jitpc-thunk-") + helper_names[n], [&](x::Assembler& a) {
            if (saves_guest_regs)
                RegAlloc::write_back(a);
            else
                RegAlloc::save_caller_saved(a);
            a.sub(x::rsp, 8);
            store_count(a, x::rax);
            x87_for_cpp(a);
            a.mov(x::rdi, reinterpret_cast<uint64_t>(this));
            a.mov(x::rax, reinterpret_cast<uint64_t>(helpers[n]));
            a.call(x::rax);
            load_count(a);
            a.add(x::rsp, 8);
            if (saves_guest_regs)
                RegAlloc::reload(a);
            else
                RegAlloc::restore_caller_saved(a);
            a.ret();
        })};
    }
    // edi = an EFLAGS image with the guest's arithmetic flags (Translator::guest_flags_thunk):
    // the stored forms decoded inline, the interpreter's lazy ones evaluated by jit_flags.
    flags_thunk_ = assemble(buf_, stubs_, "jitpc-flags", [this](x::Assembler& a) {
        asmjit::Label lazy = a.newLabel();
        guest_flags_to_edi(a, lazy);
        a.ret();
        a.bind(lazy);
        a.push(x::rdx);
        a.push(x::rsi);
        RegAlloc::save_caller_saved(a);
        a.sub(x::rsp, 8);
        x87_for_cpp(a);
        a.mov(x::rdi, reinterpret_cast<uint64_t>(this));
        a.mov(x::rax, reinterpret_cast<uint64_t>(&jit_flags));
        a.call(x::rax);
        a.add(x::rsp, 8);
        RegAlloc::restore_caller_saved(a);
        a.pop(x::rsi);
        a.pop(x::rdx);
        a.mov(x::edi, x::eax);
        a.ret();
    });
    // enter(cpu rdi, code rsi): the stack stays 16-byte aligned for helper calls.
    enter_ = reinterpret_cast<EnterFn>(assemble(buf_, stubs_, "jitpc-enter", [](x::Assembler& a) {
        for (const x::Gp& r : SAVED) a.push(r);
        a.sub(x::rsp, HOST_FRAME_BYTES);
        a.mov(CPU_REG, x::rdi);
        load_count(a);
        RegAlloc::reload(a);
        a.jmp(x::rsi);
    }));
    const auto* state = reinterpret_cast<const uint8_t*>(static_cast<cpu::CpuState*>(&cpu));
    for (int u = 0; u < 2; ++u)
        tlb_offset[u] = int32_t(reinterpret_cast<const uint8_t*>(&cpu.mmu.tlb[u][0]) - state);
    sse_offset = int32_t(reinterpret_cast<const uint8_t*>(&cpu.sse) - state);
    fpu_offset = int32_t(reinterpret_cast<const uint8_t*>(&cpu.fpu) - state);
    // The indirect-branch lookup, a miss leaving for the dispatcher.
    for (unsigned v = 0; v < std::size(lookup_thunks_); ++v)
        lookup_thunks_[v] = assemble(buf_, stubs_, "jitpc-lookup-" + variant_name(Variant::from_index(v)), [&](x::Assembler& a) {
            asmjit::Label miss = a.newLabel();
            Translator::emit_lookup(a, *this, Variant::from_index(v), miss);
            a.bind(miss);
            a.mov(x::rcx, reinterpret_cast<uint64_t>(&lookup_misses));
            a.inc(x::qword_ptr(x::rcx));
            a.xor_(x::eax, x::eax);
            a.jmp(asmjit::imm(exit_stub_));
        });
    // A return that the return-address stack did not predict: the check of its entry may have
    // clobbered the RIP in eax (rax), which CpuState holds too.
    for (unsigned v = 0; v < std::size(return_miss_thunks_); ++v)
        return_miss_thunks_[v] = assemble(buf_, stubs_, "jitpc-return-miss-" + variant_name(Variant::from_index(v)), [&](x::Assembler& a) {
            if (Variant::from_index(v).mode == CodeMode::Long64)
                a.mov(x::rax, x::qword_ptr(CPU_REG, state::RIP));
            else
                a.mov(x::eax, x::dword_ptr(CPU_REG, state::RIP));
            a.mov(x::rcx, reinterpret_cast<uint64_t>(&return_mispredictions));
            a.inc(x::qword_ptr(x::rcx));
            a.jmp(asmjit::imm(lookup_thunks_[v]));
        });
    buf_.reserve_prefix();
    cpu.code.on_remove = [](void* ctx, cpu::Block* b) { static_cast<Engine*>(ctx)->forget(b); };
    cpu.code.remove_ctx = this;
}

Engine::~Engine() {
    cpu.code.on_remove = nullptr;
    for (cpu::Block* b : translated_) {
        delete static_cast<Translation*>(b->native);
        b->native = nullptr;
    }
}

bool Engine::run_block(cpu::Block& b, cpu::Interpreter& dispatcher) {
    cpu::Cpu& c = cpu;
    dispatcher_ = &dispatcher;
    // Generated code runs the code of jit/variant.h's code_mode, a block that fits before the
    // count limit.
    const std::optional<CodeMode> mode = code_mode(c);
    if (!mode || c.icount + b.insns.size() > c.icount_limit) return false;
    if (frame_declined_ == &b) {
        // Its stack frame's probe failed (jit/frame.cpp): the interpreter runs it this time,
        // filling the TLB; after too many, it is translated again without frames.
        frame_declined_ = nullptr;
        ++frame_declines;
        if (++b.frame_declines == FRAME_DECLINES) {
            forget(&b);
            ++frames_dropped;
        }
        return false;
    }
    const Variant v = Variant::of(c, *mode);
    auto* t = static_cast<Translation*>(b.native);
    uint8_t* code = t ? t->code[v.per_block()] : nullptr;
    if (!code) {
        code = translate(b, v);
        if (!code) return false;
    }
    // The entry checks the first page's mapping; a block whose last instruction straddles into
    // a second page checks that page's in its prologue (Translator::translate).
    const unsigned slot = indirect_slot(c.rip);
    const IndirectEntry entry{IndirectEntry::key_of(c.rip, v), uint32_t(code - buf_.start()), uint32_t(b.phys >> 12)};
    if (indirect[slot].key != entry.key || indirect[slot].code != entry.code) {
        indirect[slot] = entry;
        auto& slots = static_cast<Translation*>(b.native)->slots;
        if (std::find(slots.begin(), slots.end(), slot) == slots.end()) slots.push_back(slot);
    }
    // A fault inside generated code leaves through the exit stub with EIP and the count at the
    // faulting instruction and the fault in Cpu::pending_fault, for the dispatcher to deliver.
    ++entries;
    ChainSite* site = enter_(&c, code);
    if (site && !c.exit_request) {
        // Link the jump that just left to its successor if that is translated for this variant.
        cpu::Block* to = c.code.find(cpu::BlockCache::key(site->target_phys, c.mode()));
        auto* tt = to ? static_cast<Translation*>(to->native) : nullptr;
        if (tt && tt->code[v.per_block()] && code_mode(c) == v.mode && Variant::of(c, v.mode) == v)
            link(site, *to, tt->code[v.per_block()]);
    }
    return true;
}

const uint8_t* Engine::resume_point() {
    cpu::Cpu& c = cpu;
    const std::optional<CodeMode> mode = code_mode(c);
    if (!resume || !mode || !dispatcher_->quiet_boundary()) return nullptr;
    // The lookup finds only translations the dispatcher ran natively for this RIP and variant
    // (their blocks were hot, their pages free of host breakpoints), whose entry checks the
    // count limit.
    return lookup_thunks_[Variant::of(c, *mode).index()];
}

uint8_t* Engine::translate(cpu::Block& b, Variant v) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!b.native) {
            b.native = new Translation;
            translated_.insert(&b);
        }
        Translator tr(*this, b, v);
        if (uint8_t* code = tr.translate()) {
            static_cast<Translation*>(b.native)->code[v.per_block()] = code;
            ++blocks_translated;
            if (perf_map_)  // CS is flat or ignored: RIP is the linear address
                std::fprintf(perf_map_, "%" PRIxPTR " %zx guest-0x%08" PRIx64 "\n", reinterpret_cast<uintptr_t>(code),
                             tr.code_size(), cpu.rip);
            return code;
        }
        flush();  // full: start over with an empty cache
    }
    return nullptr;
}

void Engine::print_block_ends(std::FILE* out) const {
    std::vector<unsigned> seen;
    uint64_t total_left = 0, total_resumed = 0;
    for (unsigned m = 0; m <= ZYDIS_MNEMONIC_MAX_VALUE; ++m) {
        if (left[m] + resumed[m]) seen.push_back(m);
        total_left += left[m], total_resumed += resumed[m];
    }
    std::sort(seen.begin(), seen.end(), [&](unsigned x, unsigned y) { return left[x] + resumed[x] > left[y] + resumed[y]; });
    std::fprintf(out, "jitpc: JIT: %" PRIu64 " requests for the dispatcher (or block ends) from the interpreter's semantics: went on in generated code, %" PRIu64
                      " left for it\n", total_resumed, total_left);
    for (unsigned m : seen)
        std::fprintf(out, "jitpc: JIT:   %-10s %10" PRIu64 " went on %10" PRIu64 " left\n",
                     ZydisMnemonicGetString(ZydisMnemonic(m)), resumed[m], left[m]);
}

void Engine::write_perf_map(std::FILE* out) {
    perf_map_ = out;
    for (const Stub& s : stubs_)
        std::fprintf(out, "%" PRIxPTR " %zx %s\n", reinterpret_cast<uintptr_t>(s.code), s.size, s.name.c_str());
}

uint8_t* Engine::thunk(const void* helper) const {
    for (const Thunk& t : thunks_)
        if (t.helper == helper) return t.code;
    throw std::logic_error("JIT: no thunk for a helper");
}

void Engine::link(ChainSite* site, cpu::Block& to, uint8_t* target) {
    const int64_t rel = target - (site->jump + 5);
    const int32_t rel32 = int32_t(rel);
    std::memcpy(buf_.writable(site->jump) + 1, &rel32, 4);
    if (site->to) {
        auto& in = static_cast<Translation*>(site->to->native)->incoming;
        std::erase(in, site);
    }
    site->to = &to;
    static_cast<Translation*>(to.native)->incoming.push_back(site);
    ++links_made;
}

// A block is going away (its code changed, or the cache is flushed): jumps into its code go
// back to their exits, and its own jumps leave their successors' lists. Its host code stays in
// the buffer, unreachable, until the next flush, so a translation that is running when its
// block is removed can finish the instruction it is in.
void Engine::forget(cpu::Block* b) {
    auto* t = static_cast<Translation*>(b->native);
    if (!t) return;
    // Its entries in the indirect-branch table (those still holding one of its translations)
    // and in the return-address stack, so lookups need no check that a translation still exists.
    for (const uint8_t* code : t->code) {
        if (!code) continue;
        const uint32_t offset = uint32_t(code - buf_.start());
        for (uint32_t slot : t->slots)
            if (indirect[slot].code == offset) indirect[slot] = {};
        for (IndirectEntry& r : returns.entries)
            if (r.code == offset) r = {};
    }
    for (ChainSite* s : t->incoming) {
        const int32_t rel32 = int32_t(s->unlinked - (s->jump + 5));
        std::memcpy(buf_.writable(s->jump) + 1, &rel32, 4);
        s->to = nullptr;
    }
    for (auto& s : t->sites)
        if (s->to && s->to != b) std::erase(static_cast<Translation*>(s->to->native)->incoming, s.get());
    delete t;
    b->native = nullptr;
    translated_.erase(b);
}

void Engine::flush() {
    for (cpu::Block* b : translated_) {
        delete static_cast<Translation*>(b->native);
        b->native = nullptr;
    }
    translated_.clear();
    forget_indirect();
    buf_.reset();
    ++cache_flushes;
}

}  // namespace jitpc::jit
