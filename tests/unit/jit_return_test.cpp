// Returns that the JIT's return-address stack (jit/engine.h, ReturnStack) predicted wrong must
// still go where the interpreter goes: a return address overwritten on the stack, a stack
// switch between two coroutines, the code at the return address rewritten by the callee, and
// a return across a CR3 switch that maps the return address elsewhere. Each program runs under
// the interpreter and under the JIT (every block translated on its first run) and must end in
// the same registers and count, which are also computed here by hand.
#include <doctest/doctest.h>

#include <cstring>
#include <tuple>
#include <utility>
#include <vector>

#include "jit/engine.h"
#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

namespace {

using Bytes = std::vector<uint8_t>;

// `rel32` from the end of a 5-byte CALL/JMP at `at` to `to`.
void put_rel32(Bytes& code, uint32_t at, uint32_t to) {
    const uint32_t rel = to - (at + 5);
    std::memcpy(&code[at + 1], &rel, 4);
}

struct Run {
    uint64_t esi, edi, icount;
    uint64_t mispredictions;  // the JIT's returns its stack did not predict (0 for the interpreter)
};

// Runs `code` (at CpuFixture::CODE, `extra` bytes placed at their physical addresses first,
// `setup` for paging) to its HLT.
template <typename Setup> Run run(bool jit, const Bytes& code, Setup setup) {
    test::CpuFixture f;
    jit::Engine engine{f.cpu};
    if (jit) f.interp.native = &engine;
    f.flat32();
    setup(f);
    f.load(code);
    REQUIRE(f.run(100000) == StopReason::Halted);
    return {f.reg(ESI), f.reg(EDI), f.cpu.icount, engine.return_mispredictions};
}

void no_setup(test::CpuFixture&) {}

// The same result under both engines, and the one expected.
template <typename Setup> Run both(const Bytes& code, uint64_t esi, uint64_t edi, Setup setup) {
    const Run interp = run(false, code, setup), jit = run(true, code, setup);
    CHECK(interp.esi == esi);
    CHECK(interp.edi == edi);
    CHECK(jit.esi == esi);
    CHECK(jit.edi == edi);
    CHECK(jit.icount == interp.icount);
    return jit;
}

}  // namespace

// 50 calls; the callee overwrites its return address on odd ECX, so those return past the
// return site's `add esi, 1`.
TEST_CASE("JIT returns to an overwritten return address") {
    Bytes code(0x120, 0x90);
    const Bytes main = {0xB9, 50, 0, 0, 0,          // 0x00 mov ecx, 50
                        0xE8, 0, 0, 0, 0,           // 0x05 call f
                        0x83, 0xC6, 0x01,           // 0x0A add esi, 1
                        0x83, 0xC7, 0x01,           // 0x0D add edi, 1
                        0x49,                       // 0x10 dec ecx
                        0x75, 0xF2,                 // 0x11 jnz 0x05
                        0xF4};                      // 0x13 hlt
    std::copy(main.begin(), main.end(), code.begin());
    put_rel32(code, 0x05, 0x100);
    const Bytes f = {0xF6, 0xC1, 0x01,                                   // test cl, 1
                     0x74, 0x07,                                         // jz ret
                     0xC7, 0x04, 0x24, 0x0D, 0x00, 0x01, 0x00,           // mov dword [esp], CODE + 0x0D
                     0xC3};                                              // ret
    std::copy(f.begin(), f.end(), code.begin() + 0x100);
    const Run r = both(code, 25, 50, no_setup);
    CHECK(r.mispredictions >= 25);  // each overwritten one: the stack's check saw it
}

// The same loop with no overwrite: after the first rounds the stack predicts every return.
TEST_CASE("JIT returns of a call loop are predicted") {
    Bytes code(0x120, 0x90);
    const Bytes main = {0xB9, 50, 0, 0, 0, 0xE8, 0, 0, 0, 0, 0x83, 0xC6, 0x01, 0x49, 0x75, 0xF5, 0xF4};
    std::copy(main.begin(), main.end(), code.begin());  // mov ecx, 50; call f; add esi, 1; dec ecx; jnz; hlt
    put_rel32(code, 0x05, 0x100);
    code[0x100] = 0x47;  // f: inc edi
    code[0x101] = 0xC3;  //    ret
    const Run r = both(code, 50, 50, no_setup);
    CHECK(r.mispredictions <= 2);
}

