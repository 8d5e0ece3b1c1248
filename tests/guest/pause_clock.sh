#!/bin/bash
# pause_clock.sh JITPC PAUSE-IMAGE: the two counters with PAUSE in the run (tests/guest/pause.asm,
# 140 virtual-clock ticks a PAUSE): -max-insns counts the clock and stops inside a PAUSE exactly
# at its count; a snapshot taken there and a recording replayed under the other engine end as
# the plain run; -profile samples retired instructions; -d serial shows both counters. Every
# engine gives the same counts.
jitpc=$1 img=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/../lib/tally.sh"
PAUSE_EXTRA=139  # PAUSE's ticks beyond its own
engines=("-engine interp" "-engine jit" "-engine jit -jit-threshold 0")

# `stats NAME ARGS...`: runs the guest, leaves the status in $dir/NAME.status and the -stats
# clock lines in $dir/NAME.
stats() {
    local name=$1
    shift
    # shellcheck disable=SC2068 # the engine options are separate words
    "$jitpc" -kernel "$img" -debugcon none -stats $@ 2>"$dir/$name.err" >/dev/null
    echo $? > "$dir/$name.status"
    grep -E '^jitpc: (retired|virtual)' "$dir/$name.err" > "$dir/$name"
}
field() { sed -nE "$2" "$dir/$1"; }
virtual() { field "$1" 's/^jitpc: virtual time: ([0-9]+) ns.*/\1/p'; }
paused() { field "$1" 's/.* ([0-9]+) ns in PAUSE\)$/\1/p'; }
retired() { field "$1" 's/^jitpc: retired instructions: ([0-9]+)$/\1/p'; }

stats full -engine interp
[ "$(cat "$dir/full.status")" = 33 ] && ok || bad "the plain run ended with status $(cat "$dir/full.status")"
total=$(virtual full) spun=$(paused full)
[ -n "$total" ] && [ -n "$spun" ] && [ "$spun" -gt $((1000 * PAUSE_EXTRA)) ] && ok ||
    bad "no PAUSE ticks in -stats: $(cat "$dir/full")"
[ "$(retired full)" = $((total - spun)) ] && ok || bad "retired instructions are not virtual time less PAUSE's: $(cat "$dir/full")"

# A count inside the last PAUSE (whole in the plain run): the PAUSE ticks taken by then are
# short of the plain run's by no multiple of 139.
limit=
for back in $(seq 10 10 800); do
    stats probe -engine interp -max-insns $((total - back))
    p=$(paused probe)
    if [ -n "$p" ] && [ $(((spun - p) % PAUSE_EXTRA)) -ne 0 ]; then limit=$((total - back)); break; fi
done
[ -n "$limit" ] && ok || bad "no -max-insns count found inside a PAUSE"
limit=${limit:-$((total - 100))}

for e in "${engines[@]}"; do
    stats limit $e -max-insns $limit
    [ "$(cat "$dir/limit.status")" = 3 ] && [ "$(virtual limit)" = $limit ] && ok ||
        bad "$e: -max-insns $limit ended with status $(cat "$dir/limit.status") at $(virtual limit) ns"
    cmp -s "$dir/probe" "$dir/limit" && ok || bad "$e: -max-insns $limit counts differ: $(cat "$dir/probe" "$dir/limit")"
    stats plain $e
    cmp -s "$dir/full" "$dir/plain" && ok || bad "$e: counts differ from the interpreter's: $(cat "$dir/full" "$dir/plain")"
done

# A snapshot inside the PAUSE, loaded under each engine: the run ends as the plain one.
stats save -engine jit -savevm-at $limit "$dir/snap" -snapshot
cmp -s "$dir/full" "$dir/save" && ok || bad "-savevm-at changed the run: $(cat "$dir/save")"
for e in "${engines[@]}"; do
    stats load $e -loadvm "$dir/snap" -snapshot
    [ "$(cat "$dir/load.status")" = 33 ] && cmp -s "$dir/full" "$dir/load" && ok ||
        bad "$e: -loadvm of a snapshot inside a PAUSE: status $(cat "$dir/load.status"), $(cat "$dir/load" "$dir/load.err")"
done

# Recorded under the JIT, replayed under the interpreter, and the other way.
stats rec -engine jit -jit-threshold 0 -record "$dir/jit.log"
stats rep -engine interp -replay "$dir/jit.log"
[ "$(cat "$dir/rep.status")" = 33 ] && cmp -s "$dir/full" "$dir/rep" && ok ||
    bad "the interpreter's replay of a JIT recording: status $(cat "$dir/rep.status"), $(cat "$dir/rep.err")"
stats rec -engine interp -record "$dir/interp.log"
stats rep -engine jit -replay "$dir/interp.log"
[ "$(cat "$dir/rep.status")" = 33 ] && cmp -s "$dir/full" "$dir/rep" && ok ||
    bad "the JIT's replay of an interpreter recording: status $(cat "$dir/rep.status"), $(cat "$dir/rep.err")"

# -d serial: the line out of COM1 with the counts at its newline, after every PAUSE.
for e in "${engines[@]}"; do
    n=${e//[^a-z0-9]/}
    "$jitpc" -kernel "$img" -debugcon none -d serial $e 2>&1 >/dev/null | grep ': PAUSE$' > "$dir/$n.serial"
done
line=$(cat "$dir/engineinterp.serial")
case $line in
    "jitpc: COM1 at "*" retired instructions, "*" ns: PAUSE")
        r=${line#jitpc: COM1 at } v=${line#*instructions, }
        [ $((${v%% ns*} - ${r%% *})) = "$spun" ] && ok || bad "-d serial: not $spun PAUSE ticks apart: $line" ;;
    *) bad "-d serial: no line 'PAUSE' with its counts: '$line'" ;;
esac
cmp -s "$dir/engineinterp.serial" "$dir/enginejit.serial" && cmp -s "$dir/engineinterp.serial" "$dir/enginejitjitthreshold0.serial" &&
    ok || bad "the engines' -d serial lines differ"

# One sample every 1000 retired instructions (not virtual time: 151 samples), whatever the engine.
for e in "${engines[@]}"; do
    n=${e//[^a-z0-9]/}
    stats prof $e -profile "$dir/$n.prof" -profile-interval 1000
done
cmp -s "$dir/engineinterp.prof" "$dir/enginejit.prof" && cmp -s "$dir/engineinterp.prof" "$dir/enginejitjitthreshold0.prof" &&
    ok || bad "the engines' profiles differ"
want="$dir/engineinterp.prof: $(($(retired full) / 1000)) samples, one every 1000 retired instructions"
got=$("$jitpc" prof "$dir/engineinterp.prof" | head -1)
[ "$got" = "$want" ] && ok || bad "profile: got '$got', want '$want'"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
