#!/bin/sh
# gnumach.sh JITPC: Debian's GNU Mach (gnumach-image-1.8-486:i386, /boot/gnumach-1.8-486.gz), a
# Multiboot ELF linked at 0xC1000000 whose entry point is that virtual address, booted with
# -kernel and no bootstrap modules, under both engines. Each run must print the kernel's banner
# and the panic GNU Mach gives without a bootstrap module (as it does on QEMU) within 8e9
# instructions (it comes at about 5e9; the run then stops at the budget, status 3); the two runs
# must agree on the output and the -stats counts (boot_engines.sh).
jitpc=$1
gz=/boot/gnumach-1.8-486.gz
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
[ -f "$gz" ] || { echo "FAIL: $gz is missing: install gnumach-image-1.8-486:i386 (scripts/install-deps)"; exit 1; }
gunzip -c "$gz" > "$dir/gnumach" || exit 1
# ELF class 1 (32-bit) at byte 4: the amd64 package of the same name holds a 64-bit kernel.
[ "$(od -An -tx1 -j4 -N1 "$dir/gnumach" | tr -d ' ')" = 01 ] ||
    { echo "FAIL: $gz is not the i386 build: install gnumach-image-1.8-486:i386"; exit 1; }
"$(dirname "$0")/boot_engines.sh" "$jitpc" 8000000000 '^GNU Mach 1\.8' \
    'panic .*bootstrap_create: No bootstrap code loaded with the kernel!' \
    -- -kernel "$dir/gnumach" -append console=com0
