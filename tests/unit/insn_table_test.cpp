// The instruction table (cpu/insn_table.h) and the operand form the decoder leaves in Insn for
// the JIT, which translates from it without decoding again.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string_view>
#include <vector>

#include "cpu/decode.h"
#include "cpu/insn_table.h"
#include "cpu/model.h"
#include "cpu/state.h"
#include "jit/emitters.h"

using namespace jitpc;
using namespace jitpc::cpu;

namespace {

Insn decode32(std::vector<uint8_t> b) {
    static const Decoder d(models::pentium2);
    b.resize(15, 0x90);
    Insn i;
    CHECK(d.decode(b.data(), b.size(), CpuMode::Prot32, i) == Decoder::Status::Ok);
    return i;
}

bool no_emit(jit::Translator&) { return false; }

}  // namespace

TEST_CASE("the table's entries carry their group, facts and emitter") {
    jit::register_emitters();
    const InsnTable& t = InsnTable::get();
    CHECK(std::string_view(t[ZYDIS_MNEMONIC_ADD].group) == "arith");
    CHECK(std::string_view(t[ZYDIS_MNEMONIC_PUSH].group) == "stack");
    CHECK(std::string_view(t[ZYDIS_MNEMONIC_SETNZ].group) == "datamov");
    CHECK(std::string_view(t[ZYDIS_MNEMONIC_FADD].group) == "fpu");
    CHECK(t[ZYDIS_MNEMONIC_FADD].features.bits == FeatureSet{Feature::FPU}.bits);
    CHECK(t[ZYDIS_MNEMONIC_CMOVZ].features.bits == FeatureSet{Feature::CMOV}.bits);
    CHECK(!t[ZYDIS_MNEMONIC_CMOVZ].features_vary);
    CHECK(t[ZYDIS_MNEMONIC_MOVSD].features_vary);  // the string move and SSE2's
    CHECK(bool(t[ZYDIS_MNEMONIC_ADD].emit));
    CHECK(!t[ZYDIS_MNEMONIC_DAA].emit);
    CHECK(t[ZYDIS_MNEMONIC_ADC].flags_read == EFLAGS_CF);
    CHECK(t[ZYDIS_MNEMONIC_INC].flags_killed == (EFLAGS_ARITH & ~EFLAGS_CF));
    CHECK(t[ZYDIS_MNEMONIC_JNZ].ends_block);
    CHECK(!t[ZYDIS_MNEMONIC_ADD].may_fault);
    CHECK(t[ZYDIS_MNEMONIC_DIV].may_fault);
    CHECK(t[ZYDIS_MNEMONIC_MUL].implicit_gprs == ((1u << EAX) | (1u << EDX)));
    CHECK(t[ZYDIS_MNEMONIC_MOVSB].implicit_memory == 2);
    CHECK(t[ZYDIS_MNEMONIC_LEA].agen);
    CHECK(!t[ZYDIS_MNEMONIC_UD2].bind);  // not part of the CPU: #UD
}

TEST_CASE("an emitter goes only into an entry of the group its file is named after") {
    InsnTable& t = InsnTable::edit();
    CHECK_THROWS_AS(t.set_emitter("arith", ZYDIS_MNEMONIC_PUSH, no_emit), std::logic_error);
    CHECK_THROWS_AS(t.set_emitter("arith", ZYDIS_MNEMONIC_UD2, no_emit), std::logic_error);
    const Emitter saved = t[ZYDIS_MNEMONIC_ADD].emit;
    CHECK_NOTHROW(t.set_emitter("arith", ZYDIS_MNEMONIC_ADD, no_emit));
    t.entry(ZYDIS_MNEMONIC_ADD).emit = saved;
}

TEST_CASE("Insn keeps the operand form the JIT translates from") {
    Insn i = decode32({0x01, 0x08});  // ADD [EAX], ECX
    CHECK((i.flags & (IF_MEM | IF_MEM_FIRST | IF_R0 | IF_GPR_ONLY)) == (IF_MEM | IF_MEM_FIRST | IF_R0 | IF_GPR_ONLY));
    CHECK(!(i.flags & (IF_R1 | IF_IMM)));
    CHECK(i.r0 == ECX);
    i = decode32({0x03, 0x08});  // ADD ECX, [EAX]
    CHECK((i.flags & (IF_MEM | IF_R0)) == (IF_MEM | IF_R0));
    CHECK(!(i.flags & IF_MEM_FIRST));
    i = decode32({0xD3, 0xE0});  // SHL EAX, CL
    CHECK((i.flags & (IF_R0 | IF_R1)) == (IF_R0 | IF_R1));
    CHECK(i.r1 == ECX);
    i = decode32({0xD1, 0xE0});  // SHL EAX, 1
    CHECK((i.flags & IF_IMM));
    CHECK(i.imm == 1);
    i = decode32({0x0F, 0x22, 0xC0});  // MOV CR0, EAX
    CHECK(!(i.flags & IF_GPR_ONLY));
    i = decode32({0xCB});  // RETF
    CHECK((i.flags & IF_FAR));
    i = decode32({0xC3});  // RET
    CHECK(!(i.flags & IF_FAR));
    i = decode32({0x0F, 0xB6, 0xC7});  // MOVZX EAX, BH
    CHECK(i.aux == 1);
    CHECK(i.r1 == BH);
    i = decode32({0x6B, 0xC1, 0xFF});  // IMUL EAX, ECX, -1
    CHECK((i.flags & (IF_R0 | IF_R1 | IF_IMM)) == (IF_R0 | IF_R1 | IF_IMM));
    CHECK(i.imm == 0xFFFFFFFFu);
}
