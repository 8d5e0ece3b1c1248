// FXSAVE/FXRSTOR, XSAVE/XRSTOR/XGETBV/XSETBV (the x87 and SSE components) and LDMXCSR/STMXCSR.
//
// Choices (docs/undefined.md, "SSE"): FXSAVE and FXRSTOR save and restore MXCSR and the XMM
// registers whatever CR4.OSFXSR says (as current Intel processors do); FXSAVE writes zeros to
// the reserved bytes of the fields it stores (bytes 0-287 in the 32-bit layout) and leaves
// bytes 288-511 alone; FXRSTOR loads the status word and summarises ES/B from it like FRSTOR.
#include <algorithm>

#include "cpu/fpu/fpu_common.h"
#include "cpu/ops/sse_common.h"
#include "cpu/ops/system_parts.h"

namespace jitpc::cpu {
namespace {

using namespace ops::sse;
using ops::fpu::TAG_EMPTY;

constexpr unsigned FX_SIZE = 512;

// The image layout (SDM Vol. 1, tables 10-2 and 10-3). Outside 64-bit mode: 32-bit FIP and FDP
// with FCS/FDS beside them and XMM0-7. The 64-bit layouts store XMM0-15 and, with REX.W
// (FXSAVE64/FXRSTOR64), FIP and FDP as 64-bit offsets in bytes 8-15 and 16-23 (no selectors);
// without REX.W the 32-bit pointer fields.
struct FxLayout {
    unsigned xmm_count = 8;
    bool wide_pointers = false;
    unsigned used() const { return 160 + 16 * xmm_count; }
};

void put16(uint8_t* b, unsigned at, uint32_t v) { std::memcpy(b + at, &v, 2); }
void put32(uint8_t* b, unsigned at, uint32_t v) { std::memcpy(b + at, &v, 4); }
uint32_t get16(const uint8_t* b, unsigned at) { uint16_t v; std::memcpy(&v, b + at, 2); return v; }
uint32_t get32(const uint8_t* b, unsigned at) { uint32_t v; std::memcpy(&v, b + at, 4); return v; }
void put64(uint8_t* b, unsigned at, uint64_t v) { std::memcpy(b + at, &v, 8); }
uint64_t get64(const uint8_t* b, unsigned at) { uint64_t v; std::memcpy(&v, b + at, 8); return v; }

// The x87 part of the image (bytes 0-23 and 32-159; FXSAVE's and XSAVE's state component 0).
void store_x87(const FpuState& f, const FxLayout& l, uint8_t* b) {
    put16(b, 0, f.fcw);
    put16(b, 2, f.fsw);
    uint8_t tags = 0;
    for (unsigned p = 0; p < 8; ++p)
        if (((f.ftw >> (2 * p)) & 3) != TAG_EMPTY) tags |= uint8_t(1u << p);
    b[4] = tags;
    put16(b, 6, f.fop & 0x7FF);
    if (l.wide_pointers) {
        put64(b, 8, f.fip);
        put64(b, 16, f.fdp);
    } else {
        put32(b, 8, uint32_t(f.fip));
        put16(b, 12, f.fcs);
        put32(b, 16, uint32_t(f.fdp));
        put16(b, 20, f.fds);
    }
    for (unsigned r = 0; r < 8; ++r) {
        const Float80& v = f.st[(f.top() + r) & 7];
        std::memcpy(b + 32 + 16 * r, &v.mant, 8);
        std::memcpy(b + 40 + 16 * r, &v.sexp, 2);
    }
}
void load_x87(Cpu& c, const FxLayout& l, const uint8_t* b) {
    FpuState& f = c.fpu;
    f.fcw = uint16_t(get16(b, 0) | 0x40);
    f.fsw = uint16_t(get16(b, 2));
    f.fop = uint16_t(get16(b, 6) & 0x7FF);
    f.fip = l.wide_pointers ? get64(b, 8) : get32(b, 8);
    f.fdp = l.wide_pointers ? get64(b, 16) : get32(b, 16);
    f.fcs = l.wide_pointers ? 0 : uint16_t(get16(b, 12));
    f.fds = l.wide_pointers ? 0 : uint16_t(get16(b, 20));
    for (unsigned r = 0; r < 8; ++r) {
        Float80& v = f.st[(f.top() + r) & 7];
        std::memcpy(&v.mant, b + 32 + 16 * r, 8);
        std::memcpy(&v.sexp, b + 40 + 16 * r, 2);
    }
    uint16_t ftw = 0;
    for (unsigned p = 0; p < 8; ++p)
        if (!((b[4] >> p) & 1)) ftw = uint16_t(ftw | (TAG_EMPTY << (2 * p)));
    f.ftw = ops::fpu::live_tags(f, ftw);
    ops::fpu::summarize_es(c);
}
// MXCSR and MXCSR_MASK (bytes 24-31), and the XMM registers (from byte 160).
void store_mxcsr(const Cpu& c, uint8_t* b) {
    put32(b, 24, c.sse.mxcsr);
    put32(b, 28, mxcsr::WRITABLE);
}
void store_xmm(const Cpu& c, const FxLayout& l, uint8_t* b) { std::memcpy(b + 160, c.sse.xmm, 16 * l.xmm_count); }
void load_xmm(Cpu& c, const FxLayout& l, const uint8_t* b) { std::memcpy(c.sse.xmm, b + 160, 16 * l.xmm_count); }
// The MXCSR of an image, #GP(0) with a reserved bit set.
uint32_t image_mxcsr(const uint8_t* b) {
    const uint32_t csr = get32(b, 24);
    if (csr & ~mxcsr::WRITABLE) raise_gp(0);
    return csr;
}

// CR0.EM or CR0.TS make FXSAVE and FXRSTOR #NM (not #UD as for SSE); then the whole area is
// checked. False: the fault is pending.
[[nodiscard]] bool fx_area(Cpu& c, const Insn& i, bool write, uint64_t& lin) {
    if (c.cr0 & (cr0::EM | cr0::TS)) return c.fail(VEC_NM);
    return mem_linear(c, i, c.ea(i), FX_SIZE, write, true, lin);
}

// FXSAVE's and FXSAVE64's image: bytes 0-287 (0-415 with XMM8-15), zeros in the reserved
// bytes of the fields it stores.
void fx_image(const Cpu& c, const FxLayout& l, uint8_t* b) {
    store_x87(c.fpu, l, b);
    store_mxcsr(c, b);
    store_xmm(c, l, b);
}

template <FxLayout L> void fxsave(Cpu& c, const Insn& i) {
    uint64_t lin;
    if (!fx_area(c, i, true, lin)) return;
    c.mmu.probe_write(lin, FX_SIZE, c.user());
    uint8_t b[FX_SIZE] = {};
    fx_image(c, L, b);
    (void)write_mem(c, i, c.ea(i), b, L.used(), true);  // probed: cannot fault
}

template <FxLayout L> void fxrstor(Cpu& c, const Insn& i) {
    uint64_t lin;
    uint8_t b[FX_SIZE];
    if (!fx_area(c, i, false, lin) || !read_mem(c, i, c.ea(i), b, L.used(), true)) return;
    const uint32_t csr = image_mxcsr(b);
    load_x87(c, L, b);
    c.sse.mxcsr = csr;
    load_xmm(c, L, b);
}

// ---- XSAVE/XRSTOR, XGETBV/XSETBV for the x87 and SSE components ------------------------------
// The standard (non-compacted) form: the legacy region is FXSAVE's image, the 64-byte header
// follows at 512 (XSTATE_BV at 512, XCOMP_BV at 520). No extended components: the area is 576
// bytes (CPUID leaf 0xD).
constexpr unsigned XSAVE_SIZE = 576, XSTATE_BV = 512, XCOMP_BV = 520;

// CR4.OSXSAVE clear makes the XSAVE family #UD; CR0.TS makes XSAVE/XRSTOR #NM (CR0.EM does not
// matter to them).
void xsave_enabled(const Cpu& c) {
    if (!(c.cr4 & cr4::OSXSAVE)) raise_ud();
}
uint64_t xsave_area(Cpu& c, const Insn& i, bool write) {
    xsave_enabled(c);
    if (c.cr0 & cr0::TS) raise_fault(VEC_NM);
    if (c.linear_unchecked(i.seg, c.ea(i)) & 63) raise_gp(0);
    uint64_t lin;
    if (!mem_linear(c, i, c.ea(i), XSAVE_SIZE, write, false, lin)) c.throw_pending();
    return lin;
}
// The requested-feature bitmap: EDX:EAX and XCR0.
uint64_t rfbm(const Cpu& c) { return (uint64_t(uint32_t(c.gpr[EDX])) << 32 | uint32_t(c.gpr[EAX])) & c.sse.xcr0; }

// XINUSE: a component is reported in use unless it is in its initial configuration (x87: FNINIT's
// state with zero registers; SSE: XMM registers zero).
uint64_t in_use(const Cpu& c) {
    const FpuState& f = c.fpu;
    const FpuState init{};
    bool x87 = f.fcw != init.fcw || f.fsw != init.fsw || f.ftw != init.ftw || f.fop || f.fip || f.fdp || f.fcs || f.fds;
    for (const Float80& r : f.st) x87 |= r.mant || r.sexp;
    bool sse = false;
    for (const Xmm& x : c.sse.xmm) sse |= x.q[0] || x.q[1];
    return (x87 ? xcr0::X87 : 0) | (sse ? xcr0::SSE : 0);
}

// XSAVE: the components of RFBM into their places; MXCSR with SSE. XSTATE_BV's bits of RFBM
// become XINUSE's, its other bits and the rest of the header stay.
template <FxLayout L> void xsave(Cpu& c, const Insn& i) {
    const uint64_t lin = xsave_area(c, i, true);
    c.mmu.probe_write(lin, XSAVE_SIZE, c.user());
    uint8_t b[XSAVE_SIZE];
    (void)read_mem(c, i, c.ea(i), b, XSAVE_SIZE, false);  // probed writable: cannot fault
    const uint64_t rb = rfbm(c);
    const FxLayout l = L;
    if (rb & xcr0::X87) {
        std::memset(b, 0, 24);        // with the reserved bytes of the x87 fields
        std::memset(b + 32, 0, 128);  // and of the register slots
        store_x87(c.fpu, l, b);
    }
    if (rb & xcr0::SSE) {
        store_mxcsr(c, b);
        store_xmm(c, l, b);
    }
    uint64_t bv;
    std::memcpy(&bv, b + XSTATE_BV, 8);
    bv = (bv & ~rb) | (in_use(c) & rb);
    std::memcpy(b + XSTATE_BV, &bv, 8);
    (void)write_mem(c, i, c.ea(i), b, XSAVE_SIZE, false);
}

// XRSTOR (standard form): #GP(0) when XSTATE_BV has a bit XCR0 lacks, when XCOMP_BV or the
// header's next 8 bytes are not zero, or for a reserved MXCSR bit; then each component of RFBM is
// loaded when its XSTATE_BV bit is set and initialised otherwise. MXCSR is loaded with SSE
// whatever XSTATE_BV says.
template <FxLayout L> void xrstor(Cpu& c, const Insn& i) {
    xsave_area(c, i, false);
    uint8_t b[XSAVE_SIZE];
    if (!read_mem(c, i, c.ea(i), b, XSAVE_SIZE, false)) return;
    uint64_t bv, comp, reserved;
    std::memcpy(&bv, b + XSTATE_BV, 8);
    std::memcpy(&comp, b + XCOMP_BV, 8);
    std::memcpy(&reserved, b + XCOMP_BV + 8, 8);
    if ((bv & ~c.sse.xcr0) || comp || reserved) raise_gp(0);
    const uint64_t rb = rfbm(c);
    const uint32_t csr = (rb & xcr0::SSE) ? image_mxcsr(b) : c.sse.mxcsr;
    const FxLayout l = L;
    if (rb & xcr0::X87) {
        if (bv & xcr0::X87) {
            load_x87(c, l, b);
        } else {
            c.fpu = FpuState{};
            ops::fpu::summarize_es(c);
        }
    }
    if (rb & xcr0::SSE) {
        c.sse.mxcsr = csr;
        if (bv & xcr0::SSE) load_xmm(c, l, b);
        else std::fill(std::begin(c.sse.xmm), std::begin(c.sse.xmm) + l.xmm_count, Xmm{});
    }
}

// XGETBV: ECX = 0 reads XCR0 (any CPL); every other ECX is #GP(0) (no XGETBV_ECX1).
void xgetbv(Cpu& c, const Insn&) {
    xsave_enabled(c);
    if (uint32_t(c.gpr[ECX]) != 0) raise_gp(0);
    c.gpr[EAX] = uint32_t(c.sse.xcr0);
    c.gpr[EDX] = uint32_t(c.sse.xcr0 >> 32);
}
// XSETBV: CPL 0 (v86 mode is CPL 3), ECX = 0, and a value with the x87 bit, no unsupported bit.
void xsetbv(Cpu& c, const Insn&) {
    xsave_enabled(c);
    if (c.pe() && c.cpl != 0) raise_gp(0);
    const uint64_t v = uint64_t(uint32_t(c.gpr[EDX])) << 32 | uint32_t(c.gpr[EAX]);
    if (uint32_t(c.gpr[ECX]) != 0 || !(v & xcr0::X87) || (v & ~xcr0::SUPPORTED)) raise_gp(0);
    c.sse.xcr0 = v;
}

void ldmxcsr(Cpu& c, const Insn& i) {
    uint32_t v;
    if (!guard(c) || !read_mem(c, i, c.ea(i), &v, 4, false)) return;
    if (v & ~mxcsr::WRITABLE) raise_gp(0);
    c.sse.mxcsr = v;
}

void stmxcsr(Cpu& c, const Insn& i) {
    if (!guard(c)) return;
    write_mem(c, i, c.ea(i), &c.sse.mxcsr, 4, false);
}

template <Handler H> Handler bind_mem(const DecodeCtx& ctx, Insn&) { return ctx.is_mem(0) ? H : nullptr; }
// FXSAVE/FXRSTOR/XSAVE/XRSTOR without REX.W: XMM0-15 in 64-bit mode, XMM0-7 elsewhere; the
// REX.W forms (FXSAVE64 and the like, 64-bit mode only) with 64-bit FIP and FDP.
template <template <FxLayout> class Op> Handler bind_image(const DecodeCtx& ctx, Insn&) {
    if (!ctx.is_mem(0)) return nullptr;
    return ctx.mode == CpuMode::Long64 ? Op<FxLayout{16, false}>::fn : Op<FxLayout{}>::fn;
}
template <template <FxLayout> class Op> Handler bind_image64(const DecodeCtx& ctx, Insn&) {
    return ctx.is_mem(0) ? Op<FxLayout{16, true}>::fn : nullptr;
}
template <FxLayout L> struct FxsaveOp { static constexpr Handler fn = fxsave<L>; };
template <FxLayout L> struct FxrstorOp { static constexpr Handler fn = fxrstor<L>; };
template <FxLayout L> struct XsaveOp { static constexpr Handler fn = xsave<L>; };
template <FxLayout L> struct XrstorOp { static constexpr Handler fn = xrstor<L>; };

}  // namespace

void register_sse_state(Binder* t) {
    t[ZYDIS_MNEMONIC_FXSAVE] = bind_image<FxsaveOp>;
    t[ZYDIS_MNEMONIC_FXRSTOR] = bind_image<FxrstorOp>;
    t[ZYDIS_MNEMONIC_FXSAVE64] = bind_image64<FxsaveOp>;
    t[ZYDIS_MNEMONIC_FXRSTOR64] = bind_image64<FxrstorOp>;
    t[ZYDIS_MNEMONIC_LDMXCSR] = bind_mem<ldmxcsr>;
    t[ZYDIS_MNEMONIC_STMXCSR] = bind_mem<stmxcsr>;
    t[ZYDIS_MNEMONIC_XSAVE] = bind_image<XsaveOp>;
    t[ZYDIS_MNEMONIC_XRSTOR] = bind_image<XrstorOp>;
    t[ZYDIS_MNEMONIC_XSAVE64] = bind_image64<XsaveOp>;
    t[ZYDIS_MNEMONIC_XRSTOR64] = bind_image64<XrstorOp>;
    t[ZYDIS_MNEMONIC_XGETBV] = ops::bind_fixed<xgetbv>;
    t[ZYDIS_MNEMONIC_XSETBV] = ops::bind_fixed<xsetbv>;
}

}  // namespace jitpc::cpu
