; Hangs: one PASS: line, then a busy loop with interrupts off, until the time limit.
%include "kernels/exit.inc"

start:
    mov esp, stack_top
    PUTS `PASS: started\n`
    cli
.forever:
    jmp .forever

section .bss
    resb 4096
stack_top:
bss_end:
