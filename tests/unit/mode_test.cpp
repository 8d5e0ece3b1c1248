// CpuMode: derived in one place from CR0.PE, EFLAGS.VM, EFER.LMA and CS.L/CS.D; the decoder
// decodes 64-bit mode's own forms; register text widens only in 64-bit mode.
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

TEST_CASE("a block removed from the cache is found no more, whatever mode keys it") {
    memory::PhysMemory pm{1u << 20};
    BlockCache cache(pm);
    for (CpuMode mode : {CpuMode::Real16, CpuMode::Prot32, CpuMode::Long64}) {
        CAPTURE(mode);
        auto b = std::make_unique<Block>();
        b->phys = 0x5000;
        b->key = BlockCache::key(b->phys, mode);
        b->page2 = 1;
        b->bytes = 4;
        const uint64_t k = b->key;
        cache.insert(std::move(b));
        REQUIRE(cache.find(k));  // now in its fast slot too
        cache.invalidate(0x5002, 1);
        CHECK(cache.find(k) == nullptr);
        cache.collect();
    }
}

TEST_CASE("64-bit code decodes as 64-bit instructions: REX, imm64, moffs64, RIP-relative") {
    const Decoder d(models::max);
    Insn i;
    const uint8_t mov_rax_imm64[] = {0x48, 0xB8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
    REQUIRE(d.decode(mov_rax_imm64, sizeof mov_rax_imm64, CpuMode::Long64, i) == Decoder::Status::Ok);
    CHECK(i.len == 10);
    CHECK(i.osize == 8);
    CHECK(i.imm == 0x55667788);
    CHECK(i.disp == 0x11223344);  // the high half (insn.h)
    // The same bytes in 32-bit code: DEC EAX, then MOV EAX, imm32.
    REQUIRE(d.decode(mov_rax_imm64, sizeof mov_rax_imm64, CpuMode::Prot32, i) == Decoder::Status::Ok);
    CHECK(i.len == 1);
    const uint8_t mov_al_moffs64[] = {0xA0, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
    REQUIRE(d.decode(mov_al_moffs64, sizeof mov_al_moffs64, CpuMode::Long64, i) == Decoder::Status::Ok);
    CHECK(i.len == 9);
    CHECK(i.disp == 0x05060708);
    CHECK(i.imm == 0x01020304);
    // mov r9d, [rip + 0x10]: REX.R, RIP-relative, 32-bit operand.
    const uint8_t mov_r9d_rip[] = {0x44, 0x8B, 0x0D, 0x10, 0x00, 0x00, 0x00};
    REQUIRE(d.decode(mov_r9d_rip, sizeof mov_r9d_rip, CpuMode::Long64, i) == Decoder::Status::Ok);
    CHECK(i.r0 == R9);
    CHECK(i.osize == 4);
    CHECK(i.asize == 8);
    CHECK(i.base == NO_REG);
    CHECK((i.prefix & PFX_RIP_REL) != 0);
    CHECK(i.disp == 0x10);
    // mov sil, dil (REX): byte registers 6 and 7, not DH and BH.
    const uint8_t mov_sil_dil[] = {0x40, 0x88, 0xFE};
    REQUIRE(d.decode(mov_sil_dil, sizeof mov_sil_dil, CpuMode::Long64, i) == Decoder::Status::Ok);
    CHECK(i.r0 == 6);
    CHECK(i.r1 == 7);
    // PUSHA does not exist in 64-bit mode.
    const uint8_t pusha[] = {0x60};
    REQUIRE(d.decode(pusha, sizeof pusha, CpuMode::Long64, i) == Decoder::Status::Ok);
    CHECK((i.fn == handler_ud));
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
