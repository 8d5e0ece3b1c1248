#!/usr/bin/env bash
# What a gdb breakpoint costs a running guest (issue 14): bench/jit_mips.sh's mixed workload
# (sort, CRC32, a bytecode interpreter, function pointers) run to its end without gdb, and under
# Debian's gdb with one breakpoint set where the guest never goes (the page at 3 MiB), on jitpc's
# JIT, its interpreter and QEMU's TCG. jitpc's JIT runs the pages that hold no breakpoint
# translated; before, any breakpoint sent every instruction through the interpreter's careful
# path. Best of 3 wall-clock seconds of each whole run (gdb's start included in both columns
# of a row that uses it).
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
scripts/build >/dev/null
command -v gdb >/dev/null || { echo "gdb_break: gdb is not installed (apt-get install gdb)"; exit 1; }
image=build/bench/mixed.floppy.img
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
exec 3>&2
. bench/floppy_runs.sh
BREAK=0x300000

# under_gdb ENGINE: the run with gdb attached through a Unix socket and the breakpoint set.
under_gdb() {
    local engine=$1 sock=$tmp/gdb.sock status=0
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
    gdb -batch -nx -ex "target remote $sock" -ex "break *$BREAK" -ex continue >"$tmp/gdb" 2>&1 || true
    wait "$pid" || status=$?
    if [ "$status" -ne 33 ] || grep -q '^Breakpoint 1,' "$tmp/gdb"; then
        echo "gdb_break: $engine under gdb ended with status $status, not 33 without a stop:" >&3
        cat "$tmp/gdb" "$tmp/err" >&3
        exit 1
    fi
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %14s %16s %8s\n' engine "no gdb s" "breakpoint s" ratio
for e in jit interp qemu; do
    [ "$e" = qemu ] && [ -z "$qemu" ] && continue
    plain=$(best_of_3 run "$e" "$image")
    broken=$(best_of_3 under_gdb "$e")
    awk -v e="$e" -v p="$plain" -v b="$broken" 'BEGIN{printf "%-8s %14.3f %16.3f %8.2f\n", e, p, b, b / p}'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
