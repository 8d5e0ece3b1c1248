#include "jit/code_dump.h"

#include <Zydis/Zydis.h>

#include <cinttypes>
#include <string>

#include "cpu/decode.h"
#include "logging/log.h"

namespace jitpc::jit {

namespace {

logging::Site in_asm(logging::IN_ASM, "in_asm");
logging::Site out_asm(logging::OUT_ASM, "out_asm");

const char* mode_name(CodeMode m) {
    switch (m) {
    case CodeMode::Legacy32: return "32-bit";
    case CodeMode::Compat32: return "compatibility mode";
    case CodeMode::Long64: return "64-bit";
    }
    return "?";
}

// The block's bytes as the guest's decoder saw them: its first page, then `page2` when its
// last instruction straddles.
std::vector<uint8_t> guest_bytes(cpu::Cpu& c, const cpu::Block& b) {
    std::vector<uint8_t> bytes(b.bytes);
    const uint32_t first = std::min<uint32_t>(b.bytes, memory::PAGE_SIZE - uint32_t(b.phys & (memory::PAGE_SIZE - 1)));
    c.mem.read_bytes(b.phys, bytes.data(), first);
    if (first < b.bytes) c.mem.read_bytes(b.page2, bytes.data() + first, b.bytes - first);
    return bytes;
}

}  // namespace

bool CodeDump::wanted(uint64_t rip) {
    return (logging::enabled(logging::IN_ASM) || logging::enabled(logging::OUT_ASM)) && logging::address_wanted(rip);
}

void CodeDump::print(cpu::Cpu& c, const cpu::Block& b, uint64_t rip, Variant v, const uint8_t* code,
                     size_t size) const {
    auto done = [](const logging::Site& s) { return !s.on() || s.spent(); };
    if (done(in_asm) && done(out_asm)) {  // over budget: counted, not disassembled
        in_asm.print("IN: 0x%08" PRIx64, rip);
        return out_asm.print("OUT: 0x%08" PRIx64, rip);
    }
    const std::vector<uint8_t> bytes = guest_bytes(c, b);
    const ZydisMachineMode guest_mode = cpu::zydis_mode(cpu::CpuMode(b.key >> 56));
    std::vector<std::string> guest;  // each instruction's address and text
    for (size_t k = 0, off = 0; k < b.insns.size(); off += b.insns[k++].len) {
        ZydisDisassembledInstruction d;
        char line[160];
        const bool ok = ZYAN_SUCCESS(
            ZydisDisassembleIntel(guest_mode, rip + off, bytes.data() + off, b.insns[k].len, &d));
        std::snprintf(line, sizeof line, "0x%08" PRIx64 "  %s", rip + off, ok ? d.text : "(changed since decoded)");
        guest.push_back(line);
    }
    const std::string variant = std::string(mode_name(v.mode)) + (v.user ? ", CPL 3" : ", CPL 0-2") +
                                (v.mode != CodeMode::Long64 && !v.stack32 ? ", 16-bit stack" : "") +
                                (v.mode != CodeMode::Long64 && !v.flat_data ? ", segmented data" : "") +
                                (v.align_check ? ", alignment checks" : "");
    in_asm.print("IN: 0x%08" PRIx64 " (%s): %zu instructions, %u bytes", rip, variant.c_str(), b.insns.size(), b.bytes);
    for (const std::string& g : guest) in_asm.print("  %s", g.c_str());
    if (!out_asm.on()) return;

    size_t cold = 0;
    for (size_t m = 0; m < marks_.size(); ++m)
        if (marks_[m].cold) cold += (m + 1 < marks_.size() ? marks_[m + 1].offset : size) - marks_[m].offset;
    out_asm.print("OUT: 0x%08" PRIx64 " (%s): %zu host bytes for %zu instructions (%.1f each), %zu inline, %zu out of line",
                  rip, variant.c_str(), size, b.insns.size(), double(size) / double(b.insns.size()), size - cold,
                  cold);
    if (out_asm.spent()) return;  // no disassembly only to be counted
    for (size_t m = 0; m < marks_.size(); ++m) {
        const Mark& mk = marks_[m];
        const size_t end = m + 1 < marks_.size() ? marks_[m + 1].offset : size;
        if (end == mk.offset) continue;
        const char* what = mk.insn == PROLOGUE  ? "prologue"
                           : mk.insn == BLOCK_END ? "end of block: on to the next"
                           : mk.insn == BAIL      ? "exit to the dispatcher"
                                                  : guest[size_t(mk.insn)].c_str();
        out_asm.print("  -- %s%s (%zu bytes)", mk.cold ? "out of line: " : "", what, end - mk.offset);
        for (size_t at = mk.offset; at < end;) {
            ZydisDisassembledInstruction d;
            const uint64_t addr = reinterpret_cast<uintptr_t>(code + at);
            if (ZYAN_SUCCESS(ZydisDisassembleIntel(ZYDIS_MACHINE_MODE_LONG_64, addr, code + at, end - at, &d))) {
                out_asm.print("  0x%" PRIx64 ":  %s", addr, d.text);
                at += d.info.length;
            } else {
                out_asm.print("  0x%" PRIx64 ":  .byte 0x%02x", addr, code[at]);
                ++at;
            }
        }
    }
}

}  // namespace jitpc::jit
