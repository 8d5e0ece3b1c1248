#!/bin/sh
# run_guest.sh JITPC IMAGE EXPECT [STATUS [JITPC-ARGS...]]: runs a guest test image; passes on exit
# status STATUS (default 33, a PASS) and, when EXPECT exists, debug-console output equal to it.
jitpc=$1 img=$2 expect=$3
want=${4:-33}
[ $# -ge 4 ] && shift 4 || shift $#
out=$(mktemp)
"$jitpc" -kernel "$img" -debugcon "file:$out" -max-insns 200000000 "$@"
status=$?
if [ "$status" -ne "$want" ]; then
    echo "FAIL: $img exited with status $status, not $want (33 is a pass; (code<<1)|1 is FAIL code)"
    cat "$out"; rm -f "$out"; exit 1
fi
if [ -f "$expect" ] && ! cmp -s "$out" "$expect"; then
    echo "FAIL: $img printed something else than $expect:"; diff "$expect" "$out"; rm -f "$out"; exit 1
fi
rm -f "$out"
exit 0
