// The host debugger's breakpoints and watchpoints under the JIT (cpu/host_debug.h): a loop in one
// page calls a function in the next, so translated code reaches the function and the return
// through the indirect-branch table and the loop head through a link; the function reads and
// writes a page of data. Breakpoints set there after the code is hot stop the JIT at the same
// counts as the interpreter, and code in a page without a breakpoint still runs translated
// meanwhile. Watchpoints (write, read, access; in one page with accesses they do not cover) stop
// the JIT after the instruction that made the access at the interpreter's counts, and the code
// runs translated while they are set: only the data page's accesses take the slow path.
#include <doctest/doctest.h>

#include <memory>
#include <utility>
#include <vector>

#include "jit/engine.h"
#include "tests/unit/cpu_fixture.h"

using namespace jitpc;

namespace {

constexpr uint32_t LOOP = test::CpuFixture::CODE, FUNC = LOOP + 0x1000, DATA = LOOP + 0x20000;
constexpr uint32_t LOOP_HEAD = LOOP + 5, RETURN_TO = LOOP + 0xB, FUNC_MID = FUNC + 2;
constexpr uint32_t AFTER_STORE = FUNC + 9, AFTER_LOAD = FUNC + 15, AFTER_RMW = FUNC + 22;

using Watch = cpu::HostDebug::Watch;
using Kind = cpu::HostDebug::Kind;

struct Hit {
    uint64_t count, ecx, eip;
    bool operator==(const Hit&) const = default;
};

// The first `hits` stops at `points`, set once `warm` instructions ran.
std::vector<Hit> hits_at(bool jit, cpu::HostDebug points, uint64_t warm, unsigned hits, uint64_t* translated = nullptr) {
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
    const uint8_t d0 = DATA >> 16, d4 = 4, d8 = 8;
    const uint8_t func[] = {0x01, 0xC8,                       // add eax, ecx
                            0x31, 0xC3,                       // FUNC_MID: xor ebx, eax
                            0xA3, 0, 0, d0, 0,                // mov [DATA], eax
                            0x8B, 0x15, 0, 0, d0, 0,          // AFTER_STORE: mov edx, [DATA]
                            0x83, 0x05, d4, 0, d0, 0, 0x01,   // AFTER_LOAD: add dword [DATA + 4], 1
                            0x8B, 0x35, d8, 0, d0, 0,         // AFTER_RMW: mov esi, [DATA + 8]
                            0xC3};                            // ret
    f.mem.write_bytes(FUNC, func, sizeof func);
    f.run(warm);
    cpu::HostDebug& d = f.cpu.host_debug;
    d.breaks = std::move(points.breaks);
    d.watches = std::move(points.watches);
    f.cpu.debug_regs_changed();
    if (engine) engine->forget_indirect();
    const uint64_t before = engine ? engine->blocks_translated : 0;
    std::vector<Hit> out;
    while (out.size() < hits && !f.cpu.halted) {
        f.run(1'000'000);
        if (d.hit == cpu::HostDebug::Hit::None) break;
        out.push_back({f.cpu.icount, f.cpu.gpr[cpu::ECX], f.cpu.rip});
        if (d.hit == cpu::HostDebug::Hit::Break) d.resume_at = f.cpu.code_linear();
        d.hit = cpu::HostDebug::Hit::None;
    }
    if (translated) *translated = engine ? engine->blocks_translated - before : 0;
    return out;
}

cpu::HostDebug breaking(std::vector<uint64_t> breaks) {
    cpu::HostDebug d;
    d.breaks = std::move(breaks);
    return d;
}

cpu::HostDebug watching(std::vector<Watch> watches) {
    cpu::HostDebug d;
    d.watches = std::move(watches);
    return d;
}

}  // namespace

TEST_CASE("host breakpoints stop translated code at the interpreter's counts") {
    const std::vector<uint64_t> places[] = {{FUNC_MID}, {RETURN_TO}, {LOOP_HEAD}, {FUNC_MID, LOOP_HEAD}};
    for (const std::vector<uint64_t>& breaks : places) {
        for (const uint64_t warm : {0, 3, 4000}) {
            const auto want = hits_at(false, breaking(breaks), warm, 6);
            REQUIRE(want.size() == 6);
            CHECK_MESSAGE(hits_at(true, breaking(breaks), warm, 6) == want, "break at " << std::hex << breaks[0] << ", after " << warm);
        }
    }
}

TEST_CASE("with a breakpoint set, the blocks of other pages run translated") {
    uint64_t translated = 0;
    const auto hits = hits_at(true, breaking({FUNC_MID}), 0, 3, &translated);
    CHECK(hits.size() == 3);
    CHECK(translated > 0);  // the loop's blocks
}

TEST_CASE("host watchpoints stop translated code after the access, at the interpreter's counts") {
    const std::pair<std::vector<Watch>, uint32_t> cases[] = {
        {{{DATA, 4, Kind::Write}}, AFTER_STORE},
        {{{DATA, 4, Kind::Read}}, AFTER_LOAD},
        {{{DATA + 6, 1, Kind::Read}}, AFTER_RMW},   // the read half of ADD's read-modify-write
        {{{DATA + 4, 4, Kind::Write}}, AFTER_RMW},  // and its write half
        {{{DATA + 2, 4, Kind::Access}}, 0},         // both words: the store, the load, the ADD
    };
    for (const auto& [watches, after] : cases) {
        for (const uint64_t warm : {0, 3, 4000}) {
            const auto want = hits_at(false, watching(watches), warm, 6);
            REQUIRE(want.size() == 6);
            if (after) CHECK(want[0].eip == after);
            CHECK_MESSAGE(hits_at(true, watching(watches), warm, 6) == want,
                          "watch at " << std::hex << watches[0].addr << ", after " << std::dec << warm);
        }
    }
    // The access watchpoint stops after each of the three instructions in turn.
    const auto all = hits_at(false, watching({{DATA + 2, 4, Kind::Access}}), 0, 3);
    REQUIRE(all.size() == 3);
    CHECK((all[0].eip == AFTER_STORE && all[1].eip == AFTER_LOAD && all[2].eip == AFTER_RMW));
}

TEST_CASE("with a watchpoint set, the code runs translated: only the watched page's accesses are slow") {
    uint64_t translated = 0;
    const auto hits = hits_at(true, watching({{DATA + 0x800, 4, Kind::Access}}), 0, 1, &translated);
    CHECK(hits.empty());     // nothing touches that word: the loop runs to its end
    CHECK(translated > 0);   // the loop's and the function's blocks
}
