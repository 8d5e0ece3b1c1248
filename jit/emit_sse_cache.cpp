// The ordering and prefetch hints of SSE/SSE2 (cpu/ops/sse_cache.cpp): on jitpc's one processor
// with no caches and every store visible in program order they have no effect, and none of them
// faults (a PREFETCHh operand is never checked): nothing to emit.
#include "jit/emitters.h"

namespace jitpc::jit {

namespace {

bool hint(Translator&) { return true; }

}  // namespace

void register_sse_cache_emitters(GroupEmitters e) {
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_SFENCE, ZYDIS_MNEMONIC_LFENCE, ZYDIS_MNEMONIC_MFENCE, ZYDIS_MNEMONIC_PREFETCHT0,
                            ZYDIS_MNEMONIC_PREFETCHT1, ZYDIS_MNEMONIC_PREFETCHT2, ZYDIS_MNEMONIC_PREFETCHNTA})
        e[m] = hint;
}

}  // namespace jitpc::jit
