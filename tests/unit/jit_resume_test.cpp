// Generated code going on after an instruction that asks for the dispatcher (STI inline,
// POPF and IRETD through jit_exec_last: Engine::resume_point, Interpreter::quiet_boundary):
// only where the dispatcher would have had nothing to do. Each case runs under the interpreter
// and under the JIT with every block translated, first once to warm the JIT's links and lookup
// table with the paths a wrong "go on" would take, and must deliver the interrupt or trap at
// the same instruction, which the case also names.
#include <doctest/doctest.h>

#include <memory>

#include "jit/engine.h"
#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;
using namespace test::pm;

namespace {

constexpr uint32_t DATA = 0x5000;
constexpr uint8_t IRQ = 0x20;

// push dword [DATA]; popfd; inc ecx; inc ecx; hlt
const std::vector<uint8_t> POPFD_CODE = {0xFF, 0x35, 0x00, 0x50, 0x00, 0x00, 0x9D, 0x41, 0x41, 0xF4};

struct Rig : test::SystemFixture {
    std::unique_ptr<jit::Engine> engine;
    explicit Rig(bool jit) {
        if (jit) {
            engine = std::make_unique<jit::Engine>(cpu);
            interp.native = engine.get();
        }
        bus.ack_vector = IRQ;
        recording_handler(IRQ);  // EAX = the interrupted EIP, EBX = the vector
        recording_handler(1);    // #DB (a trap: EAX = the EIP after the instruction)
        recording_handler(13);   // #GP: EAX = the error code
    }
    // Runs `code` from CODE with IF clear, ECX 0, the INTR line as given, until it halts. The
    // same code again is not written again: that would drop its blocks and what the JIT made of
    // them.
    void go(const std::vector<uint8_t>& code, bool intr, uint64_t budget = 100) {
        std::vector<uint8_t> there(code.size());
        mem.read_bytes(CODE, there.data(), there.size());
        if (there != code) load(code);
        cpu.rip = CODE;
        cpu.halted = 0;
        cpu.flags = Flags{};
        reg(ECX) = 0, reg(EBX) = 0xFFFF, reg(ESP) = 0x80000;
        cpu.set_intr(intr);
        REQUIRE(run(budget) == StopReason::Halted);
        cpu.set_intr(false);
    }
    // POPFD_CODE with `image` for POPFD.
    void popfd(uint32_t image, bool intr) {
        wr32(DATA, image);
        go(POPFD_CODE, intr);
    }
    // The handler of `vector` ran, entered from `eip` (its EAX), with ECX at `ecx`.
    void handled(uint8_t vector, uint32_t eip, uint64_t ecx) {
        CHECK(reg(EBX) == vector);
        CHECK_MESSAGE(reg(EAX) == eip, (engine ? "jit" : "interp"));
        CHECK(reg(ECX) == ecx);
    }
};


}  // namespace

TEST_CASE("STI's shadow holds an interrupt pending at it for one instruction, under the JIT too") {
    const std::vector<uint8_t> code = {0xFB, 0x41, 0x41, 0xF4};  // sti; inc ecx; inc ecx; hlt
    for (bool jit : {false, true}) {
        Rig r(jit);
        r.go(code, false);  // warm: STI with nothing pending
        CHECK(r.reg(ECX) == 2);
        r.go(code, true);
        r.handled(IRQ, test::CpuFixture::CODE + 2, 1);  // after the first INC
    }
}

TEST_CASE("STI's shadow holds an interrupt raised at the count limit right after it") {
    const std::vector<uint8_t> code = {0x90, 0x90, 0xFB, 0x41, 0x41, 0xF4};  // nop; nop; sti; inc ecx; inc ecx; hlt
    for (bool jit : {false, true}) {
        Rig r(jit);
        r.go(code, false);
        r.cpu.rip = test::CpuFixture::CODE;
        r.cpu.halted = 0;
        r.cpu.flags = Flags{};
        r.reg(ECX) = 0;
        r.cpu.icount = 0;
        // The platform's event falls due as STI retires: the block of NOP, NOP, STI fits exactly.
        REQUIRE(r.run(3) == StopReason::Budget);
        CHECK((r.cpu.flags.bits & EFLAGS_IF) != 0);
        r.cpu.set_intr(true);
        REQUIRE(r.run(100) == StopReason::Halted);
        r.handled(IRQ, test::CpuFixture::CODE + 4, 1);
    }
}

TEST_CASE("POPFD that sets IF with an interrupt pending takes it right after POPFD") {
    for (bool jit : {false, true}) {
        Rig r(jit);
        r.popfd(0x202, false);  // warm: nothing pending, the code runs to HLT
        CHECK(r.reg(ECX) == 2);
        r.popfd(0x002, true);  // pending but IF stays clear: no interrupt
        CHECK(r.reg(ECX) == 2);
        CHECK(r.reg(EBX) == 0xFFFF);
        r.popfd(0x202, true);
        r.handled(IRQ, test::CpuFixture::CODE + 7, 0);
    }
}

