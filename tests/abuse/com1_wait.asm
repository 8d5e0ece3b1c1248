; Opens COM1 as a terminal driver does (DTR, RTS, OUT2, receive interrupt) and waits for input
; that never comes: with stdin an idle pipe, -max-insns must still end the run.
%include "lib/multiboot.inc"
%include "lib/pm.inc"
%include "lib/pic.inc"
%include "ticks.inc"

%define COM1 0x3F8

start:
    PM_INIT
    IRQ0_GATES irq, irq
    PIC_INIT 0xEF                   ; IRQ 4 only
    mov dx, COM1 + 1
    mov al, 0x01                    ; IER: received data
    out dx, al
    mov dx, COM1 + 4
    mov al, 0x0B                    ; MCR: DTR, RTS, OUT2
    out dx, al
    sti
.wait:
    hlt
    jmp .wait

irq:
    push eax
    push edx
    mov dx, COM1
    in al, dx                       ; the byte, were one ever to come
    pop edx
    pop eax
    EOI_IRET

    PM_CODE
    PM_DATA
    PM_BSS
bss_end:
