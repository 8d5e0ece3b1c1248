// HLT, CLI/STI, control/debug registers, descriptor-table registers and cache/TLB control.
//
// Implementation choices (see docs/undefined.md, "System instructions"):
//   SGDT/SIDT with 16-bit operand size store the full 32-bit base (as 32-bit operand size).
//   SLDT/STR/SMSW to a 32-bit register zero-extend (SMSW stores all of CR0).
//   MOV to CR0 ignores writes to reserved bits and keeps ET = 1.
//   CR4 accepts TSD, DE, PSE, PGE and PCE, PAE on models that have it, OSFXSR and
//   OSXMMEXCPT on models with FXSR, and OSXSAVE on models with XSAVE; any other bit raises
//   #GP(0).
#include <vector>

#include "cpu/descriptor.h"
#include "cpu/ops/operands.h"
#include "cpu/ops/system_parts.h"

namespace jitpc::cpu::ops {
namespace {

constexpr uint32_t CR0_WRITABLE = cr0::PE | cr0::MP | cr0::EM | cr0::TS | cr0::NE | cr0::WP |
                                  cr0::AM | cr0::NW | cr0::CD | cr0::PG;
constexpr uint32_t CR4_VALID = cr4::TSD | cr4::DE | cr4::PSE | cr4::PGE | cr4::PCE;

uint32_t cr4_valid(const Cpu& c) {
    return CR4_VALID | (c.has(Feature::PAE) ? cr4::PAE : 0) |
           (c.has(Feature::FXSR) ? cr4::OSFXSR | cr4::OSXMMEXCPT : 0) |
           (c.has(Feature::XSAVE) ? cr4::OSXSAVE : 0);
}

// A CR0/CR4 write after which PAE paging is on loads the PDPTEs when it changes CR0.CD/NW/PG or
// CR4.PAE/PGE/PSE; a present PDPTE with a reserved bit is #GP(0) and nothing changes.
void load_pdptes_for(Cpu& c, uint32_t cr0, uint32_t cr4) {
    if (c.mmu.pae_paging(cr0, cr4) && !c.mmu.load_pdptes(c.cr3)) raise_gp(0);
}


// CPL 0 only; in virtual-8086 mode CPL is 3, so these raise #GP(0) there too.
void require_cpl0(const Cpu& c) {
    if (c.pe() && c.cpl != 0) raise_gp(0);
}
// Instructions that do not exist outside protected mode (#UD in real and v86 mode).
void require_protected(const Cpu& c) {
    if (!c.protected_mode()) raise_ud();
}

void hlt(Cpu& c, const Insn&) {
    require_cpl0(c);
    c.halted = 1;
    c.request_exit();
}

// CLI/STI: allowed when CPL <= IOPL (v86: IOPL 3); real mode always.
void check_if_change(const Cpu& c) {
    if (!c.pe()) return;
    if (c.vm86() ? iopl(c) != 3 : c.cpl > iopl(c)) raise_gp(0);
}
void cli(Cpu& c, const Insn&) {
    check_if_change(c);
    c.flags.bits &= ~EFLAGS_IF;
}
void sti(Cpu& c, const Insn&) {
    check_if_change(c);
    // Interrupts stay blocked for one more instruction only when STI actually enables them.
    if (!(c.flags.bits & EFLAGS_IF)) c.irq_shadow = SHADOW_IRQ;
    c.flags.bits |= EFLAGS_IF;
    c.request_exit();
}

// IA-32e mode is active (EFER.LMA) exactly while paging is on with EFER.LME set: MOV CR0 turns
// it on and off, and refuses what would leave the processor inconsistent (SDM 10.8.5, MOV CR).
void write_cr0(Cpu& c, uint64_t value) {
    if (value >> 32) raise_gp(0);  // 64-bit mode: bits 63:32 are reserved
    const uint32_t v = (uint32_t(value) & CR0_WRITABLE) | cr0::ET;
    if ((v & cr0::PG) && !(v & cr0::PE)) raise_gp(0);
    if ((v & cr0::NW) && !(v & cr0::CD)) raise_gp(0);
    const uint32_t changed = uint32_t(c.cr0) ^ v;
    const bool lma = (v & cr0::PG) && (c.efer & efer::LME);
    if (changed & cr0::PG) {
        if (lma) {
            // Activation needs PAE paging's tables and a CS and TR that stay valid in it.
            const bool tss16 = (c.tr.attrs & attr::TYPE) == 1 || (c.tr.attrs & attr::TYPE) == 3;
            if (!(c.cr4 & cr4::PAE) || (c.seg[CS].attrs & attr::L) || tss16) raise_gp(0);
        } else if (c.long64()) {
            raise_gp(0);  // leaving IA-32e mode goes through compatibility mode
        }
    }
    if (!lma && (changed & (cr0::CD | cr0::NW | cr0::PG))) load_pdptes_for(c, v, c.cr4);
    c.cr0 = v;
    if (changed & cr0::PG) c.efer = lma ? c.efer | efer::LMA : c.efer & ~efer::LMA;
    if (changed & (cr0::PG | cr0::WP | cr0::PE)) c.mmu.flush_all();
}
void write_cr4(Cpu& c, uint64_t v) {
    if (v & ~uint64_t(cr4_valid(c))) raise_gp(0);
    if ((c.efer & efer::LMA) && !(v & cr4::PAE)) raise_gp(0);
    const uint32_t changed = uint32_t(c.cr4 ^ v);
    if (changed & (cr4::PAE | cr4::PGE | cr4::PSE)) load_pdptes_for(c, c.cr0, v);
    c.cr4 = v;
    if (changed & (cr4::PSE | cr4::PGE | cr4::PAE)) c.mmu.flush_all();
    if (changed & cr4::DE) c.debug_regs_changed();
}

// MOV CRn, r32 (aux = n, r1 = source) and MOV r32, CRn (aux = n, r0 = destination).
template <bool ToCr> void mov_cr(Cpu& c, const Insn& i) {
    require_cpl0(c);
    if constexpr (ToCr) {
        const uint64_t v = c.long64() ? c.gpr[i.r1] : uint32_t(c.gpr[i.r1]);
        switch (i.aux) {
        case 0: write_cr0(c, v); break;
        case 2: c.cr2 = v; break;
        case 3:
            if (!c.mmu.load_cr3(v)) raise_gp(0);
            break;
        case 4: write_cr4(c, v); break;
        default:  // CR8, 64-bit mode only: the APIC's task-priority class, TPR[7:4] (TPR[3:0] cleared)
            if (v & ~uint64_t(0xF)) raise_gp(0);
            c.bus.set_apic_tpr(uint8_t(v << 4));
            break;
        }
        c.request_exit();
    } else {
        const uint64_t vals[9] = {c.cr0, 0, c.cr2, c.cr3, c.cr4, 0, 0, 0, uint64_t(c.bus.apic_tpr() >> 4)};
        if (c.long64()) c.set_reg<uint64_t>(i.r0, vals[i.aux]);
        else c.set_reg<uint32_t>(i.r0, uint32_t(vals[i.aux]));
    }
}

// DR4/DR5 alias DR6/DR7 unless CR4.DE makes them undefined (#UD).
unsigned dr_index(const Cpu& c, unsigned n) {
    if (n == 4 || n == 5) {
        if (c.cr4 & cr4::DE) raise_ud();
        return n + 2;
    }
    return n;
}
template <bool ToDr> void mov_dr(Cpu& c, const Insn& i) {
    require_cpl0(c);
    const unsigned n = dr_index(c, i.aux);
    // General detect: any debug-register access while DR7.GD is set is a #DB fault with BD;
    // the processor clears GD so the handler itself can use the registers.
    if (c.dr[7] & dr7::GD) {
        c.dr[6] |= dr6::BD;
        c.dr[7] &= ~dr7::GD;
        raise_fault(VEC_DB);
    }
    // 64-bit mode moves 64 bits: DR0-DR3 take whole linear addresses, and a set bit 63:32 of
    // DR6 or DR7 is #GP(0).
    if constexpr (ToDr) {
        uint64_t v = c.long64() ? c.gpr[i.r1] : uint32_t(c.gpr[i.r1]);
        if (n >= 6 && (v >> 32)) raise_gp(0);
        if (n == 6) v = (v & 0xE00F) | 0xFFFF0FF0u;
        if (n == 7) v = (v & 0xFFFF23FFu) | 0x400;
        c.dr[n] = v;
        if (n == 7) c.debug_regs_changed();
        c.request_exit();
    } else if (c.long64()) {
        c.gpr[i.r0] = c.dr[n];
    } else {
        c.set_reg<uint32_t>(i.r0, uint32_t(c.dr[n]));
    }
}

Handler bind_mov_system(const DecodeCtx& ctx, Insn& i) {
    if (!ctx.is_reg(0) || !ctx.is_reg(1)) return nullptr;
    const ZydisRegister a = ctx.ops[0].reg.value, b = ctx.ops[1].reg.value;
    const auto ca = ZydisRegisterGetClass(a), cb = ZydisRegisterGetClass(b);
    if (ca == ZYDIS_REGCLASS_CONTROL || cb == ZYDIS_REGCLASS_CONTROL) {
        const bool to = ca == ZYDIS_REGCLASS_CONTROL;
        i.aux = static_cast<uint8_t>(ZydisRegisterGetId(to ? a : b));
        if (i.aux == 1 || (i.aux > 4 && !(i.aux == 8 && ctx.mode == CpuMode::Long64))) return nullptr;
        i.flags |= IF_END_BLOCK;
        return to ? mov_cr<true> : mov_cr<false>;
    }
    if (ca == ZYDIS_REGCLASS_DEBUG || cb == ZYDIS_REGCLASS_DEBUG) {
        const bool to = ca == ZYDIS_REGCLASS_DEBUG;
        i.aux = static_cast<uint8_t>(ZydisRegisterGetId(to ? a : b));
        i.flags |= IF_END_BLOCK;
        return to ? mov_dr<true> : mov_dr<false>;
    }
    return nullptr;
}

void clts(Cpu& c, const Insn&) {
    require_cpl0(c);
    c.cr0 &= ~cr0::TS;
    c.request_exit();
}
// LMSW loads PE, MP, EM, TS; it can set PE but never clear it.
template <Loc L> void lmsw(Cpu& c, const Insn& i) {
    require_cpl0(c);
    const uint32_t v = get<uint16_t, L>(c, i) & 0xF;
    write_cr0(c, (c.cr0 & ~0xEu) | v | (c.cr0 & cr0::PE));
    c.request_exit();
}
template <typename T, Loc L> struct Smsw {
    static void run(Cpu& c, const Insn& i) { put<T, L>(c, i, static_cast<T>(c.cr0)); }
};

void invlpg(Cpu& c, const Insn& i) {
    require_cpl0(c);
    c.mmu.invlpg(c.linear_unchecked(i.seg, c.ea(i)));
    c.request_exit();
}
void wbinvd(Cpu& c, const Insn&) { require_cpl0(c); }

// LGDT/LIDT (Idt selects the register); a 16-bit operand size keeps 24 bits of base, 64-bit
// mode loads 64 bits of it.
template <bool Idt> void lgdt(Cpu& c, const Insn& i) {
    require_cpl0(c);
    const uint64_t off = c.ea(i);
    const uint16_t limit = c.read<uint16_t>(i.seg, off);
    uint64_t base = c.long64() ? c.read<uint64_t>(i.seg, off + 2) : c.read<uint32_t>(i.seg, off + 2);
    if (i.osize == 2) base &= 0xFFFFFF;
    TableReg& r = Idt ? c.idtr : c.gdtr;
    r.base = base;
    r.limit = limit;
}
template <bool Idt> void sgdt(Cpu& c, const Insn& i) {
    const TableReg& r = Idt ? c.idtr : c.gdtr;
    const uint64_t off = c.ea(i);
    // Probe both parts first so a fault in the second leaves memory untouched.
    uint64_t lin;
    c.read_for_write<uint16_t>(i.seg, off, lin);
    if (c.long64()) {
        c.read_for_write<uint64_t>(i.seg, off + 2, lin);
        c.write<uint16_t>(i.seg, off, r.limit);
        c.write<uint64_t>(i.seg, off + 2, r.base);
        return;
    }
    c.read_for_write<uint32_t>(i.seg, off + 2, lin);
    c.write<uint16_t>(i.seg, off, r.limit);
    c.write<uint32_t>(i.seg, off + 2, uint32_t(r.base));
}

// Bits 63:32 of an LDT or TSS base: IA-32e mode's descriptors of them are 16 bytes.
uint64_t long_base_hi(Cpu& c, uint16_t sel) {
    return (c.efer & efer::LMA) ? uint64_t(read_descriptor_upper(c, sel)) << 32 : 0;
}

template <Loc L> void lldt(Cpu& c, const Insn& i) {
    require_protected(c);
    require_cpl0(c);
    const uint16_t sel = get<uint16_t, L>(c, i);
    if ((sel & 0xFFFC) == 0) {
        load_null(c.ldtr, sel);
        return;
    }
    if (sel & 4) raise_gp(sel & 0xFFFC);
    const Descriptor d = read_descriptor(c, sel, VEC_GP);
    if (d.segment() || d.type() != sys_type::LDT) raise_gp(sel & 0xFFFC);
    const uint64_t base_hi = long_base_hi(c, sel);
    if (!d.present()) raise_fault(VEC_NP, sel & 0xFFFC);
    d.load_into(c.ldtr, sel);
    c.ldtr.base |= base_hi;
}
template <Loc L> void ltr(Cpu& c, const Insn& i) {
    require_protected(c);
    require_cpl0(c);
    const uint16_t sel = get<uint16_t, L>(c, i);
    if ((sel & 0xFFFC) == 0) raise_gp(0);
    if (sel & 4) raise_gp(sel & 0xFFFC);
    const Descriptor d = read_descriptor(c, sel, VEC_GP);
    // IA-32e mode has only the 64-bit TSS (type 9, where the 32-bit one is outside it).
    const bool tss16_ok = !(c.efer & efer::LMA) && d.type() == sys_type::TSS16_AVAIL;
    if (d.segment() || (!tss16_ok && d.type() != sys_type::TSS32_AVAIL)) raise_gp(sel & 0xFFFC);
    const uint64_t base_hi = long_base_hi(c, sel);
    if (!d.present()) raise_fault(VEC_NP, sel & 0xFFFC);
    uint64_t lin;
    descriptor_address(c, sel, lin);
    const uint8_t busy = static_cast<uint8_t>((d.hi >> 8) | 2);
    c.sys_write<uint8_t>(lin + 5, busy);
    Descriptor loaded = d;
    loaded.hi |= 2u << 8;
    loaded.load_into(c.tr, sel);
    c.tr.base |= base_hi;
}
// SLDT/STR: Tr selects the register.
template <bool Tr> struct StoreSel {
    template <typename T, Loc L> struct H {
        static void run(Cpu& c, const Insn& i) {
            require_protected(c);
            put<T, L>(c, i, static_cast<T>(Tr ? c.tr.sel : c.ldtr.sel));
        }
    };
};

template <template <Loc> class H> Handler bind_rm16(const DecodeCtx& ctx, Insn& i) {
    i.flags |= IF_END_BLOCK;
    return ctx.is_mem(0) ? H<M>::run : H<R0>::run;
}
template <Loc L> struct LmswH { static constexpr Handler run = lmsw<L>; };
template <Loc L> struct LldtH { static constexpr Handler run = lldt<L>; };
template <Loc L> struct LtrH { static constexpr Handler run = ltr<L>; };

template <Handler H> Handler bind_mem_only(const DecodeCtx& ctx, Insn& i) {
    if (!ctx.is_mem(0)) return nullptr;
    i.flags |= IF_END_BLOCK;
    return H;
}

}  // namespace
}  // namespace jitpc::cpu::ops

namespace jitpc::cpu {

void chain_binder(Binder* t, unsigned mnemonic, Binder mine) {
    static std::vector<Binder> own[ZYDIS_MNEMONIC_MAX_VALUE + 1];
    static Binder previous[ZYDIS_MNEMONIC_MAX_VALUE + 1];
    if (own[mnemonic].empty()) previous[mnemonic] = t[mnemonic];
    own[mnemonic].push_back(mine);
    t[mnemonic] = [](const DecodeCtx& ctx, Insn& i) -> Handler {
        const unsigned m = ctx.zi.mnemonic;
        for (Binder b : own[m])
            if (Handler h = b(ctx, i)) return h;
        return previous[m] ? previous[m](ctx, i) : nullptr;
    };
}

void register_system(Binder* t) {
    using namespace ops;
    t[ZYDIS_MNEMONIC_HLT] = bind_end<hlt>;
    t[ZYDIS_MNEMONIC_CLI] = bind_end<cli>;
    t[ZYDIS_MNEMONIC_STI] = bind_end<sti>;
    chain_binder(t, ZYDIS_MNEMONIC_MOV, bind_mov_system);
    t[ZYDIS_MNEMONIC_CLTS] = bind_end<clts>;
    t[ZYDIS_MNEMONIC_LMSW] = bind_rm16<LmswH>;
    t[ZYDIS_MNEMONIC_SMSW] = [](const DecodeCtx& ctx, Insn&) { return pick_rm<Smsw>(ctx); };
    t[ZYDIS_MNEMONIC_INVLPG] = bind_mem_only<invlpg>;
    t[ZYDIS_MNEMONIC_WBINVD] = bind_end<wbinvd>;
    t[ZYDIS_MNEMONIC_INVD] = bind_end<wbinvd>;
    t[ZYDIS_MNEMONIC_LGDT] = bind_mem_only<lgdt<false>>;
    t[ZYDIS_MNEMONIC_LIDT] = bind_mem_only<lgdt<true>>;
    t[ZYDIS_MNEMONIC_SGDT] = [](const DecodeCtx& ctx, Insn&) -> Handler {
        return ctx.is_mem(0) ? sgdt<false> : nullptr;
    };
    t[ZYDIS_MNEMONIC_SIDT] = [](const DecodeCtx& ctx, Insn&) -> Handler {
        return ctx.is_mem(0) ? sgdt<true> : nullptr;
    };
    t[ZYDIS_MNEMONIC_LLDT] = bind_rm16<LldtH>;
    t[ZYDIS_MNEMONIC_LTR] = bind_rm16<LtrH>;
    t[ZYDIS_MNEMONIC_SLDT] = [](const DecodeCtx& ctx, Insn&) {
        return pick_rm<StoreSel<false>::H>(ctx);
    };
    t[ZYDIS_MNEMONIC_STR] = [](const DecodeCtx& ctx, Insn&) {
        return pick_rm<StoreSel<true>::H>(ctx);
    };
    register_system_interrupts(t);
    register_system_far(t);
    register_system_segments(t);
    register_system_model(t);
    register_system_syscall(t);
}

}  // namespace jitpc::cpu
