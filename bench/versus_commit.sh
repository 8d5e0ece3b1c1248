#!/usr/bin/env bash
# bench/versus_commit.sh REV: this tree's JIT and interpreter against those of commit REV, on
# bench/jit_mips.sh's 32-bit floppy workloads (the ALU loop, the paging loop, the mixed C
# workload; boot_only's time taken off each), best of 3 runs per binary and engine in user CPU
# seconds (this compares two builds on a shared machine, where wall-clock time measures the
# other tenants: both binaries are single-threaded), the two binaries' runs interleaved so load
# drifts hit both alike. REV is built in a temporary
# worktree. Prints seconds per engine for both builds, the ratio (this tree / REV: above 1 is
# slower) and whether both builds retired the same instruction count, as an exact CPU must.
# Issue 9 asked the x86-64 redesign not to make 32-bit code slower: its baseline is 8bfcbfe, the
# last commit before the redesign.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
[ $# -eq 1 ] || { echo "usage: bench/versus_commit.sh REV" >&2; exit 2; }
rev=$(git rev-parse --short "$1^{commit}")
scripts/build >/dev/null
out=build/bench
tmp=$(mktemp -d)
cleanup() {
    git worktree remove --force "$tmp/tree" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
exec 3>&2
. bench/floppy_runs.sh
TIMEFORMAT=%U

echo "versus_commit: building $rev in a temporary worktree"
git worktree add -q --detach "$tmp/tree" "$rev"
meson setup "$tmp/tree/build" "$tmp/tree" >/dev/null
ninja -C "$tmp/tree/build" jitpc >/dev/null

declare -A binary=([now]=build/jitpc [old]="$tmp/tree/build/jitpc")
workloads=(boot_only alu_loop paging_loop mixed)
engines=(jit interp)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A secs insns
for w in "${workloads[@]}"; do
    for e in "${engines[@]}"; do
        for b in now old; do
            secs[$w,$e,$b]=$(jitpc_bin=${binary[$b]} best_of_3 run "$e" "$out/$w.floppy.img")
            insns[$w,$e,$b]=$(awk '/retired instructions/{print $NF}' "$tmp/err")
        done
    done
done

printf '%-12s %-7s %10s %10s %7s  %s\n' workload engine "now cpu s" "$rev cpu s" ratio instructions
for w in "${workloads[@]:1}"; do
    for e in "${engines[@]}"; do
        same=equal
        [ "${insns[$w,$e,now]}" = "${insns[$w,$e,old]}" ] || same="DIFFERENT (whole run ${insns[$w,$e,now]}, ${insns[$w,$e,old]} at $rev)"
        awk -v w="$w" -v e="$e" -v same="$same" -v n="$(( insns[$w,$e,now] - insns[boot_only,$e,now] ))" \
            -v a="${secs[$w,$e,now]}" -v a0="${secs[boot_only,$e,now]}" \
            -v b="${secs[$w,$e,old]}" -v b0="${secs[boot_only,$e,old]}" \
            'BEGIN { printf "%-12s %-7s %10.3f %10.3f %7.2f  %s %s\n", w, e, a - a0, b - b0,
                            (a - a0) / (b - b0), n, same }'
    done
done
echo "now: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (with uncommitted changes)')"
echo "host: $(nproc) CPUs; load average (1/5/15 min) before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg)"
