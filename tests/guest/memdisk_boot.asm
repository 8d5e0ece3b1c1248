; A 1.44 MB diskette image booted by MEMDISK (syslinux-common: -kernel memdisk -initrd this):
; MEMDISK copies it to high memory, hooks INT 13h and boots it as drive 00h. Checks that it is
; MEMDISK's drive (its installation check, AX=454Dh), that the vector moved off the ROM and base
; memory shrank for its resident part, and that CHS reads reach every track of the copy: each
; sector from the second on ends with MARK + its LBA.
%include "lib/boot.inc"

MARK equ 0x20000
BUF equ 0x8000
SECTORS equ 2880

start:
    jmp 0:.flat
.flat:
    BOOT_INIT
    cmp dl, 0x00
    CHECK e, 1

    ; The installation check: AH=08h with "ME", "DM", "IS", "K?" in the upper halves of EAX,
    ; ECX, EDX, EBX; MEMDISK answers "!M", "EM", "DI", "SK" there.
    mov eax, 0x454D0800
    mov ecx, 0x444D0000
    mov edx, 0x53490000
    mov ebx, 0x3F4B0000
    int 0x13
    CHECK nc, 2
    shr eax, 16
    cmp ax, 0x4D21
    CHECK e, 3
    shr ecx, 16
    cmp cx, 0x4D45
    CHECK e, 4
    shr edx, 16
    cmp dx, 0x4944
    CHECK e, 5
    shr ebx, 16
    cmp bx, 0x4B53
    CHECK e, 10
    xor ax, ax                  ; AH=08h returned a diskette parameter table in ES:DI
    mov es, ax

    ; INT 13h is MEMDISK's, and base memory (0x413) went down for it.
    cmp word [0x13 * 4 + 2], 0xF000
    CHECK ne, 6
    cmp word [0x413], 639
    CHECK b, 7

    ; The last sector of each cylinder, through AH=02h.
    xor si, si                  ; cylinder
.cylinder:
    mov ax, 0x0201
    mov bx, BUF
    mov cx, si
    xchg cl, ch
    or cl, 18
    mov dx, 0x0100              ; head 1, drive 00h
    int 0x13
    CHECK nc, 8
    movzx eax, si
    imul eax, eax, 36
    add eax, MARK + 35
    cmp [BUF + 508], eax
    CHECK e, 9
    inc si
    cmp si, 80
    jb .cylinder
    PUTS "MEMDISK diskette ok", 10
    PASS

    BOOT_SIGNATURE

%assign k 1
%rep SECTORS - 1
    times (k + 1) * 512 - 4 - ($ - $$) db 0
    dd MARK + k
%assign k k + 1
%endrep
