#!/usr/bin/env bash
# bench/linux_boot.sh [JITPC]: boots the Debian guests (scripts/debian-guest) in test mode with
# -kernel: the i386 one at -m 128M on the pentium2 model (as the linux tests boot it) on jitpc
# and, when installed, on qemu-system-i386; the amd64 one (--arch amd64) at -m 512M with -cpu
# max on jitpc and on qemu-system-x86_64 (TCG). It prints
# a table of host wall-clock times taken when the guest's marker lines reach the host:
#   boot      start of the emulator -> JITPC-TEST-START (init's shell is running)
#   workload  JITPC-WORKLOAD-BEGIN -> JITPC-WORKLOAD-END (gzip 4 MiB, a shell loop, sha256 of seq)
#   total     start -> exit (adds the storage checks and the power-off)
# then, for jitpc's runs, the retired instructions of each phase (`-d serial` gives the count at
# each marker line, -stats the whole run's) and the MIPS they make with the phase's wall time;
# then the same workload run natively: guests/debian/init's run_workload by the host's busybox
# (Debian's busybox package, installed when missing) on the same input, and the ratios the
# issue's targets are stated in (workload <= 0.5x QEMU's time, <= 4x native).
# Then, untimed, where jitpc's run spends its guest instructions: the same test-mode run with
# -profile, reported by `jitpc prof` with the kernel's symbols from /proc/kallsyms of a first
# boot (both boot with nokaslr, so the kernel sits at the same addresses).
# The machines are shared and noisy: compare the rows of one run, not runs of different days.
set -uo pipefail
cd "$(dirname "$0")/.."
jitpc=${1:-build/jitpc}
guest=build/guests/debian
guest64=build/guests/debian-amd64
build_guest() {
    scripts/debian-guest "$@"
    local status=$?
    [ $status -eq 77 ] && { echo "linux_boot: skipped, no Debian mirror reachable"; exit 0; }
    [ $status -ne 0 ] && exit $status
}
build_guest "$guest"
build_guest --arch amd64 "$guest64"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
input='echo JITPC-INPUT-$((6*7))'

# measure KIND NAME CMD...: writes "boot workload total verdict" (seconds, "-" for a marker
# that never came) to $tmp/NAME.times. jitpc takes its input up front (it delivers it once the
# guest opened the UART); QEMU drops input that comes before Linux owns the UART, so it gets the
# line when the guest asks for it.
measure() {
    local kind=$1 name=$2
    shift 2
    rm -f "$tmp/in"
    mkfifo "$tmp/in"
    local t0=$EPOCHREALTIME
    timeout 1800 "$@" <"$tmp/in" 2>"$tmp/$name.err" | {
        exec 4>"$tmp/in"
        [ "$kind" = jitpc ] && { echo "$input" >&4; exec 4>&-; }
        tb='' wb='' we='' verdict=FAILED
        while IFS= read -r line; do
            now=$EPOCHREALTIME
            case $line in
                JITPC-TEST-START*) tb=$now ;;
                JITPC-WORKLOAD-BEGIN*) wb=$now ;;
                JITPC-WORKLOAD-END*) we=$now ;;
                JITPC-READY-FOR-INPUT*) [ "$kind" = qemu ] && { echo "$input" >&4; exec 4>&-; } ;;
                JITPC-ALL-PASSED*) verdict=ok ;;
            esac
        done
        te=$EPOCHREALTIME
        LC_ALL=C awk -v t0="${t0/,/.}" -v tb="${tb/,/.}" -v wb="${wb/,/.}" -v we="${we/,/.}" \
            -v te="${te/,/.}" -v v="$verdict" 'function d(a, b) { return a == "" || b == "" ? "-" : sprintf("%.2f", b - a) }
            BEGIN { print d(t0, tb), d(wb, we), d(t0, te), v }' > "$tmp/$name.times"
    }
}

