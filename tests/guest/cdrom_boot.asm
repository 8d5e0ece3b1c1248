; An El Torito no-emulation boot image (4 x 512 bytes at 07C0:0000, put on an ISO by
; cdrom.sh): checks DL = E0h, the AX=4B01h specification packet, AH=41h and AH=48h on the CD
; and AH=42h reads in 2048-byte blocks (the primary volume descriptor at LBA 16, and this image
; at the LBA the packet names).
%include "lib/report16.inc"
bits 16
org 0

LOAD_SEG equ 0x07C0
BUF equ 0x1000              ; offset in LOAD_SEG, after the image

start:
    cli
    mov ax, cs
    mov ds, ax
    mov es, ax
    cmp ax, LOAD_SEG
    CHECK e, 1
    xor ax, ax
    mov ss, ax
    mov sp, 0x7C00
    cmp dl, 0xE0
    CHECK e, 2

    ; AX=4B01h: the specification packet of the boot.
    mov ax, 0x4B01
    mov si, spec
    int 0x13
    CHECK nc, 3
    cmp byte [spec], 0x13
    CHECK e, 4
    cmp byte [spec + 1], 0          ; no emulation
    CHECK e, 5
    cmp byte [spec + 2], 0xE0
    CHECK e, 6
    cmp word [spec + 0x0C], LOAD_SEG
    CHECK e, 7
    cmp word [spec + 0x0E], 4
    CHECK e, 8

    ; AH=41h.
    mov ah, 0x41
    mov bx, 0x55AA
    mov dl, 0xE0
    int 0x13
    CHECK nc, 9
    cmp bx, 0xAA55
    CHECK e, 10

    ; AH=48h: 2048-byte sectors, more than the 17 the volume descriptors take.
    mov word [params], 0x1A
    mov si, params
    mov ah, 0x48
    int 0x13
    CHECK nc, 11
    cmp word [params + 24], 2048
    CHECK e, 12
    cmp dword [params + 16], 17
    CHECK a, 13

    ; AH=42h: LBA 16 is the primary volume descriptor.
    mov word [dap.buffer + 2], ds
    mov dword [dap.lba], 16
    mov word [BUF + 2048], 0x5A5A   ; a read of one block stops before it
    mov si, dap
    mov ah, 0x42
    int 0x13
    CHECK nc, 14
    cmp dword [BUF], 0x30444301     ; 01h "CD0"
    CHECK e, 15
    cmp word [BUF + 4], 0x3130      ; "01"
    CHECK e, 20
    cmp byte [BUF + 6], 1           ; version
    CHECK e, 21
    cmp word [BUF + 2048], 0x5A5A
    CHECK e, 17

    ; AH=42h at the packet's LBA reads this image back (its code: the data has changed).
    mov eax, [spec + 4]
    mov [dap.lba], eax
    mov si, dap
    mov ah, 0x42
    int 0x13
    CHECK nc, 18
    mov si, 0
    mov di, BUF
    mov cx, dap
    cld
    repe cmpsb
    CHECK e, 19
    PUTS "CD-ROM boot ok", 10
    PASS

dap:
    db 0x10, 0
    dw 1
.buffer: dw BUF, 0
.lba: dq 0

spec: times 0x13 db 0xCC
align 2
params: times 0x1E db 0

    times 2048 - ($ - $$) db 0
