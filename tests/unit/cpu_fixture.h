// A bare CPU on 16 MiB of RAM for unit tests: load machine code, set state, run, inspect.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "cpu/cpu.h"
#include "cpu/interp.h"
#include "memory/physmem.h"

namespace jitpc::test {

// Records port traffic; reads return `port_value`; exceptions are visible in `cpu.eip`.
class TestBus : public cpu::Bus {
public:
    uint32_t io_read(uint16_t, unsigned) override { return port_value; }
    void io_write(uint16_t port, unsigned size, uint32_t value) override {
        writes.push_back({port, size, value});
    }
    void cpu_reset_request(const char*) override { reset_requested = true; }
    struct Write { uint16_t port; unsigned size; uint32_t value; };
    std::vector<Write> writes;
    uint32_t port_value = 0xFFFFFFFF;
    bool reset_requested = false;
};

struct CpuFixture {
    static constexpr uint32_t CODE = 0x10000;  // where load() puts code

    memory::PhysMemory mem{16u << 20};
    TestBus bus;
    cpu::Cpu cpu{mem, bus};
    cpu::Interpreter interp{cpu};

    // Flat 32-bit protected mode at CPL 0 (no IDT: any exception escalates to shutdown unless a
    // test installs one), or real mode with CS = CODE >> 4 and the other segments 0.
    void flat32() {
        cpu.enter_flat32();
        cpu.gpr[cpu::ESP] = 0x80000;
    }
    void real16() {
        using namespace cpu;
        cpu.cr0 &= ~cr0::PE;
        for (unsigned sr = 0; sr < 6; ++sr) cpu.load_seg_real(sr, 0);
        cpu.load_seg_real(CS, CODE >> 4);
        cpu.gpr[ESP] = 0x8000;
    }
    // Copies code to CODE (replacing any decoded copy) and points EIP at it, un-halted.
    void load(std::initializer_list<uint8_t> bytes) { load(std::vector<uint8_t>(bytes)); }
    void load(const std::vector<uint8_t>& bytes) {
        mem.write_bytes(CODE, bytes.data(), bytes.size());
        cpu.eip = CODE - cpu.seg[cpu::CS].base;
        cpu.halted = 0;
    }
    // Runs n instructions (fewer if the CPU halts or shuts down).
    cpu::StopReason run(uint64_t n) { return interp.run(cpu.icount + n); }
    uint32_t& reg(unsigned r) { return cpu.gpr[r]; }
    uint32_t flags() { return cpu.flags.get(); }
    uint32_t rd32(uint32_t paddr) {
        uint32_t v;
        mem.read_bytes(paddr, &v, 4);
        return v;
    }
    void wr32(uint32_t paddr, uint32_t v) { mem.write_bytes(paddr, &v, 4); }
};

}  // namespace jitpc::test
