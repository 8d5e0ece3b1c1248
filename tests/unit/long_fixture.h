// IA-32e mode for unit tests of the long-mode system architecture: a GDT in the layout Linux
// uses, a 64-bit TSS with RSP0 and IST1, 16-byte IDT gates, and the CPU put straight into 64-bit
// mode at CPL 0 (paging stays off: these tests are about segments, gates and stacks, and the
// MMU then maps linear to physical one to one).
#pragma once

#include "cpu/decode.h"
#include "cpu/descriptor.h"
#include "tests/unit/cpu_fixture.h"

namespace jitpc::test {

namespace lm {
constexpr uint32_t GDT = 0x1000, IDT = 0x2000, TSS = 0x3000, CODE = 0x10000, USER = 0x11000;
constexpr uint32_t RSP0 = 0x90000, IST1 = 0xA0000, USER_STACK = 0x70000;
// Selectors: kernel code/data, 32-bit user code, user data, 64-bit user code (STAR's layout
// with STAR[63:48] = 0x20), the 64-bit TSS, a 64-bit call gate, a 32-bit kernel code segment.
constexpr uint16_t KCODE = 0x08, KDATA = 0x10, UCODE32 = 0x23, UDATA = 0x2B, UCODE64 = 0x33,
                   TSS_SEL = 0x38, GATE = 0x48, KCODE32 = 0x58;
}  // namespace lm

struct LongFixture : CpuFixture {
    LongFixture() : CpuFixture(cpu::models::max) {
        using namespace cpu;
        using namespace lm;
        const uint32_t gdt[] = {
            0, 0,
            0x0000FFFF, 0x00AF9A00,  // 0x08 64-bit code, DPL 0
            0x0000FFFF, 0x00CF9200,  // 0x10 data, DPL 0
            0x0000FFFF, 0x00CF9A00,  // 0x18 32-bit code, DPL 0
            0x0000FFFF, 0x00CFFA00,  // 0x20 32-bit code, DPL 3
            0x0000FFFF, 0x00CFF200,  // 0x28 data, DPL 3
            0x0000FFFF, 0x00AFFA00,  // 0x30 64-bit code, DPL 3
            (TSS << 16) | 0x67, 0x00008900, 0, 0,  // 0x38 64-bit TSS, available
            0, 0, 0, 0,              // 0x48 call gate (call_gate())
            0x0000FFFF, 0x00CF9A00,  // 0x58 32-bit code, DPL 0
        };
        mem.write_bytes(GDT, gdt, sizeof gdt);
        cpu.gdtr = {GDT, sizeof gdt - 1};
        cpu.idtr = {IDT, 256 * 16 - 1};
        cpu.cr0 = cr0::PE | cr0::ET;
        cpu.cr4 = cr4::PAE;
        cpu.efer = efer::SCE | efer::LME | efer::LMA;
        load(KCODE, CS);
        load(KDATA, SS);
        for (unsigned sr : {DS, ES, FS, GS}) load(KDATA, sr);
        cpu.set_cpl(0);
        Descriptor{cpu.sys_read<uint32_t>(GDT + TSS_SEL), cpu.sys_read<uint32_t>(GDT + TSS_SEL + 4) | 0x200}
            .load_into(cpu.tr, TSS_SEL);
        wr64(TSS + 4, RSP0);
        wr64(TSS + 0x24, IST1);
        reg(ESP) = 0x80000;
        cpu.rip = CODE;
    }
    // Loads segment register `sr` from the GDT entry `sel` names (no checks).
    void load(uint16_t sel, unsigned sr) {
        const uint32_t at = lm::GDT + (sel & 0xFFF8);
        cpu::Descriptor{rd32(at), rd32(at + 4)}.load_into(cpu.seg[sr], sel);
    }
    void wr64(uint32_t paddr, uint64_t v) { mem.write_bytes(paddr, &v, 8); }
    uint64_t rd64(uint32_t paddr) { return rd<uint64_t>(paddr); }
    // A 16-byte IDT gate: 64-bit interrupt gate (type 0xE) or trap gate (0xF) to sel:off.
    void gate(unsigned vec, uint64_t off, unsigned dpl, unsigned ist = 0, unsigned type = 0xE,
              uint16_t sel = lm::KCODE) {
        const uint32_t at = lm::IDT + vec * 16;
        wr32(at, uint32_t(sel) << 16 | (off & 0xFFFF));
        wr32(at + 4, (uint32_t(off) & 0xFFFF0000u) | 0x8000 | dpl << 13 | type << 8 | ist);
        wr32(at + 8, uint32_t(off >> 32));
        wr32(at + 12, 0);
    }
    // Gates for #UD, #TS, #NP, #SS, #GP and #PF at HANDLER + vec: delivery is checked by where
    // RIP lands and what the frame holds.
    static constexpr uint64_t HANDLER = 0x20000;
    void fault_gates() {
        for (unsigned v : {6u, 10u, 11u, 12u, 13u, 14u}) gate(v, HANDLER + v, 0);
    }
    // Runs one instruction of 64-bit code, decoded by the CPU's decoder, the way the interpreter
    // does: a fault is delivered, otherwise RIP moves on. (The bytes need not be in memory.)
    void step64(std::initializer_list<uint8_t> bytes) {
        using namespace cpu;
        const std::vector<uint8_t> b(bytes);
        Insn i;
        REQUIRE(Decoder(cpu.model).decode(b.data(), b.size(), CpuMode::Long64, i) == Decoder::Status::Ok);
        REQUIRE(i.len == b.size());
        cpu.next_rip = cpu.rip + i.len;
        try {
            i.fn(cpu, i);
            if (cpu.fault_pending) {
                cpu.fault_pending = 0;
                cpu.deliver_fault(cpu.pending_fault);
                return;
            }
            cpu.rip = cpu.next_rip;
        } catch (const cpu::GuestFault& f) {
            cpu.deliver_fault(f);
        }
    }
    // Ring 3 in 64-bit code with the user stack.
    void to_user64() {
        load(lm::UCODE64, cpu::CS);
        load(lm::UDATA, cpu::SS);
        cpu.set_cpl(3);
        reg(cpu::ESP) = lm::USER_STACK;
        cpu.rip = lm::USER;
    }
};

}  // namespace jitpc::test
