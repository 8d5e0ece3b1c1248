; Passes: two PASS: lines and one SKIP: line, exit code 0.
%include "kernels/exit.inc"

start:
    mov esp, stack_top
    cmp eax, 0x2BADB002
    jne .bad
    PUTS `PASS: multiboot magic\n`
    mov eax, 6
    imul eax, eax, 7
    cmp eax, 42
    jne .bad
    PUTS `PASS: arithmetic\n`
    PUTS `SKIP: nothing to skip\n`
    EXIT 0
.bad:
    PUTS `FAIL: a check\n`
    EXIT 1

section .bss
    resb 4096
stack_top:
bss_end:
