; The RTC and CMOS NVRAM as the machine sets them up: 24-hour BCD mode, register D valid, the
; memory-size fields a PC BIOS leaves for the default 128 MiB (base 640 KiB, extended capped at
; 0xFFFF KiB in both copies, 112 MiB above 16 MiB in 64 KiB units, nothing above 4 GiB) under a
; correct checksum; then prints the date and time it reads, which -rtc base= chooses.
%include "lib/multiboot.inc"

; CMOS idx -> al
%macro CMOS 1
    mov al, %1
    out 0x70, al
    in al, 0x71
%endmacro

; Fails with `code` unless CMOS word idx (low byte first) equals value.
%macro CMOS_WORD 3
    CMOS %1 + 1
    mov ah, al
    CMOS %1
    cmp ax, %2
    CHECK e, %3
%endmacro

start:
    mov esp, stack_top
    CMOS 0x0B
    cmp al, 0x02                    ; 24-hour, BCD, no interrupts
    CHECK e, 1
    CMOS 0x0D
    cmp al, 0x80
    CHECK e, 2
    CMOS_WORD 0x15, 640, 3
    CMOS_WORD 0x17, 0xFFFF, 4
    CMOS_WORD 0x30, 0xFFFF, 5
    CMOS_WORD 0x34, (128 - 16) * 16, 6
    CMOS 0x5B
    mov ah, al
    CMOS 0x5C
    or ah, al
    CMOS 0x5D
    or al, ah
    CHECK z, 7
    CMOS 0x14
    cmp al, 0x02
    CHECK e, 8

    xor ecx, ecx                    ; the checksum over 0x10-0x2D, stored big-endian
    mov bl, 0x10
.sum:
    mov al, bl
    out 0x70, al
    in al, 0x71
    movzx eax, al
    add ecx, eax
    inc bl
    cmp bl, 0x2E
    jb .sum
    CMOS 0x2E
    mov ah, al
    CMOS 0x2F
    cmp ax, cx
    CHECK e, 9

    CMOS 0x32
    call bcd
    CMOS 0x09
    call bcd
    mov al, '-'
    out 0xE9, al
    CMOS 0x08
    call bcd
    mov al, '-'
    out 0xE9, al
    CMOS 0x07
    call bcd
    mov al, ' '
    out 0xE9, al
    CMOS 0x04
    call bcd
    mov al, ':'
    out 0xE9, al
    CMOS 0x02
    call bcd
    mov al, 10
    out 0xE9, al
    PASS

; Prints the two BCD digits in AL.
bcd:
    mov ah, al
    shr al, 4
    add al, '0'
    out 0xE9, al
    mov al, ah
    and al, 0x0F
    add al, '0'
    out 0xE9, al
    ret

    align 16
stack:  times 256 db 0
stack_top:
bss_end:
