; Run-once benchmark program: writes 2,000,000 two-byte ALU instructions (no loop, no branch),
; a quarter of them adding to memory, to fresh memory and runs them once. Nothing in it runs
; twice but the short loop that writes it, so an engine that translates everything it meets
; pays translation for code it runs once. ADD [mem], reg is there because it was the form with
; the most host code per instruction (the 470 bytes of issue 17).
%include "program.inc"

CODE equ 0x400000             ; above the program, below QEMU's and jitpc's default RAM top
INSNS equ 2000000             ; a multiple of 4: the pattern below is four instructions

start:
    mov edi, CODE
    mov ecx, INSNS / 4
    mov eax, 0xC1310301       ; add [ebx], eax / xor ecx, eax
    mov edx, 0xD001CA29       ; sub edx, ecx / add eax, edx
.write:
    mov [edi], eax
    mov [edi + 4], edx
    add edi, 8
    dec ecx
    jnz .write
    mov word [edi], 0xE6FF    ; jmp esi: back here
    mov esi, done
    xor eax, eax
    mov ebx, buffer
    xor ecx, ecx
    xor edx, edx
    jmp CODE
done:
    PASS

section .bss
alignb 4096
buffer: resd 1
