; Boots from a hard disk of 4 cylinders x 16 heads x 63 sectors (each sector ends with its
; LBA) and checks INT 13h as loaders use it: AH=41h, 42h (segment:offset and flat 64-bit
; buffers), 43h, 48h, 08h, 15h, 02h against 42h, out-of-range and absent-drive failures, and
; AX=4B01h failing on a hard disk (GRUB would take it for a CD otherwise).
%include "lib/boot.inc"

SECTORS equ 4 * 16 * 63
BUF equ 0x9000
BUF2 equ 0xA000
params equ 0x7000

start:
    BOOT_INIT
    cmp dl, 0x80
    CHECK e, 1
    LOAD_STAGE2 41

    BOOT_SIGNATURE

stage2:

    ; AH=41h: EDD 3.0 with extended access (bit 0) and EDD (bit 2).
    mov ah, 0x41
    mov bx, 0x55AA
    int 0x13
    CHECK nc, 2
    cmp bx, 0xAA55
    CHECK e, 3
    cmp ah, 0x30
    CHECK e, 4
    and cx, 5
    cmp cx, 5
    CHECK e, 5

    ; AH=42h: LBA 1234 to 0000:8000.
    mov dword [dap.lba], 1234
    mov si, dap
    mov ah, 0x42
    mov dl, 0x80
    int 0x13
    CHECK nc, 6
    cmp dword [BUF + 508], 1234
    CHECK e, 7
    cmp word [dap.count], 1
    CHECK e, 8

    ; AH=42h with the flat buffer address (packet size 18h, FFFF:FFFF): LBA 77 to BUF2.
    mov byte [dap], 0x18
    mov dword [dap.buffer], 0xFFFFFFFF
    mov dword [dap.flat], BUF2
    mov dword [dap.lba], 77
    mov ah, 0x42
    int 0x13
    CHECK nc, 9
    cmp dword [BUF2 + 508], 77
    CHECK e, 10

    ; AH=48h: geometry, size and sector size.
    mov word [params], 0x1E
    mov si, params
    mov ah, 0x48
    int 0x13
    CHECK nc, 11
    cmp word [params], 0x1E
    CHECK e, 12
    cmp dword [params + 4], 4
    CHECK e, 13
    cmp dword [params + 8], 16
    CHECK e, 14
    cmp dword [params + 12], 63
    CHECK e, 15
    cmp dword [params + 16], SECTORS
    CHECK e, 42
    cmp word [params + 24], 512
    CHECK e, 17

    ; AH=08h: last cylinder 2 (the last one is kept back, as SeaBIOS does), 63 sectors, last
    ; head 15, one hard disk.
    mov ah, 0x08
    int 0x13
    CHECK nc, 18
    cmp cx, 0x023F
    CHECK e, 19
    cmp dx, 0x0F01
    CHECK e, 20

    ; AH=15h: a hard disk of CX:DX sectors, the cylinders AH=08h reports.
    mov ax, 0x15FF
    mov dl, 0x80
    int 0x13
    CHECK nc, 21
    cmp ah, 0x03
    CHECK e, 22
    cmp cx, 0
    CHECK e, 23
    cmp dx, 3 * 16 * 63
    CHECK e, 24

    ; AX=4B01h fails on a hard disk.
    mov ax, 0x4B01
    mov dl, 0x80
    mov si, params
    int 0x13
    CHECK c, 25

    ; Drive 81h is absent: 41h, 08h and 48h fail at once with AH=01h.
    mov ah, 0x41
    mov bx, 0x55AA
    mov dl, 0x81
    int 0x13
    CHECK c, 26
    cmp ah, 0x01
    CHECK e, 27
    mov ah, 0x08
    mov dl, 0x81
    int 0x13
    CHECK c, 28
    mov ah, 0x48
    mov dl, 0x81
    mov si, params
    int 0x13
    CHECK c, 29

    ; AH=02h at cylinder 2, head 5, sector 7 is LBA (2 * 16 + 5) * 63 + 6 = 2337; it matches
    ; what AH=42h reads there.
    mov ax, 0x0201
    mov bx, BUF
    mov cx, 0x0207
    mov dx, 0x0580
    int 0x13
    CHECK nc, 30
    cmp al, 1
    CHECK e, 31
    mov byte [dap], 0x10
    mov dword [dap.buffer], BUF2
    mov dword [dap.lba], 2337
    mov si, dap
    mov ah, 0x42
    int 0x13
    CHECK nc, 32
    mov si, BUF
    mov di, BUF2
    mov cx, 512
    cld
    repe cmpsb
    CHECK e, 33
    cmp dword [BUF + 508], 2337
    CHECK e, 34

    ; Starting past the end: a bad parameter. Running past it: sector not found, no blocks done.
    mov dword [dap.lba], SECTORS
    mov si, dap
    mov ah, 0x42
    int 0x13
    CHECK c, 35
    cmp ah, 0x01
    CHECK e, 36
    mov dword [dap.lba], SECTORS - 1
    mov word [dap.count], 2
    mov ah, 0x42
    int 0x13
    CHECK c, 43
    cmp ah, 0x04
    CHECK e, 44
    cmp word [dap.count], 0
    CHECK e, 37
    ; AH=01h returns that status.
    mov ah, 0x01
    int 0x13
    CHECK c, 45
    cmp ah, 0x04
    CHECK e, 46

    ; AH=43h writes (the image runs with -snapshot) and AH=42h reads the write back.
    mov dword [BUF + 508], 0xC0FFEE
    mov word [dap.count], 1
    mov dword [dap.buffer], BUF
    mov dword [dap.lba], 100
    mov ax, 0x4300
    int 0x13
    CHECK nc, 38
    mov dword [dap.buffer], BUF2
    mov ah, 0x42
    int 0x13
    CHECK nc, 39
    cmp dword [BUF2 + 508], 0xC0FFEE
    CHECK e, 40
    PUTS "hard disk services ok", 10
    PASS

dap:
    db 0x10, 0
.count: dw 1
.buffer: dd BUF
.lba: dq 0
.flat: dq 0

; Each sector after the two of code ends with its LBA.
%assign k 3
%rep SECTORS - 3
    times (k + 1) * 512 - 4 - ($ - $$) db 0
    dd k
%assign k k + 1
%endrep
