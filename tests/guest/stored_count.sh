#!/bin/sh
# stored_count.sh JITPC EXPECTED ARGS...: runs jitpc ARGS -stats under each engine; each run
# must pass (status 33) and print exactly the retired-instruction count and virtual time stored
# in the file EXPECTED. The numbers are a property of the guest image and the machine, so they
# change only when one of them does on purpose: then update the file in the same commit.
jitpc=$1 expected=$2
shift 2
want=$(cat "$expected")
for engine in jit interp; do
    got=$("$jitpc" -engine "$engine" -debugcon none -max-insns 1000000000 -stats "$@" 2>&1 >/dev/null |
          grep -E '^jitpc: (retired|virtual)')
    "$jitpc" -engine "$engine" -debugcon none -max-insns 1000000000 "$@" >/dev/null 2>&1
    status=$?
    if [ "$status" -ne 33 ]; then echo "FAIL ($engine): status $status, want 33"; exit 1; fi
    if [ "$got" != "$want" ]; then
        printf 'FAIL (%s): got\n%s\nwant (%s)\n%s\n' "$engine" "$got" "$expected" "$want"; exit 1
    fi
done
echo "$want"
