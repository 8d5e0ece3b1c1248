// The i440FX PAM registers route 0xC0000-0xFFFFF between the bus (the BIOS ROM, or nothing) and
// the RAM beneath, and a change drops what the CPU cached of the old routing: TLB entries and
// decoded blocks.
#include <doctest/doctest.h>

#include <vector>

#include "devices/i440fx.h"
#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using devices::I440fx;

namespace {

constexpr uint32_t ROM_BASE = 0xE0000, ROM_SIZE = 0x20000;

struct PamFixture : test::CpuFixture {
    I440fx host{mem};
    PamFixture() {
        std::vector<uint8_t> rom(ROM_SIZE, 0xA5);
        // At F000:0100: mov ax, 0x1111; hlt
        const uint8_t code[] = {0xB8, 0x11, 0x11, 0xF4};
        std::copy(std::begin(code), std::end(code), rom.begin() + 0x10100);
        mem.map_rom(ROM_BASE, rom);
    }
    void pam(unsigned reg, uint8_t v) { host.config_write(I440fx::PAM0 + reg, 1, v); }
    uint8_t rd8(uint32_t a) { return uint8_t(mem.read(a, 1)); }
    // Runs real-mode code at seg:off until it halts; returns AX.
    uint32_t run_at(uint16_t seg, uint16_t off) {
        cpu.load_seg_real(cpu::CS, seg);
        cpu.rip = off;
        cpu.halted = 0;
        run(100);
        return reg(cpu::EAX) & 0xFFFF;
    }
};

}  // namespace

TEST_CASE_FIXTURE(PamFixture, "after reset the shadowable range reads the bus and drops writes") {
    CHECK(rd8(0xF0000) == 0xA5);
    CHECK(rd8(0xE0000) == 0xA5);
    CHECK(rd8(0xC0000) == 0xFF);  // no ROM there: nothing answers
    mem.write(0xF0000, 1, 0x12);
    mem.write(0xC0000, 1, 0x12);
    CHECK(rd8(0xF0000) == 0xA5);
    CHECK(rd8(0xC0000) == 0xFF);
    CHECK(mem.ram()[0xF0000] == 0);
}

TEST_CASE_FIXTURE(PamFixture, "PAM0 read/write, write-only and read-only shadow of the F segment") {
    pam(0, 0x20);  // write-only: reads the ROM, writes reach RAM
    mem.write(0xF0000, 1, 0x12);
    const uint8_t bytes[] = {0x34, 0x56};
    mem.write_bytes(0xF0001, bytes, 2);
    CHECK(rd8(0xF0000) == 0xA5);
    CHECK(mem.ram()[0xF0000] == 0x12);
    pam(0, 0x10);  // read-only: reads RAM, writes go to the bus (the ROM drops them)
    CHECK(rd8(0xF0000) == 0x12);
    CHECK(rd8(0xF0002) == 0x56);
    mem.write(0xF0000, 1, 0x99);
    CHECK(rd8(0xF0000) == 0x12);
    pam(0, 0x30);
    mem.write(0xF0000, 1, 0x99);
    CHECK(rd8(0xF0000) == 0x99);
    CHECK(rd8(0xEFFFF) == 0xA5);  // PAM0 covers 0xF0000-0xFFFFF only
    pam(0, 0x00);
    CHECK(rd8(0xF0000) == 0xA5);
    CHECK(mem.ram()[0xF0000] == 0x99);
}

TEST_CASE_FIXTURE(PamFixture, "PAM1-6 nibbles each cover one 16 KiB segment") {
    for (unsigned reg = 1; reg < I440fx::PAM_COUNT; ++reg)
        for (unsigned half = 0; half < 2; ++half) {
            const uint32_t seg = 0xC0000 + ((reg - 1) * 2 + half) * 0x4000;
            pam(reg, half ? 0x30 : 0x03);
            mem.write(seg, 1, 0x42);
            mem.write(seg + 0x3FFF, 1, 0x43);
            CHECK(rd8(seg) == 0x42);
            CHECK(rd8(seg + 0x3FFF) == 0x43);
            // The neighbouring segments still read the bus.
            const uint8_t bus_below = seg - 1 >= ROM_BASE ? 0xA5 : 0xFF;
            if (seg > 0xC0000) CHECK(rd8(seg - 1) == bus_below);
            const uint8_t bus_above = seg + 0x4000 >= ROM_BASE ? 0xA5 : 0xFF;
            CHECK(rd8(seg + 0x4000) == bus_above);
            pam(reg, 0);
        }
    CHECK(host.config_read(I440fx::PAM0 + 1, 1) == 0);
}

TEST_CASE_FIXTURE(PamFixture, "a PAM change drops the CPU's TLB entries for the range") {
    real16();
    cpu.load_seg_real(cpu::DS, 0xF000);
    load({0xA0, 0x00, 0x00, 0xA2, 0x01, 0x00, 0xF4});  // mov al, [0]; mov [1], al; hlt
    run(10);
    CHECK((reg(cpu::EAX) & 0xFF) == 0xA5);
    pam(0, 0x30);  // the RAM beneath holds zeros
    load({0xA0, 0x00, 0x00, 0xA2, 0x01, 0x00, 0xF4});
    run(10);
    CHECK((reg(cpu::EAX) & 0xFF) == 0x00);
    reg(cpu::EAX) = 0x77;
    load({0xA2, 0x01, 0x00, 0xF4});  // mov [1], al: a writable TLB entry for the page
    run(10);
    CHECK(rd8(0xF0001) == 0x77);
    pam(0, 0x10);  // read-only now: the cached writable entry must not take the next store
    reg(cpu::EAX) = 0x88;
    load({0xA2, 0x01, 0x00, 0xF4});
    run(10);
    CHECK(rd8(0xF0001) == 0x77);
}

TEST_CASE_FIXTURE(PamFixture, "code decoded from the ROM is dropped when RAM shadows it") {
    CHECK(run_at(0xF000, 0x100) == 0x1111);
    pam(0, 0x20);
    const uint8_t code[] = {0xB8, 0x22, 0x22, 0xF4};  // mov ax, 0x2222; hlt
    mem.write_bytes(0xF0100, code, sizeof code);
    CHECK(run_at(0xF000, 0x100) == 0x1111);  // still reading the ROM
    pam(0, 0x10);
    CHECK(run_at(0xF000, 0x100) == 0x2222);
    pam(0, 0x00);
    CHECK(run_at(0xF000, 0x100) == 0x1111);
}
