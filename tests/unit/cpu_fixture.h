// A bare CPU on 16 MiB of RAM for unit tests: load machine code, set state, run, inspect.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "cpu/cpu.h"
#include "cpu/interp.h"
#include "memory/physmem.h"

namespace jitpc::test {

// Records port traffic; reads return `port_value`; exceptions are visible in `cpu.rip`.
class TestBus : public cpu::Bus {
public:
    uint32_t io_read(uint16_t, unsigned) override { return port_value; }
    void io_write(uint16_t port, unsigned size, uint32_t value) override {
        writes.push_back({port, size, value});
    }
    void cpu_reset_request(const char*) override { reset_requested = true; }
    uint8_t intr_ack() override { return ack_vector; }
    // A local APIC enabled at its default base, as out of reset (CPUID's APIC flag follows it).
    uint64_t apic_base() override { return 0xFEE00900; }
    uint8_t apic_tpr() override { return tpr; }
    void set_apic_tpr(uint8_t v) override { tpr = v; }
    uint8_t tpr = 0;
    uint8_t ack_vector = 0;
    struct Write { uint16_t port; unsigned size; uint32_t value; };
    std::vector<Write> writes;
    uint32_t port_value = 0xFFFFFFFF;
    bool reset_requested = false;
};

struct CpuFixture {
    static constexpr uint32_t CODE = 0x10000;  // where load() puts code

    memory::PhysMemory mem{16u << 20};
    TestBus bus;
    cpu::Cpu cpu{mem, bus, cpu::models::pentium2};  // unit tests are P6 tests unless they say
    cpu::Interpreter interp{cpu};

    CpuFixture() = default;
    explicit CpuFixture(const cpu::CpuModel& model) : cpu{mem, bus, model} {}

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
        cpu.rip = CODE - cpu.seg[cpu::CS].base;
        cpu.halted = 0;
    }
    // Runs n instructions (fewer if the CPU halts or shuts down).
    cpu::StopReason run(uint64_t n) { return interp.run(cpu.icount + n); }
    uint64_t& reg(unsigned r) { return cpu.gpr[r]; }
    uint32_t flags() { return cpu.flags.get(); }
    template <typename T> T rd(uint32_t paddr) {
        T v;
        mem.read_bytes(paddr, &v, sizeof v);
        return v;
    }
    uint32_t rd32(uint32_t paddr) { return rd<uint32_t>(paddr); }
    void wr32(uint32_t paddr, uint32_t v) { mem.write_bytes(paddr, &v, 4); }
};

namespace pm {
constexpr uint32_t GDT = 0x1000, IDT = 0x2000, TSS = 0x3000, USER = 0x11000, HANDLERS = 0x12000;
constexpr uint32_t RING0_STACK = 0x90000;
}  // namespace pm

// Protected mode with a GDT, a 32-bit TSS and an IDT whose gates are added per test.
struct SystemFixture : CpuFixture {
    explicit SystemFixture(const cpu::CpuModel& model = cpu::models::pentium2) : CpuFixture(model) {
        using namespace cpu;
        using namespace pm;
        flat32();
        const uint32_t gdt[] = {
            0, 0,
            0x0000FFFF, 0x00CF9A00,  // 0x08 code, DPL 0
            0x0000FFFF, 0x00CF9200,  // 0x10 data, DPL 0
            0x0000FFFF, 0x00CFFA00,  // 0x18 code, DPL 3
            0x0000FFFF, 0x00CFF200,  // 0x20 data, DPL 3
            (TSS << 16) | 0x67, 0x00008900,  // 0x28 32-bit TSS, available
            0x0000FFFF, 0x00CF1200,  // 0x30 data, DPL 0, not present
        };
        mem.write_bytes(GDT, gdt, sizeof gdt);
        cpu.gdtr = {GDT, sizeof gdt - 1};
        cpu.idtr = {IDT, 256 * 8 - 1};
        wr32(TSS + 4, RING0_STACK);
        wr32(TSS + 8, 0x10);
    }
    // 32-bit interrupt gate (Trap: trap gate) to 0x08:off.
    void gate(unsigned vec, uint32_t off, unsigned dpl, bool trap = false) {
        wr32(pm::IDT + vec * 8, (0x08u << 16) | (off & 0xFFFF));
        wr32(pm::IDT + vec * 8 + 4, (off & 0xFFFF0000u) | 0x8E00 | (trap ? 0x100 : 0) | (dpl << 13));
    }
    // A handler that records the error code in EAX and the vector in EBX, then halts.
    void recording_handler(unsigned vec) {
        const uint32_t at = pm::HANDLERS + vec * 16;
        const uint8_t code[] = {0x8B, 0x04, 0x24,                              // mov eax, [esp]
                                0xBB, uint8_t(vec), 0, 0, 0,                   // mov ebx, vec
                                0xF4};                                         // hlt
        mem.write_bytes(at, code, sizeof code);
        gate(vec, at, 0);
    }
    // The JIT emitter tests' snippet (`add esi, edi`, the instruction, `setb cl; sete dl; hlt`)
    // loaded and run from known registers, ESI and EDI given (EAX and EDX too: PCMPESTRx's
    // lengths); false unless it halted.
    bool run_snippet(const std::vector<uint8_t>& code, uint32_t esi, uint32_t edi, uint32_t eax = 0x11111111,
                     uint32_t edx = 0) {
        cpu.code.flush();
        load(code);
        reg(cpu::EAX) = eax, reg(cpu::ECX) = 0, reg(cpu::EDX) = edx, reg(cpu::EBX) = 0xFFFF;
        reg(cpu::ESI) = esi, reg(cpu::EDI) = edi, reg(cpu::ESP) = 0x80000;
        cpu.flags = cpu::Flags{};
        cpu.icount = 0;
        return run(200) == cpu::StopReason::Halted;
    }
    void record_faults() {
        for (unsigned v : {6u, 11u, 12u, 13u}) recording_handler(v);
        reg(cpu::EBX) = 0xFFFF;
    }
    // A second, available 32-bit TSS at `base` described by GDT selector 0x40: a flat ring-0 task
    // that starts at `eip` with stack `esp` (the other fields are zero).
    void second_tss(uint32_t base, uint32_t eip, uint32_t esp) {
        wr32(pm::GDT + 0x40, (base << 16) | 0x67);
        wr32(pm::GDT + 0x44, 0x00008900 | (base & 0xFF000000) | ((base >> 16) & 0xFF));
        cpu.gdtr.limit = 0x47;
        wr32(base + 0x20, eip);
        wr32(base + 0x24, 0x2);  // EFLAGS
        wr32(base + 0x38, esp);
        for (unsigned sr = 0; sr < 6; ++sr) wr32(base + 0x48 + 4 * sr, sr == cpu::CS ? 0x08 : 0x10);
    }
    void put(uint32_t at, std::initializer_list<uint8_t> bytes) {
        const std::vector<uint8_t> v(bytes);
        mem.write_bytes(at, v.data(), v.size());
    }
};

}  // namespace jitpc::test
