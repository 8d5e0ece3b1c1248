// The widened register file: 16 GPRs of 64 bits, written by size as the hardware does (32-bit
// writes zero-extend, 8/16-bit writes keep the rest), byte registers numbered as the decoded
// form says (Reg8), and both engines keeping all 64 bits of what they do not write.
#include <doctest/doctest.h>

#include "cpu/decode.h"
#include "jit/engine.h"
#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

TEST_CASE("register writes by size: 32 bits zero-extend, 8 and 16 bits keep the rest") {
    CpuState s;
    for (uint64_t& r : s.gpr) r = 0x1122334455667788;
    s.gpr[NUM_GPRS] = 0;
    s.set_reg<uint32_t>(EAX, 0xAABBCCDD);
    CHECK(s.gpr[EAX] == 0xAABBCCDD);
    s.set_reg<uint16_t>(ECX, 0xBEEF);
    CHECK(s.gpr[ECX] == 0x112233445566BEEF);
    s.set_reg<uint8_t>(DL, 0x01);
    s.set_reg<uint8_t>(DH, 0x02);
    CHECK(s.gpr[EDX] == 0x1122334455660201);
    s.set_reg<uint8_t>(4, 0x03);  // SPL, not AH
    CHECK(s.gpr[ESP] == 0x1122334455667703);
    CHECK(s.gpr[EAX] == 0xAABBCCDD);
    s.set_reg<uint8_t>(15, 0x04);  // R15B
    CHECK(s.gpr[R15] == 0x1122334455667704);
    s.set_reg<uint64_t>(R8, 0xFEDCBA9876543210);
    CHECK(s.reg<uint32_t>(R8) == 0x76543210);
    CHECK(s.reg<uint8_t>(BH) == 0x77);
    CHECK(legacy_reg8(3) == BL);
    CHECK(legacy_reg8(4) == AH);
    CHECK(legacy_reg8(7) == BH);
}

TEST_CASE("the decoded form names AH..BH by Reg8 and absent address registers by NO_REG") {
    const Decoder d(models::pentium2);
    Insn i;
    const uint8_t mov_bh_ah[] = {0x88, 0xE7};  // mov bh, ah
    REQUIRE(d.decode(mov_bh_ah, sizeof mov_bh_ah, CpuMode::Prot32, i) == Decoder::Status::Ok);
    CHECK(i.r0 == BH);
    CHECK(i.r1 == AH);
    const uint8_t mov_dl_cl[] = {0x88, 0xCA};  // mov dl, cl
    REQUIRE(d.decode(mov_dl_cl, sizeof mov_dl_cl, CpuMode::Prot32, i) == Decoder::Status::Ok);
    CHECK(i.r0 == DL);
    CHECK(i.r1 == CL);
    const uint8_t load_abs[] = {0x8B, 0x05, 0x00, 0x10, 0x00, 0x00};  // mov eax, [0x1000]
    REQUIRE(d.decode(load_abs, sizeof load_abs, CpuMode::Prot32, i) == Decoder::Status::Ok);
    CHECK(i.base == NO_REG);
    CHECK(i.index == NO_REG);
}

// Upper halves a 32-bit guest cannot reach are set from outside, then each engine runs code
// writing registers at every size: the interpreter's and the JIT's pinned registers must end
// with the same 64 bits (the JIT stores all of r8-r15, so a 32-bit write clears the upper half
// in CpuState too).
TEST_CASE("both engines keep or clear the upper halves as the hardware does") {
    const std::vector<uint8_t> code = {
        0x89, 0xC8,              // mov eax, ecx
        0x66, 0xBA, 0x34, 0x12,  // mov dx, 0x1234
        0xB7, 0x56,              // mov bh, 0x56
        0x46,                    // inc esi
        0x8D, 0x7F, 0x01,        // lea edi, [edi+1]
        0xF4};                   // hlt
    test::CpuFixture ref, jit;
    jit::Engine engine{jit.cpu};
    jit.interp.native = &engine;
    for (test::CpuFixture* f : {&ref, &jit}) {
        f->flat32();
        f->load(code);
        for (unsigned r = 0; r < 8; ++r)
            if (r != ESP) f->cpu.gpr[r] = 0xA5A5A5A500000000 | (0x1000 * r);
        REQUIRE(f->run(100) == StopReason::Halted);
    }
    CHECK(ref.cpu.gpr[EAX] == 0x1000);
    CHECK(ref.cpu.gpr[ECX] == 0xA5A5A5A500001000);
    CHECK(ref.cpu.gpr[EDX] == 0xA5A5A5A500001234);
    CHECK(ref.cpu.gpr[EBX] == 0xA5A5A5A500005600);
    CHECK(ref.cpu.gpr[EBP] == 0xA5A5A5A500005000);
    CHECK(ref.cpu.gpr[ESI] == 0x6001);
    CHECK(ref.cpu.gpr[EDI] == 0x7001);
    for (unsigned r = 0; r < NUM_GPRS; ++r) CHECK_MESSAGE(ref.cpu.gpr[r] == jit.cpu.gpr[r], "register " << r);
    CHECK(ref.cpu.icount == jit.cpu.icount);
}
