; An El Torito emulated boot disk (cdrom_emul.sh puts it on an ISO): with -DHARD=0 a 1.44 MB
; diskette image, booted as drive 00h; with -DHARD=1 a 2 MB hard disk image (4 cylinders x 16
; heads x 63 sectors, one partition), booted as drive 80h. Every sector from the third on ends
; with MARK + its LBA. Checks what the BIOS gives such a disk: DL, the AX=4B01h packet, AH=08h
; geometry and drive count, CHS reads to its last sector, writes refused, no EDD; the real
; drive of its kind one number up (its sector 0 starts with "REAL"), the other kind where it
; was, the BDA's count; and after AX=4B00h the real drive back at the emulated one's number.
%include "lib/boot.inc"

MARK equ 0x10000
BUF equ 0x8000
%if HARD
DRIVE equ 0x80
OTHER equ 0x00              ; the other kind's first drive, not moved
MEDIA equ 4
CYLINDERS equ 4
HEADS equ 16
SPT equ 63
%else
DRIVE equ 0x00
OTHER equ 0x80
MEDIA equ 2
CYLINDERS equ 80
HEADS equ 2
SPT equ 18
%endif
SECTORS equ CYLINDERS * HEADS * SPT

start:
    jmp 0:.flat                 ; the BIOS enters at 07C0:0000
.flat:
    BOOT_INIT
    cmp dl, DRIVE
    CHECK e, 1
    mov ax, 0x0202              ; the rest of the test: sectors 2-3
    mov bx, stage2
    mov cx, 0x0002
    xor dh, dh
    int 0x13
    CHECK nc, 2
    jmp stage2

%if HARD
    ; The partition table: one partition from CHS 0/1/1 to the disk's last sector.
    times 446 - ($ - $$) db 0
    db 0x80, 1, 1, 0, 0x0C, HEADS - 1, SPT | ((CYLINDERS - 1) >> 2 & 0xC0), (CYLINDERS - 1) & 0xFF
    dd SPT, SECTORS - SPT
%endif
    BOOT_SIGNATURE

stage2:
    ; AX=4B01h: the packet of an emulated boot.
    mov ax, 0x4B01
    mov dl, DRIVE
    mov si, spec
    int 0x13
    CHECK nc, 3
    cmp byte [spec], 0x13
    CHECK e, 4
    cmp byte [spec + 1], MEDIA
    CHECK e, 5
    cmp byte [spec + 2], DRIVE
    CHECK e, 6
    cmp byte [spec + 3], 1      ; the secondary IDE channel's
    CHECK e, 12
    cmp word [spec + 8], 0      ; master
    CHECK e, 31
    cmp dword [spec + 4], 0     ; the image's LBA on the CD
    CHECK ne, 7
    cmp word [spec + 0x0C], 0x07C0
    CHECK e, 8
    cmp word [spec + 0x0E], 1
    CHECK e, 9
    ; Bytes 10h-12h: SeaBIOS and the Bochs BIOS order them differently; both put the sectors
    ; per track in the low bits of 11h.
    mov al, [spec + 0x11]
    and al, 0x3F
    cmp al, SPT
    CHECK e, 11

    ; AH=08h: the emulated geometry (a hard disk keeps its last cylinder back), and two drives
    ; of the kind: the emulated one and the real one.
    mov ah, 0x08
    mov dl, DRIVE
    int 0x13
    CHECK nc, 13
%if HARD
    cmp cx, ((CYLINDERS - 2) & 0xFF) << 8 | SPT
%else
    cmp cx, ((CYLINDERS - 1) & 0xFF) << 8 | SPT
    CHECK e, 14
    cmp bl, 4                   ; 1.44 MB
%endif
    CHECK e, 15
    cmp dx, (HEADS - 1) << 8 | 2
    CHECK e, 16
    xor ax, ax                  ; a diskette's AH=08h returned its parameter table in ES:DI
    mov es, ax

    ; AH=02h: the last sector, through the geometry.
    mov ax, 0x0201
    mov bx, BUF
    mov cx, ((CYLINDERS - 1) & 0xFF) << 8 | ((CYLINDERS - 1) >> 2 & 0xC0) | SPT
    mov dh, HEADS - 1
    mov dl, DRIVE
    int 0x13
    CHECK nc, 17
    cmp dword [BUF + 508], MARK + SECTORS - 1
    CHECK e, 18

    ; AH=03h: write protected.
    mov ax, 0x0301
    mov cx, 0x0005
    xor dh, dh
    int 0x13
    CHECK c, 19
    cmp ah, 0x03
    CHECK e, 20

    ; AH=41h: no extensions on an emulated disk.
    mov ah, 0x41
    mov bx, 0x55AA
    mov dl, DRIVE
    int 0x13
    CHECK c, 21

    ; The real drive of the kind is one number up; the other kind has not moved.
    mov dl, DRIVE + 1
    call read_sector0
    CHECK nc, 22
    cmp dword [BUF], 'REAL'
    CHECK e, 23
    mov dl, OTHER
    call read_sector0
    CHECK nc, 24
    cmp dword [BUF], 'REAL'
    CHECK e, 25

    ; The BDA counts the emulated drive: two diskettes in the equipment word, or two disks.
%if HARD
    cmp byte [0x475], 2
%else
    mov ax, [0x410]
    and ax, 0xC1
    cmp ax, 0x41
%endif
    CHECK e, 26

    ; AX=4B00h ends the emulation: the real drive is back at its number.
    mov ax, 0x4B00
    mov dl, DRIVE
    mov si, spec
    int 0x13
    CHECK nc, 27
    cmp byte [spec + 2], DRIVE
    CHECK e, 28
    mov dl, DRIVE
    call read_sector0
    CHECK nc, 29
    cmp dword [BUF], 'REAL'
    CHECK e, 30
%if HARD
    PUTS "hard disk emulation ok", 10
%else
    PUTS "diskette emulation ok", 10
%endif
    PASS

; Sector 0 of drive DL to BUF.
read_sector0:
    mov ax, 0x0201
    mov bx, BUF
    mov cx, 0x0001
    xor dh, dh
    int 0x13
    ret

spec: times 0x13 db 0

%assign k 3
%rep SECTORS - 3
    times (k + 1) * 512 - 4 - ($ - $$) db 0
    dd MARK + k
%assign k k + 1
%endrep
