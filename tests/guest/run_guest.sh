#!/bin/sh
# run_guest.sh JITPC IMAGE EXPECT LOAD-OPTION [STATUS [JITPC-ARGS...]]: runs a guest test image
# loaded with LOAD-OPTION (-kernel or -bios) and any further jitpc arguments; passes on exit
# status STATUS (default 33, a PASS) and, when EXPECT exists, debug-console output equal to it.
jitpc=$1 img=$2 expect=$3 load=$4
want=${5:-33}
[ $# -ge 5 ] && shift 5 || shift $#
out=$(mktemp)
"$jitpc" "$load" "$img" -debugcon "file:$out" -max-insns 200000000 "$@"
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
