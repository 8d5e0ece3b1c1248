#!/usr/bin/env bash
# Guest MIPS of jitpc's JIT, of its interpreter and of QEMU's TCG on the same floppy images
# (bench/guests/floppy.asm + one program each: the 8-instruction ALU loop, a memory loop with
# paging on, the mixed freestanding-C workload; and, entered in 64-bit mode on -cpu max beside
# qemu-system-x86_64 -cpu max, the mixed workload built -m64 -O2 and the SIMD one built -O3
# -msse4.2), best of 3 wall-clock runs per engine; the C workloads' native run times (the same
# C built for the host the same way) for comparison. Every program does a fixed amount of work
# and exits through port 0xF4, so both emulators run the same instruction stream; its length is
# jitpc's -stats count. The boot_only image (BIOS, loader, an empty program) is run too, on each
# machine, and its instructions and seconds are taken off the others, which leaves the programs'
# own figures. Prints a table and writes build/bench/jit_mips.png (gnuplot, installed when
# missing).
set -euo pipefail
shopt -s inherit_errexit   # a failed run inside $(...) stops the script
cd "$(dirname "$0")/.."
scripts/build >/dev/null
out=build/bench
# The 64-bit rows (names ending in 64) run on -cpu max and qemu-system-x86_64; boot_only64 is
# boot_only's image on that machine. base: the empty run taken off a row.
workloads=(boot_only alu_loop paging_loop mixed boot_only64 mixed64 simd64)
declare -A image=([boot_only64]=boot_only)
declare -A base=([alu_loop]=boot_only [paging_loop]=boot_only [mixed]=boot_only
                 [mixed64]=boot_only64 [simd64]=boot_only64)
declare -A native=([mixed]=$out/mixed-native-bench [mixed64]=$out/mixed64-native
                   [simd64]=$out/simd64-native)
engines=(jit interp qemu)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
exec 3>&2   # run's complaints, past the command substitutions that catch the times

. bench/need_package.sh
need_package gnuplot gnuplot-nox "the chart"
. bench/floppy_runs.sh

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A secs insns
for w in "${workloads[@]}"; do
    args=() qemu_bin=$qemu
    [[ $w == *64 ]] && args=(-cpu max) qemu_bin=$qemu64
    for e in "${engines[@]}"; do
        [ "$e" = qemu ] && [ -z "$qemu_bin" ] && continue
        secs[$w,$e]=$(best_of_3 run "$e" "$out/${image[$w]:-$w}.floppy.img" "${args[@]}")
        [ "$e" = qemu ] || insns[$w,$e]=$(awk '/retired instructions/{print $NF}' "$tmp/err")
    done
done
declare -A native_secs
for w in "${!native[@]}"; do
    # A 32-bit reference on a host kernel without IA32 emulation: its column stays empty.
    if ! "${native[$w]}" 0 >/dev/null 2>&1; then
        echo "jit_mips: this host cannot run ${native[$w]}; no native figure for $w" >&2
        continue
    fi
    native_secs[$w]=$(best_of_3 "${native[$w]}")
done

# One row per program: instructions and seconds net of boot_only, MIPS = instructions / seconds.
printf '%-12s %14s' workload instructions
for e in "${engines[@]}"; do printf ' %9s %9s' "$e s" "$e MIPS"; done
printf ' %9s\n' "native s"
: >"$tmp/chart.dat"
for w in "${workloads[@]}"; do
    b=${base[$w]:-}
    [ -n "$b" ] || continue
    n=$(( insns[$w,jit] - insns[$b,jit] ))
    printf '%-12s %14d' "$w" "$n"
    printf '%s' "$w" >>"$tmp/chart.dat"
    for e in "${engines[@]}"; do
        if [ -z "${secs[$w,$e]:-}" ]; then
            printf ' %9s %9s' - -
            printf ' -' >>"$tmp/chart.dat"
            continue
        fi
        read -r t m < <(awk -v n="$n" -v s="${secs[$w,$e]}" -v s0="${secs[$b,$e]}" \
                             'BEGIN{printf "%.3f %.0f\n", s - s0, n / (s - s0) / 1e6}')
        printf ' %9s %9s' "$t" "$m"
        printf ' %s' "$m" >>"$tmp/chart.dat"
    done
    if [ -n "${native_secs[$w]:-}" ]; then
        printf ' %9.3f\n' "${native_secs[$w]}"
        awk -v n="$n" -v s="${native_secs[$w]}" 'BEGIN{printf " %.0f\n", n / s / 1e6}' >>"$tmp/chart.dat"
    else
        printf ' %9s\n' -
        echo " -" >>"$tmp/chart.dat"
    fi
done
echo "qemu: qemu-system-i386 -accel tcg for the 32-bit rows, qemu-system-x86_64 -accel tcg -cpu max for the *64 rows"
for b in boot_only boot_only64; do
    printf '%s (taken off its rows above): %d instructions on jitpc;' "$b" "${insns[$b,jit]}"
    for e in "${engines[@]}"; do
        if [ -n "${secs[$b,$e]:-}" ]; then printf ' %s %s s' "$e" "${secs[$b,$e]}"; fi
    done
    echo
done
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
     "" using 4 title "qemu-system-i386 / qemu-system-x86_64 -accel tcg", \
     "" using 5 title "native, the same C (guest instructions / native s)"
EOF
echo "chart: $out/jit_mips.png"
echo "host: $(nproc) CPUs; load average (1/5/15 min) before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg)"
