// The hang dump's memory views (machine/hang_dump.h) in 64-bit mode.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "machine/hang_dump.h"
#include "tests/unit/long_fixture.h"

using namespace jitpc;

// 64-bit code is shown around RIP and RSP, with every bit of the address: the dump once showed
// CS.base plus RIP's low half and the 16/32-bit stack pointer.
TEST_CASE_FIXTURE(test::LongFixture, "hang dump: 64-bit mode shows memory around RIP and RSP") {
    const uint8_t code[] = {0x48, 0x89, 0xC3, 0xF4};  // mov rbx, rax; hlt
    mem.write_bytes(test::lm::CODE, code, sizeof code);
    reg(cpu::ESP) = 0x80010;
    devices::VgaText vga(mem);
    const std::vector<machine::MemRange> none;
    char* text = nullptr;
    size_t size = 0;
    std::FILE* out = open_memstream(&text, &size);
    REQUIRE(out);
    machine::write_hang_dump(out, "test", {cpu, mem, vga, nullptr, none});
    std::fclose(out);
    const std::string dump(text, size);
    std::free(text);
    CHECK(dump.find("memory around RIP (linear 0000000000010000):\n") != std::string::npos);
    CHECK(dump.find("  0000000000010000: 48 89 c3 f4") != std::string::npos);
    CHECK(dump.find("memory around RSP (linear 0000000000080010):\n") != std::string::npos);
    CHECK(dump.find("CS:EIP") == std::string::npos);
}
