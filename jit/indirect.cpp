// Indirect branches in generated code: the lookup table (jit/engine.h, IndirectEntry) and the
// return-address stack (ReturnStack) in front of it for returns. Both end in the same check of
// an entry against the RIP, so a predicted return is exactly as safe as a table hit.
#include <cstddef>

#include "jit/engine.h"
#include "jit/tlb_probe.h"
#include "jit/translator.h"

namespace jitpc::jit {

namespace x = asmjit::x86;

namespace {

// The entry at rdi + rcx against the RIP in rax for `variant`: a jump into its translation when
// it holds that RIP and variant and the code TLB still maps RIP's page, executable, to the
// physical page the translation was made from; else a jump to `miss`, rax clobbered.
void jump_through(x::Assembler& a, Variant variant, const asmjit::Label& miss, int32_t tlb, const uint8_t* code_base) {
    a.mov(x::rdx, uint64_t(variant.index()) << IndirectEntry::VARIANT_SHIFT);  // IndirectEntry::key_of
    a.xor_(x::rdx, x::rax);
    a.cmp(x::rdx, x::qword_ptr(x::rdi, x::rcx, 0, int32_t(offsetof(IndirectEntry, key))));
    a.jne(miss);
    const bool wide = variant.mode != CodeMode::Legacy32;
    TlbProbe probe(a, tlb, x::edx, x::eax, wide);
    probe.hit(wide ? x::Gp(x::rax) : x::Gp(x::eax), 1, cpu::ACC_EXEC, miss);
    a.mov(x::eax, probe.frame());
    a.cmp(x::eax, x::dword_ptr(x::rdi, x::rcx, 0, int32_t(offsetof(IndirectEntry, frame))));
    a.jne(miss);
    a.mov(x::eax, x::dword_ptr(x::rdi, x::rcx, 0, int32_t(offsetof(IndirectEntry, code))));
    a.mov(x::rdx, reinterpret_cast<uint64_t>(code_base));
    a.add(x::rax, x::rdx);
    a.jmp(x::rax);
}

// ecx = the byte offset of the table slot of the RIP in eax (Engine::indirect_slot), rdi = the table.
void table_slot(x::Assembler& a, const IndirectEntry* table, unsigned bits, uint32_t hash) {
    a.mov(x::rdi, reinterpret_cast<uint64_t>(table));
    a.imul(x::ecx, x::eax, int32_t(hash));
    a.shr(x::ecx, 32 - bits);
    static_assert(sizeof(IndirectEntry) == 16);
    a.shl(x::ecx, 4);
}

// rdi = the return-address stack; returns its top's operand. Offsets of entries wrap with RING.
constexpr int32_t RING = int32_t(ReturnStack::DEPTH * sizeof(IndirectEntry) - 1);
static_assert(offsetof(ReturnStack, entries) == 0);
x::Mem return_stack(x::Assembler& a, const ReturnStack& r) {
    a.mov(x::rdi, reinterpret_cast<uint64_t>(&r));
    return x::dword_ptr(x::rdi, int32_t(offsetof(ReturnStack, top)));
}

}  // namespace

// Jumps to the translation of the EIP in eax (RIP in rax) for this variant through the lookup table,
// CpuState being up to date; a miss goes to the dispatcher. The lookup is one shared thunk per
// variant (Engine::Engine, emit_lookup).
void Translator::lookup_and_jump() { a.jmp(asmjit::imm(e_.lookup_thunks_[variant_.index()])); }

void Translator::emit_lookup(x::Assembler& a, const Engine& e, Variant variant, const asmjit::Label& miss) {
    table_slot(a, &e.indirect[0], Engine::INDIRECT_BITS, Engine::INDIRECT_HASH);
    jump_through(a, variant, miss, e.tlb_offset[variant.user], e.buf_.start());
}

// Inline in each return, so the host predicts each return's final jump on its own.
void Translator::return_and_jump() {
    const x::Mem top = return_stack(a, e_.returns);
    a.mov(x::ecx, top);
    a.lea(x::edx, x::ptr(x::rcx, -int32_t(sizeof(IndirectEntry))));
    a.and_(x::edx, RING);
    a.mov(top, x::edx);
    asmjit::Label miss = a.newLabel();
    jump_through(a, variant_, miss, e_.tlb_offset[user()], e_.buf_.start());
    a.bind(miss);
    a.jmp(asmjit::imm(e_.return_miss_thunks_[variant_.index()]));
}

void Translator::predict_return() {
    next_eip_to_eax();  // a store's slow path returns its status in eax
    table_slot(a, &e_.indirect[0], Engine::INDIRECT_BITS, Engine::INDIRECT_HASH);
    a.mov(x::rdx, x::qword_ptr(x::rdi, x::rcx));
    a.mov(x::rcx, x::qword_ptr(x::rdi, x::rcx, 0, 8));
    const x::Mem top = return_stack(a, e_.returns);
    a.mov(x::esi, top);
    a.add(x::esi, int32_t(sizeof(IndirectEntry)));
    a.and_(x::esi, RING);
    a.mov(top, x::esi);
    a.mov(x::qword_ptr(x::rdi, x::rsi), x::rdx);
    a.mov(x::qword_ptr(x::rdi, x::rsi, 0, 8), x::rcx);
}

}  // namespace jitpc::jit
