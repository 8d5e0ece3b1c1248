#!/bin/sh
# profile.sh JITPC GUEST_ELF: the guest profiler and -perfmap on tests/profile/prof_guest.asm.
# - Profiles of the same run are the same file under the interpreter, the tiered and the eager
#   JIT, and sampling changes nothing the guest does (-stats counts and output as without it).
# - `jitpc prof` names the guest's functions from its ELF .symtab and from a System.map (`nm -n`
#   of it), with the shares the guest's loops have (prof_guest.expect).
# - -perfmap writes /tmp/perf-PID.map: one "START SIZE NAME" line per translation and per stub.
# - Bad profile, ELF and System.map files, and bad options, end in one "jitpc: " line and status 1.
# Ends with "N passed, M failed".
jitpc=$1 elf=$2
here=$(dirname "$0")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/../lib/tally.sh"

# --- determinism and transparency -----------------------------------------------------------
# The TLB's and the dispatcher's counts are the engine's own (the JIT's probe refills
# differently, generated code links blocks the dispatcher never sees): compared without.
"$jitpc" -kernel "$elf" -engine interp -stats -debugcon none 2>&1 >/dev/null |
    grep -Ev '^jitpc: (TLB|dispatcher):' > "$dir/plain.err"
for engine in interp tiered eager; do
    case $engine in
        interp) options="-engine interp" ;;
        tiered) options="-engine jit" ;;
        eager) options="-engine jit -jit-threshold 0" ;;
    esac
    # shellcheck disable=SC2086 # $options holds separate options
    "$jitpc" -kernel "$elf" $options -stats -debugcon none -profile "$dir/$engine.prof" \
        -profile-interval 997 2> "$dir/$engine.err"
    status=$?
    [ "$status" -eq 33 ] && ok || bad "$engine run with -profile exited with $status, not 33"
    grep -Ev '^jitpc: (JIT|TLB|dispatcher):' "$dir/$engine.err" | cmp -s - "$dir/plain.err" && ok ||
        bad "-stats of the $engine run with -profile differ from the run without: $(cat "$dir/$engine.err")"
done
for engine in tiered eager; do
    cmp -s "$dir/interp.prof" "$dir/$engine.prof" && ok || bad "the $engine JIT's profile differs from the interpreter's"
done
"$jitpc" -kernel "$elf" -debugcon none -profile "$dir/again.prof" -profile-interval 997
cmp -s "$dir/tiered.prof" "$dir/again.prof" && ok || bad "two runs gave different profiles"

# --- the report -----------------------------------------------------------------------------
"$jitpc" -kernel "$elf" -debugcon none -profile "$dir/p" -profile-interval 1000
nm -n "$elf" > "$dir/System.map"
for syms in "$elf" "$dir/System.map"; do
    "$jitpc" prof "$dir/p" --symbols "$syms" --top 8 > "$dir/report" 2> "$dir/report.err"
    status=$?
    tail -n +2 "$dir/report" > "$dir/report.body"
    if [ "$status" -eq 0 ] && [ ! -s "$dir/report.err" ] && cmp -s "$dir/report.body" "$here/prof_guest.expect"; then ok
    else bad "jitpc prof --symbols $syms (status $status):"; diff "$here/prof_guest.expect" "$dir/report.body"; cat "$dir/report.err"; fi
done
head -1 "$dir/report" | grep -qx "$dir/p: 4503 samples, one every 1000 retired instructions" && ok ||
    bad "report header: $(head -1 "$dir/report")"

# --- perf map -------------------------------------------------------------------------------
sh -c 'echo $$ > "$1"; shift; exec "$@"' sh "$dir/pid" "$jitpc" -kernel "$elf" -debugcon none -perfmap \
    -jit-threshold 0 -stats 2> "$dir/perf.err"
map=/tmp/perf-$(cat "$dir/pid").map
if [ -f "$map" ]; then
    ok
    translations=$(sed -n 's/^jitpc: JIT: \([0-9]*\) translations.*/\1/p' "$dir/perf.err")
    [ "$(grep -c ' guest-0x' "$map")" = "$translations" ] && ok || bad "$map: not one line per translation ($translations)"
    grep -Evq '^[0-9a-f]+ [0-9a-f]+ (guest-0x[0-9a-f]{8}|jitpc-(exit|enter|flags|thunk-jit_[a-z0-9_]+|lookup-[a-z0-9-]+|return-miss-[a-z0-9-]+))$' "$map" && bad "$map: a line not 'START SIZE NAME'" || ok
    grep -q ' guest-0x0020002d$' "$map" && ok || bad "$map: no translation of hot_loop (0x20002d)"
    for stub in jitpc-exit jitpc-enter jitpc-thunk-jit_exec jitpc-lookup-legacy32-flat; do
        grep -q " $stub\$" "$map" && ok || bad "$map: no line for the stub $stub"
    done
    rm -f "$map"
else
    bad "-perfmap wrote no $map"
