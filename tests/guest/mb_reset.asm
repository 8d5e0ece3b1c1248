; A reset after a Multiboot boot reruns the firmware from the reset vector: POST fills the
; interrupt vector table and INT 19h loads this kernel again (as QEMU's option ROM does at every
; boot). The first entry leaves a mark in RAM (which a reset keeps) and resets through the 8042;
; the second finds the mark and the BIOS's vectors. Without firmware at the reset vector the
; CPU would run whatever fills it.
%include "lib/multiboot.inc"

MARK equ 0x80000

start:
    mov esp, stack_top
    cmp eax, 0x2BADB002
    CHECK e, 1
    cmp dword [MARK], 'boot'
    je .again
    mov dword [MARK], 'boot'
    PUTS `first boot\n`
    mov al, 0xFE                    ; pulse the reset line through the keyboard controller
    out 0x64, al
    hlt
    FAIL 2
.again:
    cmp word [0x19 * 4 + 2], 0xF000 ; INT 19h's vector is the BIOS's
    CHECK e, 3
    PUTS `booted again after the reset\n`
    PASS

section .bss
    resb 4096
stack_top:
bss_end:
