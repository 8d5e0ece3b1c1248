#include "cpu/decode.h"

#include "cpu/cpu.h"
#include "cpu/insn_table.h"
#include "cpu/isa_features.h"
#include "logging/log.h"

namespace jitpc::cpu {

void handler_ud(Cpu& c, const Insn&) { c.raise_pending(GuestFault{VEC_UD, 0}); }
void handler_gp0(Cpu&, const Insn&) { raise_gp(0); }

void init_decoder(ZydisDecoder& d, ZydisMachineMode mode, ZydisStackWidth sw) {
    ZydisDecoderInit(&d, mode, sw);
    // Zydis 4.0 decodes these extensions by default; on a P6 the encodings mean something else
    // (F3 0F BC is BSF, F2-prefixed branches are plain branches, 0F 1C/1E are hint NOPs).
    for (auto m : {ZYDIS_DECODER_MODE_MPX, ZYDIS_DECODER_MODE_CET, ZYDIS_DECODER_MODE_LZCNT,
                   ZYDIS_DECODER_MODE_TZCNT, ZYDIS_DECODER_MODE_CLDEMOTE,
                   ZYDIS_DECODER_MODE_WBNOINVD})
        ZydisDecoderEnableMode(&d, m, ZYAN_FALSE);
}

ZydisMachineMode zydis_mode(CpuMode m) {
    switch (m) {
    case CpuMode::Long64: return ZYDIS_MACHINE_MODE_LONG_64;
    case CpuMode::Compat16: return ZYDIS_MACHINE_MODE_LONG_COMPAT_16;
    case CpuMode::Compat32: return ZYDIS_MACHINE_MODE_LONG_COMPAT_32;
    default: return code_bytes(m) == 4 ? ZYDIS_MACHINE_MODE_LEGACY_32 : ZYDIS_MACHINE_MODE_LEGACY_16;
    }
}

namespace {

uint8_t seg_index(ZydisRegister r) {
    switch (r) {
    case ZYDIS_REGISTER_ES: return ES;
    case ZYDIS_REGISTER_CS: return CS;
    case ZYDIS_REGISTER_SS: return SS;
    case ZYDIS_REGISTER_DS: return DS;
    case ZYDIS_REGISTER_FS: return FS;
    case ZYDIS_REGISTER_GS: return GS;
    default: return SEG_NONE;
    }
}

// Register number within its class: GPRs in encoding order, byte registers as Reg8, segment
// registers as SegReg, control/debug/x87/XMM registers by index.
uint8_t reg_index(ZydisRegister r) {
    const ZydisRegisterClass c = ZydisRegisterGetClass(r);
    if (c == ZYDIS_REGCLASS_SEGMENT) return seg_index(r);
    const auto id = static_cast<uint8_t>(ZydisRegisterGetId(r));
    // Zydis numbers the byte registers AL..BL, AH..BH, SPL..DIL, R8B..R15B.
    if (c == ZYDIS_REGCLASS_GPR8) return id < 4 ? id : id < 8 ? uint8_t(AH + id - 4) : uint8_t(id - 4);
    return id;
}

bool gpr(ZydisRegister r) {
    const ZydisRegisterClass c = ZydisRegisterGetClass(r);
    return c == ZYDIS_REGCLASS_GPR8 || c == ZYDIS_REGCLASS_GPR16 || c == ZYDIS_REGCLASS_GPR32 ||
           c == ZYDIS_REGCLASS_GPR64;
}

uint8_t gpr_or_none(ZydisRegister r) {
    return r == ZYDIS_REGISTER_NONE ? NO_REG : static_cast<uint8_t>(ZydisRegisterGetId(r));
}

}  // namespace

Decoder::Decoder(const CpuModel& model) : table_(InsnTable::get()), features_(model.features) {
    init_decoder(dec16_, ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
    init_decoder(dec32_, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
    init_decoder(dec64_, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
}

Decoder::Status Decoder::decode(const uint8_t* bytes, size_t avail, CpuMode mode, Insn& out) const {
    ZydisDecodedInstruction zi{};  // Zydis 4.0 expects it cleared (it asserts on prefix_count)
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    out = Insn{};
    out.base = out.index = NO_REG;
    out.seg = DS;
    // Compatibility mode decodes as legacy code of its size.
    const ZydisDecoder* dec = mode == CpuMode::Long64 ? &dec64_ : code_bytes(mode) == 4 ? &dec32_ : &dec16_;
    const ZyanStatus st = ZydisDecoderDecodeFull(dec, bytes, avail, &zi, ops);
    if (st == ZYDIS_STATUS_NO_MORE_DATA) {
        if (avail < 15) return Status::NeedMoreBytes;
        out.fn = handler_gp0;
        out.len = 15;
        out.flags = IF_END_BLOCK;
        return Status::Ok;
    }
    if (st == ZYDIS_STATUS_INSTRUCTION_TOO_LONG) {
        out.fn = handler_gp0;
        out.len = 15;
        out.flags = IF_END_BLOCK;
        return Status::Ok;
    }
    if (!ZYAN_SUCCESS(st)) {
        out.fn = handler_ud;
        out.len = 1;
        out.flags = IF_END_BLOCK;
        return Status::Ok;
    }

    out.len = zi.length;
    out.mnemonic = static_cast<uint16_t>(zi.mnemonic);
    out.osize = static_cast<uint8_t>(zi.operand_width / 8);
    out.asize = static_cast<uint8_t>(zi.address_width / 8);
    const auto a = zi.attributes;
    if (a & ZYDIS_ATTRIB_HAS_LOCK) out.prefix |= PFX_LOCK;
    if (a & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE)) out.prefix |= PFX_REP;
    if (a & ZYDIS_ATTRIB_HAS_REPNE) out.prefix |= PFX_REPNE;
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT) out.prefix |= PFX_SEG;
    if (a & ZYDIS_ATTRIB_HAS_OPERANDSIZE) out.prefix |= PFX_OPSIZE;
    if (a & ZYDIS_ATTRIB_HAS_ADDRESSSIZE) out.prefix |= PFX_ADDRSIZE;
    // String instructions take their source segment from an override too; remember it even
    // though their memory operands are implicit.
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_CS) out.seg = CS;
    else if (a & ZYDIS_ATTRIB_HAS_SEGMENT_SS) out.seg = SS;
    else if (a & ZYDIS_ATTRIB_HAS_SEGMENT_ES) out.seg = ES;
    else if (a & ZYDIS_ATTRIB_HAS_SEGMENT_FS) out.seg = FS;
    else if (a & ZYDIS_ATTRIB_HAS_SEGMENT_GS) out.seg = GS;

    if (zi.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR) out.flags |= IF_FAR;
    out.flags |= IF_GPR_ONLY;
    unsigned nregs = 0, nimms = 0;
    for (unsigned n = 0; n < zi.operand_count_visible; ++n) {
        const ZydisDecodedOperand& op = ops[n];
        switch (op.type) {
        case ZYDIS_OPERAND_TYPE_REGISTER:
            // Third register operands (SHLD/SHRD's CL) are implied by the handler.
            if (nregs == 0) out.r0 = reg_index(op.reg.value), out.flags |= IF_R0;
            else if (nregs == 1) out.r1 = reg_index(op.reg.value), out.flags |= IF_R1;
            if (!gpr(op.reg.value)) out.flags &= uint8_t(~IF_GPR_ONLY);
            ++nregs;
            break;
        case ZYDIS_OPERAND_TYPE_MEMORY:
            out.flags |= IF_MEM | (n == 0 ? IF_MEM_FIRST : 0);
            if (op.mem.base == ZYDIS_REGISTER_RIP || op.mem.base == ZYDIS_REGISTER_EIP) {
                out.prefix |= PFX_RIP_REL;
                out.base = NO_REG;
            } else {
                out.base = gpr_or_none(op.mem.base);
            }
            out.index = gpr_or_none(op.mem.index);
            out.scale = op.mem.scale == 8 ? 3 : op.mem.scale == 4 ? 2 : op.mem.scale == 2 ? 1 : 0;
            out.disp = static_cast<uint32_t>(op.mem.disp.value);
            // Zydis 4.0 (zyantific/zydis#592, fixed after it) reads a SIB without base (mod 00,
            // base 101: [index*s + disp32]) as [r13d + index*s] when a 67 prefix and REX.B
            // come with it; REX.B does not apply to that form.
            if ((zi.attributes & ZYDIS_ATTRIB_HAS_SIB) && zi.raw.modrm.mod == 0 && zi.raw.sib.base == 5) {
                out.base = NO_REG;
                out.disp = static_cast<uint32_t>(zi.raw.disp.value);
            }
            // A 64-bit moffs (MOV AL/AX/EAX/RAX, [moffs64]): its high half where the
            // instruction has no immediate (insn.h).
            if (zi.raw.disp.size == 64) out.imm = static_cast<uint32_t>(uint64_t(op.mem.disp.value) >> 32);
            if (op.mem.segment != ZYDIS_REGISTER_NONE) out.seg = seg_index(op.mem.segment);
            break;
        case ZYDIS_OPERAND_TYPE_POINTER:
            out.imm = op.ptr.offset;
            out.imm2 = op.ptr.segment;
            break;
        case ZYDIS_OPERAND_TYPE_IMMEDIATE:
            out.flags |= IF_IMM;
            if (nimms++ == 0) {
                out.imm = static_cast<uint32_t>(op.imm.value.u);
                // MOV r64, imm64: the high half where the instruction has no memory operand.
                if (zi.raw.imm[0].size == 64) out.disp = static_cast<uint32_t>(op.imm.value.u >> 32);
            } else {
                out.imm2 = static_cast<uint16_t>(op.imm.value.u);
            }
            break;
        default: break;
        }
    }

    // An instruction of a feature the model lacks is not there at all: its mnemonic is dropped
    // too, so nothing downstream (the JIT's emitters) takes it for the instruction.
    // Code runs in 64-bit mode only on a CPU with long mode: the instructions of that mode
    // (Zydis's LONGMODE ISA set) are there.
    FeatureSet has = features_;
    if (mode == CpuMode::Long64) has.bits |= FeatureSet{Feature::LM}.bits;
    const std::optional<FeatureSet> needs = required_features(zi);
    const bool present = needs && !(needs->bits & ~has.bits);
    if (!present) out.mnemonic = ZYDIS_MNEMONIC_INVALID;
    const InsnInfo& info = table_[out.mnemonic];
    if (info.ends_block) out.flags |= IF_END_BLOCK;
    const Binder bind = present ? info.bind : nullptr;
    const DecodeCtx ctx{zi, ops, zi.operand_count_visible, mode};
    Handler h = bind ? bind(ctx, out) : nullptr;
    if (!h) {
        out.fn = handler_ud;
        out.flags |= IF_END_BLOCK;
    } else {
        out.fn = h;
    }
    return Status::Ok;
}

}  // namespace jitpc::cpu
