; Fails: a PASS: line, a FAIL: line, exit code 1.
%include "kernels/exit.inc"

start:
    mov esp, stack_top
    PUTS `PASS: the first check\n`
    PUTS `FAIL: the second check (on purpose)\n`
    EXIT 1

section .bss
    resb 4096
stack_top:
bss_end:
