#!/bin/sh
# serial.sh JITPC IMAGE [JITPC-ARGS...]: the serial guest with input piped into COM1 must echo it uppercased
# after its banner and pass, and two runs must retire the same instructions at the same virtual
# time (piped input is delivered at guest-determined ticks).
jitpc=$1 img=$2
shift 2
run() {
    printf 'hello\n' | "$jitpc" -kernel "$img" -serial stdio -debugcon none -max-insns 100000000 -stats "$@" \
        > "$out" 2> "$err"
}
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
run "$@"
status=$?
if [ "$status" -ne 33 ]; then echo "FAIL: status $status, want 33"; cat "$out" "$err"; exit 1; fi
want=$(printf 'serial ready\nHELLO\n')
if [ "$(cat "$out")" != "$want" ]; then printf 'FAIL: output:\n'; cat "$out"; exit 1; fi
first=$(cat "$err")
run "$@"
second=$(cat "$err")
if [ -z "$first" ] || [ "$first" != "$second" ]; then
    printf 'FAIL: runs differ:\n%s\n---\n%s\n' "$first" "$second"; exit 1
fi
# Input at its end from the start: the guest waits forever with nothing to wake it (status 2).
"$jitpc" -kernel "$img" -debugcon none -max-insns 100000000 "$@" < /dev/null > "$out" 2> "$err"
status=$?
if [ "$status" -ne 2 ]; then echo "FAIL: with stdin at EOF: status $status, want 2"; cat "$err"; exit 1; fi
echo "$first"
