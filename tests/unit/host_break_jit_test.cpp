// The host debugger's breakpoints under the JIT (cpu/host_debug.h): a loop in one page calls a
// function in the next, so translated code reaches the function and the return through the
// indirect-branch table and the loop head through a link. Breakpoints set there after the code
// is hot stop the JIT at the same counts as the interpreter, and code in a page without a
// breakpoint still runs translated meanwhile.
#include <doctest/doctest.h>

#include <memory>
#include <utility>
#include <vector>

#include "jit/engine.h"
#include "tests/unit/cpu_fixture.h"

using namespace jitpc;

namespace {

constexpr uint32_t LOOP = test::CpuFixture::CODE, FUNC = LOOP + 0x1000;
constexpr uint32_t LOOP_HEAD = LOOP + 5, RETURN_TO = LOOP + 0xB, FUNC_MID = FUNC + 2;

// (count, ECX) at each of the first `hits` stops at `breaks`, set once `warm` instructions ran.
std::vector<std::pair<uint64_t, uint64_t>> hits_at(bool jit, std::vector<uint64_t> breaks, uint64_t warm,
                                                    unsigned hits, uint64_t* translated = nullptr) {
    test::CpuFixture f;
    f.flat32();
    std::unique_ptr<jit::Engine> engine;
    if (jit) {
        engine = std::make_unique<jit::Engine>(f.cpu);
        f.interp.native = engine.get();
    }
    f.load({0xB9, 0, 0, 0, 0,                    // mov ecx, 0
            0x41,                                // LOOP_HEAD: inc ecx
            0xE8, 0xF5, 0x0F, 0, 0,              // call FUNC
            0x81, 0xF9, 0, 0, 0x10, 0,           // RETURN_TO: cmp ecx, 0x100000
            0x75, 0xF2,                          // jne LOOP_HEAD
            0xF4});                              // hlt
    const uint8_t func[] = {0x01, 0xC8,          // add eax, ecx
                            0x31, 0xC3,          // FUNC_MID: xor ebx, eax
                            0xC3};               // ret
    f.mem.write_bytes(FUNC, func, sizeof func);
    f.run(warm);
    cpu::HostDebug& d = f.cpu.host_debug;
    d.breaks = std::move(breaks);
    f.cpu.debug_regs_changed();
    if (engine) engine->forget_indirect();
    const uint64_t before = engine ? engine->blocks_translated : 0;
    std::vector<std::pair<uint64_t, uint64_t>> out;
    while (out.size() < hits && !f.cpu.halted) {
        f.run(1'000'000);
        if (d.hit != cpu::HostDebug::Hit::Break) break;
        out.emplace_back(f.cpu.icount, f.cpu.gpr[cpu::ECX]);
        d.hit = cpu::HostDebug::Hit::None;
        d.resume_at = f.cpu.code_linear();
    }
    if (translated) *translated = engine ? engine->blocks_translated - before : 0;
    return out;
}

}  // namespace

TEST_CASE("host breakpoints stop translated code at the interpreter's counts") {
    const std::vector<uint64_t> places[] = {{FUNC_MID}, {RETURN_TO}, {LOOP_HEAD}, {FUNC_MID, LOOP_HEAD}};
    for (const std::vector<uint64_t>& breaks : places) {
        for (const uint64_t warm : {0, 3, 4000}) {
            const auto want = hits_at(false, breaks, warm, 6);
            REQUIRE(want.size() == 6);
            CHECK_MESSAGE(hits_at(true, breaks, warm, 6) == want, "break at " << std::hex << breaks[0] << ", after " << warm);
        }
    }
}

TEST_CASE("with a breakpoint set, the blocks of other pages run translated") {
    uint64_t translated = 0;
    const auto hits = hits_at(true, {FUNC_MID}, 0, 3, &translated);
    CHECK(hits.size() == 3);
    CHECK(translated > 0);  // the loop's blocks
}
