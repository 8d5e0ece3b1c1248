#!/bin/sh
# ipxe.sh JITPC: Debian's iPXE (`ipxe` package, /usr/lib/ipxe/ipxe.lkrn, a bzImage) booted with
# -kernel on -cpu max (it runs FXSAVE whatever CPUID says, which the Pentium II model lacks),
# under both engines (boot_engines.sh). With no network card it prints its banner and feature
# list, finds no device and waits at its Ctrl-B prompt, as on QEMU without a NIC; the prompt
# comes at about 0.66e9 instructions and the run stops at the 1e9-tick budget.
lkrn=/usr/lib/ipxe/ipxe.lkrn
[ -f "$lkrn" ] || { echo "FAIL: $lkrn is missing: install ipxe (scripts/install-deps)"; exit 1; }
exec "$(dirname "$0")/boot_engines.sh" "$1" 1000000000 '^iPXE [0-9]' 'Press Ctrl-B for the iPXE command line' \
    -- -cpu max -kernel "$lkrn"
