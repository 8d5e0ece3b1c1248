#!/usr/bin/env bash
# Guest MIPS of the interpreter on the bench guests: runs each for a fixed instruction count
# (status 3 = limit reached) and prints instructions per second of wall time, best of 3.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build >/dev/null
n=${INSNS:-300000000}
printf '%-12s %14s %10s %10s\n' guest instructions seconds MIPS
for g in alu_loop; do
    best=""
    for _ in 1 2 3; do
        TIMEFORMAT=%R
        s=$( { time build/jitpc -kernel "build/bench/$g.img" -max-insns "$n" >/dev/null 2>&1 || true; } 2>&1 )
        if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s; fi
    done
    awk -v g="$g" -v n="$n" -v s="$best" 'BEGIN{printf "%-12s %14d %10.2f %10.1f\n", g, n, s, n/s/1e6}'
done
