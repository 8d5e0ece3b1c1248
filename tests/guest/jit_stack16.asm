; Flat 32-bit code on a 16-bit stack segment (B = 0), under both engines (engines.sh): PUSH,
; POP, CALL, RET, PUSHFD/POPFD and 16-bit pushes use SP only, wrap at 64 KiB and keep ESP's
; upper half. The JIT translates this code in its own variant; loops run it translated.
%include "lib/multiboot.inc"
%include "lib/pm.inc"

%define SEL_STACK16 0x30
%define BASE 0x200000
%define HIGH 0xABCD0000             ; ESP's upper half, never part of an address

start:
    PM_INIT
    SETDESC SEL_STACK16, BASE, 0xFFFF, 0x92
    mov ebp, 100
.round:
    mov ax, SEL_STACK16
    mov ss, ax
    mov esp, HIGH                   ; SP = 0: the first push wraps to FFFC
    mov eax, 0x11223344
    push eax
    cmp esp, HIGH + 0xFFFC
    CHECK e, 1
    cmp dword [BASE + 0xFFFC], 0x11223344
    CHECK e, 2
    call near_sub                   ; return address at SP FFF8
.after_call:
    cmp esp, HIGH + 0xFFFC
    CHECK e, 4
    push word 0x5566
    cmp esp, HIGH + 0xFFFA
    CHECK e, 5
    pushfd
    popfd
    pop cx
    cmp cx, 0x5566
    CHECK e, 6
    pop ebx
    cmp ebx, 0x11223344
    CHECK e, 7
    cmp esp, HIGH
    CHECK e, 8
    mov ax, SEL_DATA0
    mov ss, ax
    mov esp, stack_top
    dec ebp
    jnz .round
    PUTS `32-bit code on a 16-bit stack: SP wraps, ESP's upper half kept ok\n`
    PASS

near_sub:
    cmp esp, HIGH + 0xFFF8
    CHECK e, 3
    cmp dword [BASE + 0xFFF8], start.after_call
    CHECK e, 3
    ret

    PM_CODE
    PM_DATA
    PM_BSS
bss_end:
