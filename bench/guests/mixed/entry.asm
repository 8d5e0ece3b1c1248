; Multiboot entry for freestanding C guests: sets up a stack and calls guest_main(), then
; reports its return value through the debug-exit port (0 -> pass, status 33).
bits 32
section .multiboot
align 4
    dd 0x1BADB002
    dd 0x00000003
    dd -(0x1BADB002 + 0x00000003)

section .text
global _start
extern guest_main
_start:
    mov esp, stack_top
    call guest_main
    test eax, eax
    jnz .fail
    mov al, 0x10
    out 0xF4, al
.fail:
    or al, 0x40
    out 0xF4, al
    hlt

section .bss
align 16
    resb 65536
stack_top:
