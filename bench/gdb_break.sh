#!/usr/bin/env bash
# What a gdb breakpoint costs a running guest (issue 14): bench/jit_mips.sh's mixed workload
# (sort, CRC32, a bytecode interpreter, function pointers) run to its end without gdb, and under
# Debian's gdb with one breakpoint, then with one write watchpoint, set where the guest never goes
# (the page at 3 MiB), on jitpc's JIT, its interpreter and QEMU's TCG. jitpc's JIT runs the pages
# that hold no breakpoint translated, and with a watchpoint runs all of it translated (only the
# accesses to the watched page take the slow path). Best of 3 wall-clock seconds of each whole
# run (gdb's start included in the columns that use it).
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
scripts/build jitpc bench/mixed.floppy.img >/dev/null
command -v gdb >/dev/null || { echo "gdb_break: gdb is not installed (apt-get install gdb)"; exit 1; }
image=build/bench/mixed.floppy.img
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
exec 3>&2
. bench/floppy_runs.sh
BREAK=0x300000

# under_gdb ENGINE POINT: the run with gdb attached through a Unix socket and POINT (a gdb
# command) set.
under_gdb() {
    local engine=$1 point=$2 sock=$tmp/gdb.sock status=0
    rm -f "$sock"
    case $engine in
        qemu) "$qemu" -accel tcg -nographic -fda "$image" -boot a -no-reboot \
                  -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
                  -chardev "socket,path=$sock,server=on,wait=on,id=g" -gdb chardev:g -S \
                  </dev/null >/dev/null 2>"$tmp/err" & ;;
        *) build/jitpc -engine "$engine" -nographic -fda "$image" -boot a -gdb "unix:$sock" -S \
               </dev/null >/dev/null 2>"$tmp/err" & ;;
    esac
    local pid=$!
    while [ ! -S "$sock" ]; do sleep 0.01; done
    gdb -batch -nx -ex "target remote $sock" -ex "$point" -ex continue >"$tmp/gdb" 2>&1 || true
    wait "$pid" || status=$?
    if [ "$status" -ne 33 ] || grep -q -e '^Breakpoint 1,' -e '^Old value' "$tmp/gdb"; then
        echo "gdb_break: $engine under gdb ended with status $status, not 33 without a stop:" >&3
        cat "$tmp/gdb" "$tmp/err" >&3
        exit 1
    fi
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %10s %14s %8s %14s %8s\n' engine "no gdb s" "breakpoint s" ratio "watchpoint s" ratio
for e in jit interp qemu; do
    [ "$e" = qemu ] && [ -z "$qemu" ] && continue
    plain=$(best_of_3 run "$e" "$image")
    broken=$(best_of_3 under_gdb "$e" "break *$BREAK")
    watched=$(best_of_3 under_gdb "$e" "watch *(int *)$BREAK")
    awk -v e="$e" -v p="$plain" -v b="$broken" -v w="$watched" \
        'BEGIN{printf "%-8s %10.3f %14.3f %8.2f %14.3f %8.2f\n", e, p, b, b / p, w, w / p}'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
