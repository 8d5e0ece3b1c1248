#!/bin/sh
# run_guest.sh JITPC IMAGE EXPECT [LOAD-OPTION [JITPC-ARGS...]]: runs a guest test image, loaded
# with LOAD-OPTION (-kernel, the default, or -bios) and any further jitpc arguments; passes on
# exit status 33 and, when EXPECT exists, debug-console output equal to it.
jitpc=$1 img=$2 expect=$3
load=${4:--kernel}
shift $(( $# < 4 ? $# : 4 ))
out=$(mktemp)
"$jitpc" "$load" "$img" -debugcon "file:$out" -max-insns 200000000 "$@"
status=$?
if [ "$status" -ne 33 ]; then
    echo "FAIL: $img exited with status $status (33 is a pass; (code<<1)|1 is FAIL code)"
    cat "$out"; rm -f "$out"; exit 1
fi
if [ -f "$expect" ] && ! cmp -s "$out" "$expect"; then
    echo "FAIL: $img printed something else than $expect:"; diff "$expect" "$out"; rm -f "$out"; exit 1
fi
rm -f "$out"
exit 0
