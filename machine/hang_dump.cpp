#include "machine/hang_dump.h"

#include <algorithm>

#include "cpu/print.h"

namespace jitpc::machine {

namespace {

constexpr uint32_t BYTES_AROUND = 64;  // shown before and after the code and stack pointers

const char* const SEG_NAMES[] = {"ES", "CS", "SS", "DS", "FS", "GS"};

// One byte of linear memory, or -1 when its page is not mapped, not present, or not RAM/ROM.
int peek_byte(const HangDumpView& v, uint64_t lin) {
    memory::PhysAddr phys;
    if (!v.cpu.mmu.peek(lin, phys)) return -1;
    const uint8_t* page = v.mem.host_page(phys);
    return page ? page[phys & 0xFFF] : -1;
}

// 16 bytes per line from a 16-byte boundary; "??" for bytes that cannot be read. `wide` shows
// 64-bit addresses (64-bit mode), counted so that a range at the top of the space does not wrap.
void hex_dump(std::FILE* out, const HangDumpView& v, uint64_t lin, uint32_t len, bool wide) {
    const uint64_t first = lin & ~uint64_t(15);
    const uint64_t lines = ((lin - first) + len + 15) / 16;
    for (uint64_t n = 0; n < lines; ++n) {
        const uint64_t line = first + 16 * n;
        std::fprintf(out, "  %0*llx:", wide ? 16 : 8, static_cast<unsigned long long>(line));
        char text[17] = {};
        for (unsigned i = 0; i < 16; ++i) {
            const int b = peek_byte(v, line + i);
            if (b < 0) std::fputs(" ??", out);
            else std::fprintf(out, " %02x", b);
            text[i] = b >= 0x20 && b < 0x7F ? char(b) : '.';
        }
        std::fprintf(out, "  %s\n", text);
    }
}

// BYTES_AROUND on each side of `lin`, kept inside the linear address space (4 GiB outside
// 64-bit mode).
void around(std::FILE* out, const HangDumpView& v, const char* name, uint64_t lin, bool wide) {
    std::fprintf(out, "memory around %s (linear %0*llx):\n", name, wide ? 16 : 8, static_cast<unsigned long long>(lin));
    const uint64_t start = lin >= BYTES_AROUND ? lin - BYTES_AROUND : 0;
    const uint64_t last = wide ? ~uint64_t(0) : 0xFFFFFFFFull;
    hex_dump(out, v, start, uint32_t(std::min<uint64_t>(2 * BYTES_AROUND - 1, last - start) + 1), wide);
}

}  // namespace

std::string register_text(cpu::Cpu& c) {
    // 64-bit values print with at least 8 digits: 32-bit guests' dumps read as they always did.
    const auto x64 = [](uint64_t v) { return static_cast<unsigned long long>(v); };
    const cpu::CpuMode mode = c.mode();
    const bool m64 = mode == cpu::CpuMode::Long64;
    std::string out = cpu::gpr_text(c) + "\n";
    char line[160];
    std::snprintf(line, sizeof line, "%cIP=%0*llx EFLAGS=%08x CPL=%u %s halted=%u icount=%llu\n", m64 ? 'R' : 'E',
                  m64 ? 16 : 8, x64(c.rip), c.flags.get(), c.cpl, cpu::mode_name(mode), c.halted, x64(c.icount));
    out += line;
    for (unsigned s = 0; s < 6; ++s) {
        const cpu::SegCache& sc = c.seg[s];
        std::snprintf(line, sizeof line, "%s=%04x base=%08llx limit=%08x attrs=%04x\n", SEG_NAMES[s], sc.sel,
                      x64(sc.base), sc.limit, sc.attrs);
        out += line;
    }
    std::snprintf(line, sizeof line, "GDT=%08llx/%04x IDT=%08llx/%04x LDTR=%04x TR=%04x\n", x64(c.gdtr.base),
                  c.gdtr.limit, x64(c.idtr.base), c.idtr.limit, c.ldtr.sel, c.tr.sel);
    out += line;
    std::snprintf(line, sizeof line, "CR0=%08llx CR2=%08llx CR3=%08llx CR4=%08llx\n", x64(c.cr0), x64(c.cr2),
                  x64(c.cr3), x64(c.cr4));
    return out + line;
}

void write_hang_dump(std::FILE* out, const char* why, const HangDumpView& v) {
    cpu::Cpu& c = v.cpu;
    std::fprintf(out, "==== jitpc hang dump: %s ====\n", why);
    std::fputs("VGA text:\n", out);
    for (const std::string& row : v.vga.text_rows()) {
        const size_t end = row.find_last_not_of(' ');
        std::fprintf(out, "  |%s\n", end == std::string::npos ? "" : row.substr(0, end + 1).c_str());
    }
    std::fputs(register_text(c).c_str(), out);
    if (v.history && v.history->count) {
        const uint64_t n = std::min<uint64_t>(v.history->count, cpu::BlockHistory::SIZE);
        std::fprintf(out, "last %llu blocks entered (oldest first):\n", static_cast<unsigned long long>(n));
        for (uint64_t i = v.history->count - n; i < v.history->count; ++i) {
            const cpu::BlockHistory::Entry& e = v.history->ring[i % cpu::BlockHistory::SIZE];
            std::fprintf(out, "  %s\n", cpu::ip_text(e.cs, e.rip, e.mode).c_str());
        }
    }
    if (c.long64()) {
        // 64-bit mode: flat CS and SS, every bit of RIP and RSP.
        around(out, v, "RIP", c.rip, true);
        around(out, v, "RSP", c.reg<uint64_t>(cpu::ESP), true);
    } else {
        around(out, v, "CS:EIP", c.code_linear(), false);
        around(out, v, "SS:ESP", uint32_t(c.seg[cpu::SS].base + (c.reg<uint64_t>(cpu::ESP) & c.sp_mask())), false);
    }
    for (const MemRange& r : v.extra) {
        std::fprintf(out, "memory %08x+%x:\n", r.lin, r.len);
        hex_dump(out, v, r.lin, r.len, false);
    }
    std::fputs("==== end of hang dump ====\n", out);
    std::fflush(out);
}

}  // namespace jitpc::machine
