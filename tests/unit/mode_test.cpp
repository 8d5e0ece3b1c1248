// CpuMode: derived in one place from CR0.PE, EFLAGS.VM, EFER.LMA and CS.L/CS.D; the decoder
// refuses 64-bit mode until long mode exists; register text widens only in 64-bit mode.
#include <doctest/doctest.h>

#include "cpu/block_cache.h"
#include "cpu/decode.h"
#include "cpu/print.h"
#include "cpu/state.h"

using namespace jitpc;
using namespace jitpc::cpu;

namespace {

CpuState with(bool pe, bool vm, bool lma, bool l, bool d) {
    CpuState s;
    s.cr0 = pe ? cr0::PE : 0;
    if (vm) s.flags.bits |= EFLAGS_VM;
    s.efer = lma ? efer::LMA : 0;
    s.seg[CS].attrs = uint16_t((s.seg[CS].attrs & ~(attr::L | attr::DB)) | (l ? attr::L : 0) | (d ? attr::DB : 0));
    return s;
}

}  // namespace

TEST_CASE("the mode follows CR0.PE, EFLAGS.VM, EFER.LMA and CS.L/CS.D") {
    CHECK(with(false, false, false, false, false).mode() == CpuMode::Real16);
    CHECK(with(false, false, false, false, true).mode() == CpuMode::Real32);
    CHECK(with(true, true, false, false, false).mode() == CpuMode::V86);
    CHECK(with(true, false, false, false, false).mode() == CpuMode::Prot16);
    CHECK(with(true, false, false, false, true).mode() == CpuMode::Prot32);
    // CS.L means nothing outside IA-32e mode.
    CHECK(with(true, false, false, true, false).mode() == CpuMode::Prot16);
    CHECK(with(true, false, true, false, false).mode() == CpuMode::Compat16);
    CHECK(with(true, false, true, false, true).mode() == CpuMode::Compat32);
    CHECK(with(true, false, true, true, false).mode() == CpuMode::Long64);
    CHECK(ip_mask(CpuMode::Real16) == 0xFFFF);
    CHECK(ip_mask(CpuMode::Compat32) == 0xFFFFFFFF);
    CHECK(ip_mask(CpuMode::Long64) == ~uint64_t(0));
    CHECK(BlockCache::key(0x1000, CpuMode::Real16) != BlockCache::key(0x1000, CpuMode::Prot16));
}

TEST_CASE("64-bit code decodes to #UD, not to 32-bit instructions") {
    const Decoder d(models::pentium2);
    Insn i;
    const uint8_t mov_eax_1[] = {0xB8, 0x01, 0x00, 0x00, 0x00};
    REQUIRE(d.decode(mov_eax_1, sizeof mov_eax_1, CpuMode::Prot32, i) == Decoder::Status::Ok);
    CHECK((i.fn != handler_ud));
    REQUIRE(d.decode(mov_eax_1, sizeof mov_eax_1, CpuMode::Long64, i) == Decoder::Status::Ok);
    CHECK((i.fn == handler_ud));
    CHECK((i.flags & IF_END_BLOCK) != 0);
}

TEST_CASE("register text is 32-bit outside 64-bit mode and 64-bit in it") {
    CpuState s = with(true, false, false, false, true);
    for (unsigned r = 0; r < NUM_GPRS; ++r) s.gpr[r] = 0x1111111100000000 | r;
    s.rip = 0x1234;
    s.seg[CS].sel = 0x08;
    CHECK(gpr_text(s) == "EAX=00000000 EBX=00000003 ECX=00000001 EDX=00000002 ESI=00000006 "
                         "EDI=00000007 EBP=00000005 ESP=00000004");
    CHECK(ip_text(s) == "0008:00001234");
    s = with(true, false, true, true, false);
    s.gpr[R15] = 0xFEDCBA9876543210;
    s.seg[CS].sel = 0x10;
    s.rip = 0xFFFFFFFF81000000;
    const std::string t = gpr_text(s);
    CHECK(t.rfind("RAX=0000000000000000 RBX=", 0) == 0);
    CHECK(t.find("R15=fedcba9876543210") != std::string::npos);
    CHECK(ip_text(s) == "0010:ffffffff81000000");
}
