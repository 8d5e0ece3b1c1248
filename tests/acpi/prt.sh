#!/bin/sh
# prt.sh ACPIEXEC DSDT.AML: evaluates \_SB.PCI0._PRT with ACPICA's interpreter and checks every
# entry against the routing POST programs (bios/pci_routing.h): slot S pin P -> PIRQ[(S+P) mod 4],
# source 0 (a fixed GSI), for all 32 slots; in the 8259 model (before \_PIC, and after \_PIC(0))
# PIRQ A/B = IRQ 10, C/D = IRQ 11, in the I/O APIC model (\_PIC(1)) PIRQ n = GSI 16 + n.
acpiexec=$1 aml=$2
check() {  # check APIC COMMANDS
    "$acpiexec" -b "$2" "$aml" 2>&1 | awk -v apic="$1" '
        /Contains 128 Elements/ { top = 1; next }
        top && /\[Integer\]/ { v[n++] = $NF }
        END {
            if (n != 512) { print "FAIL: _PRT gave " n " integers, not 128 entries of 4"; exit 1 }
            for (i = 0; i < 128; i++) {
                slot = int(i / 4); pin = i % 4; pirq = (slot + pin) % 4
                irq = apic ? 16 + pirq : (pirq < 2 ? 10 : 11)
                want = sprintf("%016X %016X %016X %016X", slot * 65536 + 65535, pin, 0, irq)
                got = v[4*i] " " v[4*i+1] " " v[4*i+2] " " v[4*i+3]
                if (got != want) {
                    printf "FAIL (apic=%d): entry %d (slot %d pin %d): %s, not %s\n", apic, i, slot, pin, got, want
                    exit 1
                }
            }
        }'
}
check 0 'evaluate \_SB.PCI0._PRT' &&
check 1 'evaluate \_PIC 1; evaluate \_SB.PCI0._PRT' &&
check 0 'evaluate \_PIC 1; evaluate \_PIC 0; evaluate \_SB.PCI0._PRT'
