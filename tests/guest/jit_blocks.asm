; 200,000 distinct tiny blocks (ADD EAX, imm32; JMP to the next), more than a small translation
; cache holds (the jit_blocks-small-cache test runs the JIT with -jit-cache 64K, forcing flushes
; while the blocks run), under both engines (engines.sh). The chain runs, is rewritten with
; other immediates and runs again, then runs a third time unchanged: every sum must be exact.
%include "lib/multiboot.inc"

%define BLOCKS 200000
%define AREA 0x400000               ; 7 bytes a block, then a RET
%define SUM1 ((BLOCKS * (BLOCKS - 1) / 2) & 0xFFFFFFFF)
%define SUM2 ((3 * BLOCKS * (BLOCKS - 1) / 2 + BLOCKS) & 0xFFFFFFFF)

; FILL mul, add: block k adds k * mul + add.
%macro FILL 2
    mov edi, AREA
    xor ecx, ecx
%%block:
    mov byte [edi], 0x05            ; add eax, imm32
    imul eax, ecx, %1
    add eax, %2
    mov [edi + 1], eax
    mov word [edi + 5], 0x00EB      ; jmp short to the next block
    add edi, 7
    inc ecx
    cmp ecx, BLOCKS
    jne %%block
    mov byte [edi], 0xC3
%endmacro

; RUN sum, code
%macro RUN 2
    xor eax, eax
    call AREA
    cmp eax, %1
    CHECK e, %2
%endmacro

start:
    mov esp, stack_top
    FILL 1, 0
    RUN SUM1, 1
    PUTS `200000 blocks run ok\n`
    FILL 3, 1
    RUN SUM2, 2
    PUTS `200000 blocks rewritten and run ok\n`
    RUN SUM2, 3
    PUTS `200000 blocks run again ok\n`
    PASS

section .bss
    resb 4096
stack_top:
bss_end:
