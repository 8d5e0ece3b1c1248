#!/bin/sh
# ipxe.sh JITPC: Debian's iPXE (`ipxe` package, /usr/lib/ipxe/ipxe.lkrn, a bzImage) booted with
# -kernel on -cpu max (it runs FXSAVE whatever CPUID says, which the Pentium II model lacks),
# under both engines. With no network card it prints its banner and feature list, finds no
# device and waits at its Ctrl-B prompt, as on QEMU without a NIC; the prompt comes at about
# 0.66e9 instructions and the run stops at the 1e9-tick budget (status 3). The two runs must
# agree on the output and the -stats counts.
jitpc=$1
lkrn=/usr/lib/ipxe/ipxe.lkrn
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
[ -f "$lkrn" ] || { echo "FAIL: $lkrn is missing: install ipxe (scripts/install-deps)"; exit 1; }
for engine in interp jit; do
    "$jitpc" -engine "$engine" -cpu max -kernel "$lkrn" -nographic -no-reboot \
        -max-insns 1000000000 -stats < /dev/null > "$dir/$engine.out" 2> "$dir/$engine.err"
    status=$?
    for want in '^iPXE [0-9]' 'Press Ctrl-B for the iPXE command line'; do
        tr -d '\r' < "$dir/$engine.out" | grep -q "$want" ||
            { echo "FAIL ($engine): no line matching '$want'"; tail -c 2000 "$dir/$engine.out"; tail -5 "$dir/$engine.err"; exit 1; }
    done
    [ "$status" -eq 3 ] || { echo "FAIL ($engine): status $status, want 3"; tail -5 "$dir/$engine.err"; exit 1; }
    grep -E '^jitpc: (retired|virtual)' "$dir/$engine.err" > "$dir/$engine.stats"
done
cmp -s "$dir/interp.out" "$dir/jit.out" || { echo "FAIL: the engines printed different output"; exit 1; }
cmp -s "$dir/interp.stats" "$dir/jit.stats" ||
    { echo "FAIL: the engines retired different counts:"; cat "$dir/interp.stats" "$dir/jit.stats"; exit 1; }
cat "$dir/jit.stats"
