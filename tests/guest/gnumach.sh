#!/bin/sh
# gnumach.sh JITPC: Debian's GNU Mach (gnumach-image-1.8-486:i386, /boot/gnumach-1.8-486.gz), a
# Multiboot ELF linked at 0xC1000000 whose entry point is that virtual address, booted with
# -kernel and no bootstrap modules, under both engines. Each run must print the kernel's banner
# and the panic GNU Mach gives without a bootstrap module (as it does on QEMU) within 8e9
# instructions (it comes at about 5e9; the run then stops at the budget, status 3); the two runs
# must agree on the output and the -stats counts.
jitpc=$1
gz=/boot/gnumach-1.8-486.gz
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
[ -f "$gz" ] || { echo "FAIL: $gz is missing: install gnumach-image-1.8-486:i386 (scripts/install-deps)"; exit 1; }
gunzip -c "$gz" > "$dir/gnumach" || exit 1
# ELF class 1 (32-bit) at byte 4: the amd64 package of the same name holds a 64-bit kernel.
[ "$(od -An -tx1 -j4 -N1 "$dir/gnumach" | tr -d ' ')" = 01 ] ||
    { echo "FAIL: $gz is not the i386 build: install gnumach-image-1.8-486:i386"; exit 1; }
for engine in interp jit; do
    "$jitpc" -engine "$engine" -kernel "$dir/gnumach" -append console=com0 -nographic -no-reboot \
        -max-insns 8000000000 -stats < /dev/null > "$dir/$engine.out" 2> "$dir/$engine.err"
    status=$?
    for want in '^GNU Mach 1\.8' 'panic .*bootstrap_create: No bootstrap code loaded with the kernel!'; do
        tr -d '\r' < "$dir/$engine.out" | grep -q "$want" ||
            { echo "FAIL ($engine): no line matching '$want'"; tail -20 "$dir/$engine.out" "$dir/$engine.err"; exit 1; }
    done
    [ "$status" -eq 3 ] || { echo "FAIL ($engine): status $status, want 3"; tail -5 "$dir/$engine.err"; exit 1; }
    grep -E '^jitpc: (retired|virtual)' "$dir/$engine.err" > "$dir/$engine.stats"
done
cmp -s "$dir/interp.out" "$dir/jit.out" || { echo "FAIL: the engines printed different output"; exit 1; }
cmp -s "$dir/interp.stats" "$dir/jit.stats" ||
    { echo "FAIL: the engines retired different counts:"; cat "$dir/interp.stats" "$dir/jit.stats"; exit 1; }
cat "$dir/jit.stats"
