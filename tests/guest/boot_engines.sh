#!/bin/sh
# boot_engines.sh JITPC BUDGET PATTERN... -- JITPC-ARGS...: boots a real guest (boot media from
# Debian's packages, which the calling script checks and prepares) under both engines, each run
# with -nographic -no-reboot, -max-insns BUDGET and -stats. Each run must print a line matching
# every extended PATTERN on its console (CRs dropped) and end at the budget (status 3); the two
# runs must agree on the output and the -stats counts.
jitpc=$1 budget=$2
shift 2
patterns=
while [ $# -gt 0 ] && [ "$1" != -- ]; do
    patterns="$patterns$1
"
    shift
done
[ "$1" = -- ] && shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for engine in interp jit; do
    "$jitpc" -engine "$engine" "$@" -nographic -no-reboot -max-insns "$budget" -stats \
        < /dev/null > "$dir/$engine.out" 2> "$dir/$engine.err"
    status=$?
    printf '%s' "$patterns" | while IFS= read -r want; do
        tr -d '\r' < "$dir/$engine.out" | grep -Eq "$want" ||
            { echo "FAIL ($engine): no line matching '$want'"; tail -c 2000 "$dir/$engine.out"; tail -5 "$dir/$engine.err"; exit 1; }
    done || exit 1
    [ "$status" -eq 3 ] || { echo "FAIL ($engine): status $status, want 3"; tail -5 "$dir/$engine.err"; exit 1; }
    grep -E '^jitpc: (retired|virtual)' "$dir/$engine.err" > "$dir/$engine.stats"
done
cmp -s "$dir/interp.out" "$dir/jit.out" || { echo "FAIL: the engines printed different output"; exit 1; }
cmp -s "$dir/interp.stats" "$dir/jit.stats" ||
    { echo "FAIL: the engines retired different counts:"; cat "$dir/interp.stats" "$dir/jit.stats"; exit 1; }
cat "$dir/jit.stats"
