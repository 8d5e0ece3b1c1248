#!/usr/bin/env bash
# Guest MIPS of the interpreter: the 8-instruction ALU loop (stopped after a fixed instruction
# count) and the mixed freestanding-C workload (run to completion, counted with -stats), best
# of 3 wall-clock runs each; the mixed workload's native run time for comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build >/dev/null
TIMEFORMAT=%R
best_of_3() {  # prints the best wall time of "$@"
    local best="" s
    for _ in 1 2 3; do
        s=$( { time "$@" >/dev/null 2>&1 || true; } 2>&1 )
        if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s; fi
    done
    echo "$best"
}
printf '%-22s %14s %10s %10s\n' workload instructions seconds MIPS
n=300000000
s=$(best_of_3 build/jitpc -kernel build/bench/alu_loop.img -max-insns "$n")
awk -v n="$n" -v s="$s" 'BEGIN{printf "%-22s %14d %10.3f %10.1f\n", "alu_loop (interp)", n, s, n/s/1e6}'
n=$( { build/jitpc -kernel build/bench/mixed.elf -stats 2>&1 >/dev/null || true; } | awk '/retired instructions/{print $NF}')
s=$(best_of_3 build/jitpc -kernel build/bench/mixed.elf)
awk -v n="$n" -v s="$s" 'BEGIN{printf "%-22s %14d %10.3f %10.1f\n", "mixed C (interp)", n, s, n/s/1e6}'
s=$(best_of_3 build/bench/mixed-native-bench 200)
awk -v s="$s" 'BEGIN{printf "%-22s %14s %10.3f\n", "mixed C (native, same code -m32)", "-", s}'
