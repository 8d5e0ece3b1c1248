#!/bin/sh
# determinism.sh JITPC IMAGE [JITPC-ARGS...]: runs a multiboot guest twice with -stats and requires a pass
# (status 33) and the same retired-instruction count and virtual time both times.
jitpc=$1 img=$2
shift 2
run() {
    "$jitpc" -kernel "$img" -debugcon none -max-insns 1000000000 -stats "$@" 2>&1 >/dev/null | grep -E '^jitpc: (retired|virtual)'
    return 0
}
first=$(run "$@") second=$(run "$@")
"$jitpc" -kernel "$img" -debugcon none -max-insns 1000000000 "$@" 2>/dev/null
status=$?
if [ "$status" -ne 33 ]; then echo "FAIL: $img exited with status $status"; exit 1; fi
if [ -z "$first" ] || [ "$first" != "$second" ]; then
    printf 'FAIL: runs differ:\n%s\n---\n%s\n' "$first" "$second"; exit 1
fi
echo "$first"
