; CPU-bound benchmark program: an 8-instruction ALU/memory loop run a fixed number of times.
%include "program.inc"

ITERATIONS equ 600000000

start:
    mov esi, buffer
    xor eax, eax
    mov ebx, 3
    mov ecx, ITERATIONS
.loop:
    add eax, ebx
    xor ebx, eax
    mov [esi], eax
    sub edx, [esi]
    and ebx, 0x0FFF
    or edx, 1
    dec ecx
    jnz .loop
    PASS

section .bss
alignb 4096          ; data on its own page, as in compiled programs
buffer: resd 1
