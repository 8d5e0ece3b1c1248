; REP INSD from an unclaimed port into unmapped physical space, forever, at ring 0.
%include "lib/multiboot.inc"

start:
    mov esp, stack_top
    cld
    mov dx, 0x1234
.again:
    mov edi, 0xF0000000
    mov ecx, 0x04000000
    rep insd
    jmp .again

section .bss
    resb 4096
stack_top:
bss_end:
