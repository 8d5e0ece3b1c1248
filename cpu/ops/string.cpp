// MOVS CMPS SCAS LODS STOS INS OUTS with REP/REPE/REPNE.
//
// Each operation's semantics is one functor doing one iteration; a single driver template adds
// the pointer stepping, the REP count and the REPE/REPNE termination for all of them.
//
// Flags: CMPS and SCAS set all six arithmetic flags exactly as CMP does (none undefined); the
// other string instructions leave EFLAGS unchanged. Fixed choices where the SDM leaves room:
//   - F2 (REPNE) on MOVS/LODS/STOS/INS/OUTS repeats like F3 (what P6 hardware does).
//   - A REP instruction runs at most REP_CHUNK iterations per execution, then re-executes
//     itself (EIP unchanged) so the run loop regains control in between. Exit requests and
//     the budget are checked between any two iterations.
//   - REP MOVS and STOS with 32- and 64-bit addresses run stretches of iterations that stay in
//     one page of RAM each at once (bulk()): the same result, count and faults as one by one.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "cpu/mmu/mmu.h"
#include "cpu/ops/operands.h"

namespace jitpc::cpu::ops {
namespace {

// Iterations one execution of a REP instruction may run before it yields to the run loop.
constexpr unsigned REP_CHUNK = 1024;

enum Rep : uint8_t { NOREP, REPE, REPNE };

// exec<T>(c, i, si, di) performs one iteration: false for a fault (Cpu::raise_pending), raised
// before committing anything.
// `si`/`di` say which pointers the operation advances; `compares` enables REPE/REPNE ending.
struct Movs {
    static constexpr bool si = true, di = true, compares = false;
    template <typename T> static bool exec(Cpu& c, const Insn& i, uint64_t s, uint64_t d) {
        T v;
        return c.try_read<T>(i.seg, s, v) && c.try_write<T>(ES, d, v);
    }
};
struct Cmps {
    static constexpr bool si = true, di = true, compares = true;
    template <typename T> static bool exec(Cpu& c, const Insn& i, uint64_t s, uint64_t d) {
        T a, b;
        if (!c.try_read<T>(i.seg, s, a) || !c.try_read<T>(ES, d, b)) return false;
        c.flags.set_lazy(FlagOp::Sub, sizeof(T), T(a - b), a, b);
        return true;
    }
};
struct Scas {
    static constexpr bool si = false, di = true, compares = true;
    template <typename T> static bool exec(Cpu& c, const Insn&, uint64_t, uint64_t d) {
        const T a = c.reg<T>(EAX);
        T b;
        if (!c.try_read<T>(ES, d, b)) return false;
        c.flags.set_lazy(FlagOp::Sub, sizeof(T), T(a - b), a, b);
        return true;
    }
};
struct Lods {
    static constexpr bool si = true, di = false, compares = false;
    template <typename T> static bool exec(Cpu& c, const Insn& i, uint64_t s, uint64_t) {
        T v;
        if (!c.try_read<T>(i.seg, s, v)) return false;
        c.set_reg<T>(EAX, v);
        return true;
    }
};
struct Stos {
    static constexpr bool si = false, di = true, compares = false;
    template <typename T> static bool exec(Cpu& c, const Insn&, uint64_t, uint64_t d) {
        return c.try_write<T>(ES, d, c.reg<T>(EAX));
    }
};
struct Ins {
    static constexpr bool si = false, di = true, compares = false;
    template <typename T> static bool exec(Cpu& c, const Insn&, uint64_t, uint64_t d) {
        const uint16_t port = c.reg16(EDX);
        c.check_io(port, sizeof(T));
        // Check the destination before the port read: a read can have side effects, so a
        // faulting store must not have consumed the device's data.
        uint64_t lin;
        if (!c.try_linear(ES, d, sizeof(T), true, lin)) return false;
        if (!c.mmu.try_probe_write(lin, sizeof(T), c.user())) {
            c.raise_pending(c.mmu.fault);
            return false;
        }
        c.write_linear<T>(lin, static_cast<T>(c.bus.io_read(port, sizeof(T))));
        return true;
    }
};
struct Outs {
    static constexpr bool si = true, di = false, compares = false;
    template <typename T> static bool exec(Cpu& c, const Insn& i, uint64_t s, uint64_t) {
        const uint16_t port = c.reg16(EDX);
        c.check_io(port, sizeof(T));
        T v;
        if (!c.try_read<T>(i.seg, s, v)) return false;
        c.bus.io_write(port, sizeof(T), v);
        // A port write can raise an interrupt line or stop the machine: look before going on.
        c.request_exit();
        return true;
    }
};

// A = uint16_t, uint32_t or uint64_t: the address size, selecting SI/DI/CX, ESI/EDI/ECX or
// RSI/RDI/RCX.
template <typename Op, typename T, typename A> bool iterate(Cpu& c, const Insn& i) {
    if (!Op::template exec<T>(c, i, c.reg<A>(ESI), c.reg<A>(EDI))) return false;
    const A step = (c.flags.bits & EFLAGS_DF) ? A(0 - sizeof(T)) : A(sizeof(T));
    if constexpr (Op::si) c.set_reg<A>(ESI, A(c.reg<A>(ESI) + step));
    if constexpr (Op::di) c.set_reg<A>(EDI, A(c.reg<A>(EDI) + step));
    return true;
}

// The linear address of the lowest byte of [off, off + bytes) in `sr` when linear() would let
// every element there through: its first and last byte pass the segment (in 64-bit mode,
// canonical) checks. False sends the caller one by one, where the checks fault. Alignment is
// the caller's; the span lies in one page, so its linear addresses do not wrap.
bool span_linear(const Cpu& c, unsigned sr, uint64_t off, uint32_t bytes, bool write, uint64_t& lin) {
    uint64_t last;
    return c.check_linear(sr, off, 1, write, lin).vector == NO_FAULT &&
           c.check_linear(sr, off + bytes - 1, 1, write, last).vector == NO_FAULT;
}

// Runs up to `max` further iterations of a MOVS or STOS at once, as many as stay within one
// page of RAM for each pointer (upwards with DF clear, downwards with it set) without the
// address-size offset wrapping, with no data breakpoints and the segments (or, in 64-bit
// mode, canonical addresses) allowing all of them: nothing in that stretch can fault, reach a
// device or change decoded code, so only its end state is seen. Returns how many ran (0: the
// caller goes on one by one, where an element that faults does so with the registers at it).
template <typename Op, typename T, typename A> unsigned bulk(Cpu& c, const Insn& i, uint64_t max) {
    constexpr uint32_t size = sizeof(T);
    constexpr uint64_t PAGE = memory::PAGE_SIZE;
    const bool down = c.flags.bits & EFLAGS_DF;
    if (max == 0 || c.watch_armed) return 0;
    const A d = c.reg<A>(EDI), s = c.reg<A>(ESI);
    // Elements that fit in the page of the next one, in the direction of travel, and before
    // the offset wraps (a 32-bit offset in 64-bit mode has no 4 GiB linear wrap to match).
    auto room = [&](unsigned sr, A off) -> uint64_t {
        const uint64_t in_page = c.linear_unchecked(sr, off) & (PAGE - 1);
        if (in_page + size > PAGE) return 0;
        const uint64_t r = down ? in_page / size + 1 : (PAGE - in_page) / size;
        if constexpr (sizeof(A) == 8) return r;
        return std::min<uint64_t>(r, down ? uint64_t(off) / size + 1 : ((uint64_t(1) << 32) - off) / size);
    };
    uint64_t k = std::min(max, room(ES, d));
    if constexpr (Op::si) k = std::min(k, room(i.seg, s));
    if (k == 0) return 0;
    const uint32_t bytes = uint32_t(k) * size;
    const A back = down ? A(bytes - size) : A(0);  // from the first element to the lowest
    uint64_t dlin, slin = 0;
    if (!span_linear(c, ES, A(d - back), bytes, true, dlin)) return 0;
    if (Op::si && !span_linear(c, i.seg, A(s - back), bytes, false, slin)) return 0;
    if (c.alignment_check_on() && ((dlin | slin) & (size - 1))) return 0;
    uint8_t* dst = c.mmu.host_span(dlin, bytes, ACC_WRITE, c.user());
    if (!dst) return 0;
    const A step = down ? A(A(0) - A(bytes)) : A(bytes);
    if constexpr (Op::si) {
        const uint8_t* src = c.mmu.host_span(slin, bytes, ACC_READ, c.user());
        if (!src) return 0;
        // One by one, no element is read after a write reached it when the destination lies
        // behind the source in the direction of travel, or apart from it: then that is memmove.
        if (down ? (dst >= src || dst + bytes <= src) : (dst <= src || dst >= src + bytes)) {
            std::memmove(dst, src, bytes);
        } else {
            // Elements written are read again, in the order the one-by-one loop takes them.
            for (uint32_t n = 0; n < bytes; n += size) {
                const uint32_t j = down ? bytes - size - n : n;
                T v;
                std::memcpy(&v, src + j, size);
                std::memcpy(dst + j, &v, size);
            }
        }
        c.set_reg<A>(ESI, A(s + step));
    } else {
        const T v = c.reg<T>(EAX);
        for (uint32_t j = 0; j < bytes; j += size) std::memcpy(dst + j, &v, size);
    }
    c.set_reg<A>(EDI, A(d + step));
    c.set_reg<A>(ECX, A(c.reg<A>(ECX) - A(k)));
    c.icount += k;
    return unsigned(k);
}

template <typename Op, typename T, typename A, Rep R> struct StringH {
    static void run(Cpu& c, const Insn& i) {
        if constexpr (R == NOREP) {
            iterate<Op, T, A>(c, i);
        } else {
            // Single-stepping traps after every iteration, so then run one per execution.
            const unsigned chunk = (c.flags.bits & EFLAGS_TF) ? 1 : REP_CHUNK;
            for (unsigned n = 0; c.reg<A>(ECX) != 0; ++n) {
                // Stop between iterations when something needs the run loop or the virtual
                // clock reached the engine's limit (c.icount + 1 ticks retired so far).
                if (n == chunk || (n && (c.exit_request || c.icount + 1 >= c.icount_limit))) {
                    c.next_rip = c.rip;  // iterations remain: re-execute this instruction
                    return;
                }
                // One tick per completed iteration: the run loop adds the last one when the
                // handler returns, and a fault in this iteration leaves exactly the completed
                // ones counted.
                if (n) ++c.icount;
                if (!iterate<Op, T, A>(c, i)) return;
                c.set_reg<A>(ECX, A(c.reg<A>(ECX) - 1));
                if constexpr (Op::compares)
                    if (c.flags.zf() != (R == REPE)) return;
                if constexpr (sizeof(A) >= 4 && (std::is_same_v<Op, Movs> || std::is_same_v<Op, Stos>)) {
                    // Iterations the checks above would let run next: up to the chunk's end,
                    // while c.icount + 1 < c.icount_limit before each, and no exit request.
                    const uint64_t budget = c.icount_limit > c.icount + 1 ? c.icount_limit - c.icount - 1 : 0;
                    const uint64_t room = c.exit_request ? 0 : std::min<uint64_t>(chunk - 1 - n, budget);
                    n += bulk<Op, T, A>(c, i, std::min<uint64_t>(c.reg<A>(ECX), room));
                }
            }
        }
    }
};

template <typename Op, typename T, typename A> Handler pick_rep(Rep r) {
    switch (r) {
    case NOREP: return &StringH<Op, T, A, NOREP>::run;
    case REPE: return &StringH<Op, T, A, REPE>::run;
    case REPNE: return &StringH<Op, T, A, REPNE>::run;
    }
    return nullptr;
}

template <typename Op, typename T> Handler bind(const DecodeCtx&, Insn& i) {
    Rep r = (i.prefix & PFX_REPNE) ? REPNE : (i.prefix & PFX_REP) ? REPE : NOREP;
    if (!Op::compares && r == REPNE) r = REPE;
    // A REP instruction may re-execute itself, so it must end its block.
    if (r != NOREP) i.flags |= IF_END_BLOCK;
    if constexpr (std::is_same_v<Op, Outs>) i.flags |= IF_END_BLOCK;
    switch (i.asize) {
    case 2: return pick_rep<Op, T, uint16_t>(r);
    case 4: return pick_rep<Op, T, uint32_t>(r);
    default: return pick_rep<Op, T, uint64_t>(r);
    }
}

}  // namespace
}  // namespace jitpc::cpu::ops

namespace jitpc::cpu {

void register_string(Binder* t) {
    using namespace ops;
    t[ZYDIS_MNEMONIC_MOVSB] = bind<Movs, uint8_t>;
    t[ZYDIS_MNEMONIC_MOVSW] = bind<Movs, uint16_t>;
    t[ZYDIS_MNEMONIC_MOVSD] = bind<Movs, uint32_t>;
    t[ZYDIS_MNEMONIC_MOVSQ] = bind<Movs, uint64_t>;
    t[ZYDIS_MNEMONIC_CMPSB] = bind<Cmps, uint8_t>;
    t[ZYDIS_MNEMONIC_CMPSW] = bind<Cmps, uint16_t>;
    t[ZYDIS_MNEMONIC_CMPSD] = bind<Cmps, uint32_t>;
    t[ZYDIS_MNEMONIC_CMPSQ] = bind<Cmps, uint64_t>;
    t[ZYDIS_MNEMONIC_SCASB] = bind<Scas, uint8_t>;
    t[ZYDIS_MNEMONIC_SCASW] = bind<Scas, uint16_t>;
    t[ZYDIS_MNEMONIC_SCASD] = bind<Scas, uint32_t>;
    t[ZYDIS_MNEMONIC_SCASQ] = bind<Scas, uint64_t>;
    t[ZYDIS_MNEMONIC_LODSB] = bind<Lods, uint8_t>;
    t[ZYDIS_MNEMONIC_LODSW] = bind<Lods, uint16_t>;
    t[ZYDIS_MNEMONIC_LODSD] = bind<Lods, uint32_t>;
    t[ZYDIS_MNEMONIC_LODSQ] = bind<Lods, uint64_t>;
    t[ZYDIS_MNEMONIC_STOSB] = bind<Stos, uint8_t>;
    t[ZYDIS_MNEMONIC_STOSW] = bind<Stos, uint16_t>;
    t[ZYDIS_MNEMONIC_STOSD] = bind<Stos, uint32_t>;
    t[ZYDIS_MNEMONIC_STOSQ] = bind<Stos, uint64_t>;
    t[ZYDIS_MNEMONIC_INSB] = bind<Ins, uint8_t>;
    t[ZYDIS_MNEMONIC_INSW] = bind<Ins, uint16_t>;
    t[ZYDIS_MNEMONIC_INSD] = bind<Ins, uint32_t>;
    t[ZYDIS_MNEMONIC_OUTSB] = bind<Outs, uint8_t>;
    t[ZYDIS_MNEMONIC_OUTSW] = bind<Outs, uint16_t>;
    t[ZYDIS_MNEMONIC_OUTSD] = bind<Outs, uint32_t>;
}

}  // namespace jitpc::cpu