# machine ARRAY GUESTDIR EXTRA...: sets ARRAY to the options both emulators boot that guest with.
machine() {
    local -n out=$1
    out=(-nographic -no-reboot -snapshot -kernel "$2/vmlinuz" -initrd "$2/initrd.img"
         -append "console=ttyS0 jitpc.test=1 panic=-1" -hda "$2/disk.img" -cdrom "$2/cd.iso" "${@:3}")
}
# row LABEL KIND NAME CMD...: one line of the table; jitpc logs its serial lines with their
# counts (-d serial) and its -stats.
row() {
    local label=$1 kind=$2 name=$3
    shift 3
    local extra=()
    [ "$kind" = jitpc ] && extra=(-stats -d serial -D "$tmp/$name.lines")
    measure "$kind" "$name" "$@" "${extra[@]}"
    read -r boot work total verdict < "$tmp/$name.times"
    local secs=()
    for t in "$boot" "$work" "$total"; do [ "$t" = - ] && secs+=(-) || secs+=("$t s"); done
    printf "%-28s %-10s %-10s %-10s %s\n" "$label" "${secs[@]}" "$verdict"
    [ "$verdict" = ok ] || sed -n '1s/^/    its stderr: /p' "$tmp/$name.err"
}
# counts NAME LABEL: jitpc's retired instructions and MIPS by phase, from the counts at the
# marker lines and the whole run's -stats.
counts() {
    local name=$1 label=$2
    LC_ALL=C awk -v label="$label" -v times="$(cat "$tmp/$name.times")" '
        function at(marker) { return marker in n ? n[marker] : "" }
        function cell(insns, secs) {
            if (insns == "" || secs == "-" || secs <= 0) return sprintf("%15s %8s", insns == "" ? "-" : insns, "-")
            return sprintf("%15.0f %8.0f", insns, insns / secs / 1e6)
        }
        /^jitpc: COM1 at [0-9]+ retired instructions, [0-9]+ ns: JITPC-/ { m = $NF; if (!(m in n)) n[m] = $4 }
        /^jitpc: retired instructions: / { whole = $NF }
        END {
            split(times, t, " ")
            boot = at("JITPC-TEST-START")
            work = at("JITPC-WORKLOAD-END") == "" || at("JITPC-WORKLOAD-BEGIN") == "" ? "" : at("JITPC-WORKLOAD-END") - at("JITPC-WORKLOAD-BEGIN")
            printf "%-20s %s %s %s\n", label, cell(boot, t[1]), cell(work, t[2]), cell(whole, t[3])
        }' "$tmp/$name.lines" "$tmp/$name.err"
}
# native: guests/debian/init's run_workload as the host's busybox runs it, on the same input
# (the guest's busybox binary) and with the same checks; writes "seconds verdict" to
# $tmp/native.times.
native() {
    . bench/need_package.sh
    need_package busybox busybox "the native run of the workload"
    local bb n=$tmp/native
    bb=$(command -v busybox)
    mkdir -p "$n/bin"
    for a in $("$bb" --list); do ln -sf "$bb" "$n/bin/$a"; done
    . "$guest/manifest"
    local input_bb="${JITPC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jitpc}/debian/${BUSYBOX_PACKAGE}_i386/root/bin/busybox"
    [ -f "$input_bb" ] || { echo "linux_boot: no $input_bb (scripts/debian-guest's cache) for the native run"; return; }
    { sed -n '/^pass()/p; /^fail()/p; /^check()/p; /^sha()/p; /^gzip_input()/p' guests/debian/init
      sed -n '/^run_workload() {/,/^}/p' guests/debian/init
      echo 'failures=0; run_workload; echo "failures $failures"'
    } | sed "s|/bin/busybox|$input_bb|g; s|/tmp/|$n/|g" > "$n/workload.sh"
    local t0=$EPOCHREALTIME
    env -i PATH="$n/bin" "$bb" sh -c ". '$guest/manifest'; . '$n/workload.sh'" > "$n/out" 2>&1
    local t1=$EPOCHREALTIME
    LC_ALL=C awk -v a="${t0/,/.}" -v b="${t1/,/.}" '/^failures / { v = $2 == 0 ? "ok" : "FAILED" }
        END { printf "%.2f %s\n", b - a, v == "" ? "FAILED" : v }' "$n/out" > "$tmp/native.times"
}
machine machine32 "$guest" -m 128M -cpu pentium2
machine machine64 "$guest64" -m 512M -cpu max
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-28s %-10s %-10s %-10s %s\n" emulator boot workload total checks
row "jitpc i386" jitpc jitpc32 "$jitpc" "${machine32[@]}"
if command -v qemu-system-i386 >/dev/null; then
    row "qemu-system-i386" qemu qemu32 qemu-system-i386 "${machine32[@]}"
fi
row "jitpc amd64" jitpc jitpc64 "$jitpc" "${machine64[@]}"
if command -v qemu-system-x86_64 >/dev/null; then
    row "qemu-system-x86_64" qemu qemu64 qemu-system-x86_64 -accel tcg "${machine64[@]}"
fi
native
read -r native_secs native_verdict < "$tmp/native.times"
printf "%-28s %-10s %-10s %-10s %s\n" "native busybox $(uname -m)" - "$native_secs s" - "$native_verdict"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "jitpc's retired instructions and MIPS (instructions / the phase's wall seconds) by phase:"
printf "%-20s %15s %8s %15s %8s %15s %8s\n" guest "boot insns" MIPS "workload insns" MIPS "whole run" MIPS
counts jitpc32 "jitpc i386"
counts jitpc64 "jitpc amd64"

echo
echo "workload time ratios (the issue's targets: <= 0.5 of QEMU's, <= 4 times native):"
ratio() {
    [ -f "$tmp/$2.times" ] && [ -f "$tmp/$3.times" ] || return 0
    LC_ALL=C awk -v label="$1" -v a="$(cut -d' ' -f2 "$tmp/$2.times")" -v b="$(cut -d' ' -f"$4" "$tmp/$3.times")" '
        BEGIN { printf "  %-32s %s\n", label, a == "-" || b == "-" || b <= 0 ? "-" : sprintf("%.2f", a / b) }'
}
ratio "jitpc i386 / qemu-system-i386" jitpc32 qemu32 2
ratio "jitpc amd64 / qemu-system-x86_64" jitpc64 qemu64 2
ratio "jitpc i386 / native" jitpc32 native 1
ratio "jitpc amd64 / native" jitpc64 native 1

echo
echo "jitpc -profile of the test-mode run (nokaslr; CPL 3 is busybox, unsymbolised CPL 0 pages near 32 MiB the bzImage decompressor):"
nokaslr=(-nographic -no-reboot -snapshot -m 128M -kernel "$guest/vmlinuz" -initrd "$guest/initrd.img")
printf 'cat /proc/kallsyms > /dev/ttyS0\npoweroff -f\n' |
    "$jitpc" "${nokaslr[@]}" -append "console=ttyS0 nokaslr quiet" | tr -d '\r' |
    grep -E '^[0-9a-f]{8} ' > "$tmp/kallsyms.map"
echo "$input" | "$jitpc" "${nokaslr[@]}" -append "console=ttyS0 jitpc.test=1 panic=-1 nokaslr" \
    -hda "$guest/disk.img" -cdrom "$guest/cd.iso" -profile "$tmp/linux.prof" >/dev/null
"$jitpc" prof "$tmp/linux.prof" --symbols "$tmp/kallsyms.map" --top 15 | sed -n '/^by mode/,/^hottest addresses/p' | sed '$d'
