#!/usr/bin/env bash
# Hostile-guest costs (issue 17) on jitpc's JIT, its interpreter and QEMU's TCG, on the same
# floppy images as bench/jit_mips.sh: run_once (2,000,000 straight-line instructions written and
# run once: what translating code that never runs again costs), fault_loop (1,000,000 passes of
# #UD, #GP and #PF with their handlers: what delivering a guest exception costs) and fault_mix
# (100,000 passes of ten faults from as many kinds of instruction: #DE, #PF on RMW, ALU, PUSH,
# POP and MOVZX operands, #GP on REP STOS, an ALU operand and a segment load, #NM). Best of 3
# wall-clock runs, the boot_only image's seconds taken off (under 0.01 s left is noise: "-");
# jitpc's -stats count of retired instructions gives the rates, and the JIT's figures (blocks
# translated, host bytes emitted per guest instruction translated) are printed from its -stats.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
scripts/build >/dev/null
out=build/bench
engines=(jit interp qemu)
declare -A faults=([fault_loop]=3000000 [fault_mix]=1000000)  # 3 and 10 faults per pass
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
exec 3>&2
. bench/floppy_runs.sh

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A secs insns
for w in boot_only run_once fault_loop fault_mix; do
    for e in "${engines[@]}"; do
        [ "$e" = qemu ] && [ -z "$qemu" ] && continue
        secs[$w,$e]=$(best_of_3 run "$e" "$out/$w.floppy.img")
        [ "$e" = qemu ] || insns[$w,$e]=$(awk '/retired instructions/{print $NF}' "$tmp/err")
        [ "$e" = jit ] && grep '^jitpc: JIT:' "$tmp/err" | sed "s/^/  $w: /" >"$tmp/jit_$w"
    done
done

printf '%-12s %12s' workload instructions
for e in "${engines[@]}"; do printf ' %8s %11s' "$e s" "$e insn/s"; done
printf '\n'
for w in run_once fault_loop fault_mix; do
    n=$(( insns[$w,jit] - insns[boot_only,jit] ))
    printf '%-12s %12d' "$w" "$n"
    for e in "${engines[@]}"; do
        if [ -z "${secs[$w,$e]:-}" ]; then printf ' %8s %11s' - -; continue; fi
        awk -v n="$n" -v s="${secs[$w,$e]}" -v s0="${secs[boot_only,$e]}" \
            'BEGIN{t = s - s0; if (t < 0.01) printf " %8s %11s", "<0.01", "-"; else printf " %8.3f %11.0f", t, n / t}'
    done
    printf '\n'
done
for w in fault_loop fault_mix; do
    printf '%s faults per second (%d faults):' "$w" "${faults[$w]}"
    for e in "${engines[@]}"; do
        [ -n "${secs[$w,$e]:-}" ] || continue
        awk -v f="${faults[$w]}" -v e="$e" -v s="${secs[$w,$e]}" -v s0="${secs[boot_only,$e]}" \
            'BEGIN{t = s - s0; if (t < 0.01) printf " %s -", e; else printf " %s %.0f", e, f / t}'
    done
    echo
done
echo "jitpc -engine jit -stats (JIT lines):"
cat "$tmp/jit_run_once" "$tmp/jit_fault_loop" "$tmp/jit_fault_mix"
echo "jitpc -stats retired instructions (whole run), jit / interp:"
for w in boot_only run_once fault_loop fault_mix; do
    same="equal"
    [ "${insns[$w,jit]}" = "${insns[$w,interp]}" ] || same="DIFFERENT"
    printf '  %-12s %14d %14d  %s\n' "$w" "${insns[$w,jit]}" "${insns[$w,interp]}" "$same"
done
echo "host: $(nproc) CPUs; load average (1/5/15 min) before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg)"
