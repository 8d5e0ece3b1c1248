; CPU-bound benchmark guest: an 8-instruction ALU/memory loop that never ends; the bench script
; stops it with -max-insns and divides by the time taken.
%include "lib/multiboot.inc"

start:
    mov esi, buffer
    xor eax, eax
    mov ebx, 3
    mov ecx, 0x7FFFFFFF
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
bss_end:
