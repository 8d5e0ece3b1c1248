#include "gdbstub/registers.h"

#include <cstring>

namespace jitpc::gdbstub {

namespace {

constexpr const char* CORE = "org.gnu.gdb.i386.core";
constexpr const char* SSE = "org.gnu.gdb.i386.sse";
constexpr const char* SEGMENTS = "org.gnu.gdb.i386.segments";
constexpr const char* SYSTEM = "org.jitpc.system";
using W = Register::Where;

// Names of the segment caches in cpu::SegReg order, then LDTR and TR.
constexpr const char* SEG_NAMES[8] = {"es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr"};

const cpu::SegCache& seg_of(const cpu::Cpu& c, unsigned i) { return i < 6 ? c.seg[i] : i == 6 ? c.ldtr : c.tr; }

}  // namespace

RegisterFile::RegisterFile(const cpu::CpuModel& model) {
    const bool amd64 = model.has(cpu::Feature::LM);
    const unsigned word = amd64 ? 64 : 32;
    auto add = [&](std::string name, unsigned bits, const char* type, const char* feature, W where, unsigned index) {
        regs_.push_back({std::move(name), bits, type, feature, where, index});
    };
    if (amd64) {
        static constexpr const char* NAMES[16] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
                                                  "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
        static constexpr unsigned GPR[16] = {0, 3, 1, 2, 6, 7, 5, 4, 8, 9, 10, 11, 12, 13, 14, 15};
        for (unsigned i = 0; i < 16; ++i)
            add(NAMES[i], 64, i == 6 || i == 7 ? "data_ptr" : "int64", CORE, W::Gpr, GPR[i]);
        add("rip", 64, "code_ptr", CORE, W::Rip, 0);
    } else {
        static constexpr const char* NAMES[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
        for (unsigned i = 0; i < 8; ++i) add(NAMES[i], 32, i == 4 || i == 5 ? "data_ptr" : "int32", CORE, W::Gpr, i);
        add("eip", 32, "code_ptr", CORE, W::Rip, 0);
    }
    add("eflags", 32, "int32", CORE, W::Eflags, 0);
    static constexpr unsigned GDB_SEG_ORDER[6] = {cpu::CS, cpu::SS, cpu::DS, cpu::ES, cpu::FS, cpu::GS};
    for (const unsigned s : GDB_SEG_ORDER) add(SEG_NAMES[s], 32, "int32", CORE, W::Sel, s);
    for (unsigned i = 0; i < 8; ++i) add("st" + std::to_string(i), 80, "i387_ext", CORE, W::St, i);
    static constexpr const char* FPU_CTL[8] = {"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"};
    for (unsigned i = 0; i < 8; ++i) add(FPU_CTL[i], 32, "int", CORE, W::FpuCtl, i);
    if (model.has(cpu::Feature::SSE)) {
        for (unsigned i = 0; i < (amd64 ? 16u : 8u); ++i) add("xmm" + std::to_string(i), 128, "uint128", SSE, W::Xmm, i);
        add("mxcsr", 32, "int", SSE, W::Mxcsr, 0);
    }
    if (amd64) {
        // No org.gnu.gdb.i386.linux feature (orig_rax), as in QEMU's system emulation: a whole
        // machine has no process's saved system-call number (docs/ARCHITECTURE.md, "The gdbstub").
        add("fs_base", 64, "int64", SEGMENTS, W::FsGsBase, cpu::FS);
        add("gs_base", 64, "int64", SEGMENTS, W::FsGsBase, cpu::GS);
    }
    for (const unsigned n : {0u, 2u, 3u, 4u}) add("cr" + std::to_string(n), word, "int", SYSTEM, W::Cr, n);
    add("cr8", word, "int", SYSTEM, W::Cr8, 0);
    add("efer", 64, "int64", SYSTEM, W::Efer, 0);
    add("gdtr_base", word, "data_ptr", SYSTEM, W::TableBase, 0);
    add("gdtr_limit", 16, "int", SYSTEM, W::TableLimit, 0);
    add("idtr_base", word, "data_ptr", SYSTEM, W::TableBase, 1);
    add("idtr_limit", 16, "int", SYSTEM, W::TableLimit, 1);
    add("ldtr", 16, "int", SYSTEM, W::Sel, 6);
    add("tr", 16, "int", SYSTEM, W::Sel, 7);
    for (unsigned n = 0; n < 8; ++n) add("dr" + std::to_string(n), word, "int", SYSTEM, W::Dr, n);
    for (unsigned s = 0; s < 8; ++s) {
        const std::string name = SEG_NAMES[s];
        if (!(amd64 && (s == cpu::FS || s == cpu::GS))) add(name + "_base", word, "int", SYSTEM, W::SegBase, s);
        add(name + "_limit", 32, "int", SYSTEM, W::SegLimit, s);
        add(name + "_attr", 16, "int", SYSTEM, W::SegAttr, s);
    }

    xml_ = "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target>\n<architecture>";
    xml_ += amd64 ? "i386:x86-64" : "i386";
    xml_ += "</architecture>\n";
    const char* open = nullptr;
    for (const Register& r : regs_) {
        if (r.feature != open) {
            if (open) xml_ += "</feature>\n";
            xml_ += std::string("<feature name=\"") + r.feature + "\">\n";
            open = r.feature;
        }
        xml_ += "<reg name=\"" + r.name + "\" bitsize=\"" + std::to_string(r.bits) + "\" type=\"" + r.type + "\"" +
                (r.feature == SYSTEM ? " group=\"system\"" : "") + "/>\n";
    }
    xml_ += "</feature>\n</target>\n";
}

std::string RegisterFile::read(cpu::Cpu& c, const Register& r) const {
    uint8_t b[16] = {};
    uint64_t v = 0;
    switch (r.where) {
    case W::Gpr: v = c.gpr[r.index]; break;
    case W::Rip: v = c.rip; break;
    case W::Eflags: v = c.flags.get(); break;
    case W::Sel: v = seg_of(c, r.index).sel; break;
    case W::St: {
        const cpu::Float80& f = c.fpu.st[(c.fpu.top() + r.index) & 7];
        std::memcpy(b, &f.mant, 8);
        std::memcpy(b + 8, &f.sexp, 2);
        return std::string(reinterpret_cast<char*>(b), 10);
    }
    case W::FpuCtl: {
        const cpu::FpuState& f = c.fpu;
        const uint64_t ctl[8] = {f.fcw, f.fsw, f.ftw, f.fcs, f.fip, f.fds, f.fdp, f.fop};
        v = ctl[r.index];
        break;
    }
    case W::Xmm: return std::string(reinterpret_cast<const char*>(&c.sse.xmm[r.index]), 16);
    case W::Mxcsr: v = c.sse.mxcsr; break;
    case W::SegBase:
    case W::FsGsBase: v = seg_of(c, r.index).base; break;
    case W::SegLimit: v = seg_of(c, r.index).limit; break;
    case W::SegAttr: v = seg_of(c, r.index).attrs; break;
    case W::Cr: v = r.index == 0 ? c.cr0 : r.index == 2 ? c.cr2 : r.index == 3 ? c.cr3 : c.cr4; break;
    case W::Cr8: v = c.bus.apic_tpr() >> 4; break;
    case W::Efer: v = c.efer; break;
    case W::TableBase: v = (r.index ? c.idtr : c.gdtr).base; break;
    case W::TableLimit: v = (r.index ? c.idtr : c.gdtr).limit; break;
    case W::Dr: v = c.dr[r.index]; break;
    }
    std::memcpy(b, &v, 8);
    return std::string(reinterpret_cast<char*>(b), r.bits / 8);
}

bool RegisterFile::write(cpu::Cpu& c, const Register& r, const std::string& bytes) const {
    if (bytes.size() != r.bits / 8) return false;
    if (read(c, r) == bytes) return true;
    uint64_t v = 0;
    std::memcpy(&v, bytes.data(), std::min<size_t>(8, bytes.size()));
    switch (r.where) {
    case W::Gpr:
        if (r.bits == 32) c.set_reg<uint32_t>(r.index, uint32_t(v));
        else c.gpr[r.index] = v;
        return true;
    case W::Rip:
        c.rip = v;
        return true;
    case W::Eflags:  // not VM: entering or leaving virtual-8086 mode takes the guest's IRET
        c.flags.set(uint32_t(v), cpu::EFLAGS_WRITABLE & ~cpu::EFLAGS_VM);
        return true;
    case W::St: {
        cpu::Float80& f = c.fpu.st[(c.fpu.top() + r.index) & 7];
        std::memcpy(&f.mant, bytes.data(), 8);
        std::memcpy(&f.sexp, bytes.data() + 8, 2);
        return true;
    }
    case W::FpuCtl: {
        cpu::FpuState& f = c.fpu;
        switch (r.index) {
        case 0: f.fcw = uint16_t(v); break;
        case 1: f.fsw = uint16_t(v); break;
        case 2: f.ftw = uint16_t(v); break;
        case 3: f.fcs = uint16_t(v); break;
        case 4: f.fip = v; break;
        case 5: f.fds = uint16_t(v); break;
        case 6: f.fdp = v; break;
        default: f.fop = uint16_t(v & 0x7FF); break;
        }
        return true;
    }
    case W::Xmm:
        std::memcpy(&c.sse.xmm[r.index], bytes.data(), 16);
        return true;
    case W::Mxcsr:  // LDMXCSR's rule: reserved bits refused
        if (v & ~uint64_t(cpu::mxcsr::WRITABLE)) return false;
        c.sse.mxcsr = uint32_t(v);
        return true;
    case W::FsGsBase:  // WRMSR's rule; both engines read the base at each access through FS/GS
        if (!c.model.canonical(v)) return false;
        c.seg[r.index].base = v;
        return true;
    default: return false;
    }
}

}  // namespace jitpc::gdbstub