TEST_CASE("POPFD that sets TF traps after the next instruction") {
    for (bool jit : {false, true}) {
        Rig r(jit);
        r.popfd(0x002, false);
        CHECK(r.reg(ECX) == 2);
        r.popfd(0x102, false);
        r.handled(1, test::CpuFixture::CODE + 8, 1);
    }
}

// IRETD to ring 3 goes on in the user variant: CR4.TSD makes RDTSC #GP there, which the
// translation made for the same code at ring 0 (inline RDTSC) would not raise.
TEST_CASE("IRETD to ring 3 goes on in code translated for ring 3") {
    for (bool jit : {false, true}) {
        Rig r(jit);
        r.cpu.cr4 |= cr4::TSD;
        r.put(USER, {0x0F, 0x31, 0xF4});  // rdtsc; hlt
        for (unsigned sr : {DS, ES}) r.cpu.load_seg(sr, 0x23);  // the same data segments at both levels
        r.cpu.rip = USER;  // warm: the code at ring 0, where RDTSC is allowed
        REQUIRE(r.run(10) == StopReason::Halted);
        r.load({0x66, 0xB8, 0x28, 0x00, 0x0F, 0x00, 0xD8, 0xCF});  // mov ax, 0x28; ltr ax; iretd
        const uint32_t frame[] = {USER, 0x1B, 0x2, 0x70000, 0x23};
        r.mem.write_bytes(0x80000 - sizeof frame, frame, sizeof frame);
        r.reg(ESP) = 0x80000 - sizeof frame;
        REQUIRE(r.run(20) == StopReason::Halted);
        CHECK(r.reg(EBX) == 13);
        CHECK_MESSAGE(r.rd32(RING0_STACK - 20) == USER, (jit ? "jit" : "interp"));  // the fault names RDTSC
    }
}

// A segment load in the middle of a block (POP DS does not end it) that leaves DS unusable (a
// null selector) changes the variant: the block's flat translation must not go on past it, and
// the load through DS faults.
TEST_CASE("POP DS that changes the variant does not go on in the same translation") {
    for (bool jit : {false, true}) {
        Rig r(jit);
        r.wr32(DATA, 0x12345678);
        // mov ecx, [DATA] (the TLB holds its page now); xor eax, eax; push eax; pop ds;
        // mov ebx, [DATA]; hlt
        r.go({0x8B, 0x0D, 0x00, 0x50, 0x00, 0x00, 0x31, 0xC0, 0x50, 0x1F, 0x8B, 0x1D, 0x00, 0x50, 0x00, 0x00, 0xF4}, false);
        CHECK_MESSAGE(r.reg(EBX) == 13, (jit ? "jit" : "interp"));
        CHECK(r.reg(EAX) == 0);  // #GP(0)
    }
}

// The point of it all: a loop of CLI and STI (nothing pending) and one of PUSHFD/POPFD stay in
// generated code instead of returning to the dispatcher every time.
TEST_CASE("STI and POPFD with nothing to deliver do not return to the dispatcher") {
    Rig r(true);
    // mov ecx, 1000; L: cli; sti; pushfd; popfd; dec ecx; jnz L; hlt
    r.go({0xB9, 0xE8, 0x03, 0x00, 0x00, 0xFA, 0xFB, 0x9C, 0x9D, 0x49, 0x75, 0xF9, 0xF4}, false, 10000);
    CHECK(r.reg(ECX) == 0);
    CHECK(r.cpu.icount == 1 + 6 * 1000 + 1);
    CHECK((r.cpu.flags.bits & EFLAGS_IF) != 0);
    CHECK(r.engine->resumed[ZYDIS_MNEMONIC_POPFD] >= 999);
    CHECK(r.engine->entries < 20);
}

TEST_CASE("OUT and a flat MOV DS in the middle of a block go on in it") {
    Rig r(true);
    // mov ecx, 1000; L: mov eax, 0x10; mov ds, eax; out 0x80, al; dec ecx; jnz L; hlt
    r.go({0xB9, 0xE8, 0x03, 0x00, 0x00, 0xB8, 0x10, 0x00, 0x00, 0x00, 0x8E, 0xD8, 0xE6, 0x80, 0x49, 0x75, 0xF4, 0xF4},
         false, 10000);
    CHECK(r.reg(ECX) == 0);
    CHECK(r.bus.writes.size() == 1000);
    CHECK(r.engine->resumed[ZYDIS_MNEMONIC_OUT] == 1000);
    CHECK(r.engine->entries < 20);
}
