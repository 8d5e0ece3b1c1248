; Boots from a 1.44 MB diskette with the default boot order: the boot sector reads the next 40
; sectors one at a time with INT 13h AH=02h, walking sector, head and cylinder (across the
; head 0 -> 1 and cylinder 0 -> 1 boundaries), checks AH=08h, reads a whole track at once, then
; switches to protected mode and runs the loaded 32-bit code, which checks each sector's marker.
%include "lib/boot.inc"

PAYLOAD equ 0x7E00
SECTORS equ 40

start:
    BOOT_INIT
    cmp dl, 0x00
    CHECK e, 1
    mov bx, PAYLOAD
    mov cx, 0x0002          ; cylinder 0, sector 2
    xor dh, dh
    mov di, SECTORS
.next:
    mov ax, 0x0201
    int 0x13
    CHECK nc, 2
    cmp ax, 0x0001          ; AH = 0, AL = sectors read
    CHECK e, 3
    add bx, 512
    NEXT_CHS 18, 2
    dec di
    jnz .next

    ; AH=08h: 1.44 MB (type 4), 80 cylinders, 2 heads, 18 sectors, one drive, the INT 1Eh table.
    mov ah, 0x08
    xor dl, dl
    int 0x13
    CHECK nc, 4
    cmp bl, 4
    CHECK e, 5
    cmp cx, 0x4F12
    CHECK e, 6
    cmp dx, 0x0101
    CHECK e, 7
    cmp byte [es:di + 4], 18
    CHECK e, 8
    cmp di, [0x1E * 4]
    CHECK e, 9

    ; One call for the whole of cylinder 0, head 1 (LBA 18-35) at 1000:0000.
    mov ax, 0x1000
    mov es, ax
    xor bx, bx
    mov ax, 0x0212
    mov cx, 0x0001
    mov dx, 0x0100
    int 0x13
    CHECK nc, 10
    cmp al, 18
    CHECK e, 11
    cmp dword [es:508], 18
    CHECK e, 12
    cmp dword [es:17 * 512 + 508], 35
    CHECK e, 13
    ; No disk extensions on diskettes.
    mov ah, 0x41
    mov bx, 0x55AA
    xor dl, dl
    int 0x13
    CHECK c, 17
    ; Past the last cylinder: a bad parameter.
    mov ax, 0x0201
    mov cx, 0x5001
    xor dx, dx
    int 0x13
    CHECK c, 14
    cmp ah, 0x01
    CHECK e, 15

    lgdt [gdt_desc]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp 0x08:protected

    FLAT_GDT

    BOOT_SIGNATURE

; ---- the payload, LBA 1 onwards, run in protected mode at PAYLOAD ----
bits 32
protected:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x7C00
    mov ebx, PAYLOAD + 508
    mov ecx, 1
.check:
    cmp [ebx], ecx
    CHECK e, 20
    add ebx, 512
    inc ecx
    cmp ecx, SECTORS
    jbe .check
    mov esi, message
.print:
    lodsb
    test al, al
    jz .done
    out 0xE9, al
    jmp .print
.done:
    PASS
message: db "protected mode payload loaded", 10, 0

; Each sector after the boot sector ends with its LBA.
%assign k 1
%rep 79
    times (k + 1) * 512 - 4 - ($ - $$) db 0
    dd k
%assign k k + 1
%endrep
    times 1474560 - ($ - $$) db 0
