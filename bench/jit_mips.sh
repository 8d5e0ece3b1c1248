#!/usr/bin/env bash
# Guest MIPS of jitpc's JIT, of its interpreter and of QEMU's TCG on the same floppy images
# (bench/guests/floppy.asm + one program each: the 8-instruction ALU loop, a memory loop with
# paging on, the mixed freestanding-C workload), best of 3 wall-clock runs per engine; the mixed
# C's native run time for comparison. Every program does a fixed amount of work and exits
# through port 0xF4, so both emulators run the same instruction stream; its length is jitpc's
# -stats count. The boot_only image (BIOS, loader, an empty program) is run too and its
# instructions and seconds are taken off the others, which leaves the programs' own figures.
# Prints a table and writes build/bench/jit_mips.png (gnuplot, installed when missing).
set -euo pipefail
shopt -s inherit_errexit   # a failed run inside $(...) stops the script
cd "$(dirname "$0")/.."
scripts/build >/dev/null
out=build/bench
workloads=(boot_only alu_loop paging_loop mixed)
engines=(jit interp qemu)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
exec 3>&2   # run's complaints, past the command substitutions that catch the times

if ! command -v gnuplot >/dev/null; then
    echo "jit_mips: installing gnuplot-nox for the chart (a benchmark-only dependency)"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get install -y -qq gnuplot-nox >/dev/null ||
        { $sudo apt-get update -qq && $sudo apt-get install -y -qq gnuplot-nox >/dev/null; }
fi
. bench/floppy_runs.sh

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A secs insns
for w in "${workloads[@]}"; do
    for e in "${engines[@]}"; do
        [ "$e" = qemu ] && [ -z "$qemu" ] && continue
        secs[$w,$e]=$(best_of_3 run "$e" "$out/$w.floppy.img")
        [ "$e" = qemu ] || insns[$w,$e]=$(awk '/retired instructions/{print $NF}' "$tmp/err")
    done
done
native=$(best_of_3 build/bench/mixed-native-bench)

# One row per program: instructions and seconds net of boot_only, MIPS = instructions / seconds.
printf '%-12s %14s' workload instructions
for e in "${engines[@]}"; do printf ' %9s %9s' "$e s" "$e MIPS"; done
printf ' %9s\n' "native s"
: >"$tmp/chart.dat"
for w in "${workloads[@]:1}"; do
    n=$(( insns[$w,jit] - insns[boot_only,jit] ))
    printf '%-12s %14d' "$w" "$n"
    printf '%s' "$w" >>"$tmp/chart.dat"
    for e in "${engines[@]}"; do
        if [ -z "${secs[$w,$e]:-}" ]; then
            printf ' %9s %9s' - -
            printf ' -' >>"$tmp/chart.dat"
            continue
        fi
        read -r t m < <(awk -v n="$n" -v s="${secs[$w,$e]}" -v s0="${secs[boot_only,$e]}" \
                             'BEGIN{printf "%.3f %.0f\n", s - s0, n / (s - s0) / 1e6}')
        printf ' %9s %9s' "$t" "$m"
        printf ' %s' "$m" >>"$tmp/chart.dat"
    done
    if [ "$w" = mixed ]; then
        printf ' %9.3f\n' "$native"
        awk -v n="$n" -v s="$native" 'BEGIN{printf " %.0f\n", n / s / 1e6}' >>"$tmp/chart.dat"
    else
        printf ' %9s\n' -
        echo " -" >>"$tmp/chart.dat"
    fi
done
printf 'boot_only (taken off the rows above): %d instructions on jitpc;' "${insns[boot_only,jit]}"
for e in "${engines[@]}"; do
    if [ -n "${secs[boot_only,$e]:-}" ]; then printf ' %s %s s' "$e" "${secs[boot_only,$e]}"; fi
done
echo
echo "jitpc -stats retired instructions (whole run), jit / interp:"
for w in "${workloads[@]}"; do
    same="equal"
    [ "${insns[$w,jit]}" = "${insns[$w,interp]}" ] || same="DIFFERENT"
    printf '  %-12s %14d %14d  %s\n' "$w" "${insns[$w,jit]}" "${insns[$w,interp]}" "$same"
done

gnuplot <<EOF
set terminal pngcairo size 800,520 noenhanced
set output "$out/jit_mips.png"
set title "guest MIPS, same floppy images (best of 3, boot taken off)"
set ylabel "million guest instructions per second"
set logscale y
set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key below
plot "$tmp/chart.dat" using 2:xtic(1) title "jitpc -engine jit", \
     "" using 3 title "jitpc -engine interp", \
     "" using 4 title "qemu-system-i386 -accel tcg", \
     "" using 5 title "native, same C -m32 (guest instructions / native s)"
EOF
echo "chart: $out/jit_mips.png"
echo "host: $(nproc) CPUs; load average (1/5/15 min) before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg)"
