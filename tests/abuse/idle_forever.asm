; Halts for good with the PIT ticking and nothing else to do, as Linux's real-mode setup does
; after "This kernel requires an x86-64 CPU": only halts and timer interrupts, no device I/O.
%include "lib/multiboot.inc"
%include "lib/pm.inc"
%include "lib/pic.inc"
%include "ticks.inc"

start:
    PM_INIT
    IRQ0_GATES irq0, irq0
    PIT_RATE 11932                  ; 100 Hz
    PIC_INIT 0xFE
    PUTS `halting for good\n`
    sti
.idle:
    hlt
    jmp .idle

irq0:
    EOI_IRET

    PM_CODE
    PM_DATA
    PM_BSS
bss_end:
