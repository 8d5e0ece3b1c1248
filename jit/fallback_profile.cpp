#include "jit/fallback_profile.h"

#include <algorithm>
#include <cinttypes>

#include "cpu/insn_table.h"

namespace jitpc::jit {

namespace {

const char* why_text(Fallback why) {
    switch (why) {
    case Fallback::Unbound: return "raises #UD/#GP";
    case Fallback::NoEmitter: return "no emitter";
    case Fallback::HighByte: return "AH..BH operand";
    case Fallback::HighReg: return "R8-R15 operand";
    case Fallback::Declined: return "form not emitted";
    case Fallback::SlowPath: return "slow path";
    case Fallback::Canonical: return "canonical check";
    case Fallback::COUNT: break;
    }
    return "?";
}

}  // namespace

void FallbackProfile::print(std::FILE* out) const {
    struct Row {
        uint64_t count;
        unsigned mnemonic;
        Fallback why;
    };
    std::vector<Row> rows;
    uint64_t total = 0;
    for (unsigned m = 0; m < counts_.size(); ++m)
        for (unsigned w = 0; w < unsigned(Fallback::COUNT); ++w)
            if (counts_[m][w]) {
                rows.push_back({counts_[m][w], m, Fallback(w)});
                total += counts_[m][w];
            }
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.count > b.count; });
    std::fprintf(out, "jitpc: JIT fallback: %" PRIu64 " instructions ran through jit_exec from translated code\n", total);
    std::fprintf(out, "jitpc: JIT fallback:  share        count  mnemonic     group        why\n");
    const cpu::InsnTable& table = cpu::InsnTable::get();
    for (const Row& r : rows) {
        const char* group = table[r.mnemonic].group;
        std::fprintf(out, "jitpc: JIT fallback: %5.1f%% %12" PRIu64 "  %-12s %-12s %s\n", 100.0 * double(r.count) / double(total),
                     r.count, ZydisMnemonicGetString(ZydisMnemonic(r.mnemonic)), group ? group : "-",
                     why_text(r.why));
    }
}

}  // namespace jitpc::jit
