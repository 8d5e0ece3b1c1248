; REP LODSB over unmapped physical space, forever, at ring 0 (paging off: linear = physical).
; Every byte is an access to nothing; jitpc must not print a line per byte.
%include "lib/multiboot.inc"

start:
    mov esp, stack_top
    cld
.again:
    mov esi, 0xF0000000
    mov ecx, 0x08000000
    rep lodsb
    jmp .again

section .bss
    resb 4096
stack_top:
bss_end:
