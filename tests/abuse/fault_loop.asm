; A #GP handler that returns to the faulting instruction unchanged: the guest takes the same
; exception at the same address forever (while the PIT's IRQ 0 keeps interrupting it, which
; must not hide the repetition).
%include "lib/multiboot.inc"
%include "lib/pm.inc"
%include "lib/pic.inc"

start:
    PM_INIT
    IRQ0_GATES irq0, irq0
    SETGATE 13, gp_retry, 0x8E00
    mov al, 0x34                    ; PIT channel 0, mode 2, 1000 Hz
    out 0x43, al
    mov ax, 1193
    out 0x40, al
    mov al, ah
    out 0x40, al
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
    push eax
    mov al, 0x20
    out 0x20, al
    pop eax
    iretd

    PM_CODE
    PM_DATA
    PM_BSS
bss_end:
