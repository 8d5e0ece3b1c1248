// CPU models: CPUID leaves, the MSR lists and EFER's writable bits, per model.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "cpu/model.h"
#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using namespace jitpc::cpu;

namespace {

// Protected mode at CPL 0 with #GP recorded (EBX = 13), on a given model.
struct ModelFixture : test::SystemFixture {
    explicit ModelFixture(const CpuModel& m) : SystemFixture(m) { record_faults(); }

    // RDMSR `index`: EDX:EAX, or nothing after a #GP.
    std::optional<uint64_t> rdmsr(uint32_t index) {
        reg(EBX) = 0xFFFF;
        reg(ECX) = index;
        load({0x0F, 0x32, 0xF4});  // rdmsr ; hlt
        run(4);
        if (reg(EBX) == 13) return std::nullopt;
        return uint64_t(reg(EDX)) << 32 | reg(EAX);
    }
    // WRMSR `index` = v: false after a #GP.
    bool wrmsr(uint32_t index, uint64_t v) {
        reg(EBX) = 0xFFFF;
        reg(ECX) = index;
        reg(EAX) = uint32_t(v);
        reg(EDX) = uint32_t(v >> 32);
        load({0x0F, 0x30, 0xF4});  // wrmsr ; hlt
        run(4);
        return reg(EBX) != 13;
    }
    CpuidResult cpuid(uint32_t leaf, uint32_t subleaf = 0) {
        reg(EAX) = leaf;
        reg(ECX) = subleaf;
        load({0x0F, 0xA2});
        run(1);
        return {uint32_t(reg(EAX)), uint32_t(reg(EBX)), uint32_t(reg(ECX)), uint32_t(reg(EDX))};
    }
};

struct Pentium2 : ModelFixture {
    Pentium2() : ModelFixture(models::pentium2) {}
};
struct Max : ModelFixture {
    Max() : ModelFixture(models::max) {}
};

bool same(const CpuidResult& a, const CpuidResult& b) {
    return a.eax == b.eax && a.ebx == b.ebx && a.ecx == b.ecx && a.edx == b.edx;
}

std::string brand(const CpuModel& m) {
    std::string s;
    for (uint32_t leaf = 0x80000002; leaf <= 0x80000004; ++leaf) {
        const CpuidResult r = m.cpuid(leaf, 0);
        for (const uint32_t v : {r.eax, r.ebx, r.ecx, r.edx})
            for (unsigned i = 0; i < 4; ++i) s += char(v >> (8 * i));
    }
    return s;
}

}  // namespace

TEST_CASE("-cpu names: every model is found by its name, and only by it") {
    for (const CpuModel* m : all_models()) CHECK(find_model(m->name) == m);
    CHECK(find_model("pentium2") == &models::pentium2);
    CHECK(find_model("max") == &models::max);
    CHECK(find_model("Max") == nullptr);
    CHECK(find_model("") == nullptr);
}

TEST_CASE("every model's MSR list is ascending (the lookup is a binary search)") {
    for (const CpuModel* m : all_models()) {
        CAPTURE(m->name);
        for (size_t i = 1; i < m->msrs.size(); ++i) CHECK(m->msrs[i - 1] < m->msrs[i]);
    }
}

// CPUID and the MSR list agree: a feature's MSRs are there exactly when it is advertised.
TEST_CASE("every model lists the MSRs of the features it advertises, and only those") {
    for (const CpuModel* m : all_models()) {
        CAPTURE(m->name);
        const bool mtrr = m->has(Feature::MTRR);
        for (const uint32_t msr : {0xFEu, 0x200u, 0x20Fu, 0x250u, 0x258u, 0x259u, 0x268u, 0x26Fu, 0x2FFu}) {
            CAPTURE(msr);
            CHECK(m->has_msr(msr) == mtrr);
        }
        CHECK(m->has_msr(0x277) == m->has(Feature::PAT));
        CHECK(m->has(Feature::MTRR) == m->has(Feature::PAT));  // together or neither (BRINGUP64)
        CHECK(m->has_msr(0x1B) == m->has(Feature::APIC));
        CHECK(m->has_msr(0x10) == m->has(Feature::TSC));
        CHECK(m->has_msr(0x174) == m->has(Feature::SEP));
        // EFER exists with the extended feature leaf.
        CHECK(m->has_msr(0xC0000080) == (m->cpuid(0x80000000, 0).eax >= 0x80000001));
        // verify_cpu reads MISC_ENABLE unguarded on Intel family 6 model >= 0xD.
        const uint32_t sig = m->signature();
        const unsigned family = (sig >> 8) & 0xF, model = ((sig >> 4) & 0xF) | ((sig >> 12) & 0xF0);
        if (family > 6 || (family == 6 && model >= 0xD)) CHECK(m->has_msr(0x1A0));
    }
}

// What a feature brings along must come with it (BRINGUP64.md trap 16: half-advertised
// features send Linux down paths that then fault).
TEST_CASE("no model half-advertises a feature") {
    for (const CpuModel* m : all_models()) {
        CAPTURE(m->name);
        auto implies = [&](Feature a, Feature b) { return !m->has(a) || m->has(b); };
        CHECK(implies(Feature::SSE, Feature::FXSR));  // Linux refuses SSE without FXSR
        CHECK(implies(Feature::SSE2, Feature::SSE));
        CHECK(implies(Feature::SSE3, Feature::SSE2));
        CHECK(implies(Feature::SSSE3, Feature::SSE3));
        CHECK(implies(Feature::SSE4_1, Feature::SSSE3));
        CHECK(implies(Feature::SSE4_2, Feature::SSE4_1));
        CHECK(implies(Feature::LM, Feature::PAE));
        CHECK(implies(Feature::NX, Feature::PAE));
        // CLFLUSH's line size (leaf 1 EBX[15:8], in 8-byte units) exactly with CLFSH.
        CHECK(m->has(Feature::CLFSH) == (((m->cpuid(1, 0).ebx >> 8) & 0xFF) != 0));
        // The MSRs of SYSCALL (STAR, LSTAR, CSTAR, FMASK), long mode (FS, GS, KernelGS base)
        // and RDTSCP (TSC_AUX).
        for (uint32_t msr = 0xC0000081; msr <= 0xC0000084; ++msr) CHECK(m->has_msr(msr) == m->has(Feature::SYSCALL));
        for (uint32_t msr = 0xC0000100; msr <= 0xC0000102; ++msr) CHECK(m->has_msr(msr) == m->has(Feature::LM));
        CHECK(m->has_msr(0xC0000103) == m->has(Feature::RDTSCP));
        // XSAVE needs leaf 0xD.
        CHECK(implies(Feature::XSAVE, Feature::FXSR));
        if (m->has(Feature::XSAVE)) CHECK(m->cpuid(0, 0).eax >= 0xD);
        // The brand string fits its 48 bytes with a NUL.
        CHECK(m->brand.size() <= 47);
    }
}

