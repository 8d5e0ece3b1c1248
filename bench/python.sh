#!/usr/bin/env bash
# bench/python.sh [JITPC [RUNS]]: Debian's i386 python3.11 running bench/python/workload.py
# (sorting strings, dictionaries and objects, hashlib, zlib, float arithmetic and libm) inside
# the Debian guest (scripts/debian-guest --python: the test guest's kernel and initrd plus an
# archive with the interpreter), booted with -kernel at -m 256M on jitpc and, when installed,
# on qemu-system-i386 (TCG) with the same options, RUNS times each (default 1), alternating.
# It prints host wall-clock times taken when the guest's lines reach the host:
#   boot     start of the emulator -> JITPC-PYTHON-START (/init runs)
#   python   "JITPC-PY begin" -> "JITPC-PY end" (the interpreter started and imported its modules)
#   strings, dicts, hashing, zlib, floats: each section of the program, from the line before it
#   total    start -> exit
# and whether the program's output equals the host's run of the same binary (python-expected).
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

# measure CMD...: one row's figures, then "ok" or "WRONG-OUTPUT".
measure() {
    local t0=$EPOCHREALTIME
    timeout 1800 "$@" </dev/null 2>"$tmp/err" | {
        declare -A at=()
        tb='' pb='' pe='' last=''
        : >"$tmp/out"
        while IFS= read -r line; do
            now=$EPOCHREALTIME
            line=${line%$'\r'}
            case $line in
                JITPC-PYTHON-START*) tb=$now ;;
                "JITPC-PY begin") pb=$now last=$now ;;
                "JITPC-PY end") pe=$now ;;
                "JITPC-PY "*) set -- $line; at[$2]=$last; at[$2.end]=$now; last=$now ;;
            esac
            [[ $line == JITPC-PY\ * ]] && echo "$line" >>"$tmp/out"
        done
        te=$EPOCHREALTIME
        verdict=WRONG-OUTPUT
        cmp -s "$tmp/out" "$guest/python-expected" && verdict=ok
        args=("${t0/,/.}" "${tb/,/.}" "${pb/,/.}" "${pe/,/.}")
        for s in "${sections[@]}"; do args+=("${at[$s]:-}" "${at[$s.end]:-}"); done
        args+=("${t0/,/.}" "${te/,/.}")
        LC_ALL=C awk -v v="$verdict" 'function d(a, b) { return a == "" || b == "" ? "-" : sprintf("%.2f", b - a) }
            BEGIN { for (i = 1; i < ARGC; i += 2) printf "%-8s ", d(ARGV[i], ARGV[i + 1]); print v; exit }' \
            "${args[@]}"
    }
}

opts=(-nographic -no-reboot -m 256M -kernel "$guest/vmlinuz" -initrd "$guest/python-initrd.img"
      -append "console=ttyS0 panic=-1")
printf "%-18s %-8s %-8s %-8s %-8s %-8s %-8s %-8s %-8s %s\n" "emulator (s)" boot python \
    "${sections[@]}" total output
for ((r = 0; r < runs; r++)); do
    printf "%-18s %s\n" "jitpc" "$(measure "$jitpc" "${opts[@]}")"
    if command -v qemu-system-i386 >/dev/null; then
        printf "%-18s %s\n" "qemu-system-i386" "$(measure qemu-system-i386 -accel tcg "${opts[@]}")"
    fi
done
