// FXSAVE/FXRSTOR and LDMXCSR/STMXCSR.
//
// Choices (docs/undefined.md, "SSE"): FXSAVE and FXRSTOR save and restore MXCSR and the XMM
// registers whatever CR4.OSFXSR says (as current Intel processors do); FXSAVE writes zeros to
// the reserved bytes of the fields it stores (bytes 0-287 in the 32-bit layout) and leaves
// bytes 288-511 alone; FXRSTOR loads the status word and summarises ES/B from it like FRSTOR.
#include "cpu/fpu/fpu_common.h"
#include "cpu/ops/sse_common.h"

namespace jitpc::cpu {
namespace {

using namespace ops::sse;
using ops::fpu::TAG_EMPTY;

constexpr unsigned FX_SIZE = 512;

// The image layout (SDM Vol. 1, tables 10-2 and 10-3). Outside 64-bit mode: 32-bit FIP and FDP
// with FCS/FDS beside them and XMM0-7. The 64-bit layouts store XMM0-15 and, with REX.W, FIP and
// FDP as 64-bit offsets in bytes 8-15 and 16-23 (no selectors); without REX.W the 32-bit pointer
// fields. `xmm_count` and `wide_pointers` name those choices for the 64-bit modes.
struct FxLayout {
    unsigned xmm_count = 8;
    bool wide_pointers = false;
    unsigned used() const { return 160 + 16 * xmm_count; }
};

void put16(uint8_t* b, unsigned at, uint32_t v) { std::memcpy(b + at, &v, 2); }
void put32(uint8_t* b, unsigned at, uint32_t v) { std::memcpy(b + at, &v, 4); }
uint32_t get16(const uint8_t* b, unsigned at) { uint16_t v; std::memcpy(&v, b + at, 2); return v; }
uint32_t get32(const uint8_t* b, unsigned at) { uint32_t v; std::memcpy(&v, b + at, 4); return v; }

// CR0.EM or CR0.TS make FXSAVE and FXRSTOR #NM (not #UD as for SSE).
void fx_guard(const Cpu& c) {
    if (c.cr0 & (cr0::EM | cr0::TS)) raise_fault(VEC_NM);
}

uint32_t fx_area(Cpu& c, const Insn& i, bool write) {
    return mem_linear(c, i, c.ea(i), FX_SIZE, write, true);
}

void fxsave(Cpu& c, const Insn& i) {
    fx_guard(c);
    const FxLayout l;
    const uint32_t lin = fx_area(c, i, true);
    c.mmu.probe_write(lin, FX_SIZE, c.user());
    const FpuState& f = c.fpu;
    uint8_t b[FX_SIZE] = {};
    put16(b, 0, f.fcw);
    put16(b, 2, f.fsw);
    uint8_t tags = 0;
    for (unsigned p = 0; p < 8; ++p)
        if (((f.ftw >> (2 * p)) & 3) != TAG_EMPTY) tags |= uint8_t(1u << p);
    b[4] = tags;
    put16(b, 6, f.fop & 0x7FF);
    put32(b, 8, f.fip);
    put16(b, 12, f.fcs);
    put32(b, 16, f.fdp);
    put16(b, 20, f.fds);
    put32(b, 24, c.sse.mxcsr);
    put32(b, 28, mxcsr::WRITABLE);
    for (unsigned r = 0; r < 8; ++r) {
        const Float80& v = f.st[(f.top() + r) & 7];
        std::memcpy(b + 32 + 16 * r, &v.mant, 8);
        std::memcpy(b + 40 + 16 * r, &v.sexp, 2);
    }
    std::memcpy(b + 160, c.sse.xmm, 16 * l.xmm_count);
    write_mem(c, i, c.ea(i), b, l.used(), true);
}

void fxrstor(Cpu& c, const Insn& i) {
    fx_guard(c);
    const FxLayout l;
    fx_area(c, i, false);
    uint8_t b[FX_SIZE];
    read_mem(c, i, c.ea(i), b, l.used(), true);
    const uint32_t csr = get32(b, 24);
    if (csr & ~mxcsr::WRITABLE) raise_gp(0);
    FpuState& f = c.fpu;
    f.fcw = uint16_t(get16(b, 0) | 0x40);
    f.fsw = uint16_t(get16(b, 2));
    f.fop = uint16_t(get16(b, 6) & 0x7FF);
    f.fip = get32(b, 8);
    f.fcs = uint16_t(get16(b, 12));
    f.fdp = get32(b, 16);
    f.fds = uint16_t(get16(b, 20));
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
    c.sse.mxcsr = csr;
    std::memcpy(c.sse.xmm, b + 160, 16 * l.xmm_count);
}

void ldmxcsr(Cpu& c, const Insn& i) {
    guard(c);
    uint32_t v;
    read_mem(c, i, c.ea(i), &v, 4, false);
    if (v & ~mxcsr::WRITABLE) raise_gp(0);
    c.sse.mxcsr = v;
}

void stmxcsr(Cpu& c, const Insn& i) {
    guard(c);
    write_mem(c, i, c.ea(i), &c.sse.mxcsr, 4, false);
}

template <Handler H> Handler bind_mem(const DecodeCtx& ctx, Insn&) { return ctx.is_mem(0) ? H : nullptr; }

}  // namespace

void register_sse_state(Binder* t) {
    t[ZYDIS_MNEMONIC_FXSAVE] = bind_mem<fxsave>;
    t[ZYDIS_MNEMONIC_FXRSTOR] = bind_mem<fxrstor>;
    t[ZYDIS_MNEMONIC_LDMXCSR] = bind_mem<ldmxcsr>;
    t[ZYDIS_MNEMONIC_STMXCSR] = bind_mem<stmxcsr>;
}

}  // namespace jitpc::cpu
