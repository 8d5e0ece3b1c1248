#!/bin/sh
# engines.sh JITPC IMAGE EXPECT LOAD-OPTION [STATUS [JITPC-ARGS...]]: runs a guest test image
# under the interpreter, under the JIT as users run it (blocks translated once hot: tiered) and
# under the JIT translating every block at its first run (-jit-threshold 0: eager, which keeps
# code a test runs once covered by the translator). Both JIT runs get $JIT_ARGS (e.g.
# -jit-cache); a -stats line of the eager run must match the extended regex $JIT_STATS and one
# of the tiered run $TIERED_STATS, when set. Each run must pass
# as run_guest.sh demands (exit status STATUS, default 33; EXPECT printed when it exists), and
# the two must agree on the debug-console output, the exit status, jitpc's messages with the
# -stats retired-instruction count and virtual time, and the final state that -dump-on-exit
# writes (registers, segments, control registers, VGA text, memory around CS:EIP and SS:ESP).
# The dump's block history is left out: blocks the JIT chains to never pass the dispatcher.
# With $SCREEN set to a file of extended regular expressions, each must match a line of the VGA
# text page in the dump (a guest that shows its state only on the screen).
jitpc=$1 img=$2 expect=$3 load=$4
want=${5:-33}
[ $# -ge 5 ] && shift 5 || shift $#
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for engine in interp tiered eager; do
    case $engine in
        interp) options="-engine interp" stats= ;;
        tiered) options="-engine jit $JIT_ARGS" stats=${TIERED_STATS:-} ;;
        eager) options="-engine jit -jit-threshold 0 $JIT_ARGS" stats=${JIT_STATS:-} ;;
    esac
    # shellcheck disable=SC2086 # $options holds separate options
    "$jitpc" "$load" "$img" $options -debugcon "file:$dir/$engine.out" \
        -max-insns 200000000 -stats -dump-on-exit "$dir/$engine.dump" "$@" 2>"$dir/$engine.err"
    status=$?
    if [ "$engine" != interp ] && ! grep -E "^jitpc: JIT:.*$stats" "$dir/$engine.err"; then
        echo "FAIL: $img: no JIT -stats line of the $engine run matches '$stats':"; cat "$dir/$engine.err"; exit 1
    fi
    if [ "$status" -ne "$want" ]; then
        echo "FAIL: $img under -engine $engine exited with status $status, not $want"
        cat "$dir/$engine.out" "$dir/$engine.err"; exit 1
    fi
    if [ -f "$expect" ] && ! cmp -s "$dir/$engine.out" "$expect"; then
        echo "FAIL: $img under -engine $engine printed something else than $expect:"
        diff "$expect" "$dir/$engine.out"; exit 1
    fi
    grep -q '^[ER]IP=' "$dir/$engine.dump" || { echo "FAIL: no state dump from -engine $engine"; exit 1; }
    if [ -n "${SCREEN:-}" ]; then
        sed -n '/^VGA text:/,/^EAX=/s/^  |//p' "$dir/$engine.dump" > "$dir/$engine.screen"
        while IFS= read -r want_line; do
            [ -z "$want_line" ] || grep -Eq -- "$want_line" "$dir/$engine.screen" || {
                echo "FAIL: $img under -engine $engine: no line of the screen matches '$want_line':"
                cat "$dir/$engine.screen"; exit 1; }
        done < "$SCREEN"
    fi
    grep -Ev '^jitpc: (JIT|TLB|dispatcher):' "$dir/$engine.err" > "$dir/$engine.msgs"
    sed '/^last [0-9]* blocks entered/,/^memory around/{/^memory around/!d;}' "$dir/$engine.dump" > "$dir/$engine.state"
done
for jit in tiered eager; do
    for what in out msgs state; do
        if ! cmp -s "$dir/interp.$what" "$dir/$jit.$what"; then
            echo "FAIL: $img: the engines differ in $what (< interp, > jit $jit):"
            diff "$dir/interp.$what" "$dir/$jit.$what"; exit 1
        fi
    done
done
cat "$dir/tiered.msgs"
