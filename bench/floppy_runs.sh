# Sourced by the floppy benchmarks (bench/jit_mips.sh, bench/abuse.sh): one run of a benchmark
# floppy on an engine (jitpc's jit or interp, or QEMU's TCG), and the best of three wall-clock
# times. Expects $tmp (a scratch directory) and file descriptor 3 (where complaints go).
qemu=$(command -v qemu-system-i386 || true)
[ -n "$qemu" ] || echo "$(basename "$0" .sh): qemu-system-i386 not installed, its columns are skipped"
qemu64=$(command -v qemu-system-x86_64 || true)

# run ENGINE IMAGE [ARGS...]: one run, stderr to $tmp/err; fails unless the program passed (33).
# ARGS go to both emulators (-cpu max for the 64-bit programs); QEMU is $qemu_bin, else $qemu.
run() {
    local engine=$1 image=$2 status=0
    shift 2
    case $engine in
        qemu) "${qemu_bin:-$qemu}" -accel tcg -nographic -fda "$image" -boot a -no-reboot \
                  -device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@" </dev/null >/dev/null \
                  2>"$tmp/err" || status=$? ;;
        *) build/jitpc -engine "$engine" -nographic -fda "$image" -boot a -stats "$@" </dev/null \
               >/dev/null 2>"$tmp/err" || status=$? ;;
    esac
    if [ "$status" -ne 33 ]; then
        echo "$(basename "$0" .sh): $engine on $image ended with status $status, not 33:" >&3
        cat "$tmp/err" >&3
        exit 1
    fi
}

TIMEFORMAT=%R
best_of_3() {  # prints the best wall-clock seconds of "$@" (its stdout is dropped)
    local best="" s
    for _ in 1 2 3; do
        s=$( { time "$@" >/dev/null; } 2>&1 )
        if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s; fi
    done
    echo "$best"
}

