#!/usr/bin/env bash
# bench/linux_boot.sh [JITPC]: boots the Debian guests (scripts/debian-guest) in test mode with
# -kernel: the i386 one at -m 128M on jitpc and, when installed, on qemu-system-i386; the amd64
# one (--arch amd64) at -m 512M with -cpu max on jitpc and on qemu-system-x86_64 (TCG). It prints
# a table of host wall-clock times taken when the guest's marker lines reach the host:
#   boot      start of the emulator -> JITPC-TEST-START (init's shell is running)
#   workload  JITPC-WORKLOAD-BEGIN -> JITPC-WORKLOAD-END (gzip 4 MiB, a shell loop, sha256 of seq)
#   total     start -> exit (adds the storage checks and the power-off)
# Then, untimed, where jitpc's run spends its guest instructions: the same test-mode run with
# -profile, reported by `jitpc prof` with the kernel's symbols from /proc/kallsyms of a first
# boot (both boot with nokaslr, so the kernel sits at the same addresses).
# The machines are shared and noisy: compare the two rows of one run, not runs of different days.
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

# measure KIND CMD...: prints "boot workload total verdict". jitpc takes its input up front (it
# delivers it once the guest opened the UART); QEMU drops input that comes before Linux owns the
# UART, so it gets the line when the guest asks for it.
measure() {
    local kind=$1
    shift
    rm -f "$tmp/in"
    mkfifo "$tmp/in"
    local t0=$EPOCHREALTIME
    timeout 1800 "$@" <"$tmp/in" 2>"$tmp/err" | {
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
            -v te="${te/,/.}" -v v="$verdict" 'function d(a, b) { return a == "" || b == "" ? "-" : sprintf("%.2f s", b - a) }
            BEGIN { printf "%-10s %-10s %-10s %s\n", d(t0, tb), d(wb, we), d(t0, te), v }'
    }
}

# machine ARRAY GUESTDIR EXTRA...: sets ARRAY to the options both emulators boot that guest with.
machine() {
    local -n out=$1
    out=(-nographic -no-reboot -snapshot -kernel "$2/vmlinuz" -initrd "$2/initrd.img"
         -append "console=ttyS0 jitpc.test=1 panic=-1" -hda "$2/disk.img" -cdrom "$2/cd.iso" "${@:3}")
}
# row LABEL KIND CMD...: one line of the table.
row() { printf "%-28s %s\n" "$1" "$(measure "$2" "${@:3}")"; }
machine machine32 "$guest" -m 128M
machine machine64 "$guest64" -m 512M -cpu max
printf "%-28s %-10s %-10s %-10s %s\n" emulator boot workload total checks
row "jitpc i386" jitpc "$jitpc" "${machine32[@]}"
if command -v qemu-system-i386 >/dev/null; then
    row "qemu-system-i386" qemu qemu-system-i386 "${machine32[@]}"
fi
row "jitpc amd64" jitpc "$jitpc" "${machine64[@]}"
if command -v qemu-system-x86_64 >/dev/null; then
    row "qemu-system-x86_64" qemu qemu-system-x86_64 -accel tcg "${machine64[@]}"
fi

echo
echo "jitpc -profile of the test-mode run (nokaslr; CPL 3 is busybox, unsymbolised CPL 0 pages near 32 MiB the bzImage decompressor):"
nokaslr=(-nographic -no-reboot -snapshot -m 128M -kernel "$guest/vmlinuz" -initrd "$guest/initrd.img")
printf 'cat /proc/kallsyms > /dev/ttyS0\npoweroff -f\n' |
    "$jitpc" "${nokaslr[@]}" -append "console=ttyS0 nokaslr quiet" | tr -d '\r' |
    grep -E '^[0-9a-f]{8} ' > "$tmp/kallsyms.map"
echo "$input" | "$jitpc" "${nokaslr[@]}" -append "console=ttyS0 jitpc.test=1 panic=-1 nokaslr" \
    -hda "$guest/disk.img" -cdrom "$guest/cd.iso" -profile "$tmp/linux.prof" >/dev/null
"$jitpc" prof "$tmp/linux.prof" --symbols "$tmp/kallsyms.map" --top 15 | sed -n '/^by mode/,/^hottest addresses/p' | sed '$d'
