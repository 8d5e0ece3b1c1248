; Halts for good with the PIT ticking and nothing else to do, as Linux's real-mode setup does
; after "This kernel requires an x86-64 CPU": only halts and timer interrupts, no device I/O.
%include "lib/multiboot.inc"
%include "lib/pm.inc"
%include "lib/pic.inc"

start:
    PM_INIT
    IRQ0_GATES irq0, irq0
    mov al, 0x34                    ; PIT channel 0, mode 2, 100 Hz
    out 0x43, al
    mov ax, 11932
    out 0x40, al
    mov al, ah
    out 0x40, al
    PIC_INIT 0xFE
    PUTS `halting for good\n`
    sti
.idle:
    hlt
    jmp .idle

irq0:
    push eax
    mov al, 0x20
    out 0x20, al
    pop eax
    iretd

    PM_CODE
    PM_DATA
    PM_BSS
bss_end:
