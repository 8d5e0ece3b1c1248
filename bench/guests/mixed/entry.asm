; Entry for freestanding C guests, loaded by Multiboot (-kernel) or, as a flat binary, by the
; floppy loader (bench/guests/floppy.asm), which jumps to the first byte and does not clear
; .bss: clears .bss, sets up a stack and calls guest_main(), then reports its return value
; through the debug-exit port (0 -> pass, status 33). Assembled with -DSSE it turns SSE on first.
%include "entry.inc"

bits 32
section .multiboot
align 4
    dd 0x1BADB002
    dd 0x00000003
    dd -(0x1BADB002 + 0x00000003)

section .text.entry progbits alloc exec nowrite
global _start
extern guest_main, __bss_start, __bss_end
_start:
    CLEAR_BSS
    mov esp, stack_top
%ifdef SSE
    mov eax, cr4
    or eax, 0x600                           ; OSFXSR, OSXMMEXCPT: SSE on (CR0.EM is clear)
    mov cr4, eax
%endif
    RUN_MAIN

section .bss
align 16
    resb 65536
stack_top:
