// Stack frames (jit/frame.cpp) against the interpreter: a loop whose loads, stores,
// read-modify-writes (one with a carry in) and byte loads address ESP and EBP at fixed
// displacements, run with the frames in one page each (the first run is declined: the TLB is
// empty) and with a frame across a page boundary (declined until the block is translated again
// without frames). Registers, flags, the frames' memory and the count must agree.
#include <doctest/doctest.h>

#include <vector>

#include "jit/engine.h"
#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

namespace {

// L: mov eax, [esp+4]; add eax, [esp+8]; mov [esp+12], eax; adc [ebp-4], eax;
//    movzx edx, byte [ebp-8]; sub [esp+4], edx; cmp [ebp-4], ecx; dec ecx; jnz L; hlt
const std::vector<uint8_t> LOOP = {0x8B, 0x44, 0x24, 0x04, 0x03, 0x44, 0x24, 0x08, 0x89, 0x44, 0x24, 0x0C,
                                   0x11, 0x45, 0xFC, 0x0F, 0xB6, 0x55, 0xF8, 0x29, 0x54, 0x24, 0x04, 0x39,
                                   0x4D, 0xFC, 0x49, 0x75, 0xE3, 0xF4};

struct FramePair {
    test::CpuFixture ref, jit;
    jit::Engine engine{jit.cpu};

    FramePair() {
        ref.flat32();
        jit.flat32();
        jit.interp.native = &engine;
    }

    void run(uint32_t esp, uint32_t ebp, uint32_t iterations) {
        for (test::CpuFixture* f : {&ref, &jit}) {
            f->load(LOOP);
            f->reg(ESP) = esp;
            f->reg(EBP) = ebp;
            f->reg(ECX) = iterations;
            for (uint32_t at = 0; at < 16; at += 4) {
                f->wr32(esp + at, 0x9E3779B9u * (at + 1));
                f->wr32(ebp - 16 + at, 0x7F4A7C15u * (at + 3));
            }
            REQUIRE(f->run(20 * iterations) == StopReason::Halted);
        }
        for (unsigned r = 0; r < 8; ++r) CHECK_MESSAGE(ref.reg(r) == jit.reg(r), "register " << r);
        CHECK(ref.flags() == jit.flags());
        for (uint32_t at = 0; at < 16; at += 4) {
            CHECK_MESSAGE(ref.rd32(esp + at) == jit.rd32(esp + at), "esp+" << at);
            CHECK_MESSAGE(ref.rd32(ebp - 16 + at) == jit.rd32(ebp - 16 + at), "ebp-16+" << at);
        }
        CHECK(ref.cpu.icount == jit.cpu.icount);
    }
};

}  // namespace

TEST_CASE("JIT stack frames: accesses through one probe match the interpreter") {
    FramePair p;
    p.run(0x7FF00, 0x70800, 300);
    // The TLB was empty: the first run was declined, the others went through the frames.
    CHECK(p.engine.frame_declines >= 1);
    CHECK(p.engine.frame_declines < 4);
    CHECK(p.engine.frames_dropped == 0);
}

TEST_CASE("JIT stack frames: a frame across a page boundary is declined, then translated without") {
    FramePair p;
    p.run(0x80FF8, 0x70800, 300);  // ESP's frame [esp+4, esp+16) crosses 0x81000
    CHECK(p.engine.frame_declines == jit::Engine::FRAME_DECLINES);
    CHECK(p.engine.frames_dropped == 1);
    p.run(0x7FF00, 0x71002, 300);  // now EBP's [ebp-8, ebp) crosses 0x71000
    CHECK(p.engine.frames_dropped == 2);
}
