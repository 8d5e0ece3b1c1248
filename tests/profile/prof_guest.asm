; The profiler's guest: a Multiboot ELF kernel (linked by ld, so it keeps a .symtab) that calls
; three functions with a fixed share of the work each, 300 rounds: hot_loop runs 3 instructions
; 4000 times a round, warm_loop 1000 times, cold_path once. Samples every N instructions fall
; in them in those proportions (hot about 80 %, warm 20 %), and the symbolised report names them.
bits 32
global start, hot_loop, warm_loop, cold_path

section .text
align 4
    dd 0x1BADB002, 0, -0x1BADB002   ; Multiboot: no flags, the ELF headers say where to load

start:
    mov esp, stack_top
    mov ebx, 300
round:
    call hot_loop
    call warm_loop
    call cold_path
    dec ebx
    jnz round
    mov al, 16                      ; debug exit: status 33
    out 0xF4, al
    hlt

hot_loop:
    mov ecx, 4000
.body:
    add eax, ecx
    dec ecx
    jnz .body
    ret

warm_loop:
    mov ecx, 1000
.body:
    xor edx, ecx
    dec ecx
    jnz .body
    ret

cold_path:
    inc esi
    ret

section .bss
    resb 4096
stack_top:
