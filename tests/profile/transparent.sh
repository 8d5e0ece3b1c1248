#!/bin/sh
# transparent.sh JITPC LOAD-OPTION IMAGE [JITPC-ARGS...]: sampling is invisible to the guest.
# The guest runs under the interpreter and the JIT without -profile and with a sample after
# every instruction (-profile-interval 1) and every 7; all runs must agree on the debug-console
# output, the exit status, jitpc's messages with the -stats counts and the final state that
# -dump-on-exit writes, and the profiles of one interval must be the same file on both engines.
jitpc=$1 load=$2 img=$3
shift 3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for engine in interp jit; do
    for interval in none 1 7; do
        run=$engine.$interval
        profile=
        [ "$interval" = none ] || profile="-profile $dir/$run.prof -profile-interval $interval"
        # shellcheck disable=SC2086 # $profile holds separate options
        "$jitpc" "$load" "$img" -engine "$engine" -debugcon "file:$dir/$run.out" -max-insns 200000000 \
            -stats -dump-on-exit "$dir/$run.dump" $profile "$@" 2> "$dir/$run.err"
        echo "exit status $?" >> "$dir/$run.err"
        grep -Ev '^jitpc: (JIT|TLB|dispatcher):' "$dir/$run.err" > "$dir/$run.msgs"
        sed '/^last [0-9]* blocks entered/,/^memory around/{/^memory around/!d;}' "$dir/$run.dump" > "$dir/$run.state"
        grep -q '^EIP=' "$dir/$run.state" || { echo "FAIL: $img: no state dump from the $run run"; cat "$dir/$run.err"; exit 1; }
        for what in out msgs state; do
            if ! cmp -s "$dir/interp.none.$what" "$dir/$run.$what"; then
                echo "FAIL: $img: the $run run differs in $what (< interpreter without -profile, > $run):"
                diff "$dir/interp.none.$what" "$dir/$run.$what"; exit 1
            fi
        done
    done
done
for interval in 1 7; do
    cmp -s "$dir/interp.$interval.prof" "$dir/jit.$interval.prof" ||
        { echo "FAIL: $img: the engines' profiles differ at -profile-interval $interval"; exit 1; }
done
cat "$dir/interp.none.msgs"
