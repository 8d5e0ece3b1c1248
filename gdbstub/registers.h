// The registers gdb sees, in the order of the target description (its register numbers): gdb's
// i386 layout for models without long mode and its amd64 layout for those with it (gdb cannot
// switch between them mid-connection), then jitpc's system feature: control registers, EFER,
// GDTR/IDTR, LDTR/TR, DR0-DR7 and every segment's hidden descriptor cache.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cpu/cpu.h"

namespace jitpc::gdbstub {

struct Register {
    enum class Where : uint8_t {
        Gpr, Rip, Eflags, Sel, St, FpuCtl, Xmm, Mxcsr,  // the guest may be given new values
        FsGsBase,  // amd64's fs_base/gs_base: the IA32_FS_BASE/IA32_GS_BASE MSRs, writable as by WRMSR
        SegBase, SegLimit, SegAttr, Cr, Cr8, Efer, TableBase, TableLimit, Dr,  // read-only
    };
    std::string name;
    unsigned bits;
    const char* type;
    const char* feature;
    Where where;
    unsigned index;  // the register, segment (0-5 as cpu::SegReg, 6 LDTR, 7 TR) or table number
};

class RegisterFile {
public:
    explicit RegisterFile(const cpu::CpuModel& model);
    const std::vector<Register>& list() const { return regs_; }
    // The target description gdb reads with qXfer:features:read:target.xml.
    const std::string& target_xml() const { return xml_; }

    // The register's bytes, little-endian, bits / 8 of them.
    std::string read(cpu::Cpu& c, const Register& r) const;
    // False when the register cannot take that value (a system register, selector or hidden
    // cache changed: those follow the guest's own loads only; a non-canonical fs_base/gs_base,
    // which WRMSR refuses too); an unchanged value is always accepted.
    bool write(cpu::Cpu& c, const Register& r, const std::string& bytes) const;

private:
    std::vector<Register> regs_;
    std::string xml_;
};

}  // namespace jitpc::gdbstub