TEST_CASE_FIXTURE(Max, "max: vendor, signature, one CPU's topology, address sizes, brand") {
    const CpuidResult zero = cpuid(0);
    CHECK(zero.eax == 0x16);
    CHECK(zero.ebx == 0x756E6547);  // "Genu"
    CHECK(zero.edx == 0x49656E69);  // "ineI"
    CHECK(zero.ecx == 0x6C65746E);  // "ntel"
    const CpuidResult one = cpuid(1);
    CHECK(one.eax == 0x6FB);                    // family 6, model 15, stepping 11
    CHECK(((one.ebx >> 16) & 0xFF) == 1);      // one logical processor
    CHECK((one.edx & (1u << 28)) == 0);        // no HTT
    CHECK(one.edx == models::max.cpuid(1, 0).edx);
    // Leaf 4: L1D, L1I, L2, then the null cache; EAX[31:14] = 0 (nothing shared, one core).
    CHECK(cpuid(4, 0).eax == 0x121);
    CHECK(cpuid(4, 1).eax == 0x122);
    CHECK(cpuid(4, 2).eax == 0x143);
    CHECK(same(cpuid(4, 3), {0, 0, 0, 0}));
    for (uint32_t sub = 0; sub < 3; ++sub) {
        const CpuidResult c = cpuid(4, sub);
        CHECK((c.eax >> 14) == 0);
        const uint32_t bytes = ((c.ebx >> 22) + 1) * (((c.ebx >> 12) & 0x3FF) + 1) * ((c.ebx & 0xFFF) + 1) * (c.ecx + 1);
        CHECK(bytes == (sub < 2 ? 32u << 10 : 2u << 20));
    }
    // The L2 of leaf 4 is the one leaf 0x80000006 describes.
    CHECK((cpuid(0x80000006).ecx >> 16) == 2048);
    CHECK(same(cpuid(3), {0, 0, 0, 0}));     // inside the basic range, not listed: zeros
    CHECK(same(cpuid(0xB), {0, 0, 0, 0}));   // no topology leaf
    // Leaf 0xD: XCR0 may hold the x87 and SSE components, a 576-byte area; no XSAVE extensions.
    CHECK(same(cpuid(0xD, 0), {3, 576, 576, 0}));
    CHECK(same(cpuid(0xD, 1), {0, 0, 0, 0}));
    CHECK(same(cpuid(0xD, 2), {0, 0, 0, 0}));
    CHECK((cpuid(1).ecx & (1u << 24)) != 0);  // TSC-deadline
    // The TSC rate: a 1 GHz crystal (the APIC timer's input too) at a ratio of 1/1.
    CHECK(same(cpuid(0x15), {1, 1, 1'000'000'000, 0}));
    CHECK(same(cpuid(0x16), {1000, 1000, 1000, 0}));
    CHECK(same(cpuid(0x40000000), cpuid(0x16)));  // no hypervisor leaves: past the highest
    CHECK(cpuid(0x80000000).eax == 0x80000008);
    CHECK(cpuid(0x80000008).eax == (40 | 48 << 8));
    CHECK(same(cpuid(0x80000009), cpuid(0x16)));
    CHECK(brand(models::max) == std::string("jitpc x86-64 CPU (max)") + std::string(48 - 22, '\0'));
}

TEST_CASE("max: reset puts the model's signature in EDX") {
    memory::PhysMemory mem{1u << 20};
    test::TestBus bus;
    Cpu cpu{mem, bus, models::max};
    CHECK(cpu.gpr[EDX] == 0x6FB);
}

TEST_CASE_FIXTURE(Max, "max: MISC_ENABLE, FEATURE_CONTROL and BIOS_SIGN_ID; absent MSRs #GP") {
    CHECK(rdmsr(0x1A0) == 0x1801);
    CHECK(wrmsr(0x1A0, 0x1800));  // ignored
    CHECK(rdmsr(0x1A0) == 0x1801);
    CHECK(rdmsr(0x3A) == 1);      // locked, VMX off
    CHECK_FALSE(wrmsr(0x3A, 5));
    CHECK(rdmsr(0x8B) == uint64_t(1) << 32);
    // Not advertised: machine checks, ARCH_CAPABILITIES; past the eight variable MTRRs and
    // past TSC_AUX.
    for (const uint32_t absent : {0x179u, 0x10Au, 0x210u, 0xC0000104u}) {
        CAPTURE(absent);
        CHECK(rdmsr(absent) == std::nullopt);
        CHECK_FALSE(wrmsr(absent, 0));
    }
}

TEST_CASE_FIXTURE(Max, "max: MTRRs and PAT keep valid values and refuse reserved bits and types") {
    CHECK(rdmsr(0xFE) == 0x508);  // 8 variable ranges, fixed ranges, WC
    CHECK_FALSE(wrmsr(0xFE, 0x508));
    CHECK(rdmsr(0x2FF) == 0);  // disabled at reset
    CHECK(wrmsr(0x2FF, 0xC06));  // enabled, fixed enabled, default WB
    CHECK(rdmsr(0x2FF) == 0xC06);
    for (const uint64_t bad : {uint64_t(0xC02), uint64_t(0xC07), uint64_t(0xD06), uint64_t(1) << 12}) {
        CAPTURE(bad);
        CHECK_FALSE(wrmsr(0x2FF, bad));
    }
    CHECK(rdmsr(0x2FF) == 0xC06);
    // Variable range 3: base and mask up to MAXPHYADDR (40 bits).
    CHECK(wrmsr(0x206, 0xFFFFFFF000 | 6));
    CHECK(rdmsr(0x206) == (0xFFFFFFF000 | 6));
    CHECK(wrmsr(0x207, 0xFFF0000000 | 0x800));
    CHECK(rdmsr(0x207) == (0xFFF0000000 | 0x800));
    for (const uint64_t bad : {uint64_t(1) << 40 | 6, uint64_t(0x100) | 6, uint64_t(3), uint64_t(7)}) {
        CAPTURE(bad);
        CHECK_FALSE(wrmsr(0x206, bad));
    }
    for (const uint64_t bad : {uint64_t(1) << 40 | 0x800, uint64_t(0x400) | 0x800, uint64_t(1)}) {
        CAPTURE(bad);
        CHECK_FALSE(wrmsr(0x207, bad));
    }
    CHECK(rdmsr(0x206) == (0xFFFFFFF000 | 6));
    // Fixed ranges: eight types per register.
    for (const uint32_t fixed : {0x250u, 0x258u, 0x259u, 0x268u, 0x26Fu}) {
        CAPTURE(fixed);
        CHECK(wrmsr(fixed, 0x0605040100060504));
        CHECK(rdmsr(fixed) == 0x0605040100060504);
        CHECK_FALSE(wrmsr(fixed, 0x0605040100060502));
        CHECK_FALSE(wrmsr(fixed, 0x0705040100060504));
        CHECK(rdmsr(fixed) == 0x0605040100060504);
    }
    CHECK(rdmsr(0x251) == std::nullopt);
    // PAT: reset value WB WT UC- UC twice; Linux's value; UC- (7) valid, 2, 3 and 8 not.
    CHECK(rdmsr(0x277) == 0x0007040600070406);
    CHECK(wrmsr(0x277, 0x0407050600070106));
    CHECK(rdmsr(0x277) == 0x0407050600070106);
    for (const uint64_t bad : {uint64_t(0x0407050600070102), uint64_t(0x0307050600070106), uint64_t(0x08)}) {
        CAPTURE(bad);
        CHECK_FALSE(wrmsr(0x277, bad));
    }
    CHECK(rdmsr(0x277) == 0x0407050600070106);
}

TEST_CASE_FIXTURE(Pentium2, "pentium2: no EFER, MISC_ENABLE, FEATURE_CONTROL, MTRRs or PAT") {
    for (const uint32_t absent : {0xC0000080u, 0x1A0u, 0x3Au, 0xFEu, 0x200u, 0x250u, 0x277u, 0x2FFu}) {
        CAPTURE(absent);
        CHECK(rdmsr(absent) == std::nullopt);
        CHECK_FALSE(wrmsr(absent, 0));
    }
}

TEST_CASE_FIXTURE(Max, "max: EFER's writable bits are SCE, LME and NXE, LMA is read-only, reserved bits #GP") {
    CHECK(models::max.efer_writable() == (efer::SCE | efer::LME | efer::NXE));
    CHECK(rdmsr(0xC0000080) == 0);
    CHECK(wrmsr(0xC0000080, 0));
    CHECK(wrmsr(0xC0000080, efer::LMA));  // ignored
    CHECK(rdmsr(0xC0000080) == 0);
    for (const uint64_t bit : {uint64_t(1) << 1, uint64_t(1) << 9, uint64_t(1) << 12, uint64_t(1) << 32}) {
        CAPTURE(bit);
        CHECK_FALSE(wrmsr(0xC0000080, bit));
        CHECK(cpu.efer == 0);
    }
    CHECK(wrmsr(0xC0000080, efer::NXE | efer::LME | efer::SCE));
    CHECK(rdmsr(0xC0000080) == (efer::NXE | efer::LME | efer::SCE));
}

namespace {
// max with the features that make EFER bits writable (not a model anyone can pick).
CpuModel max_with_efer_bits() {
    CpuModel m = models::max;
    m.features.bits |= FeatureSet{Feature::SYSCALL, Feature::LM, Feature::NX}.bits;
    return m;
}
const CpuModel MAX_EFER = max_with_efer_bits();
struct MaxEfer : ModelFixture {
    MaxEfer() : ModelFixture(MAX_EFER) {}
};
}  // namespace

TEST_CASE_FIXTURE(MaxEfer, "EFER: SCE with SYSCALL, LME with LM, NXE with NX; LME fixed while paging is on") {
    CHECK(MAX_EFER.efer_writable() == (efer::SCE | efer::LME | efer::NXE));
    CHECK(wrmsr(0xC0000080, efer::SCE | efer::NXE | efer::LME | efer::LMA));
    CHECK(rdmsr(0xC0000080) == (efer::SCE | efer::NXE | efer::LME));
    CHECK_FALSE(wrmsr(0xC0000080, efer::SCE | 2));
    CHECK(cpu.efer == (efer::SCE | efer::NXE | efer::LME));
    // Paging on through a 4 MiB identity page (legacy paging: LME clear), then LME may not
    // change; the other bits may.
    CHECK(wrmsr(0xC0000080, efer::SCE | efer::NXE));
    wr32(0x5000, 0x87);  // present, writable, user, 4 MiB
    reg(ECX) = 0x5000;
    load({0x0F, 0x22, 0xD9,                    // mov cr3, ecx
          0xB8, 0x10, 0, 0, 0,                  // mov eax, CR4.PSE
          0x0F, 0x22, 0xE0,                    // mov cr4, eax
          0x0F, 0x20, 0xC0,                    // mov eax, cr0
          0x0D, 0x00, 0x00, 0x00, 0x80,        // or eax, CR0.PG
          0x0F, 0x22, 0xC0});                  // mov cr0, eax
    run(6);
    REQUIRE((cpu.cr0 & cr0::PG) != 0);
    CHECK_FALSE(wrmsr(0xC0000080, efer::SCE | efer::LME));
    CHECK(cpu.efer == (efer::SCE | efer::NXE));
    CHECK(wrmsr(0xC0000080, efer::SCE));
    CHECK(cpu.efer == efer::SCE);
}
