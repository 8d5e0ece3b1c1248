#!/usr/bin/env bash
# bench/python.sh [JITPC [RUNS]]: Debian's i386 python3.11 running bench/python/workload.py
# (sorting strings, dictionaries and objects, hashlib, zlib, float arithmetic and libm) inside
# the Debian guest (scripts/debian-guest --python: the test guest's kernel and initrd plus an
# archive with the interpreter), booted with -kernel at -m 256M on jitpc and, when installed,
# on qemu-system-i386 (TCG) with the same options, RUNS times each (default 1), alternating.
# It prints, per run of each emulator, a row of host wall-clock seconds and a row of the
# emulator's CPU seconds, read when the guest's lines reach the host:
#   boot     start of the emulator -> JITPC-PYTHON-START (/init runs)
#   python   "JITPC-PY begin" -> "JITPC-PY end" (the interpreter started and imported its modules)
#   strings, dicts, hashing, zlib, floats: each section of the program, from the line before it
#   total    start -> exit
# and whether the program's output equals the host's run of the same binary (python-expected;
# a host that cannot run i386 programs has none: then jitpc's row says "unchecked" and the QEMU
# run after it says whether its output equals jitpc's, "same-as-jitpc" or "DIFFERS-FROM-JITPC").
# The machines are shared and noisy: compare the rows of one run, not runs of different days.
set -uo pipefail
cd "$(dirname "$0")/.."
jitpc=${1:-build/jitpc}
runs=${2:-1}
guest=build/guests/debian
scripts/debian-guest --python "$guest"
status=$?
[ $status -eq 77 ] && { echo "python: skipped, no Debian mirror reachable"; exit 0; }
[ $status -ne 0 ] && exit $status
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sections=(strings dicts hashing zlib floats)

# measure CMD...: two rows of figures, host wall-clock seconds then the emulator's CPU seconds
# (user and system, all its threads: /proc/PID/stat, in clock ticks), each ending with "ok" or
# "WRONG-OUTPUT". On a busy host the CPU seconds say more than the wall clock.
measure() {
    local emulator=$1  # the loop below reuses the positional parameters
    rm -f "$tmp/pipe"
    mkfifo "$tmp/pipe"
    local t0=$EPOCHREALTIME
    "$@" </dev/null >"$tmp/pipe" 2>"$tmp/err" &
    local pid=$!
    # A guest that never powers off is stopped after 30 minutes; the watchdog holds no output.
    (trap 'kill $s' TERM; sleep 1800 & s=$!; wait $s && kill $pid) >/dev/null 2>&1 &
    local watchdog=$!
    local tick
    tick=$(getconf CLK_TCK)
    # The emulator's CPU ticks into c ('' once it has exited). No fork per line: on a loaded host
    # a reader that forks for each of the boot's lines falls seconds behind the guest, and the
    # sections' figures then measure the reader.
    local f
    cpu() { c=''; { read -ra f </proc/$pid/stat; } 2>/dev/null && c=$((f[13] + f[14])); }
    declare -A wall=() used=()
    local prev='' prevc='' last='' line now c name
    : >"$tmp/out"
    while IFS= read -r line; do
        now=${EPOCHREALTIME/,/.}
        cpu
        [ -n "$c" ] && last=$c
        line=${line%$'\r'}
        name=''
        case $line in
            JITPC-PYTHON-START*) name=boot ;;
            "JITPC-PY begin") wall[begin]=$now used[begin]=$c ;;
            "JITPC-PY end") name=end ;;
            "JITPC-PY "*) set -- $line; name=$2 ;;
        esac
        [[ $line == JITPC-PY\ * ]] && echo "$line" >>"$tmp/out"
        if [ -n "$name" ]; then
            wall[$name]=$now used[$name]=$c
            [ "$name" = end ] || [ "$name" = boot ] || { wall[$name.from]=$prev used[$name.from]=$prevc; }
        fi
        prev=$now prevc=$c
    done <"$tmp/pipe"
    wait $pid 2>/dev/null
    kill $watchdog 2>/dev/null
    local te=${EPOCHREALTIME/,/.} verdict=WRONG-OUTPUT
    if [ -f "$guest/python-expected" ]; then
        cmp -s "$tmp/out" "$guest/python-expected" && verdict=ok
    elif [ "$emulator" = "$jitpc" ]; then
        verdict=unchecked
        cp "$tmp/out" "$tmp/out.jitpc"
    else
        verdict=DIFFERS-FROM-JITPC
        cmp -s "$tmp/out" "$tmp/out.jitpc" && verdict=same-as-jitpc
    fi
    # row NAME START END UNITS: the gaps of NAME's readings, in seconds (UNITS readings a second).
    row() {
        local -n at=$1
        local args=("$2" "${at[boot]:-}" "${at[begin]:-}" "${at[end]:-}")
        for s in "${sections[@]}"; do args+=("${at[$s.from]:-}" "${at[$s]:-}"); done
        args+=("$2" "$3")
        LC_ALL=C awk -v v="$verdict" -v u="$4" 'function d(a, b) { return a == "" || b == "" ? "-" : sprintf("%.2f", (b - a) / u) }
            BEGIN { for (i = 1; i < ARGC; i += 2) printf "%-8s ", d(ARGV[i], ARGV[i + 1]); print v; exit }' \
            "${args[@]}"
    }
    echo "wall $(row wall "${t0/,/.}" "$te" 1)"
    # The boot column of the CPU row counts from the emulator's start (0 s); the total is the
    # last reading before it exited.
    echo "cpu  $(row used 0 "$last" "$tick")"
}

opts=(-nographic -no-reboot -m 256M -kernel "$guest/vmlinuz" -initrd "$guest/python-initrd.img"
      -append "console=ttyS0 panic=-1")
printf "%-17s %-8s %-8s %-8s %-8s %-8s %-8s %-8s %-8s %s\n" "emulator (s)" boot python \
    "${sections[@]}" total output
for ((r = 0; r < runs; r++)); do
    measure "$jitpc" "${opts[@]}" | sed 's/^/jitpc        /'
    if command -v qemu-system-i386 >/dev/null; then
        measure qemu-system-i386 -accel tcg "${opts[@]}" | sed 's/^/qemu-i386    /'
    fi
done
