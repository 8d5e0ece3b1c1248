#!/bin/sh
# run_code_dump_test.sh JITPC ALU_FLOPPY RUN_ONCE_FLOPPY: -d in_asm and -d out_asm. The ALU
# loop's translations are dumped: each guest instruction of a block's IN: list heads a group of
# host code in its OUT: dump, in order, with the host instructions disassembled and the groups'
# sizes adding up to the translation's; -dfilter keeps only the blocks asked for; a run that
# translates two million instructions' worth of blocks prints at most the item's budget.
# Ends with "N passed, M failed".
jitpc=$1 alu=$2 run_once=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/../lib/tally.sh"

for item in in_asm out_asm; do
    if "$jitpc" -d help | grep -q "^$item "; then ok; else bad "-d help does not list $item"; fi
done

run() {  # run LOG ARGS...: the ALU loop, stopped by -max-insns (status 3)
    log=$1; shift
    timeout 60 "$jitpc" -nographic -fda "$alu" -boot a -snapshot -max-insns 3000000 -D "$log" "$@" > /dev/null 2>&1
    status=$?
    if [ "$status" -eq 3 ]; then ok; else bad "$*: status $status, want 3"; fi
}

run "$dir/all" -d in_asm,out_asm
# The loop's block: its IN: list and its OUT: groups name the same instructions in the same order.
loop=$(grep -m1 '^jitpc: IN: ' "$dir/all" | awk '{print $3}')
if [ -n "$loop" ]; then ok; else bad "no IN: line"; cat "$dir/all" | head; fi
awk -v b="$loop" '$2 == "IN:" { on = $3 == b; next } $2 == "OUT:" { on = 0 } on { sub(/^jitpc:  */, ""); print }' \
    "$dir/all" > "$dir/in"
awk -v b="$loop" '$2 == "OUT:" { on = $3 == b; next } $2 == "IN:" { on = 0 }
    on && $2 == "--" && $3 ~ /^0x/ && !seen[$3]++ { sub(/^jitpc:   -- /, ""); sub(/ \([0-9]+ bytes\)$/, ""); print }' \
    "$dir/all" > "$dir/groups"
if [ -s "$dir/in" ] && cmp -s "$dir/in" "$dir/groups"; then ok
else bad "the OUT: groups of $loop are not its IN: instructions"; diff "$dir/in" "$dir/groups"; fi
# The group sizes add up to the translation's host bytes, and each group holds host instructions.
awk -v b="$loop" '
    $2 == "OUT:" { on = $3 == b; if (on) { total = $0; sub(/.*\): /, "", total); sub(/ host bytes.*/, "", total) } next }
    $2 == "IN:" { on = 0 }
    on && $2 == "--" { n = $(NF - 1); sub(/\(/, "", n); sum += n; groups++ }
    on && $2 ~ /^0x[0-9a-f]+:$/ { insns++ }
    END { if (sum != total || groups < 3 || insns < groups) { print "sum " sum " total " total " groups " groups " host instructions " insns; exit 1 } }' \
    "$dir/all" && ok || bad "the OUT: groups of $loop do not add up to its size"

# -dfilter: a range holding no block start leaves nothing; the loop's own address keeps only it.
run "$dir/none" -d in_asm,out_asm -dfilter 0x1000+0x10
if [ ! -s "$dir/none" ]; then ok; else bad "-dfilter 0x1000+0x10 still dumped"; head "$dir/none"; fi
run "$dir/one" -d out_asm -dfilter "$loop..$loop"
if [ "$(grep -c '^jitpc: OUT: ' "$dir/one")" -ge 1 ] && ! grep '^jitpc: OUT: ' "$dir/one" | grep -vq " $loop "; then ok
else bad "-dfilter $loop..$loop: other blocks dumped"; grep '^jitpc: OUT: ' "$dir/one"; fi
if ! grep -q '^jitpc: IN: ' "$dir/one"; then ok; else bad "-d out_asm alone printed IN: lines"; fi
for spec in 0x100 0x100+0 5..4 0x100-0x200 zz+1; do
    timeout 30 "$jitpc" -dfilter "$spec" -d out_asm -fda "$alu" > /dev/null 2> "$dir/err"
    if [ "$?" -eq 1 ] && [ "$(wc -l < "$dir/err")" -eq 1 ] && grep -q '^jitpc: -dfilter' "$dir/err"; then ok
    else bad "-dfilter $spec: not one error line and status 1"; cat "$dir/err"; fi
done

# Bounded: every block translated at its first run prints 100,000 lines, then one count.
timeout 120 "$jitpc" -nographic -fda "$run_once" -boot a -snapshot -jit-threshold 0 -d in_asm,out_asm \
    -D "$dir/big" > /dev/null 2>&1
lines=$(grep -vc 'messages suppressed$' "$dir/big")
if [ "$lines" -eq 200000 ] && grep -q '^jitpc: [0-9]* more out_asm messages suppressed$' "$dir/big"; then ok
else bad "run_once at -jit-threshold 0: $lines lines, want 100,000 of each item and a count"; tail -3 "$dir/big"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
