#include "machine/hang_dump.h"

#include <algorithm>

namespace jitpc::machine {

namespace {

constexpr uint32_t BYTES_AROUND = 64;  // shown before and after CS:EIP and SS:ESP

const char* const SEG_NAMES[] = {"ES", "CS", "SS", "DS", "FS", "GS"};

// One byte of linear memory, or -1 when its page is not mapped, not present, or not RAM/ROM.
int peek_byte(const HangDumpView& v, uint32_t lin) {
    uint32_t phys;
    if (!v.cpu.mmu.peek(lin, phys)) return -1;
    const uint8_t* page = v.mem.host_page(phys);
    return page ? page[phys & 0xFFF] : -1;
}

// 16 bytes per line from a 16-byte boundary; "??" for bytes that cannot be read.
void hex_dump(std::FILE* out, const HangDumpView& v, uint32_t lin, uint32_t len) {
    const uint32_t first = lin & ~15u;
    const uint64_t end = uint64_t(lin) + len;
    for (uint64_t line = first; line < end; line += 16) {
        std::fprintf(out, "  %08x:", uint32_t(line));
        char text[17] = {};
        for (unsigned i = 0; i < 16; ++i) {
            const int b = peek_byte(v, uint32_t(line + i));
            if (b < 0) std::fputs(" ??", out);
            else std::fprintf(out, " %02x", b);
            text[i] = b >= 0x20 && b < 0x7F ? char(b) : '.';
        }
        std::fprintf(out, "  %s\n", text);
    }
}

void around(std::FILE* out, const HangDumpView& v, const char* name, uint32_t lin) {
    std::fprintf(out, "memory around %s (linear %08x):\n", name, lin);
    const uint32_t start = lin >= BYTES_AROUND ? lin - BYTES_AROUND : 0;
    hex_dump(out, v, start, uint32_t(std::min<uint64_t>(2 * BYTES_AROUND, 0x100000000ull - start)));
}

}  // namespace

void write_hang_dump(std::FILE* out, const char* why, const HangDumpView& v) {
    cpu::Cpu& c = v.cpu;
    std::fprintf(out, "==== jitpc hang dump: %s ====\n", why);
    std::fputs("VGA text:\n", out);
    for (const std::string& row : v.vga.text_rows()) {
        const size_t end = row.find_last_not_of(' ');
        std::fprintf(out, "  |%s\n", end == std::string::npos ? "" : row.substr(0, end + 1).c_str());
    }
    std::fprintf(out, "EAX=%08x EBX=%08x ECX=%08x EDX=%08x ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n",
                 c.reg<uint32_t>(cpu::EAX), c.reg<uint32_t>(cpu::EBX), c.reg<uint32_t>(cpu::ECX),
                 c.reg<uint32_t>(cpu::EDX), c.reg<uint32_t>(cpu::ESI), c.reg<uint32_t>(cpu::EDI),
                 c.reg<uint32_t>(cpu::EBP), c.reg<uint32_t>(cpu::ESP));
    std::fprintf(out, "EIP=%08x EFLAGS=%08x CPL=%u %s%s halted=%u icount=%llu\n", uint32_t(c.rip), c.flags.get(),
                 c.cpl, c.protected_mode() ? "protected" : c.pe() ? "vm86" : "real",
                 c.code32() ? "/32" : "/16", c.halted, static_cast<unsigned long long>(c.icount));
    for (unsigned s = 0; s < 6; ++s) {
        const cpu::SegCache& sc = c.seg[s];
        std::fprintf(out, "%s=%04x base=%08x limit=%08x attrs=%04x\n", SEG_NAMES[s], sc.sel, uint32_t(sc.base),
                     sc.limit, sc.attrs);
    }
    std::fprintf(out, "GDT=%08x/%04x IDT=%08x/%04x LDTR=%04x TR=%04x\n", uint32_t(c.gdtr.base),
                 c.gdtr.limit, uint32_t(c.idtr.base), c.idtr.limit, c.ldtr.sel, c.tr.sel);
    std::fprintf(out, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", uint32_t(c.cr0), uint32_t(c.cr2),
                 uint32_t(c.cr3), uint32_t(c.cr4));
    if (v.history && v.history->count) {
        const uint64_t n = std::min<uint64_t>(v.history->count, cpu::BlockHistory::SIZE);
        std::fprintf(out, "last %llu blocks entered (oldest first):\n", static_cast<unsigned long long>(n));
        for (uint64_t i = v.history->count - n; i < v.history->count; ++i) {
            const cpu::BlockHistory::Entry& e = v.history->ring[i % cpu::BlockHistory::SIZE];
            std::fprintf(out, "  %04x:%08x\n", e.cs, e.eip);
        }
    }
    around(out, v, "CS:EIP", c.seg[cpu::CS].base + c.rip);
    around(out, v, "SS:ESP", c.seg[cpu::SS].base + (c.stack32() ? c.reg<uint32_t>(cpu::ESP) : c.reg<uint16_t>(cpu::ESP)));
    for (const MemRange& r : v.extra) {
        std::fprintf(out, "memory %08x+%x:\n", r.lin, r.len);
        hex_dump(out, v, r.lin, r.len);
    }
    std::fputs("==== end of hang dump ====\n", out);
    std::fflush(out);
}

}  // namespace jitpc::machine
