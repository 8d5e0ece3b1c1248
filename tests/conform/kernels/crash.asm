; Crashes: one PASS: line, then a triple fault (an INT3 through an empty IDT), which resets
; the machine (and ends the run under -no-reboot) without an exit code.
%include "kernels/exit.inc"

start:
    mov esp, stack_top
    PUTS `PASS: before the crash\n`
    lidt [empty_idt]
    int3
    EXIT 0  ; not reached

empty_idt:
    dw 0
    dd 0

section .bss
    resb 4096
stack_top:
bss_end:
