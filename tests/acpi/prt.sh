#!/bin/sh
# prt.sh ACPIEXEC DSDT.AML: evaluates \_SB.PCI0._PRT with ACPICA's interpreter and checks every
# entry against the routing POST programs (bios/pci_routing.h): slot S pin P -> PIRQ[(S+P) mod 4],
# PIRQ A/B = IRQ 10, C/D = IRQ 11, source 0 (a fixed GSI), for all 32 slots.
acpiexec=$1 aml=$2
"$acpiexec" -b 'evaluate \_SB.PCI0._PRT' "$aml" 2>&1 | awk '
    /Contains 128 Elements/ { top = 1; next }
    top && /\[Integer\]/ { v[n++] = $NF }
    END {
        if (n != 512) { print "FAIL: _PRT gave " n " integers, not 128 entries of 4"; exit 1 }
        for (i = 0; i < 128; i++) {
            slot = int(i / 4); pin = i % 4; irq = ((slot + pin) % 4 < 2) ? 10 : 11
            want = sprintf("%016X %016X %016X %016X", slot * 65536 + 65535, pin, 0, irq)
            got = v[4*i] " " v[4*i+1] " " v[4*i+2] " " v[4*i+3]
            if (got != want) {
                printf "FAIL: entry %d (slot %d pin %d): %s, not %s\n", i, slot, pin, got, want
                exit 1
            }
        }
    }'
