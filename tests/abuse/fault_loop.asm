; A #GP handler that returns to the faulting instruction unchanged: the guest takes the same
; exception at the same address forever (while the PIT's IRQ 0 keeps interrupting it, which
; must not hide the repetition).
%include "lib/multiboot.inc"
%include "lib/pm.inc"
%include "lib/pic.inc"
%include "ticks.inc"

start:
    PM_INIT
    IRQ0_GATES irq0, irq0
    SETGATE 13, gp_retry, 0x8E00
    PIT_RATE 1193                   ; 1000 Hz
    PIC_INIT 0xFE
    sti
.fault:
    mov ax, 0x1234                  ; an LDT selector with no LDT: #GP(0x1234)
    mov ds, ax
    jmp .fault

gp_retry:
    add esp, 4                      ; the error code
    iretd

irq0:
    EOI_IRET

    PM_CODE
    PM_DATA
    PM_BSS
bss_end:
