#!/usr/bin/env bash
# Cases per second of `jitpc conform diff` (the default classes, pentium2 model, against the
# host CPU, through the JIT) on this machine: one process, then 2 shards run at once with GNU
# parallel and merged, then one run with --jobs 2; best of 3 wall-clock runs each (with the CPU
# seconds, user + system, of that run and its children: on a loaded machine the wall clock
# includes waiting for a CPU), and the load average before and after. QEMU has no differential
# campaign to compare with: its column says so.
# Usage: bench/conform_rate.sh [CASES] (default 200000)
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
scripts/build >/dev/null
cases=${1:-200000}
jitpc=build/jitpc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
campaign=(conform diff --cases "$cases" --seed 1)

# best_of_3 COMMAND...: "WALL CPU" seconds of the fastest of three runs.
best_of_3() {
    local best= TIMEFORMAT='%R %U %S'
    for _ in 1 2 3; do
        { time "$@" >/dev/null; } 2>"$tmp/time"
        best=$(awk -v m="$best" '{ t = $1; c = $2 + $3 } END { split(m, b, " ");
            print (m == "" || t < b[1]) ? t " " c : m }' "$tmp/time")
    done
    echo "$best"
}
two_shards() {
    parallel --will-cite "$jitpc" "${campaign[@]}" --shard {}/2 --json "$tmp/s{}.json" ::: 0 1
    "$jitpc" conform merge "$tmp/s0.json" "$tmp/s1.json"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
one=$(best_of_3 "$jitpc" "${campaign[@]}")
two=$(best_of_3 two_shards)
jobs=$(best_of_3 "$jitpc" "${campaign[@]}" --jobs 2)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

printf '%-34s %9s %9s %9s %s\n' run wall-s cases/s CPU-s QEMU
for row in "1 process:$one" "2 shards (GNU parallel) + merge:$two" "1 process, --jobs 2:$jobs"; do
    awk -v name="${row%%:*}" -v t="${row##*:}" -v n="$cases" \
        'BEGIN { split(t, s, " "); printf "%-34s %9.3f %9.0f %9.2f %s\n", name, s[1], n / s[1], s[2], "(no equivalent)" }'
done
echo "$cases cases; $(nproc) CPUs; load average before $load_before, after $load_after"