fi

# --- bad input ------------------------------------------------------------------------------
# Expects exactly one "jitpc: " line on stderr, nothing on stdout and status 1.
refuse() {
    what=$1; shift
    "$@" > "$dir/out" 2> "$dir/err"
    status=$?
    if [ "$status" -eq 1 ] && [ "$(wc -l < "$dir/err")" -eq 1 ] && grep -q '^jitpc: ' "$dir/err" && [ ! -s "$dir/out" ]; then ok
    else bad "$what: status $status, stderr: $(cat "$dir/err"), stdout: $(head -c 200 "$dir/out")"; fi
}
size=$(wc -c < "$dir/p")
# Writes the hex bytes given over `file` at `offset`.
poke() {
    printf "$(printf '\\%03o' $(echo "$3" | sed 's/\(..\)/0x\1 /g' | xargs -n1 printf '%d '))" |
        dd of="$1" bs=1 seek="$2" conv=notrunc 2> /dev/null
}
variant() { cp "$dir/p" "$dir/$1"; }
: > "$dir/empty"
refuse "an empty profile" "$jitpc" prof "$dir/empty"
variant magic; poke "$dir/magic" 0 58
refuse "a wrong magic" "$jitpc" prof "$dir/magic"
variant version; poke "$dir/version" 8 02
refuse "version 2" "$jitpc" prof "$dir/version"
variant interval; poke "$dir/interval" 16 0000000000000000
refuse "interval 0" "$jitpc" prof "$dir/interval"
head -c $((size - 1)) "$dir/p" > "$dir/truncated"
refuse "a truncated end record" "$jitpc" prof "$dir/truncated"
head -c $((size - 9)) "$dir/p" > "$dir/no_end"
refuse "no end record" "$jitpc" prof "$dir/no_end"
head -c 34 "$dir/p" > "$dir/mid_sample"; poke "$dir/mid_sample" 33 80
refuse "a sample cut short" "$jitpc" prof "$dir/mid_sample"
variant count; poke "$dir/count" $((size - 8)) 00
refuse "a wrong sample count" "$jitpc" prof "$dir/count"
variant tag; poke "$dir/tag" 32 40
refuse "an unknown record tag" "$jitpc" prof "$dir/tag"
variant trailing; printf x >> "$dir/trailing"
refuse "bytes after the end" "$jitpc" prof "$dir/trailing"
head -c 32 "$dir/p" > "$dir/long"; poke "$dir/long" 32 00ffffffffffffffffff7f
refuse "an 11-byte address difference" "$jitpc" prof "$dir/long"
refuse "a missing profile" "$jitpc" prof "$dir/nothing"
refuse "no profile named" "$jitpc" prof
refuse "two profiles" "$jitpc" prof "$dir/p" "$dir/p"
refuse "--top 0" "$jitpc" prof "$dir/p" --top 0
refuse "an unknown prof option" "$jitpc" prof "$dir/p" --bogus
refuse "a missing symbol file" "$jitpc" prof "$dir/p" --symbols "$dir/nothing"
printf 'c1000000 T _text\nnot a map line\n' > "$dir/bad.map"
refuse "a bad System.map line" "$jitpc" prof "$dir/p" --symbols "$dir/bad.map"
cp "$elf" "$dir/shoff.elf"; poke "$dir/shoff.elf" 32 ffffff7f
refuse "ELF section headers past the end" "$jitpc" prof "$dir/p" --symbols "$dir/shoff.elf"
head -c 40 "$elf" > "$dir/short.elf"
refuse "an ELF header cut short" "$jitpc" prof "$dir/p" --symbols "$dir/short.elf"
cp "$elf" "$dir/strtab.elf"
# The name of the .symtab's second symbol (the first after the null one) far outside .strtab.
shoff=$(od -An -tu4 -j 32 -N 4 "$elf" | tr -d ' ')
shnum=$(od -An -tu2 -j 48 -N 2 "$elf" | tr -d ' ')
i=0
while [ "$i" -lt "$shnum" ]; do
    h=$((shoff + i * 40))
    if [ "$(od -An -tu4 -j $((h + 4)) -N 4 "$elf" | tr -d ' ')" = 2 ]; then
        poke "$dir/strtab.elf" $(($(od -An -tu4 -j $((h + 16)) -N 4 "$elf" | tr -d ' ') + 16)) ffffff00
    fi
    i=$((i + 1))
done
refuse "an ELF symbol name outside .strtab" "$jitpc" prof "$dir/p" --symbols "$dir/strtab.elf"
refuse "-profile-interval 0" "$jitpc" -kernel "$elf" -profile "$dir/x" -profile-interval 0
refuse "-profile-interval without -profile" "$jitpc" -kernel "$elf" -profile-interval 10
refuse "-perfmap with the interpreter" "$jitpc" -kernel "$elf" -engine interp -perfmap
refuse "-profile into a directory" "$jitpc" -kernel "$elf" -profile "$dir"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