// Two coroutines on their own stacks: `switch` saves ESP, loads the other's and returns there,
// never to the address its own call pushed. A does `add esi, 1`, B `add edi, 1`, both count
// ECX down from 40; B's decrement reaches 0 (the 40th) and halts.
TEST_CASE("JIT returns after a stack switch") {
    Bytes code(0x220, 0x90);
    const Bytes a = {0xC7, 0x05, 0x00, 0x50, 0x00, 0x00, 0xFC, 0xFF, 0x06, 0x00,  // mov dword [0x5000], 0x6FFFC
                     0xC7, 0x05, 0xFC, 0xFF, 0x06, 0x00, 0x00, 0x01, 0x01, 0x00,  // mov dword [0x6FFFC], B
                     0xB9, 40, 0, 0, 0,                                           // mov ecx, 40
                     0x83, 0xC6, 0x01,                                            // 0x19 add esi, 1
                     0xE8, 0, 0, 0, 0,                                            // 0x1C call switch
                     0x49, 0x75, 0xF5,                                            // dec ecx; jnz 0x19
                     0xF4};                                                       // hlt
    std::copy(a.begin(), a.end(), code.begin());
    put_rel32(code, 0x1C, 0x200);
    const Bytes b = {0x83, 0xC7, 0x01,  // 0x100 add edi, 1
                     0xE8, 0, 0, 0, 0,  // 0x103 call switch
                     0x49, 0x75, 0xF5,  // dec ecx; jnz 0x100
                     0xF4};
    std::copy(b.begin(), b.end(), code.begin() + 0x100);
    put_rel32(code, 0x103, 0x200);
    const Bytes sw = {0xA1, 0x00, 0x50, 0x00, 0x00,        // mov eax, [0x5000]
                      0x89, 0x25, 0x00, 0x50, 0x00, 0x00,  // mov [0x5000], esp
                      0x89, 0xC4,                          // mov esp, eax
                      0xC3};                               // ret
    std::copy(sw.begin(), sw.end(), code.begin() + 0x200);
    both(code, 21, 20, no_setup);
}

// The callee rewrites the immediate of the instruction its call returns to (`add esi, imm32`
// = ECX), so the block there is translated again each round: ESI sums 20..1.
TEST_CASE("JIT returns into code the callee rewrote") {
    Bytes code(0x2010, 0x90);
    const Bytes main = {0xB9, 20, 0, 0, 0,                    // mov ecx, 20
                        0xE8, 0, 0, 0, 0,                     // 0x05 call f (another page)
                        0x81, 0xC6, 0x00, 0x00, 0x00, 0x00,   // 0x0A add esi, imm32 (at 0x0C)
                        0x47,                                 // inc edi
                        0x49, 0x75, 0xF1,                     // dec ecx; jnz 0x05
                        0xF4};
    std::copy(main.begin(), main.end(), code.begin());
    put_rel32(code, 0x05, 0x2000);
    const Bytes f = {0x89, 0x0D, 0x0C, 0x00, 0x01, 0x00,  // mov [CODE + 0x0C], ecx
                     0xC3};
    std::copy(f.begin(), f.end(), code.begin() + 0x2000);
    both(code, 210, 20, no_setup);
}

// The caller's code sits in linear page 0x6000, which page directory 1 maps to 0x7000 and
// directory 2 to 0x8000; the callee flips CR3 between them, so each return lands in the other
// page's code at the same linear address: `add esi, 1` in one, `add edi, 1` in the other.
TEST_CASE("JIT returns across a CR3 switch") {
    static constexpr uint32_t PD1 = 0x20000, PT1 = 0x21000, PD2 = 0x22000, PT2 = 0x23000;
    auto paging = [](test::CpuFixture& f) {
        for (auto [pd, pt, page6] : {std::tuple{PD1, PT1, 0x7000u}, std::tuple{PD2, PT2, 0x8000u}}) {
            f.wr32(pd, pt | 3);
            for (uint32_t page = 0; page < 1024; ++page) f.wr32(pt + 4 * page, page << 12 | 3);
            f.wr32(pt + 4 * 6, page6 | 3);
        }
        for (auto [at, reg] : {std::pair{0x7000u, uint8_t(0xC6)}, std::pair{0x8000u, uint8_t(0xC7)}}) {
            Bytes callee = {0xE8, 0, 0, 0, 0, 0x83, reg, 0x01, 0xC3};  // call g; add esi/edi, 1; ret
            const uint32_t rel = 0x11000 - (0x6000 + 5);
            std::memcpy(&callee[1], &rel, 4);
            f.mem.write_bytes(at, callee.data(), callee.size());
        }
        const uint8_t g[] = {0x0F, 0x20, 0xD8,                                  // mov eax, cr3
                             0x35, 0x00, uint8_t((PD1 ^ PD2) >> 8), 0x00, 0x00,  // xor eax, PD1 ^ PD2
                             0x0F, 0x22, 0xD8,                                  // mov cr3, eax
                             0xC3};
        f.mem.write_bytes(0x11000, g, sizeof g);
        f.cpu.cr3 = PD1;
        f.cpu.cr0 |= cr0::PG;
        f.cpu.mmu.flush_all();
    };
    Bytes code = {0xB9, 20, 0, 0, 0,  // mov ecx, 20
                  0xE8, 0, 0, 0, 0,   // 0x05 call 0x6000
                  0x49, 0x75, 0xF8,   // dec ecx; jnz 0x05
                  0xF4};
    put_rel32(code, 0x05, 0x6000 - test::CpuFixture::CODE);
    both(code, 10, 10, paging);
}
