// Guest exceptions on the paths a guest can loop on are reported by value (Cpu::raise_pending),
// not thrown: each case below must be delivered, precisely, with Cpu::faults_unwound still 0,
// under the interpreter and under the JIT (every block translated at once). One cold path
// (a segment load) shows that the count does see a throw.
#include <doctest/doctest.h>

#include <string>

#include "jit/engine.h"
#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

namespace {

constexpr uint32_t LIMITED = 0x38;    // GDT selector: data, base 0, limit 0xFFF
constexpr uint32_t BEYOND = 0x2000;   // past that limit
constexpr uint32_t UNMAPPED = 0x400000;  // the second 4 MiB: not present in the page directory
constexpr uint32_t PD = 0x30000;

struct Case {
    const char* what;
    std::vector<uint8_t> code;  // ends in HLT; the faulting instruction is the second one
    unsigned vector;
    bool thrown = false;        // the cold path that still unwinds
    uint32_t at = test::CpuFixture::CODE + 1;  // the EIP the fault pushes
};

// Each case starts with NOP so the fault is not at the block's first instruction.
const Case CASES[] = {
    {"DIV by zero", {0x90, 0xF7, 0xF6, 0xF4}, VEC_DE},                        // div esi
    {"IDIV overflow", {0x90, 0xF7, 0xFF, 0xF4}, VEC_DE},                      // idiv edi
    {"ADD to memory (RMW)", {0x90, 0x01, 0x02, 0xF4}, VEC_PF},                 // add [edx], eax
    {"CMP with memory", {0x90, 0x3B, 0x02, 0xF4}, VEC_PF},                     // cmp eax, [edx]
    {"MOVZX from memory", {0x90, 0x0F, 0xB6, 0x02, 0xF4}, VEC_PF},             // movzx eax, byte [edx]
    {"SHL memory", {0x90, 0xD1, 0x22, 0xF4}, VEC_PF},                          // shl dword [edx], 1
    {"BTS memory", {0x90, 0x0F, 0xAB, 0x02, 0xF4}, VEC_PF},                    // bts [edx], eax
    {"XCHG memory", {0x90, 0x87, 0x02, 0xF4}, VEC_PF},                         // xchg [edx], eax
    {"IMUL from memory", {0x90, 0x0F, 0xAF, 0x02, 0xF4}, VEC_PF},              // imul eax, [edx]
    {"PUSH memory", {0x90, 0xFF, 0x32, 0xF4}, VEC_PF},                         // push dword [edx]
    {"POP to memory", {0x90, 0x8F, 0x02, 0xF4}, VEC_PF},                       // pop dword [edx]
    {"CALL through memory", {0x90, 0xFF, 0x12, 0xF4}, VEC_PF},                 // call [edx]
    {"REP STOSD past ES's limit", {0x90, 0xF3, 0xAB, 0xF4}, VEC_GP},           // rep stosd
    {"REP MOVSB past ES's limit", {0x90, 0xF3, 0xA4, 0xF4}, VEC_GP},           // rep movsb
    {"ALU source past a limit", {0x90, 0x26, 0x03, 0x03, 0xF4}, VEC_GP},       // add eax, [es:ebx]
    {"x87 under CR0.TS", {0x90, 0xD9, 0xE8, 0xF4}, VEC_NM},                    // fld1
    {"MOVUPS load", {0x90, 0x0F, 0x10, 0x02, 0xF4}, VEC_PF},                   // movups xmm0, [edx]
    {"MOVDQA store", {0x90, 0x66, 0x0F, 0x7F, 0x02, 0xF4}, VEC_PF},            // movdqa [edx], xmm0
    {"PADDD misaligned", {0x90, 0x66, 0x0F, 0xFE, 0x41, 0x01, 0xF4}, VEC_GP},  // paddd xmm0, [ecx+1]
    {"SSE under CR0.TS", {0x90, 0x0F, 0x58, 0xC1, 0xF4}, VEC_NM},              // addps xmm0, xmm1
    {"fetch from a not-present page", {0x90, 0xFF, 0xE2, 0xF4}, VEC_PF, false, UNMAPPED},  // jmp edx
    {"segment load (cold)", {0x90, 0x8E, 0xE6, 0xF4}, VEC_GP, true},           // mov fs, si
};

struct FaultFixture : test::SystemFixture {
    jit::Engine engine{cpu};
    explicit FaultFixture(bool jit) : SystemFixture(models::max) {
        wr32(test::pm::GDT + LIMITED, 0x00000FFF);
        wr32(test::pm::GDT + LIMITED + 4, 0x00409200);
        cpu.gdtr.limit = LIMITED + 7;
        // 4 MiB pages: the first present, the second not.
        wr32(PD, 0x83);
        cpu.cr4 |= cr4::PSE | cr4::OSFXSR;
        cpu.cr3 = PD;
        cpu.cr0 |= cr0::PG;
        cpu.mmu.flush_all();
        cpu.load_seg(ES, LIMITED);
        for (unsigned v : {0u, 7u, 13u, 14u}) recording_handler(v);
        if (jit) {
            interp.native = &engine;
            interp.hot_runs = 0;
        }
    }
};

}  // namespace

TEST_CASE("Faults on the hot paths are delivered without a C++ throw") {
    for (bool jit : {false, true})
        for (const Case& k : CASES) {
            CAPTURE(jit);
            const std::string what = k.what;
            CAPTURE(what);
            FaultFixture f(jit);
            f.load(k.code);
            f.reg(EAX) = 0x12345678;
            f.reg(EBX) = BEYOND;
            f.reg(ECX) = 0x100000;  // 16-byte aligned; +1 is not
            f.reg(EDX) = UNMAPPED;
            f.reg(ESI) = 0x1234;    // a divisor of 0 below; an LDT selector with no LDT
            f.reg(EDI) = UNMAPPED;
            if (k.vector == VEC_DE) {  // EDX:EAX = -2^63: by 0 (ESI), and by -1 (EDI) overflows
                f.reg(EAX) = 0;
                f.reg(EDX) = 0x80000000;
                f.reg(ESI) = 0;
                f.reg(EDI) = 0xFFFFFFFF;
            }
            if (k.vector == VEC_NM) f.cpu.cr0 |= cr0::TS;
            const uint64_t esp = f.reg(ESP);
            f.run(100);
            CHECK(f.reg(EBX) == k.vector);                      // the handler ran
            const uint32_t frame = uint32_t(f.reg(ESP)) + (vector_has_error_code(k.vector) ? 4 : 0);
            CHECK(f.rd32(frame) == k.at);  // the faulting instruction
            CHECK(f.reg(ESP) == esp - 12 - (vector_has_error_code(k.vector) ? 4 : 0));
            // The NOP (and the JMP that reached the page) and the handler with its HLT.
            CHECK(f.cpu.icount == (k.at == UNMAPPED ? 5 : 4));
            if (k.vector == VEC_PF) CHECK(f.cpu.cr2 >= UNMAPPED);
            CHECK(f.cpu.faults_unwound == (k.thrown ? 1 : 0));
        }
}
